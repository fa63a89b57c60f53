package store

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/dispatch"
	_ "github.com/floodcmd/floodcmd/engine" // binds the domain packages' decision types to the registry
	"github.com/floodcmd/floodcmd/evac"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/geo"
	"github.com/floodcmd/floodcmd/warning"
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
		r.batch.Queue(`INSERT INTO rejections (town, seq, event_id, subject, reason, field, value, input_seq, at, code)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,NULLIF($10,''))`, town, seq, clean(rej.EventID), clean(rej.Subject), clean(rej.Reason),
			clean(rej.Field), clean(rej.Value), int64(rej.Seq), ev.Time, clean(string(rej.Code)))
		if rej.Seq > 0 && rej.Seq < m.Seq {
			for _, t := range derived {
				r.batch.Queue(`DELETE FROM `+t+` WHERE town = $1 AND seq = $2`, town, int64(rej.Seq))
			}
		}
		return
	case events.ChanOut:
		p.addDecision(r, seq, ev)
		return
	case events.ChanAid:
		var a events.Aid
		if ev.DecodeData(&a) != nil {
			return // the engine refuses it too; its rejection will say why
		}
		r.batch.Queue(`INSERT INTO aid_requests (town, seq, type, event_id, request, direction, from_town, to_town, incident, at, data)
			VALUES ($1,$2,$3,$4,$5,'received',$6,$7,$8,$9,$10)`, town, seq, clean(ev.Type), clean(ev.ID),
			nullable(a.Request), nullable(a.From), town, nullable(a.Incident), ev.Time, jsonb(ev.Data))
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

// addDecision projects one of the engine's decisions, decoded through the
// registry (events.Decisions) into its owner's type. A type the registry does
// not know (a later version's) is kept in events only.
func (p *Projector) addDecision(r *rows, seq int64, ev events.Event) {
	town := p.cfg.Town
	spec, data, ok, err := events.DecodeDecision(ev)
	if !ok || err != nil {
		return
	}
	switch d := data.(type) {
	case *dispatch.Decision:
		p.addDispatchDecision(r, seq, ev, d)
	case *evac.Decision:
		r.batch.Queue(`INSERT INTO evac_orders (town, seq, type, event_id, order_id, operator, at, data) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
			town, seq, clean(ev.Type), clean(ev.ID), nullable(d.Order), nil, ev.Time, jsonb(ev.Data))
	case *warning.Change:
		switch spec.Type {
		case events.TypeWarningIssued, events.TypeWarningLowered, events.TypeWarningCleared:
			r.batch.Queue(`INSERT INTO warnings (town, seq, type, event_id, warning, level, at, data) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
				town, seq, clean(ev.Type), clean(ev.ID), nullable(d.ID), nullable(d.Level), ev.Time, jsonb(ev.Data))
		}
	case *events.Aid:
		p.addAidGiven(r, seq, ev, d.Request, d.To, d.Incident)
	case *events.AidDelivered:
		p.addAidGiven(r, seq, ev, "", d.To, "")
	}
}

// addAidGiven keeps one of our own mutual-aid messages (or its delivery marker).
func (p *Projector) addAidGiven(r *rows, seq int64, ev events.Event, request, to, incident string) {
	r.batch.Queue(`INSERT INTO aid_requests (town, seq, type, event_id, request, direction, from_town, to_town, incident, at, data)
		VALUES ($1,$2,$3,$4,$5,'given',$1,$6,$7,$8,$9)`, p.cfg.Town, seq, clean(ev.Type), clean(ev.ID),
		nullable(request), nullable(to), nullable(incident), ev.Time, jsonb(ev.Data))
}

// addDispatchDecision projects one of the dispatcher's decisions.
func (p *Projector) addDispatchDecision(r *rows, seq int64, ev events.Event, d *dispatch.Decision) {
	town := p.cfg.Town
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
		status := "cancelled"
		if ev.Type == events.TypeAssignmentTimedOut {
			status = "timed_out"
		}
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
