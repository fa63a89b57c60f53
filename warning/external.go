package warning

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/floodcmd/floodcmd/cap"
	"github.com/floodcmd/floodcmd/geo"
)

// DefaultCAPCategories are the CAP categories that bear on floods, used when
// the configuration names none (Config.CAPCategories): an external alert
// acts only through its info blocks in one of them; the others are recorded.
// Rescue is left out by default: CAP files child-abduction (AMBER) and
// missing-person alerts under it, which bear on no flood; a town whose
// bureau sends rescue operations it wants acted on names it in warning.json.
var DefaultCAPCategories = []string{"Met", "Geo", "Env", "Infra", "Safety"}

// external is an external CAP alert as it bears on the town's grids.
type external struct {
	id      string // sender,identifier: an Update with the same replaces it
	level   string
	grids   []string // sorted
	sent    time.Time
	from    time.Time // acts from: the latest of sent, effective and onset
	expires time.Time // zero: until cancelled
	// event names (the alert's own, in Chinese and in English when it has
	// them) and categories, for the warnings floodcmd sends of it.
	event, eventEn string
	categories     []string
}

// Received is an external alert as it came in and what floodcmd made of it.
type Received struct {
	Sender     string `json:"sender"`
	Identifier string `json:"identifier"`
	Sent       string `json:"sent"`
	Status     string `json:"status"`
	MsgType    string `json:"msg_type"`
	Event      string `json:"event,omitempty"`
	// Acts says whether it changed the warnings; Note says why or why not.
	Acts bool   `json:"acts"`
	Note string `json:"note"`
}

// receivedKept bounds the received alerts listed (identities are kept for ever).
const receivedKept = 200

type receivedLog struct {
	seen map[string]bool // sender,identifier,sent
	list []Received
}

func newReceivedLog() *receivedLog { return &receivedLog{seen: map[string]bool{}} }

// ReceivedAlerts lists the latest external alerts received, oldest first.
func (w *Warnings) ReceivedAlerts() []Received { return slices.Clone(w.received.list) }

// CheckExternal is what an external alert must be for floodcmd to take it at
// all, so that the door (HTTP, NATS) and the fold refuse the same: valid CAP
// 1.2, and an Alert or Update with info must say how serious it is.
func CheckExternal(a cap.Alert) error {
	if err := cap.Validate(a); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if (a.MsgType == "Alert" || a.MsgType == "Update") && len(a.Info) > 0 {
		for _, in := range a.Info {
			if infoLevel(in) != None {
				return nil
			}
		}
		return fmt.Errorf("%w: alert %s has severity Unknown: floodcmd cannot tell how serious it is (send Minor, Moderate, Severe or Extreme)", ErrInvalid, a.Identifier)
	}
	return nil
}

// infoLevel is an info block's level: its floodcmd:level parameter, else its
// severity (Minor→blue … Extreme→red), None for Unknown.
func infoLevel(in cap.Info) string {
	for _, p := range in.Parameter {
		if p.ValueName == cap.ParamLevel && Rank(p.Value) > 0 {
			return p.Value
		}
	}
	return cap.LevelOf(in.Severity)
}

// ExternalAlert folds an external CAP alert (e.g. the meteorological bureau's)
// into grid warnings with source "cap". Its identity is sender, identifier and
// sent: the same three again is a duplicate (ErrConflict). Every alert is
// recorded (ReceivedAlerts); it acts only when its status is Actual, or
// Exercise while the town runs a drill (Test, System and Draft never act),
// and then only through its info blocks in a flood category (Met, Geo, …, as
// configured). Alert and Update replace the alerts they reference; Cancel
// removes them. A grid is covered when its interior point or any of its
// vertices lies inside one of the alert's polygons or circles; the level is
// the highest over the info blocks; the alert acts from the latest of its
// sent, effective and onset, until it expires.
func (w *Warnings) ExternalAlert(a cap.Alert, drill bool) (Received, error) {
	if err := CheckExternal(a); err != nil {
		return Received{}, err
	}
	k := a.Key()
	if w.received.seen[k] {
		return Received{}, fmt.Errorf("%w: duplicate CAP alert: sender %s, identifier %s, sent %s was received already; ignored", ErrConflict, a.Sender, a.Identifier, a.Sent)
	}
	w.received.seen[k] = true
	rec := Received{Sender: a.Sender, Identifier: a.Identifier, Sent: a.Sent, Status: a.Status, MsgType: a.MsgType}
	if len(a.Info) > 0 {
		rec.Event = a.Info[0].Event
	}
	rec.Acts, rec.Note = w.externalAct(a, drill)
	w.received.list = append(w.received.list, rec)
	if len(w.received.list) > receivedKept {
		w.received.list = w.received.list[len(w.received.list)-receivedKept:]
	}
	return rec, nil
}

