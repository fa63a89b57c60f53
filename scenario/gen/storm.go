package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/events"
	"github.com/floodcmd/floodcmd/geo"
)

// The 12 May 2022 storm replay: what the town's article and DUHU.md tell,
// made into contract-v1 events (every line "drill": true). The rain at the
// Nankeng reservoir gauge totals exactly 338.4 mm from 12:00 on 12 May to
// 12:00 on 13 May; its intensity peaks after midnight so that the CMA
// signals go orange late on the 12th and red early on the 13th, as Taishan's
// warning did. Everything finer than that is illustrative.

const stormFile = "storm-2022-05-12.jsonl"

var stormZone = time.FixedZone("CST", 8*3600)

var stormStart = time.Date(2022, 5, 12, 12, 0, 0, 0, stormZone)

// nankengHourly is the reservoir gauge's rain per hour from 12:00 (mm); the
// sum is 338.4, the article's 24 h total.
var nankengHourly = []float64{2, 3, 4, 5, 6, 8, 10, 12, 15, 18, 22, 28, 36, 42, 38, 26, 18, 14, 10, 8, 6, 4, 2.4, 1}

// withinHour shapes the six 10-minute steps of an hour (bursts, not a flat rate).
var withinHour = []float64{0.13, 0.17, 0.19, 0.18, 0.17, 0.16}

// gaugeShape scales and shifts (in 10-minute steps) Nankeng's rain for the
// other gauges: all get less than the reservoir area; Longhe and Nancun, flooded that night, most (red there too).
var gaugeShape = map[string]struct {
	factor float64
	shift  int
}{
	"rain-nankeng": {1, 0}, "rain-longhe": {0.92, 2}, "rain-nancun": {0.9, 1}, "rain-yuanmei": {0.8, -1},
	"rain-dagang": {0.78, 2}, "rain-beifeng": {0.75, -1}, "rain-duhuxu": {0.72, 1}, "rain-shangping": {0.7, 0},
	"rain-donghai": {0.68, 3}, "rain-shencun": {0.66, 0}, "rain-haibin": {0.62, 3}, "rain-lianan": {0.58, 1},
}

// nankengSteps is the reservoir gauge's rain per 10 minutes in tenths of a
// millimetre (integers, so that the total is exact).
func nankengSteps() []int {
	var out []int
	for _, h := range nankengHourly {
		total := int(math.Round(h * 10))
		parts := make([]int, len(withinHour))
		given := 0
		for i, w := range withinHour {
			parts[i] = int(float64(total) * w)
			given += parts[i]
		}
		for i := 0; given < total; i = (i + 1) % len(parts) { // largest share first would be finer; round-robin is enough
			parts[i]++
			given++
		}
		out = append(out, parts...)
	}
	return out
}

type stormLine struct {
	ev   events.Event
	kind int // orders events at the same time: rain, level, incident
}

func stormEvent(id, source, typ, subject string, at time.Time, data any) events.Event {
	raw, err := json.Marshal(data)
	if err != nil {
		log.Fatal(err)
	}
	return events.Event{SpecVersion: events.SpecVersion, ID: id, Source: source, Type: typ, Time: at, Subject: subject,
		DataContentType: "application/json", Drill: true, Data: raw}
}

