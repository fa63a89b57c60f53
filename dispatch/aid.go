package dispatch

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// Responder states of mutual aid, beyond the reported statuses.
const (
	// StatusLent: the responder is on aid to another town, not assignable at home.
	StatusLent = "lent"
)

// guestInfo marks a responder lent to this town by another.
type guestInfo struct {
	homeTown string
	homeID   string
	request  string
	incident string
}

// Guest is a responder another town committed to this one: they join the
// dispatcher under ID (the home town's id prefixed with the home town, so
// rosters never collide) and are dispatched only on Incident when it is set.
type Guest struct {
	Responder
	HomeTown string
	HomeID   string
	Request  string
	Incident string
}

// GuestID is the id a guest has in the town that receives them.
func GuestID(homeTown, homeID string) string { return homeTown + "-" + homeID }

// AddGuest adds a committed responder from another town, available at pos.
// Adding the same guest for the same request again is a no-op (duplicates).
func (d *Dispatcher) AddGuest(g Guest, pos orb.Point) error {
	if g.ID == "" || g.HomeTown == "" {
		return fmt.Errorf("%w: guest without id or home town", ErrInvalid)
	}
	if r, ok := d.responders[g.ID]; ok {
		if r.guest != nil && r.guest.request == g.Request {
			return nil
		}
		return fmt.Errorf("%w: responder %q is already here (guest of request %q)", ErrConflict, g.ID, guestRequest(r))
	}
	g.Responder.Reserve = false // a guest came for this incident: keeping them back would waste them
	if g.Tier != TierVillage {
		g.Tier = TierTown
	}
	rs := &responderState{Responder: g.Responder, idx: len(d.order), pos: pos,
		guest: &guestInfo{homeTown: g.HomeTown, homeID: g.HomeID, request: g.Request, incident: g.Incident}}
	d.responders[g.ID] = rs
	d.order = append(d.order, rs)
	return nil
}

func guestRequest(r *responderState) string {
	if r.guest == nil {
		return ""
	}
	return r.guest.request
}

// RemoveGuest sends a guest home: an active assignment is cancelled and they
// leave the roster. Removing one who already left is a no-op.
func (d *Dispatcher) RemoveGuest(id string, t time.Time, reason string) {
	r, ok := d.responders[id]
	if !ok || r.guest == nil {
		return
	}
	if r.assignment != "" {
		if a := d.assignments[r.assignment]; a != nil && a.active() {
			d.end(a, StatusCancelled, t, "released to home town "+r.guest.homeTown+": "+reason)
		}
	}
	delete(d.responders, id)
	for i, o := range d.order {
		if o == r {
			d.order = append(d.order[:i], d.order[i+1:]...)
			break
		}
	}
}

// GuestsOf lists the guest ids that came for request, in arrival order.
func (d *Dispatcher) GuestsOf(request string) []string {
	var out []string
	for _, r := range d.order {
		if r.guest != nil && r.guest.request == request {
			out = append(out, r.ID)
		}
	}
	return out
}

// IsGuest reports the home town and home id of a guest responder.
func (d *Dispatcher) IsGuest(id string) (homeTown, homeID, request string, ok bool) {
	r, found := d.responders[id]
	if !found || r.guest == nil {
		return "", "", "", false
	}
	return r.guest.homeTown, r.guest.homeID, r.guest.request, true
}

// GuestAssignments counts the active or done assignments of request's guests.
func (d *Dispatcher) GuestAssignments(request string) int {
	n := 0
	for _, a := range d.assignments {
		if r := d.responders[a.responder]; r != nil && r.guest != nil && r.guest.request == request && a.covers() {
			n++
		}
	}
	return n
}

// IncidentOpen reports whether an incident exists and is still open.
func (d *Dispatcher) IncidentOpen(id string) bool {
	inc, ok := d.incidents[id]
	return ok && inc.status == IncidentOpen
}

