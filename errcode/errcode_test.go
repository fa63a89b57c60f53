package errcode

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCodesAreFoundThroughWrapping(t *testing.T) {
	cases := []struct {
		name string
		err  error
		code Code
		msg  string
	}{
		{"a sentinel wrapped with context", fmt.Errorf("%w: incident %q", NotFound, "i-1"), NotFound, `not found: incident "i-1"`},
		{"a refusal in parts", &Error{Field: "data.lat", Value: "222", Rule: "latitude is -90…90"}, Invalid, `data.lat="222": latitude is -90…90`},
		{"a coded refusal, wrapped", fmt.Errorf("shelter: %w", New(Conflict, "full (%d of %d)", 30, 30)), Conflict, "shelter: full (30 of 30)"},
		{"a row of a file", &Error{File: "roster", Row: 3, Field: "tier", Value: "x", Rule: "town or village"}, Invalid, `roster row 3, column tier, value "x": town or village`},
		{"a whole row", &Error{File: "households", Row: 1, Rule: "header must be …"}, Invalid, "households row 1: header must be …"},
		{"a plain error", errors.New("boom"), "", "boom"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.code, Of(c.err))
			assert.Equal(t, c.msg, c.err.Error())
			if c.code != "" {
				assert.ErrorIs(t, c.err, c.code)
				for _, other := range Codes {
					if other != c.code {
						assert.NotErrorIs(t, c.err, other)
					}
				}
			}
		})
	}
}

func TestEveryCodeHasWords(t *testing.T) {
	for _, c := range Codes {
		assert.NotEmpty(t, c.Chinese(), c)
		assert.NotEqual(t, string(c), "", c)
		assert.NotEmpty(t, c.Error(), c)
	}
	assert.Equal(t, "not found", NotFound.Error(), "the domain packages' messages begin with these words")
	assert.Equal(t, "invalid", Invalid.Error())
	assert.Equal(t, "conflict", Conflict.Error())
}

func TestCauseKeptForErrorsAs(t *testing.T) {
	cause := &Error{Field: "data.kind", Rule: "one of …"}
	err := Wrap(Invalid, cause, "event refused: data.kind: one of …")
	var got *Error
	assert.True(t, errors.As(err.Unwrap(), &got))
	assert.Same(t, cause, got)
}
