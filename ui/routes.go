package ui

import "net/http"

// routes lists every route of the HTTP surface in one place.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.handleHealthz)
	s.mux.HandleFunc("GET /readyz", s.handleReadyz)
	s.mux.Handle("GET /metrics", s.deps.Metrics)
	s.mux.Handle("GET /api/state", s.requireToken(http.HandlerFunc(s.handleState)))
	s.mux.Handle("GET /api/route", s.requireToken(http.HandlerFunc(s.handleRoute)))
	s.mux.Handle("GET /api/scenario", s.requireToken(http.HandlerFunc(s.handleScenario)))
	s.mux.Handle("GET /api/scenario/{kind}", s.requireToken(http.HandlerFunc(s.handleScenarioLayer)))
	s.mux.Handle("POST /api/events", s.requireToken(http.HandlerFunc(s.handlePostEvent)))
	s.mux.Handle("/api/", s.requireToken(http.HandlerFunc(s.handleAPINotFound)))
}
