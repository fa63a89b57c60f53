package ui

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/errcode"
	"github.com/floodcmd/floodcmd/geo"
)

// scenarioLayers are the map layers the board draws, in drawing order.
var scenarioLayers = []string{geo.KindNeighbour, geo.KindTown, geo.KindVillage, geo.KindGrid, geo.KindRiver,
	geo.KindRoad, geo.KindHazard, geo.KindShelter, geo.KindGauge}

// handleScenario lists the town and its layers: the board draws the map from them. "phone" is
// the command centre's number when the town's GeoJSON gives one (property "phone"): the
// responder's phone calls it.
func (s *Server) handleScenario(w http.ResponseWriter, r *http.Request) {
	sc := s.deps.Domain.Scenario()
	ans := map[string]any{"town": sc.Town.ID, "name": sc.Town.Name, "name_en": sc.Town.NameEn,
		"center": sc.Town.Center, "layers": scenarioLayers}
	if phone := townPhone(sc); phone != "" {
		ans["phone"] = phone
	}
	writeJSON(w, http.StatusOK, ans)
}

// townPhone is the "phone" property of the town's feature, if any.
func townPhone(sc *geo.Scenario) string {
	var fc struct {
		Features []struct {
			Properties struct {
				Phone string `json:"phone"`
			} `json:"properties"`
		} `json:"features"`
	}
	if json.Unmarshal(sc.FeatureCollection(geo.KindTown), &fc) != nil || len(fc.Features) == 0 {
		return ""
	}
	return fc.Features[0].Properties.Phone
}

// handleScenarioLayer serves one layer as a GeoJSON FeatureCollection, gzip-compressed when the
// client accepts it (the road layer is ~460 KB plain, ~60 KB compressed); with
// ?bbox=minLon,minLat,maxLon,maxLat only the features that reach into that box.
func (s *Server) handleScenarioLayer(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if !slices.Contains(scenarioLayers, kind) {
		s.writeError(w, r, refusal(errcode.NotFound, fmt.Sprintf("no map layer %q; layers: %v", kind, scenarioLayers)))
		return
	}
	sc := s.deps.Domain.Scenario()
	raw := sc.FeatureCollection(kind)
	whole := true
	if q := r.URL.Query().Get("bbox"); q != "" {
		box, err := parseBBox(q)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		raw, whole = layerIndexOf(sc).within(kind, box), false
	}
	if p := principalOf(r); p.Role != RoleOperator && p.Role != RoleResponder {
		raw, whole = newFilter(p).redactRaw(raw), false // household counts are not for viewers or other towns
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "private, max-age=300")
	key := ""
	if whole {
		key = sc.Town.ID + "/" + kind
	}
	writeCompressed(w, r, raw, key)
}

// parseBBox reads minLon,minLat,maxLon,maxLat in decimal degrees.
func parseBBox(q string) (orb.Bound, error) {
	parts := strings.Split(q, ",")
	bad := invalid(fmt.Sprintf("bbox=%q: give minLon,minLat,maxLon,maxLat in decimal degrees, e.g. bbox=112.88,22.04,112.93,22.08", q), nil)
	if len(parts) != 4 {
		return orb.Bound{}, bad
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return orb.Bound{}, bad
		}
		v[i] = f
	}
	if v[0] > v[2] || v[1] > v[3] || v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90 {
		return orb.Bound{}, bad
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}

// layerIndex keeps, per layer, each feature's raw JSON and bounding box, for bbox requests.
type layerIndex struct {
	mu    sync.Mutex
	kinds map[string][]indexedFeature
	sc    *geo.Scenario
}

type indexedFeature struct {
	raw   json.RawMessage
	bound orb.Bound
}

var (
	layerIndexesMu sync.Mutex
	layerIndexes   = map[*geo.Scenario]*layerIndex{}
)

// layerIndexOf is the index of a scenario, built the first time it is asked for.
func layerIndexOf(sc *geo.Scenario) *layerIndex {
	layerIndexesMu.Lock()
	defer layerIndexesMu.Unlock()
	ix := layerIndexes[sc]
	if ix == nil {
		ix = &layerIndex{kinds: map[string][]indexedFeature{}, sc: sc}
		layerIndexes[sc] = ix
	}
	return ix
}

