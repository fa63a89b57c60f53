package engine

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/aid"
	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/evac"
	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/geo"
	"github.com/floodcmd/floodcmd/warning"
)

// Outgoing is a decision the engine appends to the log.
type Outgoing struct {
	Subject string
	Event   events.Event
}

// Domain is what the inputs mean for one town: its roads, its responders and
// incidents, its gauges. It is folded by one goroutine; readers hold the engine's lock.
type Domain struct {
	town     string
	source   string
	scenario *geo.Scenario
	locator  *geo.Locator
	graph    *geo.Graph
	dispatch *dispatch.Dispatcher
	evac     *evac.Evacuation
	warn     *warning.Warnings
	rainfall *rainfall
	depths   map[string]float64
	aid      *aid.State
	idDir    string   // where states over this domain page their dedup index (SetIDIndexDir)
	sealKey  []byte   // the town's decision key (SetDecisionKey)
	seq      uint64   // decisions made, for their ids
	drill    bool     // an exercise event has been folded: Exercise CAP alerts act
	voids    []void   // decisions found void whose notice is not yet in the log
	voidLog  []string // the last few voids, for the log and tests
	// dataTime is the newest event time folded; finished work older than
	// retention by it leaves the live view (retention.go).
	dataTime  time.Time
	retention time.Duration
	// evacAt is when the evacuation plan was last looked at (Decide's clock;
	// written by the engine's loop alone).
	evacAt time.Time
	// changed is set by every fold that can change what the dispatcher would
	// decide; Decide skips the optimiser while nothing changed, except on a tick
	// (ack timeouts fall due with the clock, not with events).
	changed atomic.Bool
	// readings is set by a rain or level reading: only warnings need a look.
	readings atomic.Bool

	// unregistered counts decisions not appended because their kind has no
	// contract type in the registry (a programming error; tests keep it 0).
	unregistered int
	// origin is what the domain was built from, fingerprinted for snapshots (fingerprint.go).
	origin origin
}

// RoadState is a road that is not as the map has it: closed, or under water.
type RoadState struct {
	ID     string  `json:"id"`
	Closed bool    `json:"closed"`
	Depth  float64 `json:"depth_m,omitempty"`
}

// DomainView is the domain part of /api/state. Collections are flat, top-level
// lists of objects with an "id", so the board's feed can send what changed by id.
type DomainView struct {
	dispatch.View
	EvacOrders      []evac.OrderView      `json:"evac_orders"`
	Shelters        []evac.ShelterView    `json:"shelters"`
	EvacGrids       []evac.Headcount      `json:"evac_grids"`
	EvacVillages    []evac.Headcount      `json:"evac_villages"`
	Unaccounted     []evac.HouseholdView  `json:"unaccounted"`
	EvacProgress    []evac.ProgressView   `json:"evac_progress"`
	EscortRuns      []evac.RunView        `json:"escort_runs"`
	Gauges          []warning.GaugeView   `json:"gauges"`
	Warnings        []WarningItem         `json:"warnings"`
	WarningVillages []warning.VillageView `json:"warning_villages"`
	Proposals       []warning.Proposal    `json:"proposals"`
	WarningConfig   string                `json:"warning_config"`
	Rainfall        []GaugeHours          `json:"rainfall"`
	Roads           []RoadState           `json:"roads"`
	// Aid is mutual aid with other towns, requests in and out; each item names
	// its partner town (town, from, to) so a partner's board shows only its own.
	Aid []aid.Record `json:"aid"`
}

// WarningItem is an active warning with a key of its own: a gauge and its
// village may carry warnings under the same id.
type WarningItem struct {
	Key string `json:"id"`
	warning.Warning
	Target string `json:"target"`
}