// externalAct carries out an alert that acts, and says why it does or not.
func (w *Warnings) externalAct(a cap.Alert, drill bool) (bool, string) {
	switch {
	case a.Status == "Exercise" && !drill:
		return false, "status Exercise: acts only while the town runs a drill; recorded"
	case a.Status != "Actual" && a.Status != "Exercise":
		return false, "status " + a.Status + ": recorded, never acts"
	case a.MsgType == "Ack" || a.MsgType == "Error":
		return false, "msgType " + a.MsgType + ": recorded"
	}
	sent, _ := cap.ParseTime(a.Sent) // CheckExternal has validated it
	if sent.After(w.extAt) {
		w.extAt = sent
	}
	replaced := 0
	for _, ref := range strings.Fields(a.References) {
		parts := strings.Split(ref, ",")
		if _, ok := w.external[parts[0]+","+parts[1]]; ok {
			delete(w.external, parts[0]+","+parts[1])
			replaced++
		}
	}
	if a.MsgType == "Cancel" {
		delete(w.external, a.Sender+","+a.Identifier)
		return true, fmt.Sprintf("Cancel: %d alert(s) withdrawn", replaced)
	}
	delete(w.external, a.Sender+","+a.Identifier) // an Update that reuses its identifier
	cats := w.cfg.CAPCategories
	if len(cats) == 0 {
		cats = DefaultCAPCategories
	}
	ex := &external{id: a.Sender + "," + a.Identifier, sent: sent}
	var polys []orb.Ring
	var circles []cap.Circle
	var acting []cap.Info
	for _, in := range a.Info {
		if !slices.ContainsFunc(in.Category, func(c string) bool { return slices.Contains(cats, c) }) {
			continue
		}
		acting = append(acting, in)
		ex.level = maxLevel(ex.level, infoLevel(in))
		from := sent
		for _, s := range []string{in.Effective, in.Onset} {
			if t, err := cap.ParseTime(s); err == nil && t.After(from) {
				from = t
			}
		}
		if ex.from.IsZero() || from.Before(ex.from) {
			ex.from = from
		}
		if t, err := cap.ParseTime(in.Expires); err == nil && (ex.expires.IsZero() || t.After(ex.expires)) {
			ex.expires = t
		}
		for _, c := range in.Category {
			if slices.Contains(cats, c) && !slices.Contains(ex.categories, c) {
				ex.categories = append(ex.categories, c)
			}
		}
		for _, ar := range in.Area {
			for _, s := range ar.Polygon {
				if r, err := cap.ParsePolygon(s); err == nil {
					polys = append(polys, r)
				}
			}
			for _, s := range ar.Circle {
				if c, err := cap.ParseCircle(s); err == nil {
					circles = append(circles, c)
				}
			}
		}
	}
	if len(acting) == 0 {
		return replaced > 0, fmt.Sprintf("no info block in a flood category (%s): recorded", strings.Join(cats, ", "))
	}
	ex.event, ex.eventEn = eventNames(acting)
	for _, id := range w.grids { // sorted, so ex.grids is too
		if covered(w.gridArea[id], polys, circles) {
			ex.grids = append(ex.grids, id)
		}
	}
	w.external[ex.id] = ex
	if len(ex.grids) == 0 {
		return true, "covers none of the town's grids"
	}
	return true, fmt.Sprintf("%s over %d grid(s) from %s", ex.level, len(ex.grids), cap.FormatTime(ex.from))
}

// eventNames are an alert's own event names: in Chinese (an info in zh-*) and
// in English (en-* or no language, CAP's default en-US), each falling back on
// the other, then on the first info's.
func eventNames(infos []cap.Info) (string, string) {
	var zh, en string
	for _, in := range infos {
		lang := strings.ToLower(in.Language)
		switch {
		case zh == "" && strings.HasPrefix(lang, "zh"):
			zh = in.Event
		case en == "" && (lang == "" || strings.HasPrefix(lang, "en")):
			en = in.Event
		}
	}
	if zh == "" && en == "" {
		zh = infos[0].Event
	}
	return firstNonEmpty(zh, en), firstNonEmpty(en, zh)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// covered reports whether a grid's interior point or any vertex lies in a shape.
func covered(g gridShape, polys []orb.Ring, circles []cap.Circle) bool {
	inside := func(p orb.Point) bool {
		for _, r := range polys {
			if planar.RingContains(r, p) {
				return true
			}
		}
		for _, c := range circles {
			if geo.DistanceMeters(c.Center, p) <= c.RadiusKm*1000 {
				return true
			}
		}
		return false
	}
	if inside(g.center) {
		return true
	}
	for _, poly := range g.area {
		for _, ring := range poly {
			for _, p := range ring {
				if inside(p) {
					return true
				}
			}
		}
	}
	return false
}

// inForce reports whether an external alert acts at now: from its effective
// time (or onset) until its expiry.
func (ex *external) inForce(now time.Time) bool {
	return !now.Before(ex.from) && (ex.expires.IsZero() || now.Before(ex.expires))
}

// externalLevels is the level every grid takes from the external alerts in
// force at now (one not yet effective, or past its expiry, does not count).
func (w *Warnings) externalLevels(now time.Time) map[string]string {
	out := map[string]string{}
	for _, ex := range w.external {
		if !ex.inForce(now) {
			continue
		}
		for _, g := range ex.grids {
			out[g] = maxLevel(out[g], ex.level)
		}
	}
	return out
}

// externalEvidence names the alerts in force at now that give grid its level.
func (w *Warnings) externalEvidence(grid, level string, now time.Time) []Evidence {
	var ev []Evidence
	for _, ex := range w.external {
		if ex.level != level || !ex.inForce(now) {
			continue
		}
		for _, g := range ex.grids {
			if g == grid {
				ev = append(ev, Evidence{Rule: "cap:" + ex.id})
			}
		}
	}
	sortEvidence(ev)
	return ev
}

// externalTime is when the external picture of grid last changed: the latest
// sent time of its alerts, or an effective time or expiry that has passed by now.
func (w *Warnings) externalTime(grid string, now time.Time) time.Time {
	t := w.extAt
	for _, ex := range w.external {
		if !containsStr(ex.grids, grid) {
			continue
		}
		for _, at := range []time.Time{ex.from, ex.expires} {
			if !at.IsZero() && !now.Before(at) && at.After(t) {
				t = at
			}
		}
	}
	return t
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// gridShape is what coverage needs of a grid: its interior point and vertices.
type gridShape struct {
	center orb.Point
	area   orb.MultiPolygon
}

func newGridShape(g geo.Grid) gridShape { return gridShape{center: g.Center, area: g.Area} }
