package ui

import (
	"embed"
	"encoding/json"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/floodcmd/floodcmd/errcode"
)

//go:embed web
var webFS embed.FS

// static is the board's assets: plain files and the vendored libraries (web/vendor, each with
// its VERSION and LICENSE), no CDN, no build step.
var static, _ = fs.Sub(webFS, "web")

// pageCSP lets the pages load only their own scripts, styles, images, workers and manifest.
const pageCSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'"

func (s *Server) handleBoard(w http.ResponseWriter, r *http.Request) {
	s.page(w, r, "index.html")
}

// handleResponderPage is the phone page of one responder: theirs, or an operator's look at it.
func (s *Server) handleResponderPage(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	if !actsFor(p, r.PathValue("rid")) {
		s.deny(w, r, errcode.Forbidden, "this page belongs to responder "+r.PathValue("rid"))
		return
	}
	s.page(w, r, "responder.html")
}

// handleResponderManifest is the web app manifest of one responder's page, so that the phone
// installs it with their own start page.
func (s *Server) handleResponderManifest(w http.ResponseWriter, r *http.Request) {
	rid := r.PathValue("rid")
	if !actsFor(principalOf(r), rid) {
		s.deny(w, r, errcode.Forbidden, "this app belongs to responder "+rid)
		return
	}
	m := map[string]any{
		"name": "floodcmd 救援人员", "short_name": "救援任务", "lang": "zh-CN",
		"start_url": "/responder/" + rid, "scope": "/responder/", "display": "standalone",
		"background_color": "#ffffff", "theme_color": "#12324a",
		// The PNGs are icon.svg rendered at 192 and 512 px (browsers that install want PNGs).
		"icons": []map[string]string{{"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png"},
			{"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png"},
			{"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml"}},
	}
	b, _ := json.Marshal(m)
	w.Header().Set("Content-Type", "application/manifest+json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

// handleServiceWorker serves the phone's service worker from /responder/, so that its scope
// covers every responder page.
func (s *Server) handleServiceWorker(w http.ResponseWriter, r *http.Request) {
	raw, err := fs.ReadFile(static, "sw.js")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(raw)
}

func (s *Server) page(w http.ResponseWriter, r *http.Request, name string) {
	raw, err := fs.ReadFile(static, name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Security-Policy", pageCSP)
	writeCompressed(w, r, raw, "page/"+name)
}

// handleStatic serves the assets, text ones gzip-compressed (Leaflet is 148 KB plain, 43 KB
// compressed): a phone on a weak signal in a storm downloads as little as it can.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	if name == "" || strings.HasSuffix(name, "/") || strings.Contains(name, "..") {
		http.NotFound(w, r)
		return
	}
	raw, err := fs.ReadFile(static, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = http.DetectContentType(raw)
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	switch path.Ext(name) {
	case ".js", ".css", ".svg", ".json", ".webmanifest", ".html":
		writeCompressed(w, r, raw, "static/"+name)
	default:
		_, _ = w.Write(raw)
	}
}
