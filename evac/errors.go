package evac

import "errors"

// Errors the fold methods wrap, so the engine can turn them into rejections.
var (
	ErrInvalid  = errors.New("invalid")
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)
