package events

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const replayFile = `# the 12 May storm, abridged
{"specversion":"1.0","id":"s-1","source":"gauge/g1","type":"flood.rain.observed","time":"2022-05-12T23:00:00+08:00","subject":"flood.duhu.rain","data":{"gauge":"g1","mm":10,"minutes":10}}

{"specversion":"1.0","id":"s-2","source":"gauge/g1","type":"flood.rain.observed","time":"2022-05-12T23:10:00+08:00","subject":"flood.duhu.rain","data":{"gauge":"g1","mm":12,"minutes":10}}
{"specversion":"1.0","id":"s-3","source":"grid/nancun","type":"flood.incident.reported","time":"2022-05-12T23:20:00+08:00","subject":"flood.duhu.incident","data":{"kind":"flooding","lat":22.06,"lon":112.91}}
`

func TestReadReplayReportsEveryBadLine(t *testing.T) {
	evs, err := ReadReplay(strings.NewReader(replayFile), "duhu")
	require.NoError(t, err)
	require.Len(t, evs, 3)
	for _, ev := range evs {
		assert.True(t, ev.Drill, "a replay is a drill")
	}
	assert.Equal(t, "flood.duhu.incident", evs[2].Subject)

	bad := replayFile + "{not json\n" + `{"specversion":"1.0","id":"s-9","source":"x","type":"flood.rain.observed","time":"2022-05-12T23:00:00+08:00","subject":"flood.duhu.rain","data":{"gauge":"g1","mm":-1,"minutes":10}}` + "\n"
	_, err = ReadReplay(strings.NewReader(bad), "duhu")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "line 6")
	assert.Contains(t, err.Error(), "line 7")
	assert.Contains(t, err.Error(), "data.mm")
}