// Lend marks own responders as on aid to another town: not assignable at home
// until Unlend. A responder already lent for this request stays so (duplicates).
func (d *Dispatcher) Lend(ids []string, to, request string) error {
	for _, id := range ids {
		r, ok := d.responders[id]
		if !ok || r.guest != nil {
			return fmt.Errorf("%w: unknown own responder %q", ErrNotFound, id)
		}
		if r.lentTo != "" && r.lentFor != request {
			return fmt.Errorf("%w: responder %s is already lent to %s (request %s)", ErrConflict, id, r.lentTo, r.lentFor)
		}
	}
	for _, id := range ids {
		r := d.responders[id]
		r.lentTo, r.lentFor = to, request
	}
	return nil
}

// Unlend brings responders lent for request home: available again.
func (d *Dispatcher) Unlend(request string) []string {
	var back []string
	for _, r := range d.order {
		if r.lentFor == request && r.lentTo != "" {
			r.lentTo, r.lentFor = "", ""
			r.pos = r.Home
			back = append(back, r.ID)
		}
	}
	return back
}

// Lent lists the responders lent for request.
func (d *Dispatcher) Lent(request string) []string {
	var out []string
	for _, r := range d.order {
		if r.lentFor == request && r.lentTo != "" {
			out = append(out, r.ID)
		}
	}
	return out
}

// LendChoice is one responder the town can lend, with the need they cover.
type LendChoice struct {
	Responder  Responder
	At         orb.Point
	Capability Capability
	ETASeconds float64
	// NoAnswer: the responder let their last assignment time out and has not
	// spoken since; lent only after every responder who answers.
	NoAnswer bool
}

// ChooseLend picks at most count own responders to lend for needs at a place,
// each with the capability it covers. For each need in order it takes, among
// the available responders who have that capability, first those who carry no
// capability rarer in the town than the one asked for (a rescue-boat team is
// not sent to another town to evacuate while a militia squad can go: the boat
// is what the town cannot replace), then the nearest by tt (straight line when
// unreachable, after every reachable one).
// The reserve rule: reserve responders are never lent, only town-tier
// responders are lent (village squads guard their village), and at least
// keepHome available town-tier responders (reserve not counted) stay home.
// Responders marked no_answer (an assignment timed out, silent since) are not
// available at home either: they may go after every answering one, and do not
// count towards keepHome. After a drill played without phones every town-tier
// responder is no_answer; lending nobody then (the town used to decline,
// saying it would be stripped) left an approved request with nobody lent.
// It does not change the state; Lend does, when the commit is folded.
func (d *Dispatcher) ChooseLend(needs []Need, at orb.Point, count, keepHome int, tt TravelTimer) []LendChoice {
	var avail []*responderState
	answering := 0
	for _, r := range d.order {
		if r.guest == nil && r.Tier == TierTown && !r.Reserve && r.lentTo == "" && !r.offDuty && r.assignment == "" {
			avail = append(avail, r)
			if !r.noAnswer {
				answering++
			}
		}
	}
	count = min(count, max(0, answering-keepHome)+len(avail)-answering)
	if count <= 0 {
		return nil
	}
	canGo := max(0, answering-keepHome) // answering responders that may leave
	if tt == nil {
		tt = StraightLine{SpeedKmh: 30}
	}
	from := make([]orb.Point, len(avail))
	for i, r := range avail {
		from[i] = r.pos
	}
	eta := tt.TravelTimesTo(at, from)
	key := make([]float64, len(eta))
	for i, t := range eta {
		key[i] = t
		if math.IsInf(t, 0) || math.IsNaN(t) {
			// off the road network: a slow straight line still ranks them, after every reachable one
			eta[i] = geo.DistanceHaversine(from[i], at) / (20 / 3.6)
			key[i] = 1e9 + eta[i]
		}
	}
	holders := d.Holders()
	taken := map[int]bool{}
	var out []LendChoice
	for _, n := range needs {
		idx := make([]int, 0, len(avail))
		for i, r := range avail {
			if r.Has(n.Capability) {
				idx = append(idx, i)
			}
		}
		spent := func(i int) int { return scarcestOther(avail[i].Capabilities, n.Capability, holders) }
		sort.SliceStable(idx, func(a, b int) bool {
			if qa, qb := avail[idx[a]].noAnswer, avail[idx[b]].noAnswer; qa != qb {
				return qb // those who answer first
			}
			if sa, sb := spent(idx[a]), spent(idx[b]); sa != sb {
				return sa > sb // the unit whose rarest other skill is commonest goes first
			}
			return key[idx[a]] < key[idx[b]]
		})
		k := 0
		for _, i := range idx {
			if k == n.Count || len(out) == count {
				break
			}
			if taken[i] || (!avail[i].noAnswer && canGo == 0) {
				continue
			}
			taken[i] = true
			if !avail[i].noAnswer {
				canGo--
			}
			out = append(out, LendChoice{Responder: avail[i].Responder, At: avail[i].pos, Capability: n.Capability,
				ETASeconds: eta[i], NoAnswer: avail[i].noAnswer})
			k++
		}
	}
	return out
}

