package ui

import (
	"errors"
	"net/http"

	"github.com/floodcmd/floodcmd/errcode"
	"github.com/floodcmd/floodcmd/events"
)

// httpStatus is the one table from an error's code to the HTTP status it is
// answered with.
var httpStatus = map[errcode.Code]int{
	errcode.Invalid:      http.StatusBadRequest,
	errcode.NotFound:     http.StatusNotFound,
	errcode.Conflict:     http.StatusConflict,
	errcode.Unauthorised: http.StatusUnauthorized,
	errcode.Forbidden:    http.StatusForbidden,
	errcode.TooLarge:     http.StatusRequestEntityTooLarge,
	errcode.TooMany:      http.StatusTooManyRequests,
	errcode.Unreachable:  http.StatusUnprocessableEntity,
	errcode.Unavailable:  http.StatusServiceUnavailable,
	errcode.StorageFull:  http.StatusInsufficientStorage,
	errcode.Internal:     http.StatusInternalServerError,
}

// statusOf is the HTTP status of a code: 500 for none or an unknown one.
func statusOf(c errcode.Code) int {
	if s, ok := httpStatus[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorBody is what a refused request is answered with.
type errorBody struct {
	// Kind is the code's English word ("not found"), or the readiness check
	// that refused the input ("storage"): the field answers have always had.
	Kind string       `json:"error"`
	Code errcode.Code `json:"code"`
	// Chinese is the code's words for the board to show before Message.
	Chinese string          `json:"message_zh"`
	Message string          `json:"message"`
	Detail  *events.Invalid `json:"detail,omitempty"`
}

// refusal is an error an operator reads: a code and a message.
func refusal(code errcode.Code, msg string) error { return &errcode.Error{Code: code, Rule: msg} }

// invalid is a 400 with msg and, when the input was refused in parts, those parts.
func invalid(msg string, detail *events.Invalid) error {
	e := &errcode.Error{Code: errcode.Invalid, Rule: msg}
	if detail != nil {
		e.Err = detail
	}
	return e
}

// bodyOf turns err into the answer an operator reads, and says whether it is
// a fault of ours (logged, never shown).
func bodyOf(err error) (status int, body errorBody, internal bool) {
	var nr *NotReady
	var e *errcode.Error
	var coded errcode.Coded
	switch {
	case errors.As(err, &nr) && nr.Status != 0:
		// The log cannot take input now (disk full, stream gone): say so, not "internal".
		code := nr.ErrorCode()
		return statusOf(code), errorBody{Kind: nr.Check, Code: code, Chinese: code.Chinese(), Message: nr.Message}, false
	case errors.As(err, &e):
		code := e.ErrorCode()
		b := errorBody{Kind: code.Error(), Code: code, Chinese: code.Chinese(), Message: e.Error()}
		if d, ok := events.AsInvalid(e.Err); ok {
			b.Detail = d
		} else if e.Field != "" {
			b.Detail = e
		}
		return statusOf(code), b, code == errcode.Internal
	case errors.As(err, &coded) && coded.ErrorCode() != errcode.Internal:
		// A domain package's refusal (errcode.NotFound wrapped with its context):
		// its words are the operator's.
		code := coded.ErrorCode()
		return statusOf(code), errorBody{Kind: code.Error(), Code: code, Chinese: code.Chinese(), Message: err.Error()}, false
	}
	return http.StatusInternalServerError, errorBody{Kind: errcode.Internal.Error(), Code: errcode.Internal,
		Chinese: errcode.Internal.Chinese(), Message: "internal error; the details are in the server log"}, true
}

// ErrorCode is the code of an input the log cannot take now: storage full for
// the disk, unavailable for everything else.
func (n *NotReady) ErrorCode() errcode.Code {
	if n.Check == CheckStorage {
		return errcode.StorageFull
	}
	return errcode.Unavailable
}
