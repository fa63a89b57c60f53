package ui

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cookiePost sends a POST with the login cookie (as a browser would) and the given Origin.
func cookiePost(tb testing.TB, s *testServer, path, token, origin, body string) (int, string) {
	tb.Helper()
	req, err := http.NewRequest("POST", s.URL+path, strings.NewReader(body))
	require.NoError(tb, err)
	req.Header.Set("Content-Type", "text/plain")
	req.AddCookie(&http.Cookie{Name: CookieName, Value: token})
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

func TestCrossOriginCookiePostRefused(t *testing.T) {
	s := newTestServer(t)
	tok := s.token(t, RoleOperator, "li")
	body := `{"kind":"trapped","lat":22.06,"lon":112.9,"people":2}`
	cases := []struct {
		name, origin string
		want         int
		reason       string
	}{
		{"another site", "http://evil.example", http.StatusForbidden, "cross-site"},
		{"another port of the same host (a second town's board)", "http://" + strings.Replace(s.Listener.Addr().String(), ":", ":1", 1), http.StatusForbidden, "cross-site"},
		{"no Origin at all", "", http.StatusForbidden, "no Origin"},
		{"the board's own page", s.URL, http.StatusAccepted, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out := cookiePost(t, s, "/api/incidents", tok, c.origin, body)
			assert.Equal(t, c.want, code, out)
			assert.Contains(t, out, c.reason)
		})
	}
	// The command of the issue: resolve from evil.example with text/plain.
	code, out := cookiePost(t, s, "/api/commands/resolve", tok, "http://evil.example", `{"incident":"x"}`)
	assert.Equal(t, http.StatusForbidden, code, out)
	// A tool with the token in the Authorization header is no browser: no Origin needed.
	code, out = s.do(t, "POST", "/api/incidents", tok, body)
	assert.Equal(t, http.StatusAccepted, code, out)
}