// NewDomain builds the domain of a loaded town.
func NewDomain(t *Town, cfg dispatch.Config) (*Domain, error) {
	d, err := dispatch.New(cfg, t.Roster)
	if err != nil {
		return nil, fmt.Errorf("dispatcher: %w", err)
	}
	ev, err := evac.New(t.Evac, t.Scenario, t.Households) // zero fields: evac.DefaultConfig's
	if err != nil {
		return nil, fmt.Errorf("evacuation: %w", err)
	}
	warn, err := warning.New(t.Warning, t.Scenario)
	if err != nil {
		return nil, fmt.Errorf("warnings: %w", err)
	}
	// Neighbours' roads join the graph so that responders lent across the boundary are routed.
	graph, report := geo.NewGraph(append(slices.Clip(t.Scenario.Roads), t.NeighbourRoads...), SnapToleranceMeters)
	t.Graph = report
	return &Domain{town: t.Scenario.Town.ID, source: "floodcmd/" + t.Scenario.Town.ID, scenario: t.Scenario,
		locator: geo.NewLocator(t.Scenario), graph: graph, dispatch: d, evac: ev, warn: warn,
		rainfall: newRainfall(), depths: map[string]float64{}, aid: aid.New(t.Aid, t.Scenario.Town.ID, d),
		retention: DefaultRetention, origin: origin{town: t, cfg: cfg}}, nil
}

// Graph is the town's road graph. Route queries may run concurrently with the
// fold: the graph guards itself.
func (d *Domain) Graph() *geo.Graph { return d.graph }

// Scenario is the town's geography as loaded.
func (d *Domain) Scenario() *geo.Scenario { return d.scenario }

// wgs84 converts an input position to WGS-84 (phones in China give GCJ-02).
func wgs84(lat, lon float64, crs string) orb.Point {
	p := orb.Point{lon, lat}
	if strings.EqualFold(crs, "gcj02") {
		return geo.GCJ02ToWGS84(p)
	}
	return p
}

// Apply folds a validated input.
func (d *Domain) Apply(in events.Input) error {
	switch in.Data.(type) {
	case *events.RainObserved, *events.LevelObserved:
		// A reading changes warnings only: the dispatcher and the evacuation
		// plan are not recomputed for it, so a flood of readings costs a
		// warning evaluation a round, not a full one.
		d.readings.Store(true)
	default:
		d.changed.Store(true)
	}
	d.drill = d.drill || in.Event.Drill
	t := in.Event.Time
	before := d.dataTime
	d.noteTime(t)
	d.forgetFinished(before)
	switch data := in.Data.(type) {
	case *events.IncidentReported:
		id := data.Incident
		if id == "" {
			id = in.Event.ID
		}
		at := wgs84(data.Lat, data.Lon, data.CRS)
		village, grid, _ := d.locator.Locate(at)
		return domainErr(d.dispatch.ReportIncident(dispatch.Incident{ID: id, Kind: data.Kind, At: at, Village: village,
			Grid: grid, People: data.People, Severity: data.Severity, Note: data.Note, Reporter: data.Reporter, ReportedAt: t}))
	case *events.ResponderStatus:
		s := dispatch.StatusReport{Responder: in.Address.Key, Status: data.Status, Assignment: data.Assignment,
			Note: data.Note, Time: t}
		if data.Lat != nil {
			s.At, s.HasPosition = wgs84(*data.Lat, *data.Lon, data.CRS), true
		}
		if err := d.dispatch.SetStatus(s); err != nil {
			return domainErr(err)
		}
		d.aid.GuestReport(s, in.Event.ID)
	case *events.Aid:
		return d.aid.Receive(in.Address.Key, data, t)
	case *events.RainObserved:
		if err := d.warn.Rain(data.Gauge, data.MM, data.Minutes, t); err != nil {
			return domainErr(err)
		}
		d.rainfall.add(data.Gauge, t, data.MM)
	case *events.LevelObserved:
		return domainErr(d.warn.Level(data.Gauge, data.Meters, t))
	case *events.CAPReceived:
		return d.applyCAP(in, data)
	case *events.ShelterCheck:
		if in.Event.Type == events.TypeShelterCheckin {
			return domainErr(d.evac.CheckIn(in.Address.Key, data.Household, data.People, t))
		}
		return domainErr(d.evac.CheckOut(in.Address.Key, data.Household, data.People, t))
	case *events.Command:
		return d.command(in.Verb(), data, in.Event.ID, t)
	default:
		return events.Invalidf("type", in.Event.Type, "valid, but not yet carried out by this version of floodcmd")
	}
	return nil
}

