package evac

import "github.com/floodcmd/floodcmd/errcode"

// Errors the fold methods wrap, so the engine can turn them into rejections.
// They are errcode's codes: errors.Is(err, ErrNotFound) and errors.Is(err,
// errcode.NotFound) are one test, and the code reaches the rejection notice.
var (
	ErrInvalid  error = errcode.Invalid
	ErrNotFound error = errcode.NotFound
	ErrConflict error = errcode.Conflict
)
