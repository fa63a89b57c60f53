package engine

// What a runner (natsjs) and its tests read of the fold beyond Apply, Decide and View.

// AidOutbox lists the outgoing aid messages recorded in the log and not yet
// marked delivered: what the runner's forwarder sends to other towns' inboxes.
func (s *State) AidOutbox() []Outgoing { return s.domain.AidOutbox() }

// Unsettled reports the fold's unfinished work: void decisions whose notice is
// not yet in the log, and whether a fold changed what the dispatcher would
// decide since its last Decide. A town is quiet only when both are nil.
func (s *State) Unsettled() (untoldVoids int, changed bool) {
	return len(s.domain.voids), s.domain.changed.Load()
}

// VoidLog lists the last void decisions folded (sequence, type, id, reason), for diagnostics.
func (s *State) VoidLog() []string { return append([]string(nil), s.domain.voidLog...) }
