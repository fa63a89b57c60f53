package events

import (
	"errors"
	"fmt"
)

// Invalid says precisely why an input was refused: which field, what value,
// which rule. It is what lands on flood.<town>.rejected as the reason.
type Invalid struct {
	Field string `json:"field,omitempty"`
	Value string `json:"value,omitempty"`
	Rule  string `json:"rule"`
}

// Invalidf builds an *Invalid with a formatted rule.
func Invalidf(field, value, rule string, args ...any) *Invalid {
	return &Invalid{Field: field, Value: value, Rule: fmt.Sprintf(rule, args...)}
}

func (e *Invalid) Error() string {
	switch {
	case e.Field == "":
		return e.Rule
	case e.Value == "":
		return fmt.Sprintf("%s: %s", e.Field, e.Rule)
	default:
		return fmt.Sprintf("%s=%q: %s", e.Field, e.Value, e.Rule)
	}
}

// AsInvalid reports whether err is (or wraps) an *Invalid.
func AsInvalid(err error) (*Invalid, bool) {
	var inv *Invalid
	ok := errors.As(err, &inv)
	return inv, ok
}
