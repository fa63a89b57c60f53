package aid

import (
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/events"
)

// Directions of an aid record, from this town's point of view.
const (
	In  = "in"  // another town asks us
	Out = "out" // we ask another town
)

// States of an aid record (EDXL-RM's life of a request).
const (
	Pending   = "pending" // messages arrived before their request: kept, not lost
	Requested = "requested"
	Responded = "responded"
	Committed = "committed"
	Deployed  = "deployed"
	Released  = "released"
	Declined  = "declined"
)

// Step is one step of a record's history, for the board and the audit.
type Step struct {
	State string    `json:"state"`
	Time  time.Time `json:"time"`
	Note  string    `json:"note,omitempty"`
}

// ResponderView is a committed responder with what they are doing.
type ResponderView struct {
	events.AidResponder
	Guest      string `json:"guest,omitempty"` // id in the requesting town
	Status     string `json:"status,omitempty"`
	Assignment string `json:"assignment,omitempty"`
}

// Record is one mutual-aid record as /api/state shows it under "aid". Town is
// the partner town, so a partner's board shows only what names it.
type Record struct {
	// ID is the request id again, the key the board's feed sends changes by.
	ID         string           `json:"id"`
	Request    string           `json:"request"`
	Direction  string           `json:"direction"`
	Town       string           `json:"town"`
	From       string           `json:"from"`
	To         string           `json:"to"`
	Incident   string           `json:"incident,omitempty"`
	Needs      []events.AidNeed `json:"needs"`
	Lat        float64          `json:"lat,omitempty"`
	Lon        float64          `json:"lon,omitempty"`
	WantedFrom *time.Time       `json:"wanted_from,omitempty"`
	Until      *time.Time       `json:"until,omitempty"`
	State      string           `json:"state"`
	Asked      int              `json:"asked"`
	Approved   int              `json:"approved,omitempty"`
	Answer     string           `json:"answer,omitempty"`
	Offered    int              `json:"offered"`
	Committed  int              `json:"committed"`
	Operator   string           `json:"operator,omitempty"`
	Responders []ResponderView  `json:"responders"`
	History    []Step           `json:"history"`
}

// early is a message that arrived before its request.
type early struct {
	kind string
	msg  events.Aid
	t    time.Time
}

// item is a record with what the fold keeps beside it.
type item struct {
	Record
	seq      int
	early    []early
	declined bool // the operator refused; the response is owed
	release  bool // the operator released the guests; the release is owed
	why      string
	lastSent time.Time // our request's last (re)statement, for updates
}

// want is what an incident still wants from neighbours.
type want struct {
	incident string
	at       orb.Point
	needs    []events.AidNeed
	town     string // an operator named the town to ask
	manual   bool   // an operator's request_aid: asked for this incident alone
	asked    []string
	seq      int
}

func (it *item) step(state string, t time.Time, note string) {
	it.State = state
	it.History = append(it.History, Step{State: state, Time: t, Note: note})
}

func sumNeeds(ns []events.AidNeed) int {
	n := 0
	for _, x := range ns {
		n += x.Count
	}
	return n
}