// command carries out an operator's order.
func (d *Domain) command(verb string, c *events.Command, eventID string, t time.Time) error {
	switch verb {
	case events.VerbCloseRoad, events.VerbOpenRoad, events.VerbRoadDepth:
		roads, err := d.roadsOf(c)
		if err != nil {
			return err
		}
		for _, id := range roads {
			switch verb {
			case events.VerbCloseRoad:
				err = d.graph.CloseRoad(id)
			case events.VerbOpenRoad:
				err = d.graph.OpenRoad(id)
				if err == nil {
					err = d.graph.SetDepth(id, 0)
					delete(d.depths, id)
				}
			case events.VerbRoadDepth:
				err = d.graph.SetDepth(id, *c.Meters)
				if *c.Meters > 0 {
					d.depths[id] = *c.Meters
				} else {
					delete(d.depths, id)
				}
			}
			if err != nil {
				return events.Invalidf("data.road", id, "%v", err)
			}
		}
		return nil
	case events.VerbResolve:
		return domainErr(d.dispatch.Resolve(c.Incident, c.Operator, c.Reason, t))
	case events.VerbReassign:
		return domainErr(d.dispatch.Reassign(c.Assignment, c.Responder, c.Operator, c.Reason, t))
	case events.VerbEvacuate:
		id := c.Order
		if id == "" {
			id = eventID
		}
		o := evac.OrderInput{ID: id, Kind: c.Level, Grids: c.Grids, Villages: c.Villages, Operator: c.Operator, Reason: c.Reason, Time: t}
		for _, p := range c.Polygon {
			o.Polygon = append(o.Polygon, orb.Point{p[0], p[1]})
		}
		return domainErr(d.evac.Order(o))
	case events.VerbCancelEvacuation:
		return domainErr(d.evac.Cancel(c.Order, c.Operator, c.Reason, t))
	case events.VerbOpenShelter:
		return domainErr(d.evac.OpenShelter(c.Shelter, c.Operator, c.Reason, t))
	case events.VerbCloseShelter:
		return domainErr(d.evac.CloseShelter(c.Shelter, c.Operator, c.Reason, t))
	case events.VerbApprove:
		if err := d.warn.Approve(c.Proposal, c.Operator, t); err != nil {
			return domainErr(err)
		}
		return d.carryOut(d.proposal(c.Proposal), c.Operator, t)
	case events.VerbDismiss:
		return domainErr(d.warn.Dismiss(c.Proposal, c.Operator, t))
	case events.VerbRequestAid, events.VerbApproveAid, events.VerbDeclineAid, events.VerbReleaseAid:
		return d.aid.Command(verb, c, t)
	case events.VerbHousehold:
		switch c.Status {
		case "notified":
			return domainErr(d.evac.Notify(c.Household, c.Operator, t))
		case "moving":
			return domainErr(d.evac.Moving(c.Household, t))
		case "staying":
			return domainErr(d.evac.Staying(c.Household, c.Operator, t))
		}
	}
	return events.Invalidf("type", events.TypeCommandPrefix+verb, "not carried out by this version")
}

// roadsOf names the roads a road command is about: the one given, or those
// passing within radius_m (default 30 m) of the point given.
func (d *Domain) roadsOf(c *events.Command) ([]string, error) {
	if c.Road != "" {
		return []string{c.Road}, nil
	}
	radius := c.RadiusM
	if radius == 0 {
		radius = 30
	}
	p := wgs84(*c.Lat, *c.Lon, c.CRS)
	roads := d.graph.RoadsNear(p, radius)
	if len(roads) == 0 {
		return nil, events.Invalidf("data.lat", fmt.Sprintf("%.5f,%.5f", p.Lat(), p.Lon()), "no road within %.0f m of this point", radius)
	}
	return roads, nil
}

