package engine

import (
	"fmt"
	"io/fs"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/scenario"
)

var (
	duhuOnce sync.Once
	duhuTown *Town
	duhuErr  error
)

// duhuDomain returns a fresh domain over the built-in Duhu scenario (loaded once).
func duhuDomain(tb testing.TB) *Domain {
	tb.Helper()
	duhuOnce.Do(func() {
		var fsys fs.FS
		fsys, duhuErr = scenario.Open("duhu")
		if duhuErr == nil {
			duhuTown, duhuErr = LoadTown(fsys, "duhu")
		}
	})
	require.NoError(tb, duhuErr)
	d, err := NewDomain(duhuTown, dispatch.DefaultConfig())
	require.NoError(tb, err)
	return d
}

func incidentJSON(id string, lat, lon float64) []byte {
	return fmt.Appendf(nil, `{"specversion":"1.0","id":%q,"source":"test","type":"flood.incident.reported","time":"2022-05-12T23:00:00+08:00","data":{"kind":"flooding","lat":%v,"lon":%v,"people":2}}`, id, lat, lon)
}

// addID records id in a dedup index as the fold does: the first time only.
func addID(x idSet, id string, seq uint64) {
	k := keyOf(id)
	if _, dup := x.seenKey(k); !dup {
		x.addNew(k, seq)
	}
}
