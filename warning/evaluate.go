package warning

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/geo"
)

// Evaluate says what should change now, in a fixed order: rain gauges, water
// gauges, external grid warnings, villages, silent gauges, then proposals —
// each stage by sorted id, each later stage seeing the earlier ones as if
// applied. It mutates nothing: the engine records the changes and folds them
// back with Apply. now only decides silence and the expiry of external
// alerts, the two things no reading can reveal.
func (w *Warnings) Evaluate(now time.Time) []Change {
	var out []Change
	// Levels as they will be once out is applied.
	gaugeLevel := map[string]*Warning{}
	for _, id := range w.rainIDs {
		if c, ok := w.evalRain(id); ok {
			out = append(out, c)
			gaugeLevel[id] = &Warning{Level: c.Level, Evidence: c.Evidence, Since: c.Time}
		} else if a := w.active[key(ScopeGauge, id, KindRain)]; a != nil {
			gaugeLevel[id] = a
		}
	}
	waterLevel := map[string]string{}
	for _, id := range w.waterIDs {
		if c, ok := w.evalWater(id); ok {
			out = append(out, c)
			waterLevel[id] = c.Level
		} else if a := w.active[key(ScopeGauge, id, KindLevel)]; a != nil {
			waterLevel[id] = a.Level
		}
	}
	ext := w.externalLevels(now)
	for _, id := range w.grids {
		cur := w.activeLevel(ScopeGrid, id, KindExternal)
		if next := ext[id]; next != cur {
			out = append(out, levelChange(KindExternal, ScopeGrid, id, next, cur, SourceCAP,
				w.externalEvidence(id, next, now), w.externalTime(id, now)))
		}
	}
	villageLevel := map[string]string{}
	villageTime := map[string]time.Time{}
	for _, v := range w.villages {
		level, source, ev, at := w.evalVillage(v, gaugeLevel, ext, now)
		villageLevel[v] = level
		cur := w.activeLevel(ScopeVillage, v, KindRain)
		villageTime[v] = at
		if level != cur {
			out = append(out, levelChange(KindRain, ScopeVillage, v, level, cur, source, ev, at))
		} else if a := w.active[key(ScopeVillage, v, KindRain)]; a != nil {
			villageTime[v] = a.Since
		}
	}
	out = append(out, w.evalSilent(now, villageLevel)...)
	out = append(out, w.evalActions(villageLevel, villageTime, waterLevel)...)
	return out
}

func (w *Warnings) activeLevel(scope, id, kind string) string {
	if a := w.active[key(scope, id, kind)]; a != nil {
		return a.Level
	}
	return None
}

// levelChange builds an issued/lowered/cleared change from cur to next.
func levelChange(kind, scope, id, next, cur, source string, ev []Evidence, at time.Time) Change {
	typ := ChangeIssued
	switch {
	case next == None:
		typ = ChangeCleared
	case Rank(next) < Rank(cur):
		typ = ChangeLowered
	}
	return Change{Type: typ, Kind: kind, Scope: scope, ID: id, Level: next, Previous: cur, Source: source, Evidence: ev, Time: at}
}

// evalRain raises a gauge to the highest level whose rule is met at its
// latest reading, or lowers it once every rule of its level is below the
// hysteresis band and the level has held MinHold (in reading time).
func (w *Warnings) evalRain(id string) (Change, bool) {
	st := w.gauges[id]
	if !st.hasRead {
		return Change{}, false
	}
	curW := w.active[key(ScopeGauge, id, KindRain)]
	cur := None
	if curW != nil {
		cur = curW.Level
	}
	raw, ev := w.rainLevel(id, st.acc, 1)
	if Rank(raw) > Rank(cur) {
		return levelChange(KindRain, ScopeGauge, id, raw, cur, SourceRules, ev, st.lastAt), true
	}
	if cur == None || st.lastAt.Sub(curW.Since) < w.cfg.MinHold {
		return Change{}, false
	}
	held, heldEv := w.rainLevel(id, st.acc, 1-w.cfg.Hysteresis)
	if Rank(held) >= Rank(cur) {
		return Change{}, false
	}
	if held == None {
		heldEv = w.ruleEvidence(id, st.acc, cur)
	}
	return levelChange(KindRain, ScopeGauge, id, held, cur, SourceRules, heldEv, st.lastAt), true
}

// rainLevel is the highest level with a rule met at factor×threshold, and
// the evidence: that level's rules that are met.
func (w *Warnings) rainLevel(gauge string, acc [5]float64, factor float64) (string, []Evidence) {
	for r := len(w.byLevel) - 1; r > 0; r-- {
		var ev []Evidence
		for _, rule := range w.byLevel[r] {
			if v := acc[windowIndex(rule.Hours)]; v >= rule.MM*factor {
				ev = append(ev, evidence(gauge, rule, v))
			}
		}
		if len(ev) > 0 {
			return Levels[r-1], ev
		}
	}
	return None, nil
}

