package natsjs

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/events"
)

// drillOf is a drill file of readings on flood.duhu.rain, one every ten
// minutes from 23:00, with the ids given.
func drillOf(ids ...string) string {
	var b strings.Builder
	b.WriteString("# a storm, abridged\n")
	for i, id := range ids {
		fmt.Fprintf(&b, `{"specversion":"1.0","id":%q,"source":"gauge/g1","type":"flood.rain.observed","time":"2022-05-12T23:%02d:00+08:00","subject":"flood.duhu.rain","data":{"gauge":"g1","mm":10,"minutes":10}}`+"\n", id, 10*i)
	}
	return b.String()
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

	evs, err := events.ReadReplay(strings.NewReader(drillOf("s-1", "s-2", "s-3")), "duhu")
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
