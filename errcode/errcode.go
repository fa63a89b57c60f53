// Package errcode is floodcmd's one error vocabulary: every refusal carries a
// Code (invalid, not found, conflict, …) that transports map onto their own
// terms in one place each (HTTP statuses in ui, the code of a rejection notice
// on NATS). It imports the standard library only, so the domain packages use it.
package errcode

import (
	"errors"
	"fmt"
)

// Code says what kind of refusal an error is. A Code is itself an error (its
// English word), so it serves as the sentinel: errors.Is(err, errcode.NotFound).
type Code string

// The codes. Transports map each onto one status of theirs.
const (
	Invalid      Code = "invalid"      // the input can never be right as it is
	NotFound     Code = "not_found"    // it names something the town does not have
	Conflict     Code = "conflict"     // valid, but the current state refuses it
	Unauthorised Code = "unauthorised" // no credentials, or not valid ones
	Forbidden    Code = "forbidden"    // valid credentials that do not allow this
	TooLarge     Code = "too_large"    // over a size limit
	TooMany      Code = "too_many"     // over a rate or connection limit
	Unreachable  Code = "unreachable"  // no way there (a route across closed roads)
	Unavailable  Code = "unavailable"  // the system cannot take it now; try again later
	StorageFull  Code = "storage_full" // the log's disk is full: nothing was recorded
	Internal     Code = "internal"     // a fault of ours; the details are in the server log
)

// Codes lists every code, for the tables that map them.
var Codes = []Code{Invalid, NotFound, Conflict, Unauthorised, Forbidden, TooLarge, TooMany, Unreachable, Unavailable,
	StorageFull, Internal}

var words = map[Code][2]string{
	Invalid:      {"输入无效", "invalid"},
	NotFound:     {"未找到", "not found"},
	Conflict:     {"与当前状态冲突", "conflict"},
	Unauthorised: {"未登录或令牌无效", "unauthorised"},
	Forbidden:    {"无权操作", "forbidden"},
	TooLarge:     {"内容过大", "too large"},
	TooMany:      {"请求过多", "too many"},
	Unreachable:  {"无法到达", "unreachable"},
	Unavailable:  {"暂不可用", "unavailable"},
	StorageFull:  {"存储已满", "storage full"},
	Internal:     {"内部错误", "internal"},
}

// Error is the code's English word ("not found"): what the domain packages'
// messages have always begun with.
func (c Code) Error() string {
	if w, ok := words[c]; ok {
		return w[1]
	}
	return string(c)
}

// Chinese is the code's words for an operator reading Chinese.
func (c Code) Chinese() string { return words[c][0] }

// ErrorCode makes a Code its own code.
func (c Code) ErrorCode() Code { return c }

// Coded is any error that knows its code (a Code, an *Error, a transport's own
// refusal such as ui.NotReady).
type Coded interface {
	error
	ErrorCode() Code
}

// Of returns the code of the first error in err's chain that has one, "" when
// none has (an unexpected error: transports treat it as Internal).
func Of(err error) Code {
	var c Coded
	if errors.As(err, &c) {
		return c.ErrorCode()
	}
	return ""
}

// Error is a refusal in parts: which field (or file column) holds what value,
// which rule it breaks. It is the data of a rejection notice's detail.
type Error struct {
	// Code is the kind of refusal; "" reads as Invalid (a rule broken).
	Code  Code   `json:"code,omitempty"`
	Field string `json:"field,omitempty"` // data.lat, a file's column
	Value string `json:"value,omitempty"`
	Rule  string `json:"rule"`
	// File and Row place a problem in an imported file ("roster", "households";
	// the header is row 1).
	File string `json:"file,omitempty"`
	Row  int    `json:"row,omitempty"`
	// Err is the cause, for errors.Is/As and the server log; never shown.
	Err error `json:"-"`
}

// New returns an *Error of code with a formatted rule.
func New(code Code, rule string, args ...any) *Error {
	return &Error{Code: code, Rule: fmt.Sprintf(rule, args...)}
}

// Wrap returns an *Error of code whose rule is msg and whose cause is err.
func Wrap(code Code, err error, msg string) *Error { return &Error{Code: code, Rule: msg, Err: err} }

func (e *Error) Error() string {
	switch {
	case e.Row > 0 && e.Field == "":
		return fmt.Sprintf("%s row %d: %s", e.File, e.Row, e.Rule)
	case e.Row > 0:
		return fmt.Sprintf("%s row %d, column %s, value %q: %s", e.File, e.Row, e.Field, e.Value, e.Rule)
	case e.Field == "":
		return e.Rule
	case e.Value == "":
		return fmt.Sprintf("%s: %s", e.Field, e.Rule)
	default:
		return fmt.Sprintf("%s=%q: %s", e.Field, e.Value, e.Rule)
	}
}

// ErrorCode is the error's code, Invalid when none was given.
func (e *Error) ErrorCode() Code {
	if e.Code == "" {
		return Invalid
	}
	return e.Code
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, errcode.NotFound) true for an *Error of that code.
func (e *Error) Is(target error) bool {
	c, ok := target.(Code)
	return ok && c == e.ErrorCode()
}
