package docs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/internal/testproc"
)

// state is /api/state read loosely: each check looks at the part it documents.
type state map[string]any

// item returns the element of the list under key whose field "id" (or field) is id.
func (s state) item(key, id string, field ...string) map[string]any {
	f := "id"
	if len(field) > 0 {
		f = field[0]
	}
	list, _ := s[key].([]any)
	for _, x := range list {
		if m, ok := x.(map[string]any); ok && m[f] == id {
			return m
		}
	}
	return nil
}

// effects says, per example (its event id), what EVENTS.md promises it does,
// as seen on the board's state right after it was sent.
var effects = map[string]func(s state) error{
	"gdmb-20220513-0200": func(s state) error {
		return want(s.item("cap_received", "GDMB-20220513-0200", "identifier") != nil, "the bureau's Cancel, in a CloudEvent, is recorded: %v", s["cap_received"])
	},
	"GDMB-20220513-0100": func(s state) error {
		return want(s.item("cap_received", "GDMB-20220513-0100", "identifier") != nil, "the bureau's raw CAP alert is recorded: %v", s["cap_received"])
	},
	"rain-nankeng-2300": func(s state) error {
		g := s.item("gauges", "rain-nankeng")
		return want(at(g, "accumulations", "1") == 38.5, "rain-nankeng's last hour is 38.5 mm: %v", g)
	},
	"level-nankeng-2300": func(s state) error {
		g := s.item("gauges", "nankeng-reservoir")
		return want(g != nil && g["meters"] == 31.2, "the reservoir reads 31.2 m: %v", g)
	},
	"yangning-0512-1": func(s state) error {
		i := s.item("incidents", "yangning-0512-1")
		return want(at(i, "village") == "nancun" && size(at(i, "assignments")) > 0, "the report is an incident in Nancun with responders assigned: %v", i)
	},
	"dagang-channel-1": func(s state) error {
		i := s.item("incidents", "dagang-channel-1")
		return want(num(at(i, "lat")) > 22.047 && at(i, "kind") == "blocked_channel",
			"a blocked channel, its GCJ-02 position converted to WGS-84 (22.0452 → 22.048): %v", i)
	},
	"v-nancun-4-st-1": func(s state) error {
		a := s.item("assignments", "a-1")
		return want(a != nil && a["responder"] == "v-nancun-4" && a["status"] == "accepted", "a-1 accepted by v-nancun-4: %v", a)
	},
	"vc-nancun-in-1": func(s state) error {
		sh := s.item("shelters", "vc-nancun")
		return want(num(at(sh, "occupancy")) >= 4, "4 people in the Nancun shelter: %v", sh)
	},
	"cmd-close-1": road("r-0047", true), "cmd-close-2": road("r-0060", true),
	"cmd-depth-1": func(s state) error {
		r := s.item("roads", "r-0056")
		return want(r != nil && r["depth_m"] == 0.2, "r-0056 under 0.2 m of water: %v", r)
	},
	"cmd-open-1": road("r-0047", false),
	"cmd-evacuate-1": func(s state) error {
		o := s.item("evac_orders", "yangning-1")
		return want(at(o, "status") == "active" && num(at(o, "households")) > 0, "order yangning-1 covers Yangning's households: %v", o)
	},
	"cmd-household-1": func(s state) error {
		g := s.item("evac_grids", "nancun-yangning")
		return want(num(at(g, "staying", "households")) >= 1, "a household of Yangning staying: %v", g)
	},
	"cmd-shelter-1": func(s state) error {
		sh := s.item("shelters", "school-longhe")
		return want(sh != nil && sh["open"] == false, "Longhe school closed: %v", sh)
	},
	"cmd-reassign-1": func(s state) error {
		a := s.item("assignments", "a-1")
		var instead map[string]any
		list, _ := s["assignments"].([]any)
		for _, x := range list {
			if m, _ := x.(map[string]any); m["incident"] == "yangning-0512-1" && m["responder"] == "v-nancun-2" && m["status"] == "assigned" {
				instead = m
			}
		}
		return want(a != nil && a["status"] == "cancelled" && instead != nil, "a-1 cancelled, v-nancun-2 sent instead: %v / %v", a, instead)
	},
	"cmd-resolve-1": func(s state) error {
		i := s.item("incidents", "dagang-channel-1")
		return want(i != nil && i["status"] == "resolved", "the channel incident resolved: %v", i)
	},
	"chixi-aid-req-1": aid("chixi-aid-1", func(a map[string]any) bool { return a["direction"] == "in" }),
	"cmd-approve-aid-1": aid("chixi-aid-1", func(a map[string]any) bool {
		return a["approved"] == 8.0 && a["answer"] != nil // lent up to 8, never below the reserve
	}),
	"chixi-aid-req-2":   aid("chixi-aid-2", func(a map[string]any) bool { return a["state"] == "requested" }),
	"cmd-decline-aid-1": aid("chixi-aid-2", func(a map[string]any) bool { return a["state"] == "declined" }),
	"cmd-request-aid-1": func(s state) error {
		a := s.item("aid", "yangning-0512-1", "incident")
		return want(a != nil && a["direction"] == "out" && a["town"] == "chixi", "Chixi asked for Yangning: %v", a)
	},
	"chixi-aid-commit-1": aid("duhu-aid-1", func(a map[string]any) bool {
		return a["committed"] == 1.0 && size(a["responders"]) == 1
	}),
	"cmd-release-aid-1":   aid("duhu-aid-1", func(a map[string]any) bool { return a["state"] == "released" }),
	"chixi-aid-release-1": aid("chixi-aid-1", func(a map[string]any) bool { return a["state"] == "released" }),
	"bad-1": func(s state) error {
		r := s.item("rejections", "bad-1", "event_id")
		return want(r != nil && r["field"] == "data.kind", "refused, naming data.kind: %v", r)
	},
}

