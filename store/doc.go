// Package store projects a town's event log into PostgreSQL (pgx) for history,
// after-action reports, the audit trail and queries by other systems.
//
// The log in JetStream stays the source of truth: every row here carries the
// stream sequence it came from, and the projector writes rows and its position
// in one transaction, so the projection is exactly once and can be rebuilt.
package store
