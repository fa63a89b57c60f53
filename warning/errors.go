package warning

import "github.com/floodcmd/floodcmd/errcode"

// The package's error vocabulary, matched with errors.Is; the engine turns
// each into a rejection notice carrying its code. They are errcode's codes:
// errors.Is(err, ErrNotFound) and errors.Is(err, errcode.NotFound) are one test.
var (
	// ErrInvalid is a reading or change that can never be right (bad level, NaN).
	ErrInvalid error = errcode.Invalid
	// ErrNotFound names a gauge, proposal or area the town does not have.
	ErrNotFound error = errcode.NotFound
	// ErrConflict is a valid request that the current state refuses
	// (approving a proposal that was already decided).
	ErrConflict error = errcode.Conflict
)
