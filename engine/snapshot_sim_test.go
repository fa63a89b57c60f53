package engine

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/aid"
	"github.com/floodcmd/floodcmd/events"
)

// simMsg is one message of a simulated log.
type simMsg struct {
	subject string
	raw     []byte
}

// simTown is a town's log in memory, folded and decided the way the runner
// does it (decisions appended after the inputs they answer, rejection notices
// owed then published), with every message kept so it can be replayed.
type simTown struct {
	tb   testing.TB
	town string
	st   *State
	log  []simMsg
	n    int // ids handed out
}

func newSimTown(tb testing.TB, town string, d *Domain) *simTown {
	d.SetDecisionKey(testSealKeys[town]) // its decisions sealed, as the engine's are
	return &simTown{tb: tb, town: town, st: NewState(town, d)}
}

func (s *simTown) append(subject string, raw []byte) {
	s.log = append(s.log, simMsg{subject, raw})
	s.st.Apply(uint64(len(s.log)), subject, raw)
}

func (s *simTown) event(subject, typ string, now time.Time, data any) []byte {
	s.tb.Helper()
	s.n++
	ev, err := events.New(fmt.Sprintf("%s-sim-%d", s.town, s.n), "sim", typ, now, data)
	require.NoError(s.tb, err)
	raw, err := ev.Encode()
	require.NoError(s.tb, err)
	return raw
}

func (s *simTown) send(subject, typ string, now time.Time, data any) {
	s.append(subject, s.event(subject, typ, now, data))
}

func (s *simTown) command(verb string, now time.Time, data map[string]any) {
	data["operator"] = "值班员"
	s.send(events.Subject(s.town, events.ChanCommand), events.TypeCommandPrefix+verb, now, data)
}

// round is one decision round: the owed notices and the decisions, sealed,
// appended; race, when given, is an input that lands between the decision
// and its append (a resolve racing an assignment: some decisions are void).
func (s *simTown) round(now time.Time, tick bool, race func()) int {
	s.tb.Helper()
	var outs []Outgoing
	for _, r := range s.st.Owed() {
		ev, err := events.New(fmt.Sprintf("%s-rejected-%d", s.town, r.Seq), "floodcmd/"+s.town, events.TypeEventRejected, now, r)
		require.NoError(s.tb, err)
		outs = append(outs, Outgoing{Subject: events.RejectedSubject(s.town), Event: ev})
	}
	outs = append(outs, s.st.Decide(now, tick)...)
	if race != nil {
		race()
	}
	for _, o := range outs {
		ev := events.SealDecision(s.st.domain.DecisionKey(), o.Subject, o.Event)
		raw, err := ev.Encode()
		require.NoError(s.tb, err)
		s.append(o.Subject, raw)
	}
	return len(outs)
}

func (s *simTown) settle(now time.Time, race func()) {
	for i := range 12 {
		if s.round(now.Add(time.Duration(i)*time.Second), i == 0, race) == 0 {
			return
		}
		race = nil
	}
}

// deliver plays the aid forwarder: the outbox goes to the other town's inbox,
// and a delivered marker to this town's log.
func (s *simTown) deliver(to *simTown, now time.Time) {
	s.tb.Helper()
	for _, o := range s.st.domain.AidOutbox() {
		raw, err := o.Event.Encode()
		require.NoError(s.tb, err)
		to.append(events.AidInboxFrom(o.Subject, s.town), raw)
		mark, err := events.New(o.Event.ID+"-delivered", "floodcmd/"+s.town, events.TypeAidDelivered, now,
			events.AidDelivered{Event: o.Event.ID, Subject: o.Subject, To: to.town})
		require.NoError(s.tb, err)
		subject := events.OutSubject(s.town, events.ChanAid, "delivered")
		mark = events.SealDecision(s.st.domain.DecisionKey(), subject, mark)
		raw, err = mark.Encode()
		require.NoError(s.tb, err)
		s.append(subject, raw)
	}
}

