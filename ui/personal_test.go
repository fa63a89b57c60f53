package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/aid"
	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
)

func TestMaskPhones(t *testing.T) {
	cases := map[string]string{
		"Mrs Li Xiuying, phone 13800138000, 12 Nancun Rd": "Mrs Li Xiuying, phone [电话已隐藏 phone hidden], 12 Nancun Rd",
		"call +86 138 0013 8000 now":                      "call [电话已隐藏 phone hidden] now",
		"座机 0750-5123456":                                 "座机 [电话已隐藏 phone hidden]",
		"4 people, house 12, since 2022":                  "4 people, house 12, since 2022",
	}
	for in, want := range cases {
		assert.Equal(t, want, maskPhones(in))
	}
}

// randomState fills the test server's engine with a random storm: incidents
// whose notes and reporters carry names, phones and addresses, evacuation
// orders (households with addresses and phones come into the view), shelter
// check-ins with notes, and aid requests from two partner towns whose names
// share a prefix. It returns the personal strings it put in.
func randomState(tb testing.TB, s *testServer, rng *rand.Rand) []string {
	tb.Helper()
	ctx := context.Background()
	var secrets []string
	pub := func(subject, id, typ string, data any) {
		ev, err := events.New(id, "test/property", typ, time.Date(2022, 5, 12, 23, 0, 0, 0, engine.TownZone), data)
		require.NoError(tb, err)
		_, err = s.eng.Publish(ctx, subject, ev)
		require.NoError(tb, err)
	}
	for i := range 3 + rng.IntN(10) {
		name := fmt.Sprintf("证人%c%c", rune(0x4e00+rng.IntN(2000)), rune(0x4e00+rng.IntN(2000)))
		phone := fmt.Sprintf("13%d%08d", 5+rng.IntN(5), rng.IntN(1e8))
		addr := fmt.Sprintf("南村路%d号", 100+rng.IntN(900))
		secrets = append(secrets, name, phone, addr)
		pub("flood.duhu.incident", fmt.Sprintf("p-inc-%d", i), events.TypeIncidentReported, map[string]any{
			"kind": []string{"trapped", "flooding", "dangerous_house", "evacuation"}[rng.IntN(4)],
			"lat":  22.02 + rng.Float64()*0.06, "lon": 112.88 + rng.Float64()*0.07, "people": 1 + rng.IntN(8),
			"note": fmt.Sprintf("%s, phone %s, %s", name, phone, addr), "reporter": name + " " + phone})
	}
	grids := []string{"dagang-hetang", "donghai-north", "longhe-north", "nancun-yangning", "songshan"}
	for i := range 1 + rng.IntN(2) {
		pub("flood.duhu.command", fmt.Sprintf("p-evac-%d", i), "flood.command.evacuate", map[string]any{
			"order": fmt.Sprintf("p-order-%d", i), "grids": []string{"dagang-hetang", grids[rng.IntN(len(grids))]}, "level": "mandatory",
			"operator": "admin", "reason": "内涝 13912340000"})
	}
	secrets = append(secrets, "13912340000")
	for i, from := range []string{"chixi", "chi"} {
		pub("flood.aid.duhu.request."+from, fmt.Sprintf("p-aid-%d", i), events.TypeAidRequested, map[string]any{
			"request": fmt.Sprintf("p-aid-req-%d", i), "from": from, "to": "duhu",
			"needs": []map[string]any{{"capability": "evacuation", "count": 1 + rng.IntN(5)}},
			"lat":   22.064386, "lon": 112.943192, "incident": "escort-dagang-hetang-h0001", "reason": "李秀英 13800138000"})
	}
	secrets = append(secrets, "13800138000", "李秀英")
	return secrets
}

