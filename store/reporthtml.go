package store

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"time"
)

// WriteReportHTML renders r as a printable, self-contained HTML page: inline
// CSS and SVG charts, no script, no CDN (a command centre in a typhoon is offline).
// loc is the time zone hours are shown in (nil: UTC).
func WriteReportHTML(w io.Writer, r Report, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	v := reportPage{Report: r, Loc: loc,
		KindChart:    barChart(r.Incidents.ByKind),
		VillageChart: barChart(r.Incidents.ByVillage),
		CheckInChart: hourBars(r.CheckIns, loc),
		RainChart:    rainLines(r.Rain, loc),
	}
	if err := reportTemplate.Execute(w, v); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return nil
}

// reportPage is what the template sees: the report and its charts laid out.
type reportPage struct {
	Report
	Loc                                   *time.Location
	KindChart, VillageChart, CheckInChart svgChart
	RainChart                             svgChart
}

// svgChart is a chart's geometry, computed here so the template only draws.
type svgChart struct {
	W, H   float64
	Bars   []svgBar
	Lines  []svgLine
	Labels []svgText
	Empty  bool
}

type svgBar struct {
	X, Y, W, H float64
	Label      string
	Value      string
}

type svgLine struct {
	Points string
	Color  string
	Dash   string
	Name   string
}

type svgText struct {
	X, Y   float64
	Text   string
	Anchor string
}

// palette holds 12 colours distinguishable on screen and in print (after
// Paul Tol's "muted" and "bright" schemes); beyond 12 gauges, lines also get
// a dash pattern (dashes), so no two lines ever look the same.
var palette = []string{"#332288", "#ee7733", "#117733", "#cc3311", "#33bbee", "#aa3377",
	"#999933", "#0077bb", "#882255", "#44aa99", "#555555", "#ddaa33"}

// dashes are the stroke patterns of the lines, one per round of the palette.
var dashes = []string{"", "6 3", "2 2", "8 3 2 3"}

// label is a thing's Chinese name with its English one after it, when they differ.
func label(zh, en, key string) string {
	switch {
	case zh == "":
		return key
	case en == "" || en == zh:
		return zh
	}
	return zh + " " + en
}

// barChart lays counts out as horizontal bars, largest first (at most 15).
func barChart(counts []Count) svgChart {
	if len(counts) > 15 {
		counts = counts[:15]
	}
	c := svgChart{W: 640, H: float64(20*len(counts) + 10), Empty: len(counts) == 0}
	maxN := 1
	for _, k := range counts {
		maxN = max(maxN, k.N)
	}
	for i, k := range counts {
		w := 400 * float64(k.N) / float64(maxN)
		c.Bars = append(c.Bars, svgBar{X: 220, Y: float64(i*20 + 5), W: w, H: 14, Label: label(k.Name, k.NameEn, k.Key), Value: fmt.Sprint(k.N)})
	}
	return c
}

// hourBars lays a count per hour out as vertical bars.
func hourBars(hours []HourCount, loc *time.Location) svgChart {
	c := svgChart{W: 640, H: 200, Empty: len(hours) == 0}
	if c.Empty {
		return c
	}
	maxN := 1
	for _, h := range hours {
		maxN = max(maxN, h.N)
	}
	// One bar per hour of the span, empty hours included, so the axis is time.
	first, last := hours[0].Hour, hours[len(hours)-1].Hour
	span := int(last.Sub(first).Hours()) + 1
	bw := math.Min(40, 600/float64(span))
	every := max(1, int(math.Ceil(float64(span)/12)))
	for i := range span {
		t := first.Add(time.Duration(i) * time.Hour)
		x := 30 + float64(i)*bw
		if i%every == 0 {
			// The date on the first label and wherever the day changes.
			format := "15h"
			if i == 0 || t.In(loc).Day() != t.Add(-time.Duration(every)*time.Hour).In(loc).Day() {
				format = "01-02 15h"
			}
			c.Labels = append(c.Labels, svgText{X: x + bw/2, Y: 180, Text: t.In(loc).Format(format), Anchor: "middle"})
		}
	}
	for _, h := range hours {
		i := int(h.Hour.Sub(first).Hours())
		bh := 150 * float64(h.N) / float64(maxN)
		x := 30 + float64(i)*bw
		c.Bars = append(c.Bars, svgBar{X: x, Y: 165 - bh, W: math.Max(bw-2, 1), H: bh, Value: fmt.Sprint(h.N),
			Label: h.Hour.In(loc).Format("2006-01-02 15:04")})
	}
	return c
}

