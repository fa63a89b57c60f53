package ui

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/floodcmd/floodcmd/errcode"
)

const (
	wsWriteWait  = 10 * time.Second
	wsPingPeriod = 30 * time.Second
	wsPongWait   = 75 * time.Second
)

// sameOrigin accepts a websocket from the page's own host, or from an allowed
// origin; a client that sends no Origin (not a browser) must still have a token.
func (s *Server) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	return origin == "" || s.originIs(origin, r, true)
}

// handleWS is GET /ws: a snapshot, then deltas; ?since=SEQ resumes.
func (s *Server) handleWS(w http.ResponseWriter, r *http.Request) {
	if s.deps.Hub == nil {
		s.writeError(w, r, refusal(errcode.Unavailable, "no live feed in this instance"))
		return
	}
	if !s.sameOrigin(r) {
		s.deny(w, r, errcode.Forbidden, "websocket from another origin refused: "+r.Header.Get("Origin"))
		return
	}
	var since *uint64
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			s.writeError(w, r, invalid("since: a sequence number from an earlier frame", nil))
			return
		}
		since = &n
	}
	release, why := s.wsConns.take(principalOf(r), tokenOf(r))
	if why != "" {
		w.Header().Set("Retry-After", "5")
		s.writeError(w, r, refusal(errcode.TooMany, why))
		return
	}
	defer release()
	up := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 16 << 10, CheckOrigin: s.sameOrigin,
		EnableCompression: false}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	c := &wsClient{p: principalOf(r), send: make(chan []byte, s.deps.Hub.cfg.SendBuffer)}
	if err := s.deps.Hub.Subscribe(r.Context(), c, since); err != nil {
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, err.Error()),
			time.Now().Add(wsWriteWait))
		conn.Close()
		return
	}
	go s.wsRead(conn, c)
	s.wsWrite(conn, c)
}

// wsRead only watches for the close (and pongs): the feed is one-way.
func (s *Server) wsRead(conn *websocket.Conn, c *wsClient) {
	defer s.deps.Hub.Leave(c)
	conn.SetReadLimit(4096)
	_ = conn.SetReadDeadline(time.Now().Add(wsPongWait))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(wsPongWait)) })
	for {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
	}
}

// wsWrite sends the client's frames until the hub closes its outbox.
func (s *Server) wsWrite(conn *websocket.Conn, c *wsClient) {
	ping := time.NewTicker(wsPingPeriod)
	defer func() {
		ping.Stop()
		conn.Close()
		s.deps.Hub.Leave(c)
	}()
	for {
		select {
		case frame, ok := <-c.send:
			_ = conn.SetWriteDeadline(time.Now().Add(wsWriteWait))
			if !ok {
				// Dropped (too slow) or shutting down: the client reconnects with ?since.
				_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseTryAgainLater, "resync"))
				return
			}
			if err := conn.WriteMessage(websocket.TextMessage, frame); err != nil {
				return
			}
		case <-ping.C:
			_ = conn.SetWriteDeadline(time.Now().Add(wsWriteWait))
			if err := conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		}
	}
}

// Live-feed connection caps: one token (a leaked viewer link, a runaway
// script) cannot hold more than WSPerToken websockets, and all of them together
// no more than WSTotal; the last WSOperatorReserve are for operators, so the
// command centre's board is served first.
const (
	WSPerToken        = 8
	WSTotal           = 1000
	WSOperatorReserve = 100
)

// wsLimiter counts open websockets per token and in total.
type wsLimiter struct {
	mu                        sync.Mutex
	perToken                  map[string]int
	total                     int
	maxPerToken, max, reserve int
}

func newWSLimiter(perToken, total, reserve int) *wsLimiter {
	if perToken <= 0 {
		perToken = WSPerToken
	}
	if total <= 0 {
		total = WSTotal
	}
	if reserve <= 0 || reserve >= total {
		reserve = min(WSOperatorReserve, total/10)
	}
	return &wsLimiter{perToken: map[string]int{}, maxPerToken: perToken, max: total, reserve: reserve}
}

// take counts one more websocket for token, or says why not.
func (l *wsLimiter) take(p Principal, token string) (release func(), refusal string) {
	key := tokenKey(token)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.perToken[key] >= l.maxPerToken:
		return nil, fmt.Sprintf("this token already has %d live connections open (the most one token may); close a board tab", l.maxPerToken)
	case p.Role != RoleOperator && l.total >= l.max-l.reserve, l.total >= l.max:
		return nil, "the live feed is at its connection limit; try again shortly (operators are served first)"
	}
	l.perToken[key]++
	l.total++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.total--
			if l.perToken[key]--; l.perToken[key] <= 0 {
				delete(l.perToken, key)
			}
		})
	}, ""
}

// tokenKey keeps a digest of the token, not the token, in memory.
func tokenKey(token string) string {
	h := sha256.Sum256([]byte(token))
	return string(h[:16])
}
