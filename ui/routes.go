package ui

// Who may use what. Every route but the probes and /login needs a token:
// 401 without a valid one, 403 with a token of another role.
var (
	anyRole   = []string{RoleOperator, RoleResponder, RolePartner, RoleViewer}
	boardRole = []string{RoleOperator, RoleViewer, RolePartner}
	routeRole = []string{RoleOperator, RoleResponder, RoleViewer}
	reporter  = []string{RoleOperator, RoleResponder}
	operator  = []string{RoleOperator}
	// The after-action report is the town's own: no partner town reads it.
	reportRole = []string{RoleOperator, RoleViewer}
)

// routes lists every route of the HTTP surface in one place.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.handleHealthz)
	s.mux.HandleFunc("GET /readyz", s.handleReadyz)
	s.mux.Handle("GET /metrics", s.deps.Metrics)
	s.mux.HandleFunc("GET /login", s.handleLogin)
	s.mux.HandleFunc("GET /logout", s.handleLogout)

	s.mux.Handle("GET /{$}", s.allow(s.handleBoard, boardRole...))
	s.mux.Handle("GET /responder/{rid}", s.allow(s.handleResponderPage, reporter...))
	s.mux.Handle("GET /responder/sw.js", s.allow(s.handleServiceWorker, reporter...))
	s.mux.Handle("GET /responder/{rid}/manifest.webmanifest", s.allow(s.handleResponderManifest, reporter...))
	s.mux.Handle("GET /static/", s.allow(s.handleStatic, anyRole...))
	s.mux.Handle("GET /ws", s.allow(s.handleWS, anyRole...))

	s.mux.Handle("GET /api/whoami", s.allow(s.handleWhoami, anyRole...))
	s.mux.Handle("GET /api/state", s.allow(s.handleState, anyRole...))
	s.mux.Handle("GET /api/route", s.allow(s.handleRoute, routeRole...))
	s.mux.Handle("GET /api/scenario", s.allow(s.handleScenario, anyRole...))
	s.mux.Handle("GET /api/scenario/{kind}", s.allow(s.handleScenarioLayer, anyRole...))
	s.mux.Handle("GET /api/report", s.allow(s.handleReport, reportRole...))
	s.mux.Handle("GET /report", s.allow(s.handleReportPage, reportRole...))
	s.mux.Handle("GET /api/history", s.allow(s.handleHistory, operator...))
	s.mux.Handle("GET /api/cap", s.allow(s.handleCAPFeed, anyRole...))
	s.mux.Handle("GET /api/cap/{identifier}", s.allow(s.handleCAPAlert, anyRole...))
	s.mux.Handle("POST /api/cap", s.allow(s.handleCAPIn, operator...))
	s.mux.Handle("GET /api/cap-received", s.allow(s.handleCAPReceived, anyRole...))
	s.mux.Handle("POST /api/events", s.allow(s.handlePostEvent, operator...))
	s.mux.Handle("POST /api/commands/{verb}", s.allow(s.handleCommand, operator...))
	s.mux.Handle("POST /api/incidents", s.allow(s.handleIncident, reporter...))
	s.mux.Handle("POST /api/responders/{rid}/status", s.allow(s.handleResponderStatus, reporter...))
	s.mux.Handle("GET /api/responders/{rid}/surroundings", s.allow(s.handleSurroundings, reporter...))
	s.mux.Handle("/api/", s.allow(s.handleAPINotFound, anyRole...))
}