func TestSecurityHeadersAndBodyLimit(t *testing.T) {
	s := newTestServer(t)
	resp, err := http.Get(s.URL + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
	req, _ := http.NewRequest("GET", s.URL+"/", nil)
	req.Header.Set("Authorization", "Bearer admin-secret")
	board, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	board.Body.Close()
	assert.Contains(t, board.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'", "the board itself cannot be framed")

	big := strings.Repeat("x", MaxBodyBytes+1)
	code, out := s.do(t, "POST", "/api/events?subject=flood.duhu.incident", "admin-secret", big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, code, out)
	assert.Contains(t, out, "at most")
	// Without a Content-Length the limit holds while reading.
	req, _ = http.NewRequest("POST", s.URL+"/api/events?subject=flood.duhu.incident", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer admin-secret")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
}

// TestSlowBodiesClosedWithinTimeout: 100 clients sending a body a byte every
// 500 ms are all cut off when the read timeout ends.
func TestSlowBodiesClosedWithinTimeout(t *testing.T) {
	s := newTestServer(t)
	timeouts := Timeouts{ReadHeader: time.Second, Read: 2 * time.Second, Write: 5 * time.Second, Idle: 5 * time.Second}
	srv := HTTPServer(s.Config.Handler, timeouts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	const clients = 100
	var wg sync.WaitGroup
	var closed atomic.Int32
	var slowest atomic.Int64
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				return
			}
			defer c.Close()
			fmt.Fprintf(c, "POST /api/incidents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin-secret\r\nContent-Length: 1000\r\n\r\n")
			go func() { // the slow body
				for i := 0; i < 100; i++ {
					if _, err := c.Write([]byte("{")); err != nil {
						return
					}
					time.Sleep(500 * time.Millisecond)
				}
			}()
			_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
			_, _ = io.Copy(io.Discard, c) // returns when the server closes the connection
			if time.Since(start) < 20*time.Second {
				closed.Add(1)
				d := int64(time.Since(start))
				for {
					old := slowest.Load()
					if d <= old || slowest.CompareAndSwap(old, d) {
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d of %d slow bodies closed; the last after %s (read timeout %s)", closed.Load(), clients,
		time.Duration(slowest.Load()).Round(10*time.Millisecond), timeouts.Read)
	assert.Equal(t, int32(clients), closed.Load())
	assert.Less(t, time.Duration(slowest.Load()), timeouts.Read+time.Second)
}

// TestWebsocketCaps: 2,000 websockets from one viewer token are capped, and
// an operator's board still gets its snapshot within a second.
func TestWebsocketCaps(t *testing.T) {
	s := newTestServer(t)
	viewer := s.token(t, RoleViewer, "")
	dial := func(token string) (*websocket.Conn, int) {
		h := http.Header{"Authorization": {"Bearer " + token}}
		c, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.URL, "http")+"/ws", h)
		if err != nil {
			if resp != nil {
				return nil, resp.StatusCode
			}
			return nil, 0
		}
		return c, http.StatusSwitchingProtocols
	}
	var mu sync.Mutex
	codes := map[int]int{}
	var open []*websocket.Conn
	var wg sync.WaitGroup
	sem := make(chan struct{}, 50)
	for range 2000 {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, code := dial(viewer)
			mu.Lock()
			codes[code]++
			if c != nil {
				open = append(open, c)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	t.Logf("2000 websockets from one viewer token: %v", codes)
	assert.Equal(t, WSPerToken, codes[http.StatusSwitchingProtocols])
	assert.Equal(t, 2000-WSPerToken, codes[http.StatusTooManyRequests])

	start := time.Now()
	c, code := dial(s.token(t, RoleOperator, "li"))
	require.Equal(t, http.StatusSwitchingProtocols, code)
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	_, frame, err := c.ReadMessage()
	require.NoError(t, err, "no snapshot within 1 s")
	assert.Contains(t, string(frame[:40]), `"snapshot"`)
	t.Logf("operator's snapshot after %s", time.Since(start).Round(time.Millisecond))
	for _, c := range open {
		c.Close()
	}
	// Closed connections give their places back.
	require.Eventually(t, func() bool {
		c, code := dial(viewer)
		if c != nil {
			c.Close()
		}
		return code == http.StatusSwitchingProtocols
	}, 2*time.Second, 20*time.Millisecond)
}

func TestWebsocketTotalCapKeepsOperatorsPlace(t *testing.T) {
	l := newWSLimiter(2, 10, 3)
	for i := range 7 {
		_, why := l.take(Principal{Role: RoleViewer}, fmt.Sprintf("viewer-%d", i))
		require.Empty(t, why)
	}
	_, why := l.take(Principal{Role: RoleViewer}, "viewer-x")
	assert.Contains(t, why, "operators are served first")
	for i := range 3 {
		_, why := l.take(Principal{Role: RoleOperator}, fmt.Sprintf("op-%d", i))
		require.Empty(t, why, "operator %d", i)
	}
	_, why = l.take(Principal{Role: RoleOperator}, "op-x")
	assert.NotEmpty(t, why, "the total holds for operators too")
}

func TestAdminTokenTooShortRefused(t *testing.T) {
	_, err := LoadSigner("", t.TempDir(), "a")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "at least 16")
	_, err = LoadSigner("", t.TempDir(), "0123456789abcdef")
	assert.NoError(t, err)
}

// TestLoginLinkShortLived: the printed link works for 15 minutes and is
// exchanged for a session token of its own at /login.
func TestLoginLinkShortLived(t *testing.T) {
	s := newTestServer(t)
	signer := NewSigner([]byte("0123456789abcdef0123456789abcdef"), "")
	link, generated, err := signer.AdminLogin(time.Now())
	require.NoError(t, err)
	require.True(t, generated)
	_, err = signer.Verify(link, time.Now().Add(AdminLoginTTL+time.Second))
	assert.Error(t, err, "the link is dead after %s", AdminLoginTTL)

	// The same kind of link from the test server's signer (whose AdminLogin is its admin token).
	link, err = s.signer.sign(tokenClaims{Role: RoleOperator, Subject: "admin", Link: true}, AdminLoginTTL, time.Now())
	require.NoError(t, err)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(s.URL + "/login?token=" + link)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == CookieName {
			session = c
		}
	}
	require.NotNil(t, session)
	assert.NotEqual(t, link, session.Value, "the cookie holds a session token, not the link")
	assert.True(t, session.HttpOnly)
	p, err := s.signer.Verify(session.Value, time.Now().Add(AdminLoginTTL+time.Minute))
	require.NoError(t, err, "the session outlives the link")
	assert.Equal(t, RoleOperator, p.Role)
	_, err = s.signer.Verify(session.Value, time.Now().Add(SessionTTL+time.Minute))
	assert.Error(t, err)
}

func TestRevokedTokenRefused(t *testing.T) {
	s := newTestServer(t)
	tok := s.token(t, RoleViewer, "")
	code, _ := s.do(t, "GET", "/api/whoami", tok, "")
	require.Equal(t, http.StatusOK, code)
	id, err := s.signer.TokenID(tok)
	require.NoError(t, err)
	s.signer.Revoked().Add(id)
	code, out := s.do(t, "GET", "/api/whoami", tok, "")
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.Contains(t, out, "revoked")
}

func TestHTTPSCookieIsSecure(t *testing.T) {
	s := newTestServer(t)
	tls := httptest.NewTLSServer(s.Config.Handler)
	defer tls.Close()
	client := tls.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(tls.URL + "/login?token=" + s.token(t, RoleViewer, ""))
	require.NoError(t, err)
	resp.Body.Close()
	require.NotEmpty(t, resp.Cookies())
	assert.True(t, resp.Cookies()[0].Secure, "a cookie set over HTTPS is Secure")
	assert.NotEmpty(t, resp.Header.Get("Strict-Transport-Security"))
}
