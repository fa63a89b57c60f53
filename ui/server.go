// Package ui is floodcmd's face: the HTTP API, the websocket board feed and the
// operators' and responders' pages. It reads state from the engine and turns
// operators' actions into events appended to the log; it never changes state itself.
package ui

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/errcode"
	"github.com/floodcmd/floodcmd/events"
)

// StateReader gives read access to the engine's state.
type StateReader interface {
	Read(func(*engine.State))
	Ready() bool
	AppliedSeq() uint64
}

// EventPublisher appends an event to the log.
type EventPublisher interface {
	Publish(ctx context.Context, subject string, ev events.Event, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error)
}

// Deps is what the HTTP surface needs.
type Deps struct {
	Town   string
	Engine StateReader
	// Domain gives the town's geography and road graph (routes, the map).
	Domain    *engine.Domain
	Publisher EventPublisher
	// Ready reports why the system is not ready yet, or nil.
	Ready func(ctx context.Context) error
	// Lags reports how many messages of the log each follower has still to
	// process (the engine, the PostgreSQL projector), shown on /readyz.
	Lags func(ctx context.Context) map[string]int64
	// Metrics serves /metrics.
	Metrics http.Handler
	// Tokens checks every request's token (see tokens.go).
	Tokens *Signer
	// AdminToken is always accepted as the operator "admin"; used only when Tokens is nil.
	AdminToken string
	// Reports builds the after-action report; nil without --db.
	Reports Reporter
	// Hub feeds /ws; nil serves no live feed.
	Hub *Hub
	// AllowedOrigins may open the websocket besides the page's own host ("*": any).
	AllowedOrigins []string
	Logger         *slog.Logger
	// WSPerToken, WSTotal and WSOperatorReserve cap the live feed's
	// connections (0: the defaults of ws.go).
	WSPerToken, WSTotal, WSOperatorReserve int
}

// Server is the HTTP handler of floodcmd.
type Server struct {
	deps    Deps
	mux     *http.ServeMux
	wsConns *wsLimiter
}

// NewServer returns the HTTP handler with every route of routes.go.
func NewServer(deps Deps) http.Handler {
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Tokens == nil {
		// Without a key nothing but the admin token verifies: a random key signs nothing anyone holds.
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		deps.Tokens = NewSigner(key, deps.AdminToken)
	}
	s := &Server{deps: deps, mux: http.NewServeMux(),
		wsConns: newWSLimiter(deps.WSPerToken, deps.WSTotal, deps.WSOperatorReserve)}
	s.routes()
	return s
}

// MaxBodyBytes bounds every request body: one event, one CAP alert.
const MaxBodyBytes = events.MaxEventBytes

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// No page of floodcmd may be framed by another site (clickjacking an operator).
	h.Set("Content-Security-Policy", "frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer") // a login link's token never leaves in a Referer
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if r.ContentLength > MaxBodyBytes {
		s.writeError(w, r, refusal(errcode.TooLarge,
			fmt.Sprintf("the request body is %d bytes; at most %d are accepted", r.ContentLength, MaxBodyBytes)))
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	}
	s.mux.ServeHTTP(w, r)
}

// Timeouts bound how long one client may hold a connection: a slow body, a
// slow reader of a response or an idle keep-alive cannot pin the server.
type Timeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
}

// DefaultTimeouts are what `floodcmd serve` uses.
var DefaultTimeouts = Timeouts{ReadHeader: 5 * time.Second, Read: 15 * time.Second, Write: 60 * time.Second, Idle: 90 * time.Second}

// HTTPServer wraps h in an http.Server with the timeouts; websockets set their
// own deadlines once upgraded.
func HTTPServer(h http.Handler, t Timeouts) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, WriteTimeout: t.Write,
		IdleTimeout: t.Idle, MaxHeaderBytes: 64 << 10}
}

// readBody reads a request body: 413 when it is over MaxBodyBytes.
func readBody(r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, refusal(errcode.TooLarge, fmt.Sprintf("the request body is over %d bytes", tooBig.Limit))
	}
	if err != nil {
		return nil, invalid("could not read the request body", nil)
	}
	return raw, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError answers with the error's code, its status (httpStatus) and its
// message; internal details go to the log only.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body, internal := bodyOf(err)
	switch {
	case internal:
		s.deps.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case body.Code == errcode.StorageFull || body.Code == errcode.Unavailable:
		s.deps.Logger.Warn("input refused: the log cannot take it", "method", r.Method, "path", r.URL.Path, "check", body.Kind, "err", err)
	}
	writeJSON(w, status, body)
}