// rainLines draws each gauge's rain per hour as a line over the hours of the period.
func rainLines(gauges []GaugeRain, loc *time.Location) svgChart {
	c := svgChart{W: 640, H: 220, Empty: len(gauges) == 0}
	if c.Empty {
		return c
	}
	hourSet := map[time.Time]bool{}
	maxMM := 1.0
	for _, g := range gauges {
		for _, h := range g.Hours {
			hourSet[h.Hour] = true
			maxMM = math.Max(maxMM, h.MM)
		}
	}
	hours := make([]time.Time, 0, len(hourSet))
	for h := range hourSet {
		hours = append(hours, h)
	}
	sort.Slice(hours, func(i, j int) bool { return hours[i].Before(hours[j]) })
	first, last := hours[0], hours[len(hours)-1]
	span := math.Max(last.Sub(first).Hours(), 1)
	x := func(t time.Time) float64 { return 40 + 580*t.Sub(first).Hours()/span }
	y := func(mm float64) float64 { return 170 - 150*mm/maxMM }
	for i, g := range gauges {
		var pts string
		for _, h := range g.Hours {
			pts += fmt.Sprintf("%.1f,%.1f ", x(h.Hour), y(h.MM))
		}
		c.Lines = append(c.Lines, svgLine{Points: pts, Color: palette[i%len(palette)], Dash: dashes[(i/len(palette))%len(dashes)],
			Name: label(g.Name, g.NameEn, g.Gauge)})
	}
	c.Labels = append(c.Labels, svgText{X: 44, Y: 16, Text: fmt.Sprintf("%.0f mm", maxMM), Anchor: "start"},
		svgText{X: 36, Y: 172, Text: "0", Anchor: "end"},
		svgText{X: 40, Y: 188, Text: first.In(loc).Format("01-02 15h"), Anchor: "start"},
		svgText{X: 620, Y: 188, Text: last.In(loc).Format("01-02 15h"), Anchor: "end"})
	return c
}

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":   func(f float64) string { return fmt.Sprintf("%.0f %%", 100*f) },
	"secs":  func(f float64) string { return fmt.Sprintf("%.0f s", f) },
	"when":  func(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02 15:04 MST") },
	"label": label,
	"wettest": func(hours []HourRain) float64 {
		m := 0.0
		for _, h := range hours {
			m = math.Max(m, h.MM)
		}
		return m
	},
}).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>复盘报告 After-action report — {{label .TownName .TownNameEn .Town}}</title>
<style>
body{font:14px/1.4 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#111;max-width:60em}
h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.15em;border-bottom:1px solid #999;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.25em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}.ok{color:#2b6b2b;font-weight:bold}.bad{color:#a00;font-weight:bold}
.muted{color:#666}svg{display:block;margin:.5em 0}svg text{font-size:11px;fill:#222}
@media print{body{margin:1cm}h2{page-break-after:avoid}svg,table{page-break-inside:avoid}}
</style></head><body>
<h1>复盘报告 After-action report: {{label .TownName .TownNameEn .Town}}{{if .Drill}} · 演练 DRILL{{end}}</h1>
<p class="muted">{{if .EventsTotal}}{{when .From .Loc}} — {{when .To .Loc}}{{else}}no events in the period{{end}} · generated {{when .Generated .Loc}} · {{.EventsTotal}} events in the log, {{.Commands}} operator commands, {{.Rejections}} rejected inputs{{with .RejectionsByCode}} ({{range $i, $c := .}}{{if $i}}, {{end}}{{$c.N}} {{label $c.Name $c.NameEn $c.Key}}{{end}}){{end}}</p>
{{if .Drill}}<p class="muted">演练：决策按其前一条演练事件的时间计时 · Drill: each decision is timed by the drill event it followed, on the storm's own clock.</p>{{end}}

<h2>Incidents 警情</h2>
<p>{{.Incidents.Total}} reported 上报, {{.Incidents.Resolved}} resolved 办结, {{.Incidents.Assigned}} given responders 已派; {{.Incidents.Assignments}} assignments 派单 to them (an incident may need several responders){{if .Incidents.OtherAssignments}}, and {{.Incidents.OtherAssignments}} to incidents the system opened itself (patrols on a warning, evacuation escorts){{end}}.</p>
<h3>类型 By kind</h3>{{template "bars" .KindChart}}
<h3>村 By village</h3>{{template "bars" .VillageChart}}

<h2>Response times 响应时间</h2>
<table><tr><th>Phase 环节</th><th>Cases</th><th>p50</th><th>p90</th><th>Within goal</th><th>Yardstick</th></tr>
{{range .Response}}<tr><td>{{.Phase}}</td><td>{{.N}} {{.Unit}}</td><td>{{if .N}}{{secs .P50}}{{else}}—{{end}}</td><td>{{if .N}}{{secs .P90}}{{else}}—{{end}}</td>
<td>{{if and .Goal .N}}<span class="{{if .Met}}ok{{else}}bad{{end}}">{{pct .Within}}</span> ≤ {{secs .Goal}}{{else}}—{{end}}</td><td>{{.Yardstick}}</td></tr>
{{end}}</table>
<p class="muted">dispatch = assignment created − incident reported; turnout = accepted or en route − created; travel = on scene − en route; on scene = done − on scene.</p>

<h2>Evacuation 转移安置: people checked in per hour</h2>
{{with .CheckInChart}}{{if .Empty}}<p class="muted">No check-ins in the period.</p>{{else}}
<svg width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="check-ins per hour">
<line x1="28" y1="165" x2="{{.W}}" y2="165" stroke="#888"/>
{{range .Bars}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="#1f4e79"><title>{{.Label}}: {{.Value}}</title></rect>
<text x="{{.X}}" y="{{.Y}}" dy="-2">{{.Value}}</text>{{end}}
{{range .Labels}}<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>{{end}}
</svg>{{end}}{{end}}

<h2>Rain 雨量: mm per hour per gauge</h2>
{{with .RainChart}}{{if .Empty}}<p class="muted">No rain readings in the period.</p>{{else}}
<svg width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="rain per hour">
<line x1="40" y1="170" x2="620" y2="170" stroke="#888"/><line x1="40" y1="20" x2="40" y2="170" stroke="#888"/>
{{range .Lines}}<polyline points="{{.Points}}" fill="none" stroke="{{.Color}}" stroke-width="2"{{if .Dash}} stroke-dasharray="{{.Dash}}"{{end}}><title>{{.Name}}</title></polyline>{{end}}
{{range .Labels}}<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>{{end}}
</svg>
<p>{{range .Lines}}<span style="white-space:nowrap"><svg width="24" height="10" style="display:inline;margin:0"><line x1="0" y1="5" x2="24" y2="5" stroke="{{.Color}}" stroke-width="3"{{if .Dash}} stroke-dasharray="{{.Dash}}"{{end}}/></svg> {{.Name}}</span> {{end}}</p>{{end}}{{end}}
<table><tr><th>Gauge 雨量站</th><th>Total</th><th>Wettest hour</th></tr>
{{range .Rain}}<tr><td>{{label .Name .NameEn .Gauge}}</td><td>{{printf "%.1f" .Total}} mm</td><td>{{printf "%.1f" (wettest .Hours)}} mm</td></tr>{{end}}</table>

<h2>Mutual aid 跨镇支援</h2>
<table><tr><th>Received 收到 (other towns' requests and answers that reached us)</th><td>{{.Aid.Received}}</td></tr>
<tr><th>Given 支援 (our answers and commitments the partner town received)</th><td>{{.Aid.Given}}</td></tr>
<tr><th>Asked 请求 (our requests the partner town received)</th><td>{{.Aid.Asked}}</td></tr>
<tr><th>Not delivered 未送达 (our messages no partner town has received yet)</th><td>{{.Aid.Undelivered}}</td></tr>
<tr><th>Needed (our dispatcher short of responders)</th><td>{{.Aid.Needed}}</td></tr></table>
</body></html>
{{define "bars"}}{{if .Empty}}<p class="muted">None.</p>{{else}}
<svg width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}" role="img">
{{range .Bars}}<text x="214" y="{{.Y}}" dy="11" text-anchor="end">{{.Label}}</text>
<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="#1f4e79"/><text x="{{.X}}" y="{{.Y}}" dx="{{.W}}" dy="11"> {{.Value}}</text>{{end}}
</svg>{{end}}{{end}}`))
