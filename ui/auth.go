package ui

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// requireToken lets a request through only with the operator token, when one is set.
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.deps.AdminToken == "" {
			next.ServeHTTP(w, r)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.deps.AdminToken)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="floodcmd"`)
			writeJSON(w, http.StatusUnauthorized, &apiError{Kind: "unauthorised",
				Message: "a valid token is required: send Authorization: Bearer <token> (FLOODCMD_ADMIN_TOKEN)"})
			return
		}
		next.ServeHTTP(w, r)
	})
}
