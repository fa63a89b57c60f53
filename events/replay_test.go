package events

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
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

func TestReplayerPlaysAtSpeedAndResumes(t *testing.T) {
	ns, err := StartEmbedded(EmbeddedConfig{Listen: "-", StoreDir: t.TempDir()})
	require.NoError(t, err)
	defer ns.Shutdown()
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	stream, err := EnsureStream(context.Background(), js, "duhu", 1)
	require.NoError(t, err)

	evs, err := ReadReplay(strings.NewReader(replayFile), "duhu")
	require.NoError(t, err)
	played := map[string]bool{"s-1": true} // an earlier run got as far as s-1
	r := &Replayer{Publisher: NewPublisher(js), Speed: 6000, Done: func(id string) bool { return played[id] }}
	start := time.Now()
	require.NoError(t, r.Play(context.Background(), evs))
	// 20 minutes of storm at 6000× is 200 ms; s-1 → s-2 is still waited for (skipped events keep the clock).
	assert.GreaterOrEqual(t, time.Since(start), 190*time.Millisecond)
	info, err := stream.Info(context.Background())
	require.NoError(t, err)
	assert.EqualValues(t, 2, info.State.Msgs, "s-1 was not played again")
	msg, err := stream.GetMsg(context.Background(), 1)
	require.NoError(t, err)
	assert.Equal(t, "s-2", msg.Header.Get(HeaderMsgID))
	assert.Contains(t, string(msg.Data), `"drill":true`)
}
