package warning

import (
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/floodcmd/floodcmd/cap"
	"github.com/floodcmd/floodcmd/geo"
)

// external is an external CAP alert as it bears on the town's grids.
type external struct {
	id      string // sender,identifier
	level   string
	grids   []string // sorted
	sent    time.Time
	expires time.Time // zero: until cancelled
}

// gridShape is what coverage needs of a grid: its interior point and vertices.
type gridShape struct {
	center orb.Point
	area   orb.MultiPolygon
}

func newGridShape(g geo.Grid) gridShape { return gridShape{center: g.Center, area: g.Area} }

// ExternalAlert folds an external CAP alert (e.g. the meteorological bureau's)
// into grid warnings with source "cap". A grid is covered when its interior
// point or any of its vertices lies inside one of the alert's polygons or
// circles. The level is the floodcmd:level parameter when present, else the
// severity (Minor→blue … Extreme→red); the highest over the info blocks wins.
// Alert and Update replace the alerts they reference; Cancel removes them.
func (w *Warnings) ExternalAlert(a cap.Alert) error {
	if err := cap.Validate(a); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	sent, _ := cap.ParseTime(a.Sent) // Validate has checked it
	for _, ref := range strings.Fields(a.References) {
		parts := strings.Split(ref, ",")
		delete(w.external, parts[0]+","+parts[1])
	}
	if sent.After(w.extAt) {
		w.extAt = sent
	}
	if a.MsgType == "Cancel" || a.MsgType == "Ack" || a.MsgType == "Error" {
		return nil
	}
	ex := &external{id: a.Sender + "," + a.Identifier, sent: sent}
	var polys []orb.Ring
	var circles []cap.Circle
	for _, in := range a.Info {
		lvl := cap.LevelOf(in.Severity)
		for _, p := range in.Parameter {
			if p.ValueName == cap.ParamLevel && Rank(p.Value) > 0 {
				lvl = p.Value
			}
		}
		ex.level = maxLevel(ex.level, lvl)
		if t, err := cap.ParseTime(in.Expires); err == nil && (ex.expires.IsZero() || t.After(ex.expires)) {
			ex.expires = t
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
	if ex.level == None {
		return fmt.Errorf("%w: alert %s has no severity floodcmd can map to a level", ErrInvalid, a.Identifier)
	}
	for _, id := range w.grids { // sorted, so ex.grids is too
		if covered(w.gridArea[id], polys, circles) {
			ex.grids = append(ex.grids, id)
		}
	}
	w.external[ex.id] = ex
	return nil
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

// externalLevels is the level every grid takes from the external alerts in
// force at now (an alert past its expiry no longer counts).
func (w *Warnings) externalLevels(now time.Time) map[string]string {
	out := map[string]string{}
	for _, ex := range w.external {
		if !ex.expires.IsZero() && !now.Before(ex.expires) {
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
		if ex.level != level || (!ex.expires.IsZero() && !now.Before(ex.expires)) {
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
// sent time of its alerts, or an expiry that has passed by now.
func (w *Warnings) externalTime(grid string, now time.Time) time.Time {
	t := w.extAt
	for _, ex := range w.external {
		if !ex.expires.IsZero() && !now.Before(ex.expires) && ex.expires.After(t) && containsStr(ex.grids, grid) {
			t = ex.expires
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
