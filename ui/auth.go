package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/floodcmd/floodcmd/errcode"
)

// CookieName holds the token for browsers (set by GET /login?token=…).
const CookieName = "floodcmd_token"

type principalKey struct{}

// principalOf is who the request comes from; allow has checked it.
func principalOf(r *http.Request) Principal {
	p, _ := r.Context().Value(principalKey{}).(Principal)
	return p
}

// tokenOf finds the token in the Authorization header, else the cookie.
func tokenOf(r *http.Request) string {
	if got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(got)
	}
	if c, err := r.Cookie(CookieName); err == nil {
		return c.Value
	}
	return ""
}

// authenticate returns the request's principal, or answers 401 and false.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (Principal, bool) {
	tok := tokenOf(r)
	msg := "a token is required: send Authorization: Bearer <token>, or open the login link that `floodcmd serve` prints (or `floodcmd token` makes)"
	if tok != "" {
		p, err := s.deps.Tokens.Verify(tok, time.Now())
		if err == nil {
			return p, true
		}
		msg = err.Error()
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="floodcmd"`)
	s.deny(w, r, errcode.Unauthorised, msg)
	return Principal{}, false
}

// deny answers 401/403 as JSON to the API and as a short page to a browser.
func (s *Server) deny(w http.ResponseWriter, r *http.Request, code errcode.Code, msg string) {
	status := statusOf(code)
	if !strings.HasPrefix(r.URL.Path, "/api/") && strings.Contains(r.Header.Get("Accept"), "text/html") {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><title>floodcmd</title><body style="font-family:sans-serif;padding:2em">
<h1>%d</h1><p>%s</p><p>请使用 floodcmd serve 打印的登录链接，或向指挥中心索取令牌。<br>Use the login link that floodcmd serve prints, or ask the command centre for a token.</p>`,
			status, htmlEscape(msg))
		return
	}
	s.writeError(w, r, refusal(code, msg))
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// allow lets through a request with a valid token of one of roles: 401 without
// a valid token, 403 with a token of another role.
func (s *Server) allow(h http.HandlerFunc, roles ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		if !slices.Contains(roles, p.Role) {
			s.deny(w, r, errcode.Forbidden,
				fmt.Sprintf("a %s token may not use %s %s", p.Role, r.Method, r.URL.Path))
			return
		}
		if why := s.crossSite(r); why != "" {
			s.deny(w, r, errcode.Forbidden, why)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// crossSite says why a state change must be refused as a cross-site request
// forgery, or "". Only the login cookie is sent by a browser on its own, so a
// request that carries its token in the Authorization header is not one; with
// the cookie, the browser's Origin (or Referer) must be the board's own.
// SameSite=Lax is not enough: another port of the same host (a second town's
// board) is the same site.
func (s *Server) crossSite(r *http.Request) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return ""
	}
	if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		return ""
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		if ref, err := url.Parse(r.Referer()); err == nil && ref.Host != "" {
			origin = ref.Scheme + "://" + ref.Host
		}
	}
	if origin == "" {
		return "refused: a change sent with the login cookie must come from the board's own page (the browser sent no Origin); tools send Authorization: Bearer <token>"
	}
	if s.originIs(origin, r, false) {
		return ""
	}
	return fmt.Sprintf("refused: a change sent with the login cookie from %s, another site (cross-site request forgery); only the board's own page may do that", origin)
}

// originIs reports whether origin is the page's own host or an allowed origin
// ("*" counts only when wildcard is true: websockets, which change nothing).
func (s *Server) originIs(origin string, r *http.Request, wildcard bool) bool {
	if slices.Contains(s.deps.AllowedOrigins, origin) || wildcard && slices.Contains(s.deps.AllowedOrigins, "*") {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// actsFor reports whether p may act for responder rid: the responder themself or an operator.
func actsFor(p Principal, rid string) bool {
	return p.Role == RoleOperator || p.Role == RoleResponder && p.Subject == rid
}

// handleLogin checks ?token=, keeps it in a cookie and sends the browser to its page.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	p, err := s.deps.Tokens.Verify(tok, time.Now())
	if tok == "" || err != nil {
		msg := "the login link needs ?token=…"
		if tok != "" {
			msg = err.Error()
		}
		s.deny(w, r, errcode.Unauthorised, msg)
		return
	}
	if p.linkOnly {
		// The printed link is short-lived: the browser gets a session token of its own.
		if tok, err = s.deps.Tokens.Sign(p.Role, p.Subject, SessionTTL, time.Now()); err != nil {
			s.writeError(w, r, err)
			return
		}
		p.Expires = time.Now().Add(SessionTTL)
	}
	c := &http.Cookie{Name: CookieName, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil}
	if !p.Expires.IsZero() {
		c.Expires = p.Expires
	}
	http.SetCookie(w, c)
	http.Redirect(w, r, homeOf(p), http.StatusSeeOther)
}

// homeOf is the page a principal lands on.
func homeOf(p Principal) string {
	if p.Role == RoleResponder {
		return "/responder/" + p.Subject
	}
	return "/"
}

// handleLogout forgets the cookie.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil})
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("logged out / 已退出\n"))
}

// handleWhoami tells a page who it is, so it shows only what the role may do.
func (s *Server) handleWhoami(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	writeJSON(w, http.StatusOK, map[string]any{"role": p.Role, "subject": p.Subject, "town": s.deps.Town})
}
