package warning

import (
	"fmt"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/cap"
)

// CAPAlert builds the CAP 1.2 alert for an active warning (see cap.FromWarning):
// its area is the village or grid (a gauge's warning covers the gauge's
// village), times are written in zone (the town's; nil keeps the warning's),
// and drill makes it an Exercise.
func (w *Warnings) CAPAlert(wn Warning, drill bool, zone *time.Location) (cap.Alert, error) {
	var area cap.WarningArea
	switch wn.Scope {
	case ScopeGrid:
		g, ok := w.sc.Grid(wn.ID)
		if !ok {
			return cap.Alert{}, fmt.Errorf("%w: grid %q", ErrNotFound, wn.ID)
		}
		area = cap.WarningArea{Name: g.Name, NameEn: g.NameEn, Polygons: rings(g.Area)}
	default:
		vid := wn.ID
		if wn.Scope == ScopeGauge {
			st, ok := w.gauges[wn.ID]
			if !ok {
				return cap.Alert{}, fmt.Errorf("%w: gauge %q", ErrNotFound, wn.ID)
			}
			vid = st.village
		}
		v, ok := w.villageByID[vid]
		if !ok {
			return cap.Alert{}, fmt.Errorf("%w: village %q", ErrNotFound, vid)
		}
		area = cap.WarningArea{Name: v.Name, NameEn: v.NameEn, Polygons: rings(v.Area)}
	}
	if area.Name == "" && area.NameEn == "" {
		area.Name = wn.ID // areaDesc is required; an id beats nothing
	}
	var ev []string
	for _, e := range wn.Evidence {
		switch {
		case e.Hours > 0:
			ev = append(ev, fmt.Sprintf("%s: %s mm in %d h (%s)", e.Gauge, strconv.FormatFloat(e.MM, 'f', 1, 64), e.Hours, e.Rule))
		case e.Gauge != "" && e.Meters != 0:
			ev = append(ev, fmt.Sprintf("%s: %.2f m (%s %.2f m)", e.Gauge, e.Meters, e.Rule, e.Threshold))
		default:
			ev = append(ev, e.Rule)
		}
	}
	town := w.sc.Town
	return cap.FromWarning(cap.WarningInput{
		Identifier: fmt.Sprintf("%s-%s-%s-%s-%s", town.ID, wn.Scope, wn.ID, wn.Kind, wn.Since.UTC().Format("20060102T150405Z")),
		Town:       town.ID, TownName: town.Name, TownNameEn: town.NameEn, Kind: wn.Kind, Level: wn.Level,
		Drill: drill, Sent: wn.Since, Zone: zone, Areas: []cap.WarningArea{area}, Evidence: ev,
	})
}

func rings(mp orb.MultiPolygon) []orb.Ring {
	var out []orb.Ring
	for _, p := range mp {
		if len(p) > 0 {
			out = append(out, p[0]) // outer rings; CAP has no holes
		}
	}
	return out
}
