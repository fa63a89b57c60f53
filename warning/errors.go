package warning

import "errors"

// The package's error vocabulary, matched with errors.Is; the engine turns
// each into a rejection notice.
var (
	// ErrInvalid is a reading or change that can never be right (bad level, NaN).
	ErrInvalid = errors.New("invalid")
	// ErrNotFound names a gauge, proposal or area the town does not have.
	ErrNotFound = errors.New("not found")
	// ErrConflict is a valid request that the current state refuses
	// (approving a proposal that was already decided).
	ErrConflict = errors.New("conflict")
)