// ruleEvidence is every rule of level with the gauge's value: why it was lowered.
func (w *Warnings) ruleEvidence(gauge string, acc [5]float64, level string) []Evidence {
	var ev []Evidence
	for _, rule := range w.byLevel[Rank(level)] {
		ev = append(ev, evidence(gauge, rule, acc[windowIndex(rule.Hours)]))
	}
	return ev
}

func evidence(gauge string, rule RainRule, v float64) Evidence {
	return Evidence{Gauge: gauge, Hours: rule.Hours, MM: v, Threshold: rule.MM,
		Rule: rule.Level + " ≥" + strconv.FormatFloat(rule.MM, 'f', -1, 64) + "mm/" + strconv.Itoa(rule.Hours) + "h"}
}

// evalWater: orange at warning_m, red at danger_m; lowered once LevelBandM
// below the threshold and held MinHold.
func (w *Warnings) evalWater(id string) (Change, bool) {
	st := w.gauges[id]
	if !st.hasRead || st.g.WarningM <= 0 {
		return Change{}, false
	}
	curW := w.active[key(ScopeGauge, id, KindLevel)]
	cur := None
	if curW != nil {
		cur = curW.Level
	}
	raw, ev := waterLevel(st, 0)
	if Rank(raw) > Rank(cur) {
		return levelChange(KindLevel, ScopeGauge, id, raw, cur, SourceRules, ev, st.lastAt), true
	}
	if cur == None || st.lastAt.Sub(curW.Since) < w.cfg.MinHold {
		return Change{}, false
	}
	held, heldEv := waterLevel(st, w.cfg.LevelBandM)
	if Rank(held) >= Rank(cur) {
		return Change{}, false
	}
	if held == None {
		heldEv = []Evidence{{Gauge: id, Meters: st.meters, Threshold: st.g.WarningM, Rule: "warning_m"}}
	}
	return levelChange(KindLevel, ScopeGauge, id, held, cur, SourceRules, heldEv, st.lastAt), true
}

func waterLevel(st *gaugeState, band float64) (string, []Evidence) {
	m := st.meters + band
	switch {
	case st.g.DangerM > 0 && m >= st.g.DangerM:
		return Red, []Evidence{{Gauge: st.g.ID, Meters: st.meters, Threshold: st.g.DangerM, Rule: "danger_m"}}
	case m >= st.g.WarningM:
		return Orange, []Evidence{{Gauge: st.g.ID, Meters: st.meters, Threshold: st.g.WarningM, Rule: "warning_m"}}
	}
	return None, nil
}

// evalVillage applies the "max" area rule to a village.
func (w *Warnings) evalVillage(v string, gaugeLevel map[string]*Warning, ext map[string]string, now time.Time) (string, string, []Evidence, time.Time) {
	level, source := None, SourceRules
	var at time.Time
	for _, g := range w.villageGauges[v] {
		if st := w.gauges[g]; st.lastAt.After(at) {
			at = st.lastAt
		}
		if gw := gaugeLevel[g]; gw != nil {
			level = maxLevel(level, gw.Level)
		}
	}
	var ev []Evidence
	for _, g := range w.villageGauges[v] {
		if gw := gaugeLevel[g]; gw != nil && gw.Level == level && level != None {
			ev = append(ev, gw.Evidence...)
		}
	}
	for _, gr := range w.villageGrids[v] {
		if e := ext[gr.ID]; Rank(e) > Rank(level) {
			level, source, ev = e, SourceCAP, nil
		}
	}
	if source == SourceCAP {
		for _, gr := range w.villageGrids[v] {
			if ext[gr.ID] == level {
				ev = append(ev, w.externalEvidence(gr.ID, level, now)...)
				if t := w.externalTime(gr.ID, now); t.After(at) {
					at = t
				}
			}
		}
	}
	sortEvidence(ev)
	return level, source, dedupEvidence(ev), at
}

// evalSilent notices rain gauges that went quiet mid-storm, and clears the
// notice when a newer reading arrives.
func (w *Warnings) evalSilent(now time.Time, villageLevel map[string]string) []Change {
	var out []Change
	for _, id := range w.rainIDs {
		st := w.gauges[id]
		if a := w.active[key(ScopeGauge, id, KindSilent)]; a != nil {
			if st.hasRead && a.LastReading != nil && st.lastAt.After(*a.LastReading) {
				out = append(out, Change{Type: ChangeCleared, Kind: KindSilent, Scope: ScopeGauge, ID: id,
					Previous: a.Level, Source: SourceRules, Time: st.lastAt})
			}
			continue
		}
		if !st.hasRead || st.rain.lastRain == 0 || w.cfg.SilentAfter <= 0 {
			continue
		}
		last := time.Unix(st.rain.maxEnd, 0)
		if now.Sub(time.Unix(st.rain.lastRain, 0)) > 24*time.Hour || now.Sub(last) < w.cfg.SilentAfter {
			continue
		}
		if Rank(villageLevel[st.village]) < Rank(Yellow) {
			continue
		}
		out = append(out, Change{Type: ChangeSilent, Kind: KindSilent, Scope: ScopeGauge, ID: id,
			Level: villageLevel[st.village], Source: SourceRules, Time: now,
			Evidence: []Evidence{{Gauge: id, Rule: fmt.Sprintf("silent %s since %s", now.Sub(last).Round(time.Second), st.lastAt.Format(time.RFC3339))}}})
	}
	return out
}

