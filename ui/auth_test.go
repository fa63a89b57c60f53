package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokens(t *testing.T) {
	now := time.Now()
	s := NewSigner([]byte("0123456789abcdef"), "adm")
	tok, err := s.Sign(RoleResponder, "t-001", time.Hour, now)
	require.NoError(t, err)
	p, err := s.Verify(tok, now)
	require.NoError(t, err)
	assert.Equal(t, RoleResponder, p.Role)
	assert.Equal(t, "t-001", p.Subject)

	_, err = s.Verify(tok, now.Add(2*time.Hour))
	assert.ErrorContains(t, err, "expired")
	_, err = NewSigner([]byte("another key 0123"), "").Verify(tok, now)
	assert.ErrorIs(t, err, errBadToken, "signed with another key")
	parts := strings.Split(tok, ".")
	forged := parts[0] + "." + parts[1] + "x." + parts[2] // the payload altered, the signature kept
	_, err = s.Verify(forged, now)
	assert.ErrorIs(t, err, errBadToken, "altered payload")
	p, err = s.Verify("adm", now)
	require.NoError(t, err)
	assert.Equal(t, Principal{Role: RoleOperator, Subject: "admin"}, p)

	_, err = s.Sign("king", "x", time.Hour, now)
	assert.ErrorContains(t, err, "role")
	_, err = s.Sign(RoleResponder, "", time.Hour, now)
	assert.ErrorContains(t, err, "responder id")

	// Without FLOODCMD_TOKEN_SECRET the key is made once in the data dir and kept.
	dir := t.TempDir()
	s1, err := LoadSigner("", dir, "")
	require.NoError(t, err)
	tok, err = s1.Sign(RoleViewer, "", time.Hour, now)
	require.NoError(t, err)
	s2, err := LoadSigner("", dir, "")
	require.NoError(t, err)
	_, err = s2.Verify(tok, now)
	assert.NoError(t, err, "a token survives a restart")
	fi, err := os.Stat(filepath.Join(dir, TokenKeyFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	_, err = LoadSigner("short", dir, "")
	assert.Error(t, err)
}

func TestRoutesByRole(t *testing.T) {
	s := newTestServer(t)
	tokens := map[string]string{
		"none":      "",
		"forged":    "fc1.eyJyIjoib3BlcmF0b3IifQ.AAAA",
		"admin":     "admin-secret",
		"operator":  s.token(t, RoleOperator, "lee"),
		"responder": s.token(t, RoleResponder, "t-001"),
		"other":     s.token(t, RoleResponder, "t-002"),
		"partner":   s.token(t, RolePartner, "chixi"),
		"viewer":    s.token(t, RoleViewer, ""),
	}
	who := []string{"none", "forged", "admin", "operator", "responder", "other", "partner", "viewer"}
	ok, no, anon := 200, 403, 401
	event := func() string {
		return fmt.Sprintf(`{"specversion":"1.0","id":"t-%d","source":"test","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"flooding","lat":22.06,"lon":112.91}}`, time.Now().UnixNano())
	}
	cases := []struct {
		name, method, path string
		body               func() string
		want               []int // in the order of who
	}{
		{"healthz", "GET", "/healthz", nil, []int{ok, ok, ok, ok, ok, ok, ok, ok}},
		{"readyz", "GET", "/readyz", nil, []int{ok, ok, ok, ok, ok, ok, ok, ok}},
		{"state", "GET", "/api/state", nil, []int{anon, anon, ok, ok, ok, ok, ok, ok}},
		{"whoami", "GET", "/api/whoami", nil, []int{anon, anon, ok, ok, ok, ok, ok, ok}},
		{"scenario", "GET", "/api/scenario", nil, []int{anon, anon, ok, ok, ok, ok, ok, ok}},
		{"grid layer", "GET", "/api/scenario/grid", nil, []int{anon, anon, ok, ok, ok, ok, ok, ok}},
		{"route", "GET", "/api/route?from=22.08,112.90&to=22.02,112.93", nil, []int{anon, anon, ok, ok, ok, ok, no, ok}},
		{"board", "GET", "/", nil, []int{anon, anon, ok, ok, no, no, ok, ok}},
		{"responder page", "GET", "/responder/t-001", nil, []int{anon, anon, ok, ok, ok, no, no, no}},
		{"static", "GET", "/static/i18n.js", nil, []int{anon, anon, ok, ok, ok, ok, ok, ok}},
		{"raw event", "POST", "/api/events?subject=flood.duhu.incident", event, []int{anon, anon, ok, ok, no, no, no, no}},
		{"command", "POST", "/api/commands/open_road", func() string { return `{"road":"r-0001","reason":"t"}` },
			[]int{anon, anon, ok, ok, no, no, no, no}},
		{"incident", "POST", "/api/incidents", func() string { return `{"kind":"flooding","lat":22.06,"lon":112.91}` },
			[]int{anon, anon, ok, ok, ok, ok, no, no}},
		{"status", "POST", "/api/responders/t-001/status", func() string { return `{"status":"available"}` },
			[]int{anon, anon, ok, ok, ok, no, no, no}},
		{"unknown api", "GET", "/api/nope", nil, []int{anon, anon, 404, 404, 404, 404, 404, 404}},
	}
	for _, c := range cases {
		for i, w := range who {
			t.Run(c.name+"/"+w, func(t *testing.T) {
				body := ""
				if c.body != nil {
					body = c.body()
				}
				code, out := s.do(t, c.method, c.path, tokens[w], body)
				want := c.want[i]
				if want == ok {
					assert.True(t, code >= 200 && code < 300, "want 2xx, got %d: %s", code, out)
				} else {
					assert.Equal(t, want, code, out)
				}
			})
		}
	}
}

func TestResponderSeesOnlyOwn(t *testing.T) {
	s := newTestServer(t)
	for i := range 6 { // enough incidents that several responders are assigned
		s.incident(t, 22.05+float64(i)*0.005, 112.89+float64(i)*0.005)
	}
	var full struct {
		Assignments []struct{ ID, Responder, Incident string }
	}
	_, out := s.do(t, "GET", "/api/state", "admin-secret", "")
	require.NoError(t, json.Unmarshal([]byte(out), &full))
	require.GreaterOrEqual(t, len(full.Assignments), 2, "the dispatcher assigned responders")
	a := full.Assignments[0]
	var other string
	for _, b := range full.Assignments {
		if b.Responder != a.Responder {
			other = b.Responder
		}
	}
	require.NotEmpty(t, other)

	tok := s.token(t, RoleResponder, a.Responder)
	var mine struct {
		Assignments []struct{ Responder string }
		Responders  []struct{ ID string }
		Incidents   []struct{ ID string }
		Rejections  any
		Counters    any
	}
	code, out := s.do(t, "GET", "/api/state", tok, "")
	require.Equal(t, 200, code)
	require.NoError(t, json.Unmarshal([]byte(out), &mine))
	require.NotEmpty(t, mine.Assignments)
	for _, x := range mine.Assignments {
		assert.Equal(t, a.Responder, x.Responder, "only their own assignments")
	}
	require.Len(t, mine.Responders, 1)
	assert.Equal(t, a.Responder, mine.Responders[0].ID)
	assert.Equal(t, a.Incident, mine.Incidents[0].ID)
	assert.Nil(t, mine.Rejections)
	assert.NotContains(t, out, `"`+other+`"`, "nothing of another responder")

	// Cannot report for another responder, nor act as operator.
	code, _ = s.do(t, "POST", "/api/responders/"+other+"/status", tok, `{"status":"declined"}`)
	assert.Equal(t, 403, code)
	code, _ = s.do(t, "POST", "/api/commands/reassign", tok, `{"assignment":"`+a.ID+`","responder":"`+a.Responder+`","reason":"me"}`)
	assert.Equal(t, 403, code)
	code, _ = s.do(t, "GET", "/responder/"+other, tok, "")
	assert.Equal(t, 403, code)
	// But accepts their own, and the log has it.
	code, out = s.do(t, "POST", "/api/responders/"+a.Responder+"/status", tok, `{"status":"accepted","assignment":"`+a.ID+`"}`)
	require.Equal(t, 202, code, out)
	_, out = s.do(t, "GET", "/api/state", tok, "")
	assert.Contains(t, out, `"status":"accepted"`)
}

func TestPartnerAndViewerSeeNoPersonalData(t *testing.T) {
	s := newTestServer(t)
	s.incident(t, 22.06, 112.91)
	_, full := s.do(t, "GET", "/api/state", "admin-secret", "")
	require.Contains(t, full, `"phone"`, "the operator reads phones")
	require.Contains(t, full, `"reporter"`)
	for _, role := range []string{RolePartner, RoleViewer} {
		tok := s.token(t, role, map[string]string{RolePartner: "chixi"}[role])
		code, out := s.do(t, "GET", "/api/state", tok, "")
		require.Equal(t, 200, code)
		for _, k := range []string{`"phone"`, `"household`, `"reporter"`, "13800000001"} {
			assert.NotContains(t, out, k, role)
		}
		code, grid := s.do(t, "GET", "/api/scenario/grid", tok, "")
		require.Equal(t, 200, code)
		assert.NotContains(t, grid, `"households"`, role)
		assert.Contains(t, grid, `"FeatureCollection"`)
		if role == RolePartner {
			assert.NotContains(t, out, `"responders"`, "a partner town reads only its own mutual-aid requests")
			assert.NotContains(t, out, `"incidents"`)
		} else {
			assert.Contains(t, out, `"responders"`, "the viewer reads the board")
		}
		_, ws := s.firstFrame(t, tok, "")
		assert.NotContains(t, ws, `"phone"`, role)
	}
}

// firstFrame dials /ws and returns the handshake status and the first frame.
func (s *testServer) firstFrame(tb testing.TB, token, origin string) (int, string) {
	tb.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	if origin != "" {
		h.Set("Origin", origin)
	}
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.URL, "http")+"/ws", h)
	if err != nil {
		require.NotNil(tb, resp, err)
		return resp.StatusCode, ""
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, msg, err := conn.ReadMessage()
	require.NoError(tb, err)
	return resp.StatusCode, string(msg)
}

func TestWebsocketAuth(t *testing.T) {
	s := newTestServer(t)
	code, frame := s.firstFrame(t, "", "")
	assert.Equal(t, 401, code, "no token, no websocket")
	assert.Empty(t, frame, "and no snapshot")
	code, _ = s.firstFrame(t, "admin-secret", "http://evil.example")
	assert.Equal(t, 403, code, "cross-origin websocket refused")
	code, frame = s.firstFrame(t, "admin-secret", s.URL)
	assert.Equal(t, 101, code, "same origin")
	assert.Contains(t, frame, `"type":"snapshot"`)
	assert.Contains(t, frame, `"phone"`, "the operator's snapshot is complete")
	code, frame = s.firstFrame(t, s.token(t, RoleResponder, "t-001"), "")
	assert.Equal(t, 101, code)
	assert.Contains(t, frame, `"t-001"`)
	assert.NotContains(t, frame, `"t-002"`, "a responder's feed has only them")

	// An allow-listed origin is accepted.
	s.Config.Handler.(*Server).deps.AllowedOrigins = []string{"http://board.duhu.lan"}
	code, _ = s.firstFrame(t, "admin-secret", "http://board.duhu.lan")
	assert.Equal(t, 101, code)
}

func TestCommandsCarryOperatorFromToken(t *testing.T) {
	s := newTestServer(t)
	tok := s.token(t, RoleOperator, "chen")
	code, out := s.do(t, "POST", "/api/commands/close_road", tok, `{"road":"r-0001","reason":"flooded","operator":"someone-else"}`)
	require.Equal(t, 202, code, out)
	var ans struct{ Seq uint64 }
	require.NoError(t, json.Unmarshal([]byte(out), &ans))
	s.eng.mu.RLock()
	ev := s.eng.log[ans.Seq-1]
	s.eng.mu.RUnlock()
	var data map[string]any
	require.NoError(t, ev.DecodeData(&data))
	assert.Equal(t, "chen", data["operator"], "who did it comes from the token, never the body")
	assert.Equal(t, "flood.command.close_road", ev.Type)
	_, state := s.do(t, "GET", "/api/state", tok, "")
	assert.Contains(t, state, `{"id":"r-0001","closed":true}`)

	// Validation first, with the precise reason.
	code, out = s.do(t, "POST", "/api/commands/close_road", tok, `{"reason":"no road"}`)
	assert.Equal(t, 400, code)
	assert.Contains(t, out, "road")
	code, out = s.do(t, "POST", "/api/commands/teleport", tok, `{}`)
	assert.Equal(t, 400, code)
	assert.Contains(t, out, "close_road")
	code, out = s.do(t, "POST", "/api/commands/close_road", tok, `not json`)
	assert.Equal(t, 400, code, out)
	// The engine's refusal comes back too.
	code, out = s.do(t, "POST", "/api/commands/close_road", tok, `{"road":"r-nope","reason":"x"}`)
	assert.Equal(t, 422, code)
	assert.Contains(t, out, "unknown road")
}