// TestNoPersonalDataForViewerOrPartner is a property over random states:
// through /api/state, the /ws snapshot, CAP, a viewer and a
// partner town never read a name, phone, address, household record or note
// that the operator reads; a responder reads notes with phones masked; a
// partner reads only its own requests (exactly its town) and no household id.
func TestNoPersonalDataForViewerOrPartner(t *testing.T) {
	for seed := range uint64(8) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			s := newTestServer(t)
			secrets := randomState(t, s, rand.New(rand.NewPCG(seed, 13)))
			injected := append([]string(nil), secrets...)

			// What the operator reads: every roster name and phone, every household's
			// address and phone, the notes — the personal strings of this state.
			var full engine.View
			_, raw := s.do(t, "GET", "/api/state", "admin-secret", "")
			require.NoError(t, json.Unmarshal([]byte(raw), &full))
			for _, sec := range secrets[:3] {
				require.Contains(t, raw, sec, "the operator reads what was written")
			}
			// Every value the registry holds about people: matched as whole JSON strings.
			exact := map[string]bool{}
			for _, r := range full.Responders {
				exact[r.Name], exact[r.Phone] = true, true
			}
			for _, h := range s.households {
				exact[h.Address], exact[h.Phone], exact[h.ID] = true, true, true
			}
			t.Logf("%d households in the operator's view; %d personal values, %d written into notes", len(full.Unaccounted), len(exact), len(secrets))
			secrets = compact(secrets)

			for _, who := range []Principal{{Role: RoleViewer}, {Role: RolePartner, Subject: "chixi"}, {Role: RolePartner, Subject: "chi"}} {
				tok := s.token(t, who.Role, who.Subject)
				_, state := s.do(t, "GET", "/api/state", tok, "")
				_, ws := s.firstFrame(t, tok, "")
				_, capFeed := s.do(t, "GET", "/api/cap", tok, "")
				for surface, body := range map[string]string{"/api/state": state, "/ws": ws, "/api/cap": capFeed} {
					for _, sec := range secrets {
						assert.NotContains(t, body, sec, "%s %s reads personal data on %s", who.Role, who.Subject, surface)
					}
					for _, v := range jsonStrings(body) {
						if exact[v] && !(who.Role == RoleViewer && strings.HasPrefix(v, "escort-")) {
							t.Errorf("%s %s reads %q on %s", who.Role, who.Subject, v, surface)
						}
					}
					assert.NotContains(t, body, `"address"`, surface)
				}
				if who.Role == RolePartner {
					for _, body := range []string{state, ws} {
						assert.NotContains(t, body, "dagang-hetang-h0001", "a partner reads no household id")
						assert.NotContains(t, body, "22.064386", "a partner reads a meeting point, not the door")
					}
					var pv struct{ Aid []PartnerAid }
					require.NoError(t, json.Unmarshal([]byte(state), &pv))
					require.NotEmpty(t, pv.Aid)
					own := 0
					for _, a := range pv.Aid {
						assert.Equal(t, who.Subject, a.Town, "partner %s reads only its own requests", who.Subject)
						if a.Direction == aid.In {
							own++
							assert.Equal(t, 22.065, a.MeetLat, "the meeting point, rounded")
						}
					}
					assert.Equal(t, 1, own, "partner %s reads exactly the one request it sent", who.Subject)
				}
			}

			// A responder on an incident reads its note with the phone masked.
			for _, a := range full.Assignments {
				tok := s.token(t, RoleResponder, a.Responder)
				_, state := s.do(t, "GET", "/api/state", tok, "")
				for _, sec := range injected {
					if len(sec) == 11 && strings.HasPrefix(sec, "1") {
						assert.NotContains(t, state, sec, "a responder reads no phone number in free text")
					}
				}
				assert.Contains(t, state, "phone hidden")
				break
			}
		})
	}
}

// jsonStrings lists every string value (and key) in a JSON text, or of a
// feed frame whose state is JSON; CAP's XML is split on tags.
func jsonStrings(body string) []string {
	var v any
	if json.Unmarshal([]byte(body), &v) != nil {
		return strings.FieldsFunc(body, func(r rune) bool { return r == '<' || r == '>' })
	}
	var out []string
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				out = append(out, k)
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

func compact(xs []string) []string {
	out := xs[:0]
	seen := map[string]bool{}
	for _, x := range xs {
		if len(x) >= 4 && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// TestPartnerTimelineExactTown: a partner "chi" does not read chixi's messages.
func TestPartnerTimelineExactTown(t *testing.T) {
	tl := []TimelineEntry{{Seq: 1, Subject: "flood.aid.duhu.request.chixi"}, {Seq: 2, Subject: "flood.aid.duhu.request.chi"},
		{Seq: 3, Subject: "flood.aid.duhu.request"}, {Seq: 4, Subject: "flood.duhu.incident"}}
	got := timelineFor(Principal{Role: RolePartner, Subject: "chi"}, tl)
	require.Len(t, got, 1)
	assert.Equal(t, uint64(2), got[0].Seq)
}

// BenchmarkViewerView measures what the typed redaction adds to encoding a
// viewer's state: the baseline is encoding the operator's (unredacted) view of
// the same state in the same run.
func BenchmarkViewerView(b *testing.B) {
	s := newTestServer(b)
	randomState(b, s, rand.New(rand.NewPCG(1, 13)))
	var v engine.View
	s.eng.Read(func(st *engine.State) { v = st.View() })
	b.Run("operator-encode", func(b *testing.B) {
		for range b.N {
			if _, err := json.Marshal(viewFor(RoleOperator, v)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("viewer-redact+encode", func(b *testing.B) {
		for range b.N {
			if _, err := json.Marshal(viewFor(RoleViewer, v)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("partner-project+encode", func(b *testing.B) {
		for range b.N {
			if _, err := json.Marshal(viewFor(RolePartner, v)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