// writeStorm writes the replay beside the Duhu scenario it refers to.
func writeStorm(dir string) {
	s, err := geo.LoadScenario(os.DirFS(dir))
	if err != nil {
		log.Fatalf("%s: %v", dir, err)
	}
	town := s.Town.ID
	var lines []stormLine
	base := nankengSteps()
	var rainIDs []string
	for _, g := range s.Gauges {
		if g.Kind == geo.GaugeRain {
			rainIDs = append(rainIDs, g.ID)
		}
	}
	sort.Strings(rainIDs)
	cum := map[string][]float64{} // per gauge, cumulative mm after each step
	for _, id := range rainIDs {
		shape, ok := gaugeShape[id]
		if !ok {
			shape.factor = 0.6
		}
		total := 0
		for i := range base {
			j := i - shape.shift
			tenths := 0
			if j >= 0 && j < len(base) {
				tenths = int(math.Round(float64(base[j]) * shape.factor))
			}
			total += tenths
			cum[id] = append(cum[id], float64(total)/10)
			end := stormStart.Add(time.Duration(i+1) * 10 * time.Minute)
			lines = append(lines, stormLine{stormEvent(fmt.Sprintf("storm0512-rain-%s-%s", id, end.Format("0102T1504")), "gauge/"+id,
				events.TypeRainObserved, events.Subject(town, events.ChanRain), end,
				events.RainObserved{Gauge: id, MM: float64(tenths) / 10, Minutes: 10}), 0})
		}
		if id == "rain-nankeng" && total != 3384 {
			log.Fatalf("rain-nankeng totals %.1f mm, not 338.4", float64(total)/10)
		}
	}
	// Water levels follow the rain: the reservoir with the rain that fell on
	// it (past warning_m early on the 13th, below danger_m), drawn down after
	// 06:00; the river with its catchment's total and the last 3 hours' rain.
	for i := range base {
		end := stormStart.Add(time.Duration(i+1) * 10 * time.Minute)
		for _, g := range s.Gauges {
			var m float64
			switch {
			case g.Kind == geo.GaugeReservoir && cum["rain-nankeng"] != nil:
				m = 29.5 + 0.011*cum["rain-nankeng"][i]
				if h := end.Sub(stormStart.Add(18 * time.Hour)).Hours(); h > 0 {
					m -= 0.04 * h
				}
			case g.Kind == geo.GaugeRiver && cum["rain-duhuxu"] != nil:
				c := cum["rain-duhuxu"]
				last3h := c[i]
				if i >= 18 {
					last3h -= c[i-18]
				}
				m = 1.5 + 0.0045*c[i] + 0.01*last3h
			default:
				continue
			}
			lines = append(lines, stormLine{stormEvent(fmt.Sprintf("storm0512-level-%s-%s", g.ID, end.Format("0102T1504")), "gauge/"+g.ID,
				events.TypeLevelObserved, events.Subject(town, events.ChanLevel), end,
				events.LevelObserved{Gauge: g.ID, Meters: math.Round(m*100) / 100}), 1})
		}
	}
	for _, in := range stormIncidents(s) {
		lines = append(lines, stormLine{stormEvent("storm0512-incident-"+in.name, in.source, events.TypeIncidentReported,
			events.Subject(town, events.ChanIncident), in.at, in.data), 2})
	}
	sort.SliceStable(lines, func(i, j int) bool {
		a, b := lines[i], lines[j]
		if !a.ev.Time.Equal(b.ev.Time) {
			return a.ev.Time.Before(b.ev.Time)
		}
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		return a.ev.ID < b.ev.ID
	})
	var buf bytes.Buffer
	for _, l := range lines {
		b, err := l.ev.Encode()
		if err != nil {
			log.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, stormFile), buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d events\n", filepath.Join(dir, stormFile), len(lines))
}

type stormIncident struct {
	name, source string
	at           time.Time
	data         events.IncidentReported
}

// stormIncidents are the article's incidents, each placed inside the grid
// the article names (checked with the locator, or the generator stops).
func stormIncidents(s *geo.Scenario) []stormIncident {
	loc := geo.NewLocator(s)
	at := func(day, hour, min int) time.Time { return time.Date(2022, 5, day, hour, min, 0, 0, stormZone) }
	in := func(grid string, p orb.Point) events.Position {
		if _, g, ok := loc.Locate(p); !ok || g != grid {
			log.Fatalf("storm: point %v is in grid %q, not %q", p, g, grid)
		}
		return events.Position{Lat: math.Round(p.Lat()*1e6) / 1e6, Lon: math.Round(p.Lon()*1e6) / 1e6}
	}
	centre := func(grid string, dx, dy float64) events.Position {
		g, ok := s.Grid(grid)
		if !ok {
			log.Fatalf("storm: no grid %s", grid)
		}
		return in(grid, orb.Point{g.Center.Lon() + dx, g.Center.Lat() + dy})
	}
	hazard := func(id, grid string) events.Position {
		for _, h := range s.Hazards {
			if h.ID == id {
				return in(grid, h.Geometry.Bound().Center())
			}
		}
		log.Fatalf("storm: no hazard %s", id)
		return events.Position{}
	}
	// onChannel is the point at fraction f of the stretch of a channel inside grid.
	onChannel := func(river, grid string, f float64) events.Position {
		for _, r := range s.Rivers {
			if r.ID != river {
				continue
			}
			var inside []orb.Point
			for i := 1; i < len(r.Line); i++ {
				for k := 0; k < 50; k++ {
					t := float64(k) / 50
					p := orb.Point{r.Line[i-1][0] + t*(r.Line[i][0]-r.Line[i-1][0]), r.Line[i-1][1] + t*(r.Line[i][1]-r.Line[i-1][1])}
					if _, g, ok := loc.Locate(p); ok && g == grid {
						inside = append(inside, p)
					}
				}
			}
			if len(inside) == 0 {
				log.Fatalf("storm: channel %s does not cross grid %s", river, grid)
			}
			return in(grid, inside[int(f*float64(len(inside)-1))])
		}
		log.Fatalf("storm: no river %s", river)
		return events.Position{}
	}
	hall, _ := s.Shelter("town-hall")
	inc := func(name, source string, t time.Time, kind string, p events.Position, people, sev int, note string) stormIncident {
		return stormIncident{name, source, t, events.IncidentReported{Kind: kind, Position: p, People: people, Severity: sev,
			Note: note, Reporter: source, Incident: "storm0512-" + name}}
	}
	out := []stormIncident{
		inc("yangning-flooding", "grid/nancun-yangning", at(13, 1, 20), "flooding", centre("nancun-yangning", 0, 0), 150, 1,
			"南村阳宁村短时受浸，约150人需转移 — Yangning (Nancun) flooded; about 150 people to move"),
		inc("yangning-evacuation", "grid/nancun-yangning", at(13, 1, 25), "evacuation", centre("nancun-yangning", 0.0008, 0.0005), 150, 1,
			"网格长带队涉水入村逐户通知撤离，护送行动不便老人到村委会临时安置点（一小时内） — door to door; escort elderly people with limited mobility to the village committee building within the hour"),
		inc("songshan-flooding", "grid/longhe-songshan", at(13, 2, 5), "flooding", centre("longhe-songshan", 0, 0), 0, 2,
			"龙和松山村严重水浸 — Songshan (Longhe) badly flooded"),
		inc("hening-flooding", "grid/longhe-hening", at(13, 2, 15), "flooding", centre("longhe-hening", 0, 0), 0, 2,
			"龙和和宁村严重水浸 — Hening (Longhe) badly flooded"),
		inc("songshan-old-house", "grid/longhe-songshan", at(13, 2, 40), "dangerous_house", hazard("house-songshan-1", "longhe-songshan"), 0, 2,
			"巡查危旧房屋 — dangerous old house found on patrol"),
		inc("hening-old-house", "grid/longhe-hening", at(13, 2, 50), "dangerous_house", hazard("house-hening-1", "longhe-hening"), 0, 2,
			"巡查危旧房屋 — dangerous old house found on patrol"),
		inc("longhe-channel", "grid/longhe-hening", at(13, 3, 30), "blocked_channel", onChannel("ch-longhe", "longhe-hening", 0.5), 0, 2,
			"河道排水受阻：调派专业人员和挖机清淤疏浚，挖机清理河面漂浮物 — drainage blocked: professionals and an excavator sent to dredge and clear floating debris"),
		inc("chixi-aid", "town/"+s.Town.ID, at(13, 3, 40), "other", in("duhuxu-"+townHallGridSide(loc, hall.Point), hall.Point), 0, 3,
			"赤溪镇汛情紧张请求增援，调派部分应急队员跨区域支援 — Chixi (赤溪) asks for help: mutual aid, part of the squad sent across the boundary"),
	}
	for n := 1; n <= 3; n++ {
		out = append(out, inc(fmt.Sprintf("dagang-channel-%d", n), "grid/dagang-hetang", at(13, 7, 30+40*(n-1)).Add(0), "blocked_channel",
			onChannel("ch-dagang-hetang", "dagang-hetang", float64(n)/4), 0, 3,
			fmt.Sprintf("大纲村荷花池旁水渠堵塞点%d/3，网格员系安全绳清理树枝 — Dagang lotus-pond channel blocked, point %d of 3", n, n)))
	}
	return out
}

// townHallGridSide names the duhuxu grid ("east" or "west") holding the town hall.
func townHallGridSide(loc *geo.Locator, p orb.Point) string {
	_, g, _ := loc.Locate(p)
	if g == "duhuxu-west" {
		return "west"
	}
	return "east"
}
