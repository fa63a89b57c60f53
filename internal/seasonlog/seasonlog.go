// Package seasonlog makes a town's log as a season fills it, for the
// benchmarks of a start (cmd/floodcmd) and of the fold (engine): the same mix
// in both, so their figures can be set side by side.
package seasonlog

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Mix is a season of a town's log: rain and level readings from Duhu's
// 14 gauges every 10 minutes (rain mostly nothing, now and then a shower or a
// storm; levels wandering about their normal), and per 1,000 events one
// incident reported and, 500 events (about six hours) later, resolved.
type Mix struct {
	rnd    *rand.Rand
	gauges []gauge
	at     time.Time
	cur    int
	step   int
	level  map[string]float64
}

type gauge struct {
	id    string
	level bool
	base  float64 // a level gauge's normal level, m
}

// New returns the mix from its first event (seeded: every run makes the same log).
func New() *Mix {
	gs := []gauge{{id: "nankeng-reservoir", level: true, base: 28}, {id: "duhu-river-seat", level: true, base: 1.5}}
	for _, id := range []string{"rain-nankeng", "rain-duhuxu", "rain-nancun", "rain-longhe", "rain-dagang", "rain-yuanmei",
		"rain-shencun", "rain-beifeng", "rain-haibin", "rain-lianan", "rain-shangping", "rain-donghai"} {
		gs = append(gs, gauge{id: id})
	}
	m := &Mix{rnd: rand.New(rand.NewPCG(17, 2022)), gauges: gs, level: map[string]float64{},
		at: time.Date(2022, 4, 1, 0, 10, 0, 0, time.FixedZone("CST", 8*3600))}
	for _, g := range gs {
		m.level[g.id] = g.base
	}
	return m
}

// Next returns the subject and body of event i.
func (m *Mix) Next(i int) (string, []byte) {
	stamp := m.at.Format(time.RFC3339)
	switch i % 1000 {
	case 0:
		k := i / 1000
		lat, lon := 22.08+0.01*m.rnd.Float64(), 112.9+0.01*m.rnd.Float64()
		return "flood.duhu.incident", fmt.Appendf(nil, `{"specversion":"1.0","id":"inc-%d","source":"grid/duhuxu-1","type":"flood.incident.reported","time":%q,"subject":"flood.duhu.incident","datacontenttype":"application/json","data":{"kind":"flooding","lat":%.5f,"lon":%.5f,"people":%d,"note":"水浸街 street flooded","reporter":"网格员 %d"}}`,
			k, stamp, lat, lon, 1+k%5, k%40)
	case 500:
		k := i / 1000
		return "flood.duhu.command", fmt.Appendf(nil, `{"specversion":"1.0","id":"resolve-%d","source":"board/operator","type":"flood.command.resolve","time":%q,"subject":"flood.duhu.command","datacontenttype":"application/json","data":{"incident":"inc-%d","operator":"值班员","reason":"水已退 water gone"}}`,
			k, stamp, k)
	}
	g := m.gauges[m.cur]
	var subject string
	var body []byte
	if g.level {
		lv := m.level[g.id] + 0.02*(m.rnd.Float64()-0.5) + 0.002*(g.base-m.level[g.id])
		m.level[g.id] = lv
		subject = "flood.duhu.level"
		body = fmt.Appendf(nil, `{"specversion":"1.0","id":"%s-%d","source":"gauge/%s","type":"flood.level.observed","time":%q,"subject":"flood.duhu.level","datacontenttype":"application/json","data":{"gauge":"%s","meters":%.2f}}`,
			g.id, m.step, g.id, stamp, g.id, lv)
	} else {
		mm := 0.0
		switch r := m.rnd.Float64(); {
		case r < 0.01:
			mm = 5 + 25*m.rnd.Float64() // a storm's ten minutes
		case r < 0.2:
			mm = math.Round(30*m.rnd.ExpFloat64()) / 10 // a shower
		}
		subject = "flood.duhu.rain"
		body = fmt.Appendf(nil, `{"specversion":"1.0","id":"%s-%d","source":"gauge/%s","type":"flood.rain.observed","time":%q,"subject":"flood.duhu.rain","datacontenttype":"application/json","data":{"gauge":"%s","mm":%.1f,"minutes":10}}`,
			g.id, m.step, g.id, stamp, g.id, mm)
	}
	if m.cur++; m.cur == len(m.gauges) {
		m.cur, m.step = 0, m.step+1
		m.at = m.at.Add(10 * time.Minute)
	}
	return subject, body
}