// evalActions proposes each configured action once per target while its
// trigger holds; a target re-arms when its level falls below the rule's.
func (w *Warnings) evalActions(villageLevel map[string]string, villageTime map[string]time.Time, waterLevel map[string]string) []Change {
	var out []Change
	for _, rule := range w.cfg.Actions {
		if rule.When.GaugeKind != "" {
			for _, id := range w.waterIDs {
				st := w.gauges[id]
				if st.g.Kind != rule.When.GaugeKind || Rank(waterLevel[id]) < Rank(rule.When.Level) {
					continue
				}
				at := w.dam(st.g)
				for _, action := range rule.Propose {
					p := &Proposal{Rule: rule.ID, Action: action, Gauge: id, Village: st.village, Lat: at.Lat(), Lon: at.Lon(),
						Level: waterLevel[id], Auto: rule.Auto, Time: st.lastAt,
						Reason: fmt.Sprintf("%s at %.2f m (warning %.2f m, danger %.2f m)", st.g.Name, st.meters, st.g.WarningM, st.g.DangerM)}
					out = w.propose(out, p, id)
				}
			}
			continue
		}
		for _, v := range w.villages {
			if Rank(villageLevel[v]) < Rank(rule.When.Level) {
				continue
			}
			var grids []string
			people := 0
			for _, g := range w.villageGrids[v] {
				if g.LowLyingShare >= rule.When.LowLyingShare {
					grids = append(grids, g.ID)
					people += int(float64(g.Population)*g.LowLyingShare + 0.5)
				}
			}
			if len(grids) == 0 {
				continue
			}
			c := w.villageByID[v].Center
			for _, action := range rule.Propose {
				p := &Proposal{Rule: rule.ID, Action: action, Village: v, Grids: grids, Lat: c.Lat(), Lon: c.Lon(),
					Level: villageLevel[v], Auto: rule.Auto, Time: villageTime[v],
					Reason: fmt.Sprintf("%s at %s; low-lying grids (share ≥ %.2f): %v", v, villageLevel[v], rule.When.LowLyingShare, grids)}
				if action == ActionEvacuate {
					p.People = people
				}
				out = w.propose(out, p, v)
			}
		}
	}
	return out
}

func (w *Warnings) propose(out []Change, p *Proposal, target string) []Change {
	if _, armed := w.armed[armKey(p.Rule, p.Action, target)]; armed {
		return out
	}
	p.ID = fmt.Sprintf("%s-%s-%s-%s", p.Rule, p.Action, target, p.Time.UTC().Format("20060102t150405"))
	p.Status = StatusPending
	if p.Auto {
		p.Status, p.Operator = StatusApproved, "auto"
	}
	return append(out, Change{Type: ChangeProposed, Kind: p.Action, Scope: scopeOf(p), ID: target, Level: p.Level,
		Source: SourceRules, Proposal: p, Time: p.Time})
}

func scopeOf(p *Proposal) string {
	if p.Gauge != "" {
		return ScopeGauge
	}
	return ScopeVillage
}

func armKey(rule, action, target string) string { return rule + "|" + action + "|" + target }

// dam is where a patrol goes: the nearest reservoir or dike hazard within
// 3 km of the gauge, else the gauge itself.
func (w *Warnings) dam(g geo.Gauge) orb.Point {
	best, bestD := g.Point, 3000.0
	for _, h := range w.sc.Hazards {
		if h.Kind != "reservoir" && h.Kind != "dike" || h.Geometry == nil {
			continue
		}
		p := h.Geometry.Bound().Center()
		if d := geo.DistanceMeters(g.Point, p); d < bestD {
			best, bestD = p, d
		}
	}
	return best
}

func sortEvidence(ev []Evidence) {
	sort.SliceStable(ev, func(i, j int) bool {
		if ev[i].Gauge != ev[j].Gauge {
			return ev[i].Gauge < ev[j].Gauge
		}
		if ev[i].Hours != ev[j].Hours {
			return ev[i].Hours < ev[j].Hours
		}
		return ev[i].Rule < ev[j].Rule
	})
}

func dedupEvidence(ev []Evidence) []Evidence {
	out := ev[:0]
	for i, e := range ev {
		if i == 0 || e != ev[i-1] {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
