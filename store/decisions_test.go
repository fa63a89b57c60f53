package store

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/floodcmd/floodcmd/events"
)

// The projector decodes decisions through the registry: every type in it has
// its Go data type bound in this binary, or its rows would silently be missing.
func TestProjectorSeesEveryDecisionTypeBound(t *testing.T) {
	for _, spec := range events.Decisions() {
		assert.NotNil(t, spec.DataType(), "%s (%s) has no Go data type in the store's binary", spec.Type, spec.Owner)
	}
}
