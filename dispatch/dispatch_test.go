package dispatch

import (
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"
)

var (
	t0    = time.Date(2022, 5, 12, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	duhu  = orb.Point{112.90, 22.08}
	walk  = StraightLine{SpeedKmh: 30}
	caps  = func(c ...Capability) []Capability { return c }
	plain = func(d time.Duration) time.Time { return t0.Add(d) }
)

// at is a point dx, dy kilometres east and north of the town seat.
func at(dx, dy float64) orb.Point { return orb.Point{duhu[0] + dx/103.2, duhu[1] + dy/111.3} }

func town(id string, p orb.Point, c ...Capability) Responder {
	return Responder{ID: id, Name: id, Tier: TierTown, Capabilities: c, Home: p}
}

func village(id, v string, p orb.Point, c ...Capability) Responder {
	return Responder{ID: id, Name: id, Tier: TierVillage, Village: v, Capabilities: c, Home: p}
}

func newTown(tb testing.TB, cfg Config, roster ...Responder) *Dispatcher {
	tb.Helper()
	d, err := New(cfg, roster)
	require.NoError(tb, err)
	return d
}

func report(tb testing.TB, d *Dispatcher, id, kind, v string, p orb.Point, people, sev int) {
	tb.Helper()
	require.NoError(tb, d.ReportIncident(Incident{ID: id, Kind: kind, At: p, Village: v, People: people, Severity: sev, ReportedAt: t0}))
}

// step runs Decide at now and applies what it decided, as the engine does.
func step(tb testing.TB, d *Dispatcher, now time.Time) []Decision {
	tb.Helper()
	decs := d.Decide(now, walk)
	for _, dec := range decs {
		require.NoError(tb, d.Apply(dec), "%+v", dec)
	}
	return decs
}

func created(decs []Decision) map[string]string { // responder → incident
	out := map[string]string{}
	for _, d := range decs {
		if d.Type == DecisionAssignmentCreated {
			out[d.Responder] = d.Incident
		}
	}
	return out
}

func ofType(decs []Decision, typ string) []Decision {
	var out []Decision
	for _, d := range decs {
		if d.Type == typ {
			out = append(out, d)
		}
	}
	return out
}

func TestVillageFirstThenTown(t *testing.T) {
	cfg := DefaultConfig()
	cases := map[string]struct {
		cfg      func(*Config)
		roster   []Responder
		kind     string
		people   int
		sev      int
		want     map[string]string
		wantAid  []Need
		untouchd []string
	}{
		"own village covers, town stays even when nearer": {
			roster: []Responder{village("v1", "南村", at(2, 0), CapDrainage), village("v2", "南村", at(2, 1), CapPatrol),
				town("t1", at(0.1, 0), CapDrainage, CapPatrol)},
			kind: KindFlooding, want: map[string]string{"v1": "i1", "v2": "i1"}, untouchd: []string{"t1"},
		},
		"village short, town joins": {
			roster: []Responder{village("v1", "南村", at(2, 0), CapDrainage), town("t1", at(5, 0), CapDrainage),
				town("t2", at(6, 0), CapMachinery), town("t3", at(1, 0), CapPatrol)},
			kind: KindBlockedChannel, want: map[string]string{"v1": "i1", "t1": "i1", "t2": "i1"}, untouchd: []string{"t3"},
		},
		"priority 1: town joins at once, nearest wins": {
			roster: []Responder{village("v1", "南村", at(5, 0), CapRescueBoat), town("t1", at(0.5, 0), CapRescueBoat),
				village("v2", "南村", at(0.2, 0), CapMedical)},
			kind: KindTrapped, people: 3, want: map[string]string{"t1": "i1", "v2": "i1"}, untouchd: []string{"v1"},
		},
		"other villages guard their own": {
			roster: []Responder{village("d1", "大纲", at(0.1, 0), CapPatrol), town("t1", at(8, 0), CapPatrol)},
			kind:   KindRoadFlooded, want: map[string]string{"t1": "i1"}, untouchd: []string{"d1"},
		},
		"other villages, nobody else: aid": {
			roster: []Responder{village("d1", "大纲", at(0.1, 0), CapPatrol)},
			kind:   KindRoadFlooded, want: map[string]string{}, wantAid: []Need{{CapPatrol, 1}}, untouchd: []string{"d1"},
		},
		"other villages switch on": {
			cfg:    func(c *Config) { c.OtherVillages = true },
			roster: []Responder{village("d1", "大纲", at(0.1, 0), CapPatrol)},
			kind:   KindRoadFlooded, want: map[string]string{"d1": "i1"},
		},
		"reserve kept back for priority 4": {
			roster: []Responder{{ID: "r1", Name: "r1", Tier: TierTown, Capabilities: caps(CapPatrol), Home: at(1, 0), Reserve: true}},
			kind:   KindRoadFlooded, want: map[string]string{}, wantAid: []Need{{CapPatrol, 1}}, untouchd: []string{"r1"},
		},
		"reserve goes for priority 1": {
			roster: []Responder{{ID: "r1", Name: "r1", Tier: TierTown, Capabilities: caps(CapPatrol), Home: at(1, 0), Reserve: true}},
			kind:   KindRoadFlooded, sev: 1, want: map[string]string{"r1": "i1"},
		},
		"town runs out: aid for the rest": {
			roster: []Responder{town("t1", at(1, 0), CapRescueBoat), town("m1", at(1, 0), CapMedical)},
			kind:   KindTrapped, people: 18, want: map[string]string{"t1": "i1", "m1": "i1"}, wantAid: []Need{{CapRescueBoat, 2}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := cfg
			if tc.cfg != nil {
				tc.cfg(&c)
			}
			d := newTown(t, c, tc.roster...)
			report(t, d, "i1", tc.kind, "南村", duhu, tc.people, tc.sev)
			decs := step(t, d, t0)
			require.Equal(t, tc.want, created(decs))
			aid := ofType(decs, DecisionAidNeeded)
			if tc.wantAid == nil {
				require.Empty(t, aid)
			} else {
				require.Len(t, aid, 1)
				require.Equal(t, tc.wantAid, aid[0].Needs)
				// once per shortage, not every Decide
				require.Empty(t, ofType(step(t, d, t0.Add(time.Second)), DecisionAidNeeded))
			}
			for _, r := range tc.untouchd {
				for _, dec := range decs {
					require.NotEqual(t, r, dec.Responder, "%s must not be touched", r)
				}
			}
			for _, dec := range ofType(decs, DecisionAssignmentCreated) {
				require.NotEmpty(t, dec.Reason)
				require.InDelta(t, duhu.Lat(), dec.Lat, 1e-9)
			}
		})
	}
}

func TestDeclineAndTimeoutRedispatch(t *testing.T) {
	roster := []Responder{town("a", at(1, 0), CapPatrol), town("b", at(3, 0), CapPatrol), town("c", at(6, 0), CapPatrol)}
	t.Run("decline goes to next best", func(t *testing.T) {
		d := newTown(t, DefaultConfig(), roster...)
		report(t, d, "i1", KindRoadFlooded, "南村", duhu, 0, 0)
		decs := step(t, d, t0)
		require.Equal(t, map[string]string{"a": "i1"}, created(decs))
		require.Equal(t, "b", decs[0].Alternatives[0].Responder)
		require.NoError(t, d.SetStatus(StatusReport{Responder: "a", Status: StatusDeclined, Time: plain(10 * time.Second)}))
		decs = step(t, d, plain(11*time.Second))
		require.Equal(t, map[string]string{"b": "i1"}, created(decs))
		require.Equal(t, "available", d.View().Responders[0].Status, "a is free for other incidents")
	})
	t.Run("timeout then next best, no_answer until heard from", func(t *testing.T) {
		d := newTown(t, DefaultConfig(), roster...)
		report(t, d, "i1", KindRoadFlooded, "南村", duhu, 0, 0)
		step(t, d, t0)
		require.Empty(t, step(t, d, plain(59*time.Second)), "not yet")
		decs := step(t, d, plain(60*time.Second))
		require.Len(t, ofType(decs, DecisionAssignmentTimedOut), 1)
		require.Equal(t, "a", ofType(decs, DecisionAssignmentTimedOut)[0].Responder)
		require.Equal(t, map[string]string{"b": "i1"}, created(decs))
		require.Equal(t, StatusNoAnswer, d.View().Responders[0].Status)
		// a new incident right next to a: a is still not picked
		report(t, d, "i2", KindRoadFlooded, "南村", at(1, 0), 0, 0)
		require.Equal(t, map[string]string{"c": "i2"}, created(step(t, d, plain(61*time.Second))))
		// once a speaks, a may be picked again, but never for i1
		require.NoError(t, d.SetStatus(StatusReport{Responder: "a", Status: StatusAvailable, Time: plain(62 * time.Second)}))
		require.NoError(t, d.SetStatus(StatusReport{Responder: "b", Status: StatusDeclined, Time: plain(62 * time.Second)}))
		decs = step(t, d, plain(63*time.Second))
		require.Empty(t, created(decs), "a excluded from i1 after its time-out")
		require.Len(t, ofType(decs, DecisionAidNeeded), 1)
		report(t, d, "i3", KindRoadFlooded, "南村", at(1, 0), 0, 0)
		require.Equal(t, map[string]string{"a": "i3"}, created(step(t, d, plain(64*time.Second))))
	})
}

func TestPreemption(t *testing.T) {
	d := newTown(t, DefaultConfig(), town("a", at(1, 0), CapPatrol))
	report(t, d, "low", KindRoadFlooded, "南村", duhu, 0, 0) // priority 4
	require.Equal(t, map[string]string{"a": "low"}, created(step(t, d, t0)))
	require.NoError(t, d.SetStatus(StatusReport{Responder: "a", Status: StatusEnRoute, Assignment: "a-1", At: at(0.5, 0), HasPosition: true, Time: plain(5 * time.Second)}))

	report(t, d, "same", KindRoadFlooded, "南村", at(0.4, 0), 0, 0) // priority 4 too: not pulled
	decs := step(t, d, plain(6*time.Second))
	require.Empty(t, ofType(decs, DecisionAssignmentCancelled))
	require.Len(t, ofType(decs, DecisionAidNeeded), 1)

	report(t, d, "urgent", KindRoadFlooded, "南村", at(-1, 0), 0, 1) // severity 1 → priority 1
	decs = step(t, d, plain(7*time.Second))
	cancels := ofType(decs, DecisionAssignmentCancelled)
	require.Len(t, cancels, 1)
	require.Equal(t, "a-1", cancels[0].Assignment)
	require.Contains(t, cancels[0].Reason, "preempted by higher-priority incident urgent")
	require.Equal(t, map[string]string{"a": "urgent"}, created(decs))
	// the preempted incident is not forgotten: next Decide asks for aid for it
	decs = step(t, d, plain(8*time.Second))
	require.Equal(t, "low", ofType(decs, DecisionAidNeeded)[0].Incident)
}

func TestOperatorAndLifecycle(t *testing.T) {
	d := newTown(t, DefaultConfig(), town("a", at(1, 0), CapPatrol), town("b", at(3, 0), CapPatrol), town("c", at(9, 0), CapPatrol))
	report(t, d, "i1", KindRoadFlooded, "南村", duhu, 0, 0)
	step(t, d, t0)
	require.ErrorIs(t, d.ReportIncident(Incident{ID: "i1", At: duhu}), ErrConflict)
	require.ErrorIs(t, d.SetStatus(StatusReport{Responder: "b", Status: StatusAccepted, Assignment: "a-1"}), ErrConflict, "not theirs")
	require.ErrorIs(t, d.SetStatus(StatusReport{Responder: "zz", Status: StatusAccepted}), ErrNotFound)
	require.ErrorIs(t, d.SetStatus(StatusReport{Responder: "a", Status: "flying"}), ErrInvalid)
	require.NoError(t, d.SetStatus(StatusReport{Responder: "a", Status: StatusOnScene}))
	require.ErrorIs(t, d.SetStatus(StatusReport{Responder: "a", Status: StatusDeclined}), ErrConflict, "on scene cannot decline")

	// operator forces c onto i1 instead of a
	require.NoError(t, d.Reassign("a-1", "c", "张主任", "c knows the road", plain(time.Minute)))
	decs := step(t, d, plain(time.Minute))
	require.Equal(t, map[string]string{"c": "i1"}, created(decs))
	require.Contains(t, decs[0].Reason, "张主任")
	require.Empty(t, d.View().Instructions)

	require.NoError(t, d.SetStatus(StatusReport{Responder: "c", Status: StatusDone, Time: plain(2 * time.Minute)}))
	decs = step(t, d, plain(2*time.Minute))
	require.Len(t, ofType(decs, DecisionIncidentResolved), 1)
	v := d.View()
	require.Equal(t, IncidentResolved, v.Incidents[0].Status)
	require.Equal(t, []string{StatusAssigned, StatusOnScene, StatusCancelled}, statuses(v.Assignments[0].History))

	report(t, d, "i2", KindRoadFlooded, "南村", duhu, 0, 0)
	step(t, d, plain(3*time.Minute))
	require.NoError(t, d.Resolve("i2", "张主任", "water receded", plain(4*time.Minute)))
	require.ErrorIs(t, d.Resolve("i2", "张主任", "again", plain(4*time.Minute)), ErrConflict)
	v = d.View()
	require.Equal(t, 3, v.Counters.RespondersAvailable)
	require.Equal(t, 0, v.Counters.ActiveAssignments)
}

func statuses(h []StatusChange) []string {
	var out []string
	for _, s := range h {
		out = append(out, s.Status)
	}
	return out
}

// A phone's report that crossed its assignment's cancellation on the way (the
// dispatcher moved the responder, the incident was resolved, the ack timed out)
// is late, not bad: it changes no assignment, is not refused, and still says
// where the responder is. A status after the responder's own done stays refused.
func TestReportCrossingACancellationIsLate(t *testing.T) {
	d := newTown(t, DefaultConfig(), town("a", at(1, 0), CapPatrol), town("b", at(3, 0), CapPatrol))
	report(t, d, "i1", KindRoadFlooded, "南村", duhu, 0, 0)
	require.Equal(t, map[string]string{"a": "i1"}, created(step(t, d, t0)))
	require.NoError(t, d.Resolve("i1", "张主任", "water receded", plain(time.Minute)))
	for _, st := range []string{StatusAccepted, StatusEnRoute, StatusDeclined, StatusDone} {
		require.NoError(t, d.SetStatus(StatusReport{Responder: "a", Status: st, Assignment: "a-1", At: at(2, 0), HasPosition: true, Time: plain(2 * time.Minute)}), st)
	}
	v := d.View()
	require.Equal(t, []string{StatusAssigned, StatusCancelled}, statuses(v.Assignments[0].History), "the late reports change no assignment")
	for _, r := range v.Responders {
		if r.ID == "a" {
			require.Equal(t, StatusAvailable, r.Status, "a is free, as the cancellation made them")
			require.InDelta(t, at(2, 0).Lon(), r.Lon, 1e-9, "and where the late report said")
			require.Equal(t, plain(2*time.Minute), r.LastSeen)
		}
	}

	report(t, d, "i2", KindRoadFlooded, "南村", duhu, 0, 0)
	decs := step(t, d, plain(3*time.Minute))
	require.Len(t, ofType(decs, DecisionAssignmentCreated), 1)
	who := ofType(decs, DecisionAssignmentCreated)[0]
	require.NoError(t, d.SetStatus(StatusReport{Responder: who.Responder, Status: StatusDone, Time: plain(4 * time.Minute)}))
	require.ErrorIs(t, d.SetStatus(StatusReport{Responder: who.Responder, Status: StatusAccepted, Assignment: who.Assignment, Time: plain(5 * time.Minute)}), ErrConflict,
		"after the responder's own done, an accept is out of order")
}
