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
	// byType caches the received and applied counters of each event type: a
	// replay counts every message, and a label lookup hashes its values each time.
	byType map[string]typeCounters
}

type typeCounters struct{ received, applied prometheus.Counter }

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
	switch o {
	case engine.Applied, engine.Decision:
		// Only folded types are cached: they are the contract's few, while a
		// refused event's type is whatever its sender wrote.
		c, ok := m.byType[typ]
		if !ok {
			if m.byType == nil {
				m.byType = map[string]typeCounters{}
			}
			c = typeCounters{m.Received.WithLabelValues(typ), m.Applied.WithLabelValues(typ)}
			m.byType[typ] = c
		}
		c.received.Inc()
		c.applied.Inc()
		return
	}
	m.Received.WithLabelValues(typ).Inc()
	switch o {
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
