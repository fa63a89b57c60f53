package dispatch

import (
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/errcode"
)

// Errors the fold methods wrap, so the engine can classify rejections. They
// are errcode's codes: errors.Is(err, ErrNotFound) and errors.Is(err,
// errcode.NotFound) are one test, and the code reaches the rejection notice.
var (
	ErrInvalid  error = errcode.Invalid
	ErrNotFound error = errcode.NotFound
	ErrConflict error = errcode.Conflict
)

// Responder statuses of contract v1 (what a responder's phone reports).
const (
	StatusAvailable = "available"
	StatusAccepted  = "accepted"
	StatusDeclined  = "declined"
	StatusEnRoute   = "en_route"
	StatusOnScene   = "on_scene"
	StatusDone      = "done"
	StatusOffDuty   = "off_duty"
)

// Assignment and responder states beyond the reported statuses.
const (
	StatusAssigned  = "assigned"  // created, waiting for the responder's accept
	StatusNoAnswer  = "no_answer" // responder let an assignment time out
	StatusTimedOut  = "timed_out"
	StatusCancelled = "cancelled"
)

// Incident states.
const (
	IncidentOpen     = "open"
	IncidentResolved = "resolved"
)

type responderState struct {
	Responder
	idx        int // roster order: the column order of the optimiser, so ties break the same way every run
	pos        orb.Point
	offDuty    bool
	noAnswer   bool
	assignment string // active assignment id, "" when free
	lastSeen   time.Time
	guest      *guestInfo // set when another town lent them to this one
	lentTo     string     // the town this own responder is on aid to, "" at home
	lentFor    string     // the aid request they were lent for
	movedAt    time.Time  // when they were last taken off work (pre-empted, swapped)
	posAt      time.Time  // when pos was last reported (zero: never, pos is home)
}

type incidentState struct {
	Incident
	seq         int
	triage      Triage
	status      string
	resolvedAt  time.Time
	resolvedBy  string
	resolution  string
	assignments []string
	excluded    map[string]string // responder → why they are not picked again here
	aid         map[Capability]int
	aidAt       time.Time
	diverted    bool // lost a responder to a divert: never again (divert.go)
}

// StatusChange is one step in an assignment's life.
type StatusChange struct {
	Status string    `json:"status"`
	Time   time.Time `json:"time"`
	Note   string    `json:"note,omitempty"`
}

type assignmentState struct {
	id, incident, responder string
	capability              Capability
	priority                int
	eta                     float64
	at                      orb.Point
	reason                  string
	reasonCode              string
	reasonParams            map[string]any
	alternatives            []Alternative
	created                 time.Time
	status                  string
	history                 []StatusChange
}

// active assignments hold their responder and cover their need.
func (a *assignmentState) active() bool {
	switch a.status {
	case StatusAssigned, StatusAccepted, StatusEnRoute, StatusOnScene:
		return true
	}
	return false
}

// covers: a finished assignment still counts towards its need; a failed one does not.
func (a *assignmentState) covers() bool { return a.active() || a.status == StatusDone }

// Instruction is an operator's forced assignment (Reassign with a responder) that the next Decide carries out.
type Instruction struct {
	Incident  string    `json:"incident"`
	Responder string    `json:"responder"`
	Operator  string    `json:"operator"`
	Reason    string    `json:"reason"`
	Time      time.Time `json:"time"`
}

// Dispatcher is the town's dispatch state: fold(events). It is not safe for
// concurrent use: the engine is its single writer.
type Dispatcher struct {
	cfg          Config
	responders   map[string]*responderState
	order        []*responderState // roster order
	incidents    map[string]*incidentState
	open         []*incidentState // open incidents in report order
	assignments  map[string]*assignmentState
	assignSeq    int // ids "a-<n>" come from this counter, so replay yields the same ids
	incidentSeq  int
	instructions []Instruction
	// forgotten are the ids of incidents Forget dropped (forget.go): a report
	// reusing one is refused as a duplicate still.
	forgotten map[string]struct{}
	gone      Counters // what they counted in View
}

// New builds a dispatcher for a roster; every responder starts available at home.
func New(cfg Config, roster []Responder) (*Dispatcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	d := &Dispatcher{
		cfg:         cfg,
		responders:  make(map[string]*responderState, len(roster)),
		incidents:   map[string]*incidentState{},
		assignments: map[string]*assignmentState{},
	}
	for i, r := range roster {
		if r.ID == "" {
			return nil, fmt.Errorf("%w: roster entry %d has no id", ErrInvalid, i)
		}
		if _, dup := d.responders[r.ID]; dup {
			return nil, fmt.Errorf("%w: duplicate responder %q", ErrInvalid, r.ID)
		}
		if r.Tier != TierTown && r.Tier != TierVillage {
			return nil, fmt.Errorf("%w: responder %q has tier %q", ErrInvalid, r.ID, r.Tier)
		}
		rs := &responderState{Responder: r, idx: i, pos: r.Home}
		d.responders[r.ID] = rs
		d.order = append(d.order, rs)
	}
	return d, nil
}

func (d *Dispatcher) weight(p int) float64 { return d.cfg.PriorityWeight[p] }

// met counts covering assignments of incident per capability.
func (d *Dispatcher) met(inc *incidentState) map[Capability]int {
	m := map[Capability]int{}
	for _, id := range inc.assignments {
		if a := d.assignments[id]; a.covers() {
			m[a.capability]++
		}
	}
	return m
}

// removeOpen drops a resolved incident from the open list, keeping report order.
func (d *Dispatcher) removeOpen(inc *incidentState) {
	for i, o := range d.open {
		if o == inc {
			d.open = append(d.open[:i], d.open[i+1:]...)
			return
		}
	}
}