// within is a FeatureCollection of the layer's features whose bounds meet box.
func (ix *layerIndex) within(kind string, box orb.Bound) json.RawMessage {
	ix.mu.Lock()
	feats, ok := ix.kinds[kind]
	if !ok {
		var fc struct {
			Features []json.RawMessage `json:"features"`
		}
		_ = json.Unmarshal(ix.sc.FeatureCollection(kind), &fc)
		for _, raw := range fc.Features {
			if b, ok := featureBound(raw); ok {
				feats = append(feats, indexedFeature{raw: raw, bound: b})
			}
		}
		ix.kinds[kind] = feats
	}
	ix.mu.Unlock()
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	n := 0
	for _, f := range feats {
		if !f.bound.Intersects(box) {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.Write(f.raw)
		n++
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// featureBound is the bounding box of a GeoJSON feature's coordinates, of any geometry type.
func featureBound(raw json.RawMessage) (orb.Bound, bool) {
	var f struct {
		Geometry struct {
			Coordinates any `json:"coordinates"`
		} `json:"geometry"`
	}
	if json.Unmarshal(raw, &f) != nil {
		return orb.Bound{}, false
	}
	var pts orb.MultiPoint
	var walk func(v any)
	walk = func(v any) {
		c, ok := v.([]any)
		if !ok {
			return
		}
		if len(c) >= 2 {
			lon, ok1 := c[0].(float64)
			lat, ok2 := c[1].(float64)
			if ok1 && ok2 {
				pts = append(pts, orb.Point{lon, lat})
				return
			}
		}
		for _, x := range c {
			walk(x)
		}
	}
	walk(f.Geometry.Coordinates)
	if len(pts) == 0 {
		return orb.Bound{}, false
	}
	return pts.Bound(), true
}

// gzipCache holds the compressed bytes of whole layers, which never change while serving.
var gzipCache sync.Map // key → []byte

// writeCompressed writes body gzip-compressed when the client accepts gzip; key, if not empty,
// caches the compressed bytes.
func writeCompressed(w http.ResponseWriter, r *http.Request, body []byte, key string) {
	w.Header().Add("Vary", "Accept-Encoding")
	if !acceptsGzip(r) {
		_, _ = w.Write(body)
		return
	}
	var gz []byte
	if v, ok := gzipCache.Load(key); ok && key != "" {
		gz = v.([]byte)
	} else {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		gz = b.Bytes()
		if key != "" {
			gzipCache.Store(key, gz)
		}
	}
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Set("Content-Length", strconv.Itoa(len(gz)))
	_, _ = w.Write(gz)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

// surroundings is GET /api/responders/{rid}/surroundings: what one responder's phone needs
// for a task, and nothing more: the roads and shelters around the way from where they are to
// where they go, and the destination in GCJ-02 for Chinese navigation apps.
type surroundings struct {
	BBox     [4]float64      `json:"bbox"`
	To       [2]float64      `json:"to"`
	ToGCJ02  [2]float64      `json:"to_gcj02"`
	Roads    json.RawMessage `json:"roads"`
	Shelters json.RawMessage `json:"shelters"`
}

// surroundPadDeg pads the box around the way by about 1.5 km.
const surroundPadDeg = 0.014

// handleSurroundings answers GET /api/responders/{rid}/surroundings?from=lat,lon&to=lat,lon.
func (s *Server) handleSurroundings(w http.ResponseWriter, r *http.Request) {
	if !actsFor(principalOf(r), r.PathValue("rid")) {
		s.deny(w, r, errcode.Forbidden, "these surroundings belong to responder "+r.PathValue("rid"))
		return
	}
	q := r.URL.Query()
	to, err := parseLatLon("to", q.Get("to"), q.Get("crs"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	from := to
	if q.Get("from") != "" {
		if from, err = parseLatLon("from", q.Get("from"), q.Get("crs")); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	box := orb.MultiPoint{from, to}.Bound().Pad(surroundPadDeg)
	if box.Max[0]-box.Min[0] > 0.5 || box.Max[1]-box.Min[1] > 0.5 {
		s.writeError(w, r, invalid("from and to are more than 50 km apart: these are not one responder's surroundings", nil))
		return
	}
	sc := s.deps.Domain.Scenario()
	ix := layerIndexOf(sc)
	g := geo.WGS84ToGCJ02(to)
	ans := surroundings{BBox: [4]float64{box.Min[0], box.Min[1], box.Max[0], box.Max[1]}, To: [2]float64{to.Lat(), to.Lon()},
		ToGCJ02: [2]float64{g.Lat(), g.Lon()}, Roads: ix.within(geo.KindRoad, box), Shelters: ix.within(geo.KindShelter, box)}
	body, err := json.Marshal(ans)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "private, no-cache")
	writeCompressed(w, r, body, "")
}
