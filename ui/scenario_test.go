package ui

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/geo"
)

// getRaw fetches path with a token, asking for gzip when gz; it returns the response and the
// body as it came over the wire.
func getRaw(tb testing.TB, s *testServer, path, token string, gz bool) (*http.Response, []byte) {
	tb.Helper()
	req, err := http.NewRequest("GET", s.URL+path, nil)
	require.NoError(tb, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip") // set by hand, so Go's client does not undo it
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return resp, raw
}

func gunzip(tb testing.TB, b []byte) []byte {
	tb.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(tb, err)
	out, err := io.ReadAll(zr)
	require.NoError(tb, err)
	return out
}

func TestScenarioLayerIsServedCompressed(t *testing.T) {
	s := newTestServer(t)
	plainResp, plain := getRaw(t, s, "/api/scenario/road", "admin-secret", false)
	require.Equal(t, http.StatusOK, plainResp.StatusCode)
	require.Empty(t, plainResp.Header.Get("Content-Encoding"))
	gzResp, gz := getRaw(t, s, "/api/scenario/road", "admin-secret", true)
	require.Equal(t, "gzip", gzResp.Header.Get("Content-Encoding"))
	require.Equal(t, plain, gunzip(t, gz), "the same layer, compressed")
	require.Less(t, len(gz)*4, len(plain), "the road layer compresses at least 4×: %d → %d bytes", len(plain), len(gz))
	t.Logf("road layer: %d bytes plain, %d gzip (%.1f×)", len(plain), len(gz), float64(len(plain))/float64(len(gz)))

	resp, js := getRaw(t, s, "/static/vendor/leaflet/leaflet.js", "admin-secret", true)
	require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	require.Contains(t, string(gunzip(t, js)), "Leaflet")
}

func TestScenarioLayerBBox(t *testing.T) {
	s := newTestServer(t)
	var all, some struct {
		Features []json.RawMessage `json:"features"`
	}
	_, raw := getRaw(t, s, "/api/scenario/road", "admin-secret", false)
	require.NoError(t, json.Unmarshal(raw, &all))
	_, raw = getRaw(t, s, "/api/scenario/road?bbox=112.90,22.05,112.92,22.07", "admin-secret", false)
	require.NoError(t, json.Unmarshal(raw, &some))
	require.NotEmpty(t, some.Features)
	require.Less(t, len(some.Features), len(all.Features)/3, "a 2 km box holds a small part of the roads")
	// Every feature returned reaches into the box; every one left out does not (independent check).
	box := [4]float64{112.90, 22.05, 112.92, 22.07}
	in := 0
	for _, f := range all.Features {
		b, ok := featureBound(f)
		require.True(t, ok)
		if b.Min[0] <= box[2] && b.Max[0] >= box[0] && b.Min[1] <= box[3] && b.Max[1] >= box[1] {
			in++
		}
	}
	require.Equal(t, in, len(some.Features))
	code, body := s.do(t, "GET", "/api/scenario/road?bbox=1,2,3", "admin-secret", "")
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, body, "minLon,minLat,maxLon,maxLat")
}

func TestResponderSurroundings(t *testing.T) {
	s := newTestServer(t)
	tok := s.token(t, RoleResponder, "t-001")
	code, body := s.do(t, "GET", "/api/responders/t-001/surroundings?from=22.0712,112.897741&to=22.062,112.912", tok, "")
	require.Equal(t, http.StatusOK, code, body)
	var ans struct {
		BBox    [4]float64 `json:"bbox"`
		ToGCJ02 [2]float64 `json:"to_gcj02"`
		Roads   struct {
			Features []json.RawMessage `json:"features"`
		} `json:"roads"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &ans))
	require.NotEmpty(t, ans.Roads.Features)
	g := geo.WGS84ToGCJ02([2]float64{112.912, 22.062})
	require.InDelta(t, g[1], ans.ToGCJ02[0], 1e-9)
	require.InDelta(t, g[0], ans.ToGCJ02[1], 1e-9)
	// GCJ-02 is some hundreds of metres off WGS-84 in Guangdong: the conversion was applied.
	require.Greater(t, ans.ToGCJ02[1]-112.912, 0.003)
	code, _ = s.do(t, "GET", "/api/responders/t-002/surroundings?to=22.062,112.912", tok, "")
	require.Equal(t, http.StatusForbidden, code, "another responder's surroundings")
	code, body = s.do(t, "GET", "/api/responders/t-001/surroundings", tok, "")
	require.Equal(t, http.StatusBadRequest, code, body)
}
