package ui

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/events"
)

// The board words every entry of its timeline by type (panels.js: t('ev_' +
// type)). Every decision type in the registry, every input type and every
// command verb has its words, Chinese first, so no operator reads a raw type.
func TestBoardWordsEveryEventType(t *testing.T) {
	js, err := webFS.ReadFile("web/i18n.js")
	require.NoError(t, err)
	labels := map[string][2]string{}
	re := regexp.MustCompile(`'ev_([a-z._]+)': \['([^']*)', '([^']*)'\]`)
	for _, m := range re.FindAllStringSubmatch(string(js), -1) {
		labels[m[1]] = [2]string{m[2], m[3]}
	}
	want := []string{events.TypeRainObserved, events.TypeLevelObserved, events.TypeIncidentReported, events.TypeResponderStatus,
		events.TypeShelterCheckin, events.TypeShelterCheckout, events.TypeCAPReceived, events.TypeEventRejected, events.TypeRoadChanged}
	for _, spec := range events.Decisions() {
		want = append(want, spec.Type)
	}
	for _, verb := range events.CommandVerbs {
		want = append(want, events.TypeCommandPrefix+verb)
	}
	han := regexp.MustCompile(`\p{Han}`)
	for _, typ := range want {
		l, ok := labels[typ]
		if assert.True(t, ok, "web/i18n.js has no 'ev_%s'", typ) {
			assert.Regexp(t, han, l[0], "%s: Chinese first", typ)
			assert.NotEmpty(t, l[1], "%s: English", typ)
		}
	}
}
