package geo

import (
	"encoding/json"

	"github.com/paulmach/orb"
)

// Feature kinds a scenario folder may contain (properties.kind).
const (
	KindTown    = "town"
	KindVillage = "village"
	KindGrid    = "grid"
	KindShelter = "shelter"
	KindGauge   = "gauge"
	KindRoad    = "road"
	KindRiver   = "river"
	KindHazard  = "hazard"
	// KindNeighbour is not a properties.kind: it names the collection of
	// kind "town" features found in neighbours.geojson.
	KindNeighbour = "neighbour"
)

// Scenario is everything geo knows about one town. It marshals to JSON so the
// board can receive it whole; FeatureCollection gives the raw GeoJSON per kind.
type Scenario struct {
	Town       Town      `json:"town"`
	Villages   []Village `json:"villages"`
	Grids      []Grid    `json:"grids"`
	Shelters   []Shelter `json:"shelters"`
	Gauges     []Gauge   `json:"gauges"`
	Roads      []Road    `json:"roads"`
	Rivers     []River   `json:"rivers"`
	Hazards    []Hazard  `json:"hazards"`
	Neighbours []Town    `json:"neighbours"`

	// Warnings are things to fill in that do not stop the scenario from
	// running (e.g. candidate shelters with unknown capacity); check prints them.
	Warnings []Problem `json:"-"`

	raw map[string][]json.RawMessage
}

// Town is a town's boundary (the scenario's own town or a neighbour).
type Town struct {
	ID           string           `json:"id"`
	Name         string           `json:"name"`
	NameEn       string           `json:"name_en"`
	Code         string           `json:"code,omitempty"`
	Population   int              `json:"population,omitempty"`
	Center       orb.Point        `json:"center"`
	Area         orb.MultiPolygon `json:"area"`
	Illustrative bool             `json:"illustrative,omitempty"`
}

// Village is a level-1 grid (a village or community).
type Village struct {
	ID           string           `json:"id"`
	Name         string           `json:"name"`
	NameEn       string           `json:"name_en"`
	Population   int              `json:"population"`
	Households   int              `json:"households"`
	Center       orb.Point        `json:"center"` // a point inside the area
	Area         orb.MultiPolygon `json:"area"`
	Illustrative bool             `json:"illustrative,omitempty"`
}

// Grid is a level-2 grid inside a village.
type Grid struct {
	ID            string           `json:"id"`
	Name          string           `json:"name"`
	NameEn        string           `json:"name_en"`
	Village       string           `json:"village"`
	Population    int              `json:"population"`
	Households    int              `json:"households"`
	LowLyingShare float64          `json:"low_lying_share"`
	Center        orb.Point        `json:"center"` // a point inside the area
	Area          orb.MultiPolygon `json:"area"`
	Illustrative  bool             `json:"illustrative,omitempty"`
}

// Shelter is a place evacuees can be moved to.
type Shelter struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	NameEn        string    `json:"name_en"`
	Kind          string    `json:"shelter_kind"`
	Village       string    `json:"village,omitempty"`
	CapacityDay   int       `json:"capacity_day"`
	CapacityNight int       `json:"capacity_night"`
	Point         orb.Point `json:"point"`
	Illustrative  bool      `json:"illustrative,omitempty"`

	// Verify marks a candidate (imported from OpenStreetMap) whose suitability
	// and capacity nobody has checked yet.
	Verify bool `json:"verify,omitempty"`
}

// Gauge kinds.
const (
	GaugeRain      = "rain"
	GaugeReservoir = "reservoir"
	GaugeRiver     = "river"
)

// Gauge is a rain or water-level gauge. WarningM and DangerM are set for level
// gauges (reservoir, river) and zero for rain gauges.
type Gauge struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	NameEn       string    `json:"name_en"`
	Kind         string    `json:"gauge_kind"`
	Village      string    `json:"village,omitempty"`
	WarningM     float64   `json:"warning_m,omitempty"`
	DangerM      float64   `json:"danger_m,omitempty"`
	Point        orb.Point `json:"point"`
	Illustrative bool      `json:"illustrative,omitempty"`
}