// domainErr turns a domain package's refusal into a rejection in parts that
// keeps its code (invalid, not found, conflict) and its words.
func domainErr(err error) error { return events.Refusal(err) }

// ApplyDecision folds one of the engine's recorded decisions, routed by the
// registry (events.Decisions) to the domain that owns its type.
func (d *Domain) ApplyDecision(ev events.Event) error {
	d.changed.Store(true)
	d.seq++
	spec, ok := events.Decision(ev.Type)
	if !ok {
		return nil // a later version's decision type: kept in the log, not folded here
	}
	if told, err := d.applyVoidNotice(ev); told {
		return err
	}
	switch spec.Owner {
	case events.OwnerDispatch:
		return foldAs(spec, ev, d.applyDispatchDecision)
	case events.OwnerEvac:
		return foldAs(spec, ev, d.applyEvacDecision)
	case events.OwnerWarning:
		return foldAs(spec, ev, d.applyWarningChange)
	case events.OwnerAid:
		return d.aid.Apply(ev)
	case events.OwnerEngine:
		return nil // a round's marker carried an expectation; void notices are folded above
	}
	return fmt.Errorf("decision %s: type %s is owned by %q, which this fold does not know", ev.ID, ev.Type, spec.Owner)
}

// applyDispatchDecision folds one of the dispatcher's decisions, and what it
// means for mutual aid.
func (d *Domain) applyDispatchDecision(dec dispatch.Decision) error {
	if dec.Type == "" {
		return nil // not a dispatcher decision
	}
	if err := d.dispatch.Apply(dec); err != nil {
		return err
	}
	switch dec.Type {
	case dispatch.DecisionAidNeeded:
		d.aid.Needed(dec)
	case dispatch.DecisionAssignmentCreated:
		d.aid.Assigned(dec)
	}
	return nil
}

// applyEvacDecision folds a shelter choice, and turns an escort request into an
// evacuation incident for the dispatcher: responders with the evacuation
// capability fetch the household, the most vulnerable first.
func (d *Domain) applyEvacDecision(dec evac.Decision) error {
	if err := d.evac.Apply(dec); err != nil {
		return err
	}
	if dec.Type != evac.DecisionEscortNeeded {
		return nil
	}
	at := orb.Point{dec.Lon, dec.Lat}
	village, grid, _ := d.locator.Locate(at)
	id, what := "escort-"+dec.Household, "household "+dec.Household
	if dec.Run != "" { // one incident per escort run (a team's trip), not per household
		id, what = "escort-"+dec.Run, fmt.Sprintf("run %s, %d household(s)", dec.Run, len(dec.Households))
	}
	return d.dispatch.ReportIncident(dispatch.Incident{ID: id, Kind: dispatch.KindEvacuation,
		At: at, Village: village, Grid: grid, People: dec.People, Severity: dec.Priority,
		Note:     fmt.Sprintf("护送转移 escort: %d vulnerable of %d, %s. %s", dec.Vulnerable, dec.People, what, dec.Reason),
		Reporter: "evac", ReportedAt: dec.Time})
}

// addWarnings adds the warning changes the readings call for at now.
func (d *Domain) addWarnings(now time.Time, add func(subject, typ string, data any)) {
	emit := d.emitter(add)
	for _, c := range d.warn.Evaluate(now) {
		emit(events.OwnerWarning, c.Type, c)
	}
}

// decideWarnings is Decide when only readings came in.
func (d *Domain) decideWarnings(now time.Time) []Outgoing {
	var out []Outgoing
	d.addWarnings(now, d.adder(now, &out))
	return out
}