func road(id string, closed bool) func(state) error {
	return func(s state) error {
		r := s.item("roads", id)
		return want(closed && r != nil && r["closed"] == true || !closed && (r == nil || r["closed"] == false), "road %s closed=%t: %v", id, closed, r)
	}
}

func aid(request string, ok func(map[string]any) bool) func(state) error {
	return func(s state) error {
		a := s.item("aid", request)
		return want(a != nil && ok(a), "aid %s: %v", request, a)
	}
}

// at walks nested objects by keys (nil where one is missing).
func at(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		o, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = o[k]
	}
	return v
}

// num is a JSON number, 0 if v is none.
func num(v any) float64 { f, _ := v.(float64); return f }

// size is the length of a JSON array, 0 if v is none.
func size(v any) int { l, _ := v.([]any); return len(l) }

func want(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

// natsCLI finds the real nats CLI (on PATH or in .tools/); under CI its absence fails.
func natsCLI(t *testing.T) string {
	if p, err := exec.LookPath("nats"); err == nil {
		return p
	}
	if p, err := filepath.Abs(filepath.Join("..", ".tools", "nats")); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("the nats CLI is not on PATH: `make tools` installs it into .tools/")
	}
	t.Skip("the nats CLI is not on PATH (make tools)")
	return ""
}

// Every `nats pub` example of EVENTS.md, run in the document's order with the
// real CLI against a fresh floodcmd serve, has its documented effect, and only
// the one meant to be refused is. The CLI finds the server through NATS_URL
// and credentials, where the server wants them, through NATS_CREDS, as the
// document says.
func TestEventsExamplesInOrder(t *testing.T) {
	cli := natsCLI(t)
	httpAddr, natsAddr := testproc.FreeAddr(t), testproc.FreeAddr(t)
	const token = "docs-test-token-0123"
	data, credsDir := t.TempDir(), t.TempDir()
	serve := exec.Command(testproc.Binary(t), "serve", "--http", httpAddr, "--nats-listen", natsAddr, "--data", data)
	var out bytes.Buffer
	serve.Stdout, serve.Stderr = &out, &out
	serve.Env = append(os.Environ(), "FLOODCMD_ADMIN_TOKEN="+token)
	require.NoError(t, serve.Start())
	t.Cleanup(func() { _ = serve.Process.Kill(); _ = serve.Wait() })
	get := func(path string, v any) int {
		req, _ := http.NewRequest(http.MethodGet, "http://"+httpAddr+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		defer resp.Body.Close()
		if v != nil {
			_ = json.NewDecoder(resp.Body).Decode(v)
		}
		return resp.StatusCode
	}
	require.Eventually(t, func() bool { return get("/readyz", nil) == http.StatusOK }, 60*time.Second, 50*time.Millisecond, "not ready:\n%s", &out)

	// The credentials of each role the examples speak as, made as EVENTS.md says.
	for _, role := range []struct{ file, role, town string }{{"gauge.creds", "gauge", "duhu"}, {"field.creds", "field", "duhu"},
		{"operator.creds", "operator", "duhu"}, {"viewer.creds", "viewer", "duhu"}, {"chixi.creds", "town", "chixi"}} {
		creds, err := exec.Command(testproc.Binary(t), "creds", "--role", role.role, "--town", role.town, "--data", data).Output()
		require.NoError(t, err, "floodcmd creds --role %s", role.role)
		require.NoError(t, os.WriteFile(filepath.Join(credsDir, role.file), creds, 0o600))
	}
	n := 0
	for _, ex := range examples(t) {
		n++
		subject, msgID, body := ex.subject, ex.msgID, ex.body
		var ev struct {
			ID string `json:"id"`
		}
		if strings.HasPrefix(body, "<") {
			// Raw CAP XML: its effect is keyed by the alert's identifier.
			m := regexp.MustCompile(`<identifier>([^<]+)</identifier>`).FindStringSubmatch(body)
			require.NotNil(t, m, ex.line)
			ev.ID = m[1]
		} else {
			require.NoError(t, json.Unmarshal([]byte(body), &ev), ex.line)
		}
		var args []string
		if ex.creds != "" {
			args = append(args, "--creds", filepath.Join(credsDir, ex.creds))
		}
		args = append(args, "pub", subject)
		if msgID != "" {
			args = append(args, "-H", "Nats-Msg-Id:"+msgID)
		}
		cmd := exec.Command(cli, append(args, body)...)
		cmd.Env = append(os.Environ(), "NATS_URL=nats://"+natsAddr)
		res, err := cmd.CombinedOutput()
		require.NoError(t, err, "example %d (%s): %s", n, ev.ID, res)
		check, ok := effects[ev.ID]
		if !assert.True(t, ok, "example %d (%s) has no documented effect checked here", n, ev.ID) {
			continue
		}
		var last error
		ok = assert.Eventually(t, func() bool {
			var s state
			if get("/api/state", &s) != http.StatusOK {
				return false
			}
			var received []any
			get("/api/cap-received", &received)
			s["cap_received"] = received
			last = check(s)
			if r := s.item("rejections", ev.ID, "event_id"); r != nil && ev.ID != "bad-1" {
				last = fmt.Errorf("refused: %v", r["reason"])
				return true
			}
			return last == nil
		}, 10*time.Second, 50*time.Millisecond, "example %d (%s)", n, ev.ID)
		if ok {
			assert.NoError(t, last, "example %d (%s)", n, ev.ID)
		} else {
			t.Errorf("example %d (%s) did not do what EVENTS.md says: %v", n, ev.ID, last)
		}
	}
	assert.Equal(t, len(effects), n, "every example run, each checked")
}
