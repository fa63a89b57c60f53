package events

import (
	"errors"
	"fmt"

	"github.com/floodcmd/floodcmd/errcode"
)

// Invalid says precisely why an input was refused: which field, what value,
// which rule, and the kind of refusal (Code: "" reads as invalid; a domain's
// refusal says not found or conflict). It is what lands on
// flood.<town>.rejected as the reason. It is errcode's one error type.
type Invalid = errcode.Error

// Invalidf builds an *Invalid with a formatted rule.
func Invalidf(field, value, rule string, args ...any) *Invalid {
	return &Invalid{Field: field, Value: value, Rule: fmt.Sprintf(rule, args...)}
}

// AsInvalid reports whether err is (or wraps) an *Invalid.
func AsInvalid(err error) (*Invalid, bool) {
	var inv *Invalid
	ok := errors.As(err, &inv)
	return inv, ok
}

// RefusalOf is the refusal in parts that err amounts to: err itself when it is
// one, else its words with its code (invalid when it has none).
func RefusalOf(err error) *Invalid {
	if inv, ok := AsInvalid(err); ok {
		return inv
	}
	return &Invalid{Code: errcode.Of(err), Rule: err.Error()}
}

// Refusal turns a domain package's coded refusal (errcode.NotFound wrapped
// with its context) into an *Invalid that keeps its code and words; an error
// without a code, or nil, is returned as it is.
func Refusal(err error) error {
	if _, ok := AsInvalid(err); ok {
		return err
	}
	if code := errcode.Of(err); code != "" {
		return &Invalid{Code: code, Rule: err.Error(), Err: err}
	}
	return err
}

// Rejection is the notice for the input id on subject (at seq in the log, 0
// when it never got there) refused with inv.
func Rejection(id, subject string, seq uint64, inv *Invalid) Rejected {
	return Rejected{EventID: id, Subject: subject, Reason: inv.Error(), Field: inv.Field, Value: inv.Value, Seq: seq,
		Code: inv.ErrorCode(), Detail: inv}
}
