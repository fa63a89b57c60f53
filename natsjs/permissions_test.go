package natsjs

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRolePermissions(t *testing.T) {
	for _, role := range append([]string{NatsEngine}, NatsRoles...) {
		t.Run(role, func(t *testing.T) {
			var p, err = RolePermissions(role, "duhu")
			if role == NatsResponder {
				p, err = ResponderPermissions("duhu", "t-001")
			}
			require.NoError(t, err)
			for _, never := range neverPublished {
				assert.Contains(t, p.Pub.Deny, never, "nobody erases a log")
			}
			ownsDecisions := role == NatsEngine || role == NatsTown
			assert.Equal(t, !ownsDecisions, slices.Contains(p.Pub.Deny, "flood.duhu.out.>"), "decisions are the engine's alone")
			assert.Equal(t, !ownsDecisions, slices.Contains(p.Pub.Deny, "flood.duhu.rejected"))
			for _, s := range p.Pub.Allow {
				assert.NotContains(t, []string{">", "flood.>", "$JS.API.>", "flood.aid.>"}, s, "no role may publish everything")
			}
		})
	}
	gauge, _ := RolePermissions(NatsGauge, "duhu")
	assert.ElementsMatch(t, []string{"flood.duhu.rain", "flood.duhu.level"}, []string(gauge.Pub.Allow))
	town, _ := RolePermissions(NatsTown, "chixi")
	assert.Contains(t, town.Pub.Allow, "flood.aid.*.*.chixi", "aid only as itself")
	assert.NotContains(t, town.Pub.Allow, "flood.aid.>")
	assert.Equal(t, []string{"_INBOX_chixi.>"}, []string(town.Sub.Allow), "replies to its own inbox only")
	_, err := RolePermissions("root", "duhu")
	assert.Error(t, err)
	_, err = RolePermissions(NatsGauge, "du.hu")
	assert.Error(t, err)
	_, err = ResponderPermissions("duhu", "")
	assert.Error(t, err)
}