// Road classes, fastest first.
var RoadClasses = []string{"trunk", "primary", "secondary", "tertiary", "track"}

// Road is one road section; closures and depths apply to a whole section.
type Road struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	NameEn       string         `json:"name_en"`
	Class        string         `json:"class"`
	SpeedKmh     float64        `json:"speed_kmh"`
	Oneway       bool           `json:"oneway,omitempty"`
	LowLying     bool           `json:"low_lying,omitempty"`
	ElevationM   *float64       `json:"elevation_m,omitempty"`
	Line         orb.LineString `json:"line"`
	Illustrative bool           `json:"illustrative,omitempty"`
}

// River is a river or drainage channel.
type River struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	NameEn       string         `json:"name_en"`
	Kind         string         `json:"river_kind"`
	Village      string         `json:"village,omitempty"`
	Line         orb.LineString `json:"line"`
	Illustrative bool           `json:"illustrative,omitempty"`
}

// Hazard kinds.
var HazardKinds = []string{"dangerous_house", "low_lying_road", "reservoir", "dike"}

// Hazard is a place to watch: Geometry is an orb.Point, orb.LineString or orb.Polygon.
type Hazard struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	NameEn       string       `json:"name_en"`
	Kind         string       `json:"hazard_kind"`
	Village      string       `json:"village,omitempty"`
	Geometry     orb.Geometry `json:"-"`
	Illustrative bool         `json:"illustrative,omitempty"`
}

// MarshalJSON writes the geometry as a GeoJSON geometry object.
func (h Hazard) MarshalJSON() ([]byte, error) {
	type plain Hazard
	var g any
	if h.Geometry != nil {
		g = struct {
			Type        string       `json:"type"`
			Coordinates orb.Geometry `json:"coordinates"`
		}{h.Geometry.GeoJSONType(), h.Geometry}
	}
	return json.Marshal(struct {
		plain
		Geometry any `json:"geometry"`
	}{plain(h), g})
}

// FeatureCollection returns the scenario's features of one kind (KindVillage,
// KindRoad, …, or KindNeighbour) as a GeoJSON FeatureCollection, exactly as they
// were loaded, so the board can draw them. Unknown kinds give an empty collection.
func (s *Scenario) FeatureCollection(kind string) json.RawMessage {
	feats := s.raw[kind]
	if feats == nil {
		feats = []json.RawMessage{}
	}
	b, err := json.Marshal(struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}{"FeatureCollection", feats})
	if err != nil { // cannot happen: the features were valid JSON when loaded
		return json.RawMessage(`{"type":"FeatureCollection","features":[]}`)
	}
	return b
}

// Village returns the village with the given id.
func (s *Scenario) Village(id string) (Village, bool) {
	return byID(s.Villages, id, func(v Village) string { return v.ID })
}

// Grid returns the level-2 grid with the given id.
func (s *Scenario) Grid(id string) (Grid, bool) {
	return byID(s.Grids, id, func(g Grid) string { return g.ID })
}

// Shelter returns the shelter with the given id.
func (s *Scenario) Shelter(id string) (Shelter, bool) {
	return byID(s.Shelters, id, func(sh Shelter) string { return sh.ID })
}

// Gauge returns the gauge with the given id.
func (s *Scenario) Gauge(id string) (Gauge, bool) {
	return byID(s.Gauges, id, func(g Gauge) string { return g.ID })
}

// byID finds the feature with the given id; scenarios are small, a scan will do.
func byID[T any](xs []T, id string, idOf func(T) string) (T, bool) {
	for _, x := range xs {
		if idOf(x) == id {
			return x, true
		}
	}
	var zero T
	return zero, false
}