// adder returns the function that turns a decision into an outgoing event of out.
func (d *Domain) adder(now time.Time, out *[]Outgoing) func(subject, typ string, data any) {
	return func(subject, typ string, data any) {
		id := fmt.Sprintf("%s-d%d-%d-%d", d.town, d.seq, now.UnixNano(), len(*out))
		if ev, err := events.New(id, d.source, typ, now, data); err == nil {
			*out = append(*out, Outgoing{Subject: subject, Event: ev})
		}
	}
}

// evacTickEvery is how often a tick without a change looks at the evacuation plan.
const evacTickEvery = time.Minute

// Decide returns the decisions the state calls for at now; it does not change
// the state. Unless tick is set it returns nothing when no fold changed anything.
func (d *Domain) Decide(now time.Time, tick bool) []Outgoing {
	changed := d.changed.Swap(false)
	readings := d.readings.Swap(false)
	if !changed && !readings && !tick {
		return nil
	}
	if !changed && !tick {
		return d.decideWarnings(now) // only readings came in
	}
	// On a tick alone only the clock moved: ack time-outs and silent gauges fall
	// due with it every tick, but shelters (night capacity) change by the hour,
	// so the evacuation plan, the costliest part, is looked at once a minute.
	evacDue := changed || now.Sub(d.evacAt) >= evacTickEvery || now.Before(d.evacAt)
	decs := d.dispatch.Decide(now, d.graph)
	out := make([]Outgoing, 0, len(decs))
	add := d.adder(now, &out)
	d.decideVoidNotices(add)
	d.addWarnings(now, add)
	var evacDecs []evac.Decision
	if evacDue {
		d.evacAt = now
		evacDecs = d.evac.Decide(now, d.graph)
	}
	emit := d.emitter(add)
	for _, dec := range evacDecs {
		emit(events.OwnerEvac, dec.Type, dec)
	}
	for _, dec := range decs {
		emit(events.OwnerDispatch, dec.Type, dec)
	}
	d.decideAid(now, emit)
	return out
}

// View renders the domain for /api/state.
func (d *Domain) View() DomainView {
	wv, ev := d.warn.View(), d.evac.View()
	dv := d.dispatch.View()
	d.retain(&dv)
	v := DomainView{View: dv, EvacOrders: ev.Orders, Shelters: ev.Shelters, EvacGrids: ev.Grids,
		EvacVillages: ev.Villages, Unaccounted: ev.Unaccounted, EvacProgress: ev.Progress, EscortRuns: ev.EscortRuns,
		Gauges: wv.Gauges, Warnings: make([]WarningItem, 0, len(wv.Active)), WarningVillages: wv.Villages,
		Proposals: wv.Proposals, WarningConfig: wv.Config, Rainfall: d.rainfall.view(), Roads: []RoadState{},
		Aid: d.aid.View()}
	for _, w := range wv.Active {
		v.Warnings = append(v.Warnings, WarningItem{Key: w.Key(), Warning: w, Target: w.ID})
	}
	closed := map[string]bool{}
	for _, id := range d.graph.Closed() {
		closed[id] = true
		v.Roads = append(v.Roads, RoadState{ID: id, Closed: true, Depth: d.depths[id]})
	}
	for id, m := range d.depths {
		if !closed[id] {
			v.Roads = append(v.Roads, RoadState{ID: id, Depth: m})
		}
	}
	sort.Slice(v.Roads, func(i, j int) bool { return v.Roads[i].ID < v.Roads[j].ID })
	return v
}

// SetDecisionKey gives the town's decision key to every state over the domain
// (and to the runner, which seals with it): their gate then folds only
// decisions sealed with it (events/seal.go). Set before the fold runs.
func (d *Domain) SetDecisionKey(key []byte) { d.sealKey = append([]byte(nil), key...) }

// DecisionKey is the town's decision key (nil: no seals made or checked).
func (d *Domain) DecisionKey() []byte { return d.sealKey }
