package snapshotio

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type node struct {
	A int               `json:"a"`
	B map[string][]byte `json:"b"`
	N *node             `json:"n,omitempty"` // recursive: described once
}

// Local types of the same name stand for one snapshot type as two builds have it.
func v1() any {
	type snap struct {
		A int    `json:"a"`
		B string `json:"b"`
	}
	return snap{}
}

func added() any {
	type snap struct {
		A int    `json:"a"`
		B string `json:"b"`
		C string `json:"c"`
	}
	return snap{}
}

func retyped() any {
	type snap struct {
		A int64  `json:"a"`
		B string `json:"b"`
	}
	return snap{}
}

func retagged() any {
	type snap struct {
		A int    `json:"a,omitempty"`
		B string `json:"b"`
	}
	return snap{}
}

func TestSchemaNamesTheShape(t *testing.T) {
	assert.Equal(t, Schema(node{}), Schema(node{A: 7}), "the shape, not the values")
	assert.Len(t, Schema(node{}), 64)
	assert.Equal(t, Schema(v1()), Schema(v1()))
	for name, other := range map[string]any{"a field added": added(), "a field retyped": retyped(), "a tag changed": retagged()} {
		assert.NotEqual(t, Schema(v1()), Schema(other), name)
	}
}

func TestDecodeStrict(t *testing.T) {
	var v node
	require.NoError(t, Decode([]byte(`{"a":1,"b":{}}`), &v))
	assert.Equal(t, 1, v.A)
	assert.Error(t, Decode([]byte(`{"a":1,"zz":2}`), &v), "an unknown field")
	assert.Error(t, Decode([]byte(`{"a":1} {"a":2}`), &v), "trailing data")
	assert.Error(t, Decode([]byte(`{"a":`), &v), "truncated")
}
