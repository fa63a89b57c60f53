package warning

import (
	"sort"
	"time"

	"github.com/floodcmd/floodcmd/geo"
)

// View is the warnings as the board shows them (JSON-ready, sorted).
type View struct {
	Config    string        `json:"config"`
	Gauges    []GaugeView   `json:"gauges"`
	Villages  []VillageView `json:"villages"`
	Active    []Warning     `json:"active"`
	Proposals []Proposal    `json:"proposals"`
}

// GaugeView is one gauge: accumulations (hours → mm) at its latest reading,
// or its water level, and its warning level.
type GaugeView struct {
	ID            string          `json:"id"`
	Kind          string          `json:"kind"`
	Village       string          `json:"village,omitempty"`
	Level         string          `json:"level,omitempty"`
	Silent        bool            `json:"silent,omitempty"`
	LastReading   *time.Time      `json:"last_reading,omitempty"`
	Accumulations map[int]float64 `json:"accumulations,omitempty"`
	Meters        *float64        `json:"meters,omitempty"`
}

// VillageView is one village's level and the gauges that decide it.
type VillageView struct {
	ID     string     `json:"id"`
	Level  string     `json:"level,omitempty"`
	Source string     `json:"source,omitempty"`
	Since  *time.Time `json:"since,omitempty"`
	Gauges []string   `json:"gauges"`
}

// Active lists the active warnings sorted by scope, id and kind.
func (w *Warnings) Active() []Warning {
	keys := make([]string, 0, len(w.active))
	for k := range w.active {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Warning, 0, len(keys))
	for _, k := range keys {
		out = append(out, *w.active[k])
	}
	return out
}

// Proposals lists every proposal made, sorted by time then id.
func (w *Warnings) Proposals() []Proposal {
	out := make([]Proposal, 0, len(w.proposals))
	for _, p := range w.proposals {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.Before(out[j].Time)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// View is the state for the board.
func (w *Warnings) View() View {
	v := View{Config: w.cfg.Name, Active: w.Active(), Proposals: w.Proposals()}
	ids := append(append([]string(nil), w.rainIDs...), w.waterIDs...)
	sort.Strings(ids)
	for _, id := range ids {
		st := w.gauges[id]
		gv := GaugeView{ID: id, Kind: st.g.Kind, Village: st.village}
		if st.hasRead {
			t := st.lastAt
			gv.LastReading = &t
			if st.g.Kind == geo.GaugeRain {
				gv.Accumulations = map[int]float64{}
				for k, h := range Windows {
					gv.Accumulations[h] = st.acc[k]
				}
				gv.Level = w.activeLevel(ScopeGauge, id, KindRain)
			} else {
				m := st.meters
				gv.Meters = &m
				gv.Level = w.activeLevel(ScopeGauge, id, KindLevel)
			}
		}
		gv.Silent = w.active[key(ScopeGauge, id, KindSilent)] != nil
		v.Gauges = append(v.Gauges, gv)
	}
	for _, id := range w.villages {
		vv := VillageView{ID: id, Gauges: append([]string{}, w.villageGauges[id]...)}
		if a := w.active[key(ScopeVillage, id, KindRain)]; a != nil {
			t := a.Since
			vv.Level, vv.Source, vv.Since = a.Level, a.Source, &t
		}
		v.Villages = append(v.Villages, vv)
	}
	return v
}
