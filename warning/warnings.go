package warning

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/floodcmd/floodcmd/geo"
)

// Warnings is one town's warning state: readings, active warnings and
// proposals. It is folded by one goroutine (the engine's); it does no locking.
type Warnings struct {
	cfg Config
	sc  *geo.Scenario

	gauges   map[string]*gaugeState
	rainIDs  []string // sorted
	waterIDs []string // reservoir and river gauges, sorted
	villages []string // sorted
	grids    []string // sorted
	// villageGauges are the rain gauges that decide a village's level: its
	// own, or the nearest one when it has none.
	villageGauges map[string][]string
	villageGrids  map[string][]geo.Grid
	villageByID   map[string]geo.Village
	gridVillage   map[string]string
	gridArea      map[string]gridShape
	// byLevel holds the rain rules per level, lowest level first.
	byLevel [5][]RainRule

	active    map[string]*Warning
	proposals map[string]*Proposal
	armed     map[string]string // rule|action|target → proposal id
	external  map[string]*external
	// extAt is the time of the latest external alert folded: a cancellation
	// takes effect then.
	extAt time.Time
	// cap is the CAP lifecycle of the town's own warnings (capout.go);
	// received records the external alerts as they came (external.go).
	cap      *capLedger
	received *receivedLog
}

// gaugeState is what is known of one gauge.
type gaugeState struct {
	g       geo.Gauge
	village string
	rain    series
	acc     [5]float64 // accumulations at rain.maxEnd
	lastAt  time.Time  // the latest reading's time as it was given (its zone kept)
	meters  float64
	hasRead bool
}

// New prepares the warnings of a town; cfg is checked, and every rain gauge
// must belong to a village (named, or the one containing it).
func New(cfg Config, sc *geo.Scenario) (*Warnings, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if sc == nil {
		return nil, fmt.Errorf("%w: no scenario", ErrInvalid)
	}
	w := &Warnings{cfg: cfg, sc: sc, gauges: map[string]*gaugeState{}, villageGauges: map[string][]string{},
		villageGrids: map[string][]geo.Grid{}, villageByID: map[string]geo.Village{}, gridVillage: map[string]string{},
		gridArea: map[string]gridShape{}, active: map[string]*Warning{}, proposals: map[string]*Proposal{},
		armed: map[string]string{}, external: map[string]*external{}, cap: newCAPLedger(), received: newReceivedLog()}
	for _, r := range cfg.Rain {
		w.byLevel[Rank(r.Level)] = append(w.byLevel[Rank(r.Level)], r)
	}
	for i := range w.byLevel {
		sort.Slice(w.byLevel[i], func(a, b int) bool { return w.byLevel[i][a].Hours < w.byLevel[i][b].Hours })
	}
	for _, v := range sc.Villages {
		w.villages = append(w.villages, v.ID)
		w.villageByID[v.ID] = v
	}
	sort.Strings(w.villages)
	for _, g := range sc.Grids {
		w.grids = append(w.grids, g.ID)
		w.gridVillage[g.ID] = g.Village
		w.villageGrids[g.Village] = append(w.villageGrids[g.Village], g)
		w.gridArea[g.ID] = newGridShape(g)
	}
	sort.Strings(w.grids)
	for _, gs := range w.villageGrids {
		sort.Slice(gs, func(a, b int) bool { return gs[a].ID < gs[b].ID })
	}
	var locator *geo.Locator
	for _, g := range sc.Gauges {
		st := &gaugeState{g: g, village: g.Village}
		if st.village == "" {
			if locator == nil {
				locator = geo.NewLocator(sc)
			}
			st.village, _, _ = locator.Locate(g.Point)
		}
		w.gauges[g.ID] = st
		switch g.Kind {
		case geo.GaugeRain:
			w.rainIDs = append(w.rainIDs, g.ID)
			if st.village != "" {
				w.villageGauges[st.village] = append(w.villageGauges[st.village], g.ID)
			}
		case geo.GaugeReservoir, geo.GaugeRiver:
			w.waterIDs = append(w.waterIDs, g.ID)
		}
	}
	sort.Strings(w.rainIDs)
	sort.Strings(w.waterIDs)
	for _, id := range w.villages {
		if len(w.villageGauges[id]) > 0 {
			sort.Strings(w.villageGauges[id])
			continue
		}
		if n := w.nearestRainGauge(w.villageByID[id].Center); n != "" {
			w.villageGauges[id] = []string{n}
		}
	}
	return w, nil
}

