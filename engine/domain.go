package engine

import (
	"fmt"
	"sort"
	"time"

	"github.com/floodcmd/floodcmd/events"
)

// Outgoing is a decision the engine appends to the log.
type Outgoing struct {
	Subject string
	Event   events.Event
}

// Domain is the town's domain state: what the inputs mean.
type Domain struct {
	town      string
	incidents map[string]*IncidentView
	gauges    map[string]*GaugeView
	now       func() time.Time
}

// IncidentView is an incident as the board and /api/state show it.
type IncidentView struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Lat        float64   `json:"lat"`
	Lon        float64   `json:"lon"`
	People     int       `json:"people,omitempty"`
	Severity   int       `json:"severity,omitempty"`
	Note       string    `json:"note,omitempty"`
	Reporter   string    `json:"reporter,omitempty"`
	ReportedAt time.Time `json:"reported_at"`
	Drill      bool      `json:"drill,omitempty"`
}

// GaugeView is a gauge's latest reading.
type GaugeView struct {
	ID      string    `json:"id"`
	MM      float64   `json:"last_mm,omitempty"`
	Minutes float64   `json:"last_minutes,omitempty"`
	Meters  float64   `json:"meters,omitempty"`
	At      time.Time `json:"at"`
}

// DomainView is the domain part of /api/state.
type DomainView struct {
	Incidents []IncidentView `json:"incidents"`
	Gauges    []GaugeView    `json:"gauges"`
}

// NewDomain returns the empty domain of a town.
func NewDomain(town string) *Domain {
	return &Domain{town: town, incidents: map[string]*IncidentView{}, gauges: map[string]*GaugeView{}}
}

// Apply folds a validated input.
func (d *Domain) Apply(in events.Input) error {
	switch data := in.Data.(type) {
	case *events.IncidentReported:
		id := data.Incident
		if id == "" {
			id = in.Event.ID
		}
		if _, dup := d.incidents[id]; dup {
			return events.Invalidf("data.incident", id, "an incident with this id exists already")
		}
		d.incidents[id] = &IncidentView{ID: id, Kind: data.Kind, Lat: data.Lat, Lon: data.Lon, People: data.People,
			Severity: data.Severity, Note: data.Note, Reporter: data.Reporter, ReportedAt: in.Event.Time, Drill: in.Event.Drill}
	case *events.RainObserved:
		g := d.gauge(data.Gauge)
		g.MM, g.Minutes, g.At = data.MM, data.Minutes, in.Event.Time
	case *events.LevelObserved:
		g := d.gauge(data.Gauge)
		g.Meters, g.At = data.Meters, in.Event.Time
	default:
		return fmt.Errorf("%s is valid but not yet carried out by this engine", in.Event.Type)
	}
	return nil
}

func (d *Domain) gauge(id string) *GaugeView {
	g, ok := d.gauges[id]
	if !ok {
		g = &GaugeView{ID: id}
		d.gauges[id] = g
	}
	return g
}

// ApplyDecision folds one of the engine's recorded decisions.
func (d *Domain) ApplyDecision(ev events.Event) error { return nil }

// Decide returns the decisions the state calls for at now; it does not mutate.
func (d *Domain) Decide(now time.Time) []Outgoing { return nil }

// View renders the domain for /api/state.
func (d *Domain) View() DomainView {
	v := DomainView{Incidents: []IncidentView{}, Gauges: []GaugeView{}}
	for _, inc := range d.incidents {
		v.Incidents = append(v.Incidents, *inc)
	}
	sort.Slice(v.Incidents, func(i, j int) bool { return v.Incidents[i].ID < v.Incidents[j].ID })
	for _, g := range d.gauges {
		v.Gauges = append(v.Gauges, *g)
	}
	sort.Slice(v.Gauges, func(i, j int) bool { return v.Gauges[i].ID < v.Gauges[j].ID })
	return v
}
