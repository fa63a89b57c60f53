package ui

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed web
var webFS embed.FS

// static is the board's assets: plain files, no CDN, no build step.
var static, _ = fs.Sub(webFS, "web")

func (s *Server) handleBoard(w http.ResponseWriter, r *http.Request) {
	s.page(w, r, "index.html")
}

// handleResponderPage is the phone page of one responder: theirs, or an operator's look at it.
func (s *Server) handleResponderPage(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	if !actsFor(p, r.PathValue("rid")) {
		s.deny(w, r, http.StatusForbidden, "forbidden", "this page belongs to responder "+r.PathValue("rid"))
		return
	}
	s.page(w, r, "responder.html")
}

func (s *Server) page(w http.ResponseWriter, r *http.Request, name string) {
	raw, err := fs.ReadFile(static, name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'")
	_, _ = w.Write(raw)
}

var staticFiles = http.StripPrefix("/static/", http.FileServerFS(static))

func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	staticFiles.ServeHTTP(w, r)
}