// nearestRainGauge is the rain gauge nearest to p (ties to the smaller id).
func (w *Warnings) nearestRainGauge(p [2]float64) string {
	best, bestD := "", math.Inf(1)
	for _, id := range w.rainIDs { // sorted, so ties go to the smaller id
		if d := geo.DistanceMeters(p, w.gauges[id].g.Point); d < bestD {
			best, bestD = id, d
		}
	}
	return best
}

// Config is the configuration the warnings run with.
func (w *Warnings) Config() Config { return w.cfg }

// Rain folds a rain reading: mm fell at gauge over the minutes ending at end.
// A second reading with the same end replaces the first (resends and
// corrections never add up); late and out-of-order readings land where
// their interval is; missing intervals stay gaps (no rain assumed there).
func (w *Warnings) Rain(gauge string, mm, minutes float64, end time.Time) error {
	st, err := w.gauge(gauge, geo.GaugeRain)
	if err != nil {
		return err
	}
	if math.IsNaN(mm) || math.IsInf(mm, 0) || mm < 0 {
		return fmt.Errorf("%w: rain %v mm at %s", ErrInvalid, mm, gauge)
	}
	if !(minutes > 0 && minutes <= maxReadingSeconds/60) {
		return fmt.Errorf("%w: interval of %v minutes at %s (1…%d)", ErrInvalid, minutes, gauge, maxReadingSeconds/60)
	}
	if end.IsZero() {
		return fmt.Errorf("%w: reading at %s has no time", ErrInvalid, gauge)
	}
	e := end.Unix()
	if !st.rain.put(interval{start: e - int64(math.Round(minutes*60)), end: e, mm: mm}) {
		return nil // older than anything the warnings look at
	}
	if e >= st.rain.maxEnd {
		st.lastAt = end
	}
	st.hasRead = true
	st.acc = st.rain.accumulate(st.rain.maxEnd)
	w.capRenew(end)
	return nil
}

// Level folds a water-level reading. The latest reading (by its time) is the
// gauge's level; a late reading older than it changes nothing.
func (w *Warnings) Level(gauge string, meters float64, at time.Time) error {
	st, err := w.gauge(gauge, geo.GaugeReservoir, geo.GaugeRiver)
	if err != nil {
		return err
	}
	if math.IsNaN(meters) || math.IsInf(meters, 0) {
		return fmt.Errorf("%w: level %v m at %s", ErrInvalid, meters, gauge)
	}
	if at.IsZero() {
		return fmt.Errorf("%w: reading at %s has no time", ErrInvalid, gauge)
	}
	if st.hasRead && at.Before(st.lastAt) {
		return nil
	}
	st.meters, st.lastAt, st.hasRead = meters, at, true
	w.capRenew(at)
	return nil
}

func (w *Warnings) gauge(id string, kinds ...string) (*gaugeState, error) {
	st, ok := w.gauges[id]
	if !ok {
		return nil, fmt.Errorf("%w: gauge %q", ErrNotFound, id)
	}
	for _, k := range kinds {
		if st.g.Kind == k {
			return st, nil
		}
	}
	return nil, fmt.Errorf("%w: gauge %q is a %s gauge, not %v", ErrInvalid, id, st.g.Kind, kinds)
}

// Accumulations is the rain at gauge in the 1, 3, 6, 12 and 24 hours ending
// at at (see series.accumulate for partial intervals). It is exact for any
// time from Retain-24h before the gauge's latest reading onwards; an unknown
// or non-rain gauge gives nil.
func (w *Warnings) Accumulations(gauge string, at time.Time) map[int]float64 {
	st, ok := w.gauges[gauge]
	if !ok || st.g.Kind != geo.GaugeRain {
		return nil
	}
	acc := st.rain.accumulate(at.Unix())
	out := make(map[int]float64, len(Windows))
	for k, h := range Windows {
		out[h] = acc[k]
	}
	return out
}
