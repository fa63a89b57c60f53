package natsjs

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/floodcmd/floodcmd/engine"
)

// Metrics are the engine's Prometheus series.
type Metrics struct {
	Received *prometheus.CounterVec
	Applied  *prometheus.CounterVec
	Rejected *prometheus.CounterVec
	// Void counts decisions found void when folded; Rounds counts decision
	// rounds appended, by fence, and those refused as stale.
	Void   *prometheus.CounterVec
	Rounds *prometheus.CounterVec
}

// NewMetrics registers the engine's series on reg.
func NewMetrics(reg prometheus.Registerer, town string) *Metrics {
	labels := prometheus.Labels{"town": town}
	m := &Metrics{
		Received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "floodcmd_events_received_total",
			Help: "Messages read from the town's log, by event type.", ConstLabels: labels}, []string{"type"}),
		Applied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "floodcmd_events_applied_total",
			Help: "Inputs and decisions folded into state, by event type.", ConstLabels: labels}, []string{"type"}),
		Rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "floodcmd_events_rejected_total",
			Help: "Inputs refused (invalid or duplicate), by event type and outcome.", ConstLabels: labels}, []string{"type", "outcome"}),
	}
	m.Void = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "floodcmd_decisions_void_total",
		Help: "Decisions in the log that were void when folded (never carried out; their notice is appended), by event type.", ConstLabels: labels}, []string{"type"})
	m.Rounds = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "floodcmd_decision_rounds_total",
		Help: "Decision rounds: appended strict (nothing arrived meanwhile), appended fenced on decisions only, or refused as stale and decided again.", ConstLabels: labels}, []string{"outcome"})
	reg.MustRegister(m.Received, m.Applied, m.Rejected, m.Void, m.Rounds)
	return m
}

func (m *Metrics) observe(o engine.Outcome, typ string) {
	if m == nil {
		return
	}
	if typ == "" {
		typ = "unknown"
	}
	m.Received.WithLabelValues(typ).Inc()
	switch o {
	case engine.Applied, engine.Decision:
		m.Applied.WithLabelValues(typ).Inc()
	case engine.Void:
		m.Void.WithLabelValues(typ).Inc()
	case engine.Refused, engine.Duplicate:
		m.Rejected.WithLabelValues(typ, string(o)).Inc()
	}
}

func (m *Metrics) round(outcome string) {
	if m != nil {
		m.Rounds.WithLabelValues(outcome).Inc()
	}
}