// Holders counts the town's own responders (guests not counted) per capability:
// how replaceable a capability is.
func (d *Dispatcher) Holders() map[Capability]int {
	out := map[Capability]int{}
	for _, r := range d.order {
		if r.guest == nil {
			for _, c := range r.Capabilities {
				out[c]++
			}
		}
	}
	return out
}

// scarcestOther is how many responders hold the rarest capability in caps
// other than c (math.MaxInt32 when there is none): what sending this unit for
// c would spend. A rescue-boat team scores 8 in Duhu, a militia squad
// (evacuation, rescue, patrol) 80: the squad goes.
func scarcestOther(caps []Capability, c Capability, holders map[Capability]int) int {
	n := math.MaxInt32
	for _, x := range caps {
		if x != c {
			n = min(n, holders[x])
		}
	}
	return n
}

// FreeSoon counts the own responders with capability c (not lent, not guests)
// busy on an assignment expected to end by now+horizon, an assignment being
// expected to take its travel time plus job: units the town will have back
// before help from another town could arrive.
func (d *Dispatcher) FreeSoon(c Capability, now time.Time, horizon, job time.Duration) int {
	n := 0
	for _, r := range d.order {
		if r.guest != nil || r.lentTo != "" || r.offDuty || r.assignment == "" || !r.Has(c) {
			continue
		}
		a := d.assignments[r.assignment]
		if a == nil || !a.active() {
			continue
		}
		end := a.created.Add(time.Duration(a.eta*float64(time.Second)) + job)
		if !end.After(now.Add(horizon)) {
			n++
		}
	}
	return n
}

// GuestsBusy counts the guests of request on an active assignment.
func (d *Dispatcher) GuestsBusy(request string) int {
	n := 0
	for _, r := range d.order {
		if r.guest != nil && r.guest.request == request && r.assignment != "" {
			if a := d.assignments[r.assignment]; a != nil && a.active() {
				n++
			}
		}
	}
	return n
}

// GuestsIdle counts the guests of request who are here and free.
func (d *Dispatcher) GuestsIdle(request string) int {
	n := 0
	for _, r := range d.order {
		if r.guest != nil && r.guest.request == request && r.assignment == "" && !r.offDuty && !r.noAnswer {
			n++
		}
	}
	return n
}

// OpenNeeds is what an open incident still lacks per capability, and where it is.
func (d *Dispatcher) OpenNeeds(id string) ([]Need, orb.Point, bool) {
	inc, ok := d.incidents[id]
	if !ok || inc.status != IncidentOpen {
		return nil, orb.Point{}, false
	}
	met := d.met(inc)
	var out []Need
	for _, n := range inc.triage.Needs {
		if k := n.Count - met[n.Capability]; k > 0 {
			out = append(out, Need{Capability: n.Capability, Count: k})
		}
	}
	return out, inc.At, true
}
