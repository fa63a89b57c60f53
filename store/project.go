package store

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/geo"
)

// Message is one message of a town's log as the projector sees it.
type Message struct {
	Seq     uint64
	Subject string
	Data    []byte
}

// LocateFunc names the village and grid a WGS-84 point lies in ("" when outside).
type LocateFunc func(lat, lon float64) (village, grid string)

// LocatorFunc adapts a town's geo.Locator for Config.Locate.
func LocatorFunc(l *geo.Locator) LocateFunc {
	return func(lat, lon float64) (string, string) {
		v, g, _ := l.Locate(orb.Point{lon, lat})
		return v, g
	}
}

// rows is what one batch of messages writes: bulk rows copied, then statements
// queued in log order (they may depend on each other, e.g. a status on an
// assignment created earlier in the same batch).
type rows struct {
	events [][]any
	rain   [][]any
	level  [][]any
	batch  pgx.Batch
}

// derived lists the tables whose rows come from an input and go when the
// engine refuses that input: the projection shows what the engine applied.
var derived = []string{"incidents", "responder_status", "assignment_status", "rain_readings", "level_readings",
	"household_states", "shelter_occupancy", "warnings", "evac_orders", "aid_requests"}

// clean makes a string storable as PostgreSQL text: valid UTF-8 without NUL.
func clean(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// jsonb returns data as a jsonb value, or nil when PostgreSQL would refuse it
// (\u0000 has no place in jsonb text); the raw bytes are kept in events.raw then.
func jsonb(data []byte) any {
	if len(data) == 0 || bytes.Contains(data, []byte(`\u0000`)) {
		return nil
	}
	return json.RawMessage(data)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return clean(s)
}

// add appends the rows message m calls for. It never fails: a message that
// cannot be understood is still kept in events, raw.
func (p *Projector) add(r *rows, m Message) {
	town := p.cfg.Town
	ev, envErr := events.DecodeEnvelope(m.Data)
	var data any
	var raw []byte
	if envErr == nil {
		if data = jsonb(ev.Data); data == nil {
			raw = m.Data
		}
	} else {
		raw = m.Data
	}
	var typ, id, source any
	var at any
	if envErr == nil {
		typ, id, source, at = clean(ev.Type), clean(ev.ID), clean(ev.Source), ev.Time
	}
	r.events = append(r.events, []any{town, int64(m.Seq), clean(m.Subject), typ, id, source, at, envErr == nil && ev.Drill, data, raw})
	if envErr != nil {
		return
	}
	addr, err := events.ParseSubject(m.Subject)
	if err != nil {
		return
	}
	seq := int64(m.Seq)
	switch addr.Channel {
	case events.ChanRejected:
		var rej events.Rejected
		if ev.DecodeData(&rej) != nil {
			return
		}
		r.batch.Queue(`INSERT INTO rejections (town, seq, event_id, subject, reason, field, value, input_seq, at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, town, seq, clean(rej.EventID), clean(rej.Subject), clean(rej.Reason),
			clean(rej.Field), clean(rej.Value), int64(rej.Seq), ev.Time)
		if rej.Seq > 0 && rej.Seq < m.Seq {
			for _, t := range derived {
				r.batch.Queue(`DELETE FROM `+t+` WHERE town = $1 AND seq = $2`, town, int64(rej.Seq))
			}
		}
		return
	case events.ChanOut:
		p.addDecision(r, seq, ev)
		return
	case "aid":
		r.batch.Queue(`INSERT INTO aid_requests (town, seq, type, event_id, request, direction, from_town, to_town, incident, at, data)
			VALUES ($1,$2,$3,$4,$5,'received',$6,$7,$8,$9,$10)`, town, seq, clean(ev.Type), clean(ev.ID),
			nullable(field(ev.Data, "request", "request_id")), nullable(field(ev.Data, "from", "from_town", "requester")),
			town, nullable(field(ev.Data, "incident")), ev.Time, jsonb(ev.Data))
		return
	}
	// Types that later contract versions add on input channels are kept generically.
	if p.addGeneric(r, seq, ev, "") {
		return
	}
	in, err := events.Validate(town, m.Subject, m.Data)
	if err != nil {
		return // the engine refuses it too; its rejection will say why
	}
	p.addInput(r, seq, in)
}

// addInput projects a valid input.
func (p *Projector) addInput(r *rows, seq int64, in events.Input) {
	town, ev := p.cfg.Town, in.Event
	switch d := in.Data.(type) {
	case *events.RainObserved:
		r.rain = append(r.rain, []any{town, seq, clean(d.Gauge), d.MM, d.Minutes, ev.Time, ev.Drill})
	case *events.LevelObserved:
		r.level = append(r.level, []any{town, seq, clean(d.Gauge), d.Meters, ev.Time, ev.Drill})
	case *events.IncidentReported:
		id := d.Incident
		if id == "" {
			id = ev.ID
		}
		pt := orb.Point{d.Lon, d.Lat}
		if strings.EqualFold(d.CRS, "gcj02") {
			pt = geo.GCJ02ToWGS84(pt)
		}
		var village, grid string
		if p.cfg.Locate != nil {
			village, grid = p.cfg.Locate(pt.Lat(), pt.Lon())
		}
		// The first report of an id wins, as in the engine; a repeat is refused there.
		r.batch.Queue(`INSERT INTO incidents (town, incident, seq, event_id, kind, lat, lon, village, grid, people, severity, note, reporter, drill, reported_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) ON CONFLICT DO NOTHING`,
			town, clean(id), seq, clean(ev.ID), clean(d.Kind), pt.Lat(), pt.Lon(), village, grid, d.People, d.Severity,
			clean(d.Note), clean(d.Reporter), ev.Drill, ev.Time)
	case *events.ResponderStatus:
		rid := in.Address.Key
		var lat, lon any
		if d.Lat != nil && d.Lon != nil {
			pt := orb.Point{*d.Lon, *d.Lat}
			if strings.EqualFold(d.CRS, "gcj02") {
				pt = geo.GCJ02ToWGS84(pt)
			}
			lat, lon = pt.Lat(), pt.Lon()
		}
		r.batch.Queue(`INSERT INTO responder_status (town, seq, responder, status, assignment, lat, lon, note, at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, town, seq, rid, d.Status, nullable(d.Assignment), lat, lon, nullable(d.Note), ev.Time)
		switch d.Status {
		case "accepted", "declined", "en_route", "on_scene", "done":
		default:
			return
		}
		if d.Assignment != "" {
			r.batch.Queue(`INSERT INTO assignment_status (town, seq, assignment, status, responder, at)
				VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING`, town, seq, clean(d.Assignment), d.Status, rid, ev.Time)
		} else {
			// A phone may leave the assignment out: it is the responder's latest, as the dispatcher reads it.
			r.batch.Queue(`INSERT INTO assignment_status (town, seq, assignment, status, responder, at)
				SELECT $1, $2, a.assignment, $4, $3, $5 FROM assignments a
				WHERE a.town = $1 AND a.responder = $3 ORDER BY a.seq DESC LIMIT 1
				ON CONFLICT DO NOTHING`, town, seq, rid, d.Status, ev.Time)
		}
	case *events.ShelterCheck:
		delta, state := d.People, "checked_in"
		if ev.Type == events.TypeShelterCheckout {
			delta, state = -d.People, "checked_out"
		}
		shelter := in.Address.Key
		r.batch.Queue(`INSERT INTO shelter_occupancy (town, seq, shelter, delta, household, at) VALUES ($1,$2,$3,$4,$5,$6)`,
			town, seq, shelter, delta, nullable(d.Household), ev.Time)
		if d.Household != "" {
			r.batch.Queue(`INSERT INTO household_states (town, seq, household, state, shelter, people, at) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
				town, seq, clean(d.Household), state, shelter, d.People, ev.Time)
		}
	case *events.Command:
		verb := in.Verb()
		r.batch.Queue(`INSERT INTO audit (town, seq, event_id, operator, verb, source, at, drill, data) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
			town, seq, clean(ev.ID), clean(d.Operator), clean(verb), clean(ev.Source), ev.Time, ev.Drill, jsonb(ev.Data))
		if verb == "evacuate" {
			r.batch.Queue(`INSERT INTO evac_orders (town, seq, type, event_id, order_id, operator, at, data) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
				town, seq, clean(ev.Type), clean(ev.ID), clean(ev.ID), clean(d.Operator), ev.Time, jsonb(ev.Data))
		}
		if verb == "resolve" && d.Incident != "" {
			// An operator's resolve closes the incident in the fold without a
			// decision of its own: the record closes it here, or the report and
			// the history would show it open for ever.
			r.batch.Queue(`UPDATE incidents SET resolved_at = $3, resolved_by = $4 WHERE town = $1 AND incident = $2 AND resolved_at IS NULL`,
				town, clean(d.Incident), ev.Time, nullable(d.Operator))
		}
	}
}

// addDecision projects one of the engine's decisions.
func (p *Projector) addDecision(r *rows, seq int64, ev events.Event) {
	town := p.cfg.Town
	if p.addGeneric(r, seq, ev, "given") {
		return
	}
	var d dispatch.Decision
	if ev.DecodeData(&d) != nil {
		return
	}
	at := d.Time
	if at.IsZero() {
		at = ev.Time
	}
	switch ev.Type {
	case events.TypeAssignmentCreated:
		r.batch.Queue(`INSERT INTO assignments (town, assignment, seq, incident, responder, lat, lon, eta_s, priority, capability, reason, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT DO NOTHING`, town, clean(d.Assignment), seq,
			clean(d.Incident), clean(d.Responder), d.Lat, d.Lon, d.ETASeconds, d.Priority, clean(string(d.Capability)), clean(d.Reason), at)
		r.batch.Queue(`INSERT INTO assignment_status (town, seq, assignment, status, responder, at) VALUES ($1,$2,$3,'created',$4,$5)`,
			town, seq, clean(d.Assignment), clean(d.Responder), at)
	case events.TypeAssignmentCancelled, events.TypeAssignmentTimedOut:
		status := strings.TrimPrefix(ev.Type, "flood.assignment.")
		r.batch.Queue(`INSERT INTO assignment_status (town, seq, assignment, status, responder, at) VALUES ($1,$2,$3,$4,$5,$6)`,
			town, seq, clean(d.Assignment), status, nullable(d.Responder), at)
	case events.TypeIncidentResolved:
		r.batch.Queue(`UPDATE incidents SET resolved_at = $3, resolved_by = $4 WHERE town = $1 AND incident = $2 AND resolved_at IS NULL`,
			town, clean(d.Incident), at, nullable(d.Reason))
	case events.TypeAidNeeded:
		r.batch.Queue(`INSERT INTO aid_requests (town, seq, type, event_id, request, direction, from_town, incident, at, data)
			VALUES ($1,$2,$3,$4,$4,'needed',$1,$5,$6,$7)`, town, seq, clean(ev.Type), clean(ev.ID), nullable(d.Incident), at, jsonb(ev.Data))
	}
}

// addGeneric keeps warning, evacuation and mutual-aid events, whose typed
// projections come with their contract types, in their tables from data alone.
func (p *Projector) addGeneric(r *rows, seq int64, ev events.Event, aidDirection string) bool {
	town := p.cfg.Town
	switch {
	case strings.HasPrefix(ev.Type, "flood.warning."):
		r.batch.Queue(`INSERT INTO warnings (town, seq, type, event_id, warning, level, at, data) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
			town, seq, clean(ev.Type), clean(ev.ID), nullable(field(ev.Data, "warning", "id")), nullable(field(ev.Data, "level", "severity")),
			ev.Time, jsonb(ev.Data))
	case strings.HasPrefix(ev.Type, "flood.evac."):
		r.batch.Queue(`INSERT INTO evac_orders (town, seq, type, event_id, order_id, operator, at, data) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
			town, seq, clean(ev.Type), clean(ev.ID), nullable(field(ev.Data, "order", "evacuation", "id")), nullable(field(ev.Data, "operator")),
			ev.Time, jsonb(ev.Data))
	case strings.HasPrefix(ev.Type, "flood.aid.") && aidDirection != "":
		r.batch.Queue(`INSERT INTO aid_requests (town, seq, type, event_id, request, direction, from_town, to_town, incident, at, data)
			VALUES ($1,$2,$3,$4,$5,$6,$1,$7,$8,$9,$10)`, town, seq, clean(ev.Type), clean(ev.ID),
			nullable(field(ev.Data, "request", "request_id")), aidDirection, nullable(field(ev.Data, "to", "to_town", "provider")),
			nullable(field(ev.Data, "incident")), ev.Time, jsonb(ev.Data))
	default:
		return false
	}
	return true
}

// field returns the first of names present in a JSON object as a string
// (numbers and booleans as written), "" if none is.
func field(data []byte, names ...string) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return ""
	}
	for _, n := range names {
		v, ok := obj[n]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
		return string(bytes.TrimSpace(v))
	}
	return ""
}