// simLog generates Duhu's log from a seed: incidents, resolves, statuses and
// declines, silence past the ack time-out, road closures and depths,
// evacuation orders and cancellations, check-ins and check-outs, rain and
// level readings, proposals approved or dismissed, CAP alerts, mutual aid with
// Chixi both ways (guests included), invalid inputs, repeats, forged
// decisions and decisions made void by a racing input.
func simLog(tb testing.TB, seed uint64, steps int) []simMsg {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	dh, cx := newSimTown(tb, "duhu", duhuDomain(tb)), newSimTown(tb, "chixi", chixiDomain(tb))
	now := time.Date(2022, 5, 12, 22, 0, 0, 0, time.FixedZone("CST", 8*3600))
	sc := duhuTown.Scenario
	var rainGauges, waterGauges []string
	for _, g := range sc.Gauges {
		if g.Kind == "rain" {
			rainGauges = append(rainGauges, g.ID)
		} else {
			waterGauges = append(waterGauges, g.ID)
		}
	}
	incident := func(people int) {
		kinds := []string{"flooding", "trapped", "evacuation", "blocked_channel", "dangerous_house", "road_flooded"}
		g := sc.Grids[rng.IntN(len(sc.Grids))]
		dh.send("flood.duhu.incident", events.TypeIncidentReported, now, map[string]any{"kind": kinds[rng.IntN(len(kinds))],
			"lat": g.Center.Lat(), "lon": g.Center.Lon(), "people": people, "severity": 1 + rng.IntN(4)})
	}
	for range steps {
		v := dh.st.View()
		now = now.Add(time.Duration(10+rng.IntN(120)) * time.Second)
		var race func()
		switch k := rng.IntN(100); {
		case k < 11:
			for range 1 + rng.IntN(5) {
				incident(1 + rng.IntN(30))
			}
		case k < 14:
			// A surge of people trapped, most urgent, after lesser work took the
			// responders: some are taken off it (pre-empted).
			for i := range 24 {
				g := sc.Grids[rng.IntN(len(sc.Grids))]
				dh.send("flood.duhu.incident", events.TypeIncidentReported, now, map[string]any{"kind": []string{"road_flooded", "flooding", "blocked_channel", "other"}[i%4],
					"lat": g.Center.Lat(), "lon": g.Center.Lon(), "people": 1, "severity": 4})
			}
			dh.settle(now, nil)
			for range 20 {
				g := sc.Grids[rng.IntN(len(sc.Grids))]
				dh.send("flood.duhu.incident", events.TypeIncidentReported, now, map[string]any{"kind": "trapped",
					"lat": g.Center.Lat(), "lon": g.Center.Lon(), "people": 10 + rng.IntN(30), "severity": 1})
			}
		case k < 22:
			for _, inc := range v.Incidents {
				if inc.Status == "open" && rng.IntN(3) == 0 {
					dh.command("resolve", now, map[string]any{"incident": inc.ID, "reason": "sim"})
				}
			}
			incident(3)
			// A resolve racing the round that assigns the new incident: void decisions.
			race = func() {
				for _, inc := range dh.st.View().Incidents {
					if inc.Status == "open" && rng.IntN(2) == 0 {
						dh.command("resolve", now, map[string]any{"incident": inc.ID, "reason": "race"})
					}
				}
			}
		case k < 36:
			n := 0
			for _, a := range v.Assignments {
				if n < 6 && rng.IntN(2) == 0 {
					if st := simNextStatus(rng, a.Status); st != "" {
						dh.send(events.Subject("duhu", events.ChanResponder, a.Responder), events.TypeResponderStatus, now,
							map[string]any{"status": st, "assignment": a.ID, "lat": 21.98 + rng.Float64()/50, "lon": 112.9 + rng.Float64()/50})
						n++
					}
				}
			}
			if len(v.Responders) > 0 && rng.IntN(4) == 0 {
				r := v.Responders[rng.IntN(len(v.Responders))]
				if r.Assignment == "" {
					st := "off_duty"
					if rng.IntN(2) == 0 {
						st = "available"
					}
					dh.send(events.Subject("duhu", events.ChanResponder, r.ID), events.TypeResponderStatus, now, map[string]any{"status": st})
				}
			}
		case k < 40:
			now = now.Add(90 * time.Second) // past the ack time-out
		case k < 47:
			r := sc.Roads[rng.IntN(len(sc.Roads))]
			switch rng.IntN(4) {
			case 0:
				dh.command("open_road", now, map[string]any{"road": r.ID, "reason": "sim"})
			case 1:
				dh.command("road_depth", now, map[string]any{"road": r.ID, "meters": []float64{0, 0.2, 0.4, 0.6}[rng.IntN(4)], "reason": "sim"})
			default:
				dh.command("close_road", now, map[string]any{"road": r.ID, "reason": "sim"})
			}
		case k < 52:
			g := sc.Grids[rng.IntN(len(sc.Grids))]
			dh.command("evacuate", now, map[string]any{"order": fmt.Sprintf("o-%s-%d", g.ID, dh.n), "grids": []string{g.ID},
				"level": []string{"mandatory", "advisory"}[rng.IntN(2)], "reason": "sim"})
		case k < 55:
			for _, o := range v.EvacOrders {
				if rng.IntN(2) == 0 {
					dh.command("cancel_evacuation", now, map[string]any{"order": o.ID, "reason": "sim"})
					break
				}
			}
		case k < 61:
			n := 0
			for _, h := range v.Unaccounted {
				if n < 5 && h.Shelter != "" {
					typ := events.TypeShelterCheckin
					if rng.IntN(5) == 0 {
						typ = events.TypeShelterCheckout
					}
					dh.send(events.Subject("duhu", events.ChanShelter, h.Shelter), typ, now, map[string]any{"people": h.Members, "household": h.ID})
					n++
				}
			}
			if len(v.Unaccounted) > 0 && rng.IntN(2) == 0 {
				h := v.Unaccounted[rng.IntN(len(v.Unaccounted))]
				dh.command("household", now, map[string]any{"household": h.ID, "status": []string{"notified", "moving", "staying"}[rng.IntN(3)]})
			}
		case k < 72:
			// a storm: every rain gauge reads, some heavily, and the rivers rise
			for _, g := range rainGauges {
				dh.send("flood.duhu.rain", events.TypeRainObserved, now, map[string]any{"gauge": g, "mm": float64(rng.IntN(400)) / 10, "minutes": 10})
			}
			for _, g := range waterGauges {
				dh.send("flood.duhu.level", events.TypeLevelObserved, now, map[string]any{"gauge": g, "meters": float64(rng.IntN(60)) / 10})
			}
		case k < 75:
			for _, p := range v.Proposals {
				if p.Status == "pending" {
					verb := "approve"
					if rng.IntN(3) == 0 {
						verb = "dismiss"
					}
					dh.command(verb, now, map[string]any{"proposal": p.ID, "reason": "sim"})
					break
				}
			}
		case k < 78:
			xml := fmt.Sprintf(`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>sim-%d</identifier><sender>sim@example.org</sender><sent>%s</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope><info><category>Met</category><event>Heavy rain</event><urgency>Immediate</urgency><severity>%s</severity><certainty>Observed</certainty><area><areaDesc>Duhu</areaDesc><polygon>22.00,112.85 22.12,112.85 22.12,112.98 22.00,112.98 22.00,112.85</polygon></area></info></alert>`,
				dh.n, now.Format(time.RFC3339), []string{"Severe", "Extreme", "Moderate"}[rng.IntN(3)])
			dh.send(events.Subject("duhu", "cap"), events.TypeCAPReceived, now, map[string]any{"xml": xml})
		case k < 82:
			// Chixi is short of evacuation teams and asks Duhu.
			cx.send("flood.chixi.incident", events.TypeIncidentReported, now, map[string]any{"kind": "evacuation",
				"lat": 21.9745, "lon": 112.9575, "people": 200 + rng.IntN(400)})
		case k < 85:
			for _, a := range v.Aid {
				if a.Direction == aid.In && a.State == aid.Requested && a.Approved == 0 {
					if rng.IntN(3) == 0 {
						dh.command("decline_aid", now, map[string]any{"request": a.Request, "reason": "sim"})
					} else {
						dh.command("approve_aid", now, map[string]any{"request": a.Request, "count": 1 + rng.IntN(6)})
					}
					break
				}
				if rng.IntN(3) == 0 && (a.State == aid.Committed || a.State == aid.Deployed) {
					dh.command("release_aid", now, map[string]any{"request": a.Request, "reason": "sim"})
					break
				}
			}
		case k < 88:
			// Duhu is short: a big evacuation its own teams cannot cover; Chixi's operator approves what comes.
			incident(400 + rng.IntN(300))
			for _, a := range cx.st.View().Aid {
				if a.Direction == aid.In && a.State == aid.Requested && a.Approved == 0 {
					cx.command("approve_aid", now, map[string]any{"request": a.Request, "count": 1 + rng.IntN(4)})
				}
			}
		case k < 93:
			// Invalid input, a repeat of an earlier input, a forged decision.
			switch rng.IntN(3) {
			case 0:
				dh.append("flood.duhu.incident", []byte(`{"specversion":"1.0","id":"bad","type":"flood.incident.reported"}`))
				dh.send("flood.duhu.rain", events.TypeRainObserved, now, map[string]any{"gauge": "nowhere", "mm": 1, "minutes": 10})
			case 1:
				for i := len(dh.log) - 1; i >= 0; i-- {
					if m := dh.log[i]; m.subject == "flood.duhu.incident" || m.subject == "flood.duhu.command" {
						dh.append(m.subject, m.raw)
						break
					}
				}
			default:
				dh.send(events.OutSubject("duhu", "incident"), events.TypeIncidentResolved, now, map[string]any{"type": "incident.resolved", "incident": "x"})
			}
		default:
			dh.send(events.Subject("duhu", events.ChanResponder, "nobody"), events.TypeResponderStatus, now, map[string]any{"status": "en_route"})
		}
		dh.settle(now, race)
		cx.settle(now, nil)
		if rng.IntN(2) == 0 {
			dh.deliver(cx, now)
			cx.settle(now, nil)
			cx.deliver(dh, now)
			dh.settle(now, nil)
		}
	}
	return dh.log
}

// foldSim folds log[from:to] (0-based) into st at their sequences.
func foldSim(st *State, log []simMsg, from, to int) {
	for i := from; i < to; i++ {
		st.Apply(uint64(i+1), log[i].subject, log[i].raw)
	}
}

func viewJSON(tb testing.TB, st *State) []byte {
	tb.Helper()
	b, err := json.Marshal(st.View())
	require.NoError(tb, err)
	return b
}

func decideJSON(tb testing.TB, st *State, now time.Time) []byte {
	tb.Helper()
	b, err := json.Marshal(st.Decide(now, true))
	require.NoError(tb, err)
	return b
}

// simNextStatus is a responder's next report on an assignment, a decline now and then.
func simNextStatus(rng *rand.Rand, status string) string {
	switch status {
	case "assigned":
		if rng.IntN(4) == 0 {
			return "declined"
		}
		return "accepted"
	case "accepted":
		return "en_route"
	case "en_route":
		return "on_scene"
	case "on_scene":
		return "done"
	}
	return ""
}
