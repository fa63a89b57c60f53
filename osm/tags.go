package osm

import (
	"math"
	"strconv"
	"strings"
)

// roadClass is how one OSM highway=* value becomes a floodcmd road.
type roadClass struct {
	class    string  // geo.RoadClasses: trunk, primary, secondary, tertiary, track
	speedKmh float64 // used when the way has no usable maxspeed
	zh, en   string  // words for an unnamed road of this class
	path     bool    // footpaths: imported only with Options.Paths
	oneway   bool    // implied oneway=yes (OSM convention for motorways)
}

// roadClasses is the documented per-class table (see docs/NEW_TOWN.md): the
// speeds are typical free-flow speeds of a rescue vehicle on a rural Chinese
// road of that class, lower than the legal limits on purpose.
var roadClasses = map[string]roadClass{
	"motorway":       {"trunk", 100, "高速公路", "motorway", false, true},
	"motorway_link":  {"trunk", 60, "高速匝道", "motorway link", false, true},
	"trunk":          {"trunk", 80, "干线公路", "trunk road", false, false},
	"trunk_link":     {"trunk", 50, "干线匝道", "trunk link", false, false},
	"primary":        {"primary", 60, "主要道路", "primary road", false, false},
	"primary_link":   {"primary", 40, "主要道路连接线", "primary link", false, false},
	"secondary":      {"secondary", 50, "次要道路", "secondary road", false, false},
	"secondary_link": {"secondary", 40, "次要道路连接线", "secondary link", false, false},
	"tertiary":       {"tertiary", 40, "三级道路", "tertiary road", false, false},
	"tertiary_link":  {"tertiary", 30, "三级道路连接线", "tertiary link", false, false},
	"unclassified":   {"tertiary", 30, "乡村道路", "minor road", false, false},
	"residential":    {"tertiary", 25, "居民区道路", "residential street", false, false},
	"living_street":  {"tertiary", 10, "生活街道", "living street", false, false},
	"road":           {"tertiary", 30, "道路", "road", false, false},
	"service":        {"track", 15, "辅路", "service road", false, false},
	"track":          {"track", 15, "机耕路", "track", false, false},
	"pedestrian":     {"track", 5, "步行街", "pedestrian street", true, false},
	"path":           {"track", 5, "小路", "path", true, false},
	"footway":        {"track", 5, "人行道", "footway", true, false},
	"cycleway":       {"track", 5, "自行车道", "cycleway", true, false},
	"bridleway":      {"track", 5, "马道", "bridleway", true, false},
	"steps":          {"track", 2, "台阶", "steps", true, false},
}

// implicitMaxspeed gives the km/h of the common "CC:zone" maxspeed values;
// other zones fall back to the class table.
var implicitMaxspeed = map[string]float64{
	"urban": 50, "rural": 80, "motorway": 110, "trunk": 90, "living_street": 10,
	"school": 30, "zone30": 30, "zone20": 20, "zone:30": 30, "zone:20": 20,
	"walk": 5, "bicycle_road": 30, "nsl_single": 96, "nsl_dual": 112,
}

// ParseMaxspeed reads an OSM maxspeed value in km/h: "50", "30 mph",
// "10 knots", "CN:urban", "walk", "50;30" (the first), "none" (no usable
// limit). ok is false when the value gives no usable speed; the caller then
// uses the class table. The result is always finite and in (0, 300].
func ParseMaxspeed(v string) (kmh float64, ok bool) {
	v = strings.TrimSpace(strings.ToLower(v))
	if i := strings.IndexAny(v, ";|"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	if v == "" || v == "none" || v == "signals" || v == "variable" || v == "unposted" {
		return 0, false
	}
	if v == "walk" {
		return 5, true
	}
	if i := strings.IndexByte(v, ':'); i >= 0 {
		s, found := implicitMaxspeed[v[i+1:]]
		return s, found
	}
	unit := 1.0
	for _, u := range []struct {
		suffix string
		factor float64
	}{{"km/h", 1}, {"kmh", 1}, {"kph", 1}, {"mph", 1.609344}, {"knots", 1.852}, {"kn", 1.852}} {
		if strings.HasSuffix(v, u.suffix) {
			v, unit = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.factor
			break
		}
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || n <= 0 {
		return 0, false
	}
	kmh = n * unit
	if kmh > 300 {
		return 0, false
	}
	return kmh, true
}

// Direction is how a way may be driven.
type Direction int

// The directions ParseOneway returns.
const (
	BothWays Direction = iota // two-way
	Forward                   // only in the way's digitised direction
	Backward                  // only against it (oneway=-1)
)

// ParseOneway reads oneway=* together with junction=* and the class's
// implied direction: "yes"/"true"/"1" forward, "-1"/"reverse" backward,
// "no"/"false"/"0" both, roundabouts and circular junctions forward unless
// oneway says otherwise. "reversible" and "alternating" roads change
// direction during the day; they are kept two-way so a route is never refused
// on them, and the board can close one.
func ParseOneway(oneway, junction string, implied bool) Direction {
	switch strings.TrimSpace(strings.ToLower(oneway)) {
	case "yes", "true", "1":
		return Forward
	case "-1", "reverse":
		return Backward
	case "no", "false", "0", "reversible", "alternating":
		return BothWays
	}
	switch strings.TrimSpace(strings.ToLower(junction)) {
	case "roundabout", "circular":
		return Forward
	}
	if implied {
		return Forward
	}
	return BothWays
}

// isBridge reads bridge=*: anything but "no" marks a bridge (yes, viaduct,
// aqueduct, boardwalk, …).
func isBridge(v string) bool {
	v = strings.TrimSpace(strings.ToLower(v))
	return v != "" && v != "no" && v != "false" && v != "0"
}

// excludedHighway reports highway ways that are not roads a vehicle can use
// today (planned, being built, disused) or are areas rather than lines.
func excludedHighway(tags map[string]string) string {
	for _, k := range []string{"construction", "proposed", "abandoned", "disused", "razed"} {
		if tags["highway"] == k {
			return "highway=" + k
		}
	}
	if tags["area"] == "yes" {
		return "area=yes"
	}
	return ""
}

// riverKinds maps waterway=* to geo's river_kind.
var riverKinds = map[string]string{
	"river": "river", "stream": "river", "canal": "channel", "drain": "channel", "ditch": "channel",
}

// waterwayWords names unnamed waterways.
var waterwayWords = map[string][2]string{
	"river": {"无名河流", "unnamed river"}, "stream": {"无名溪流", "unnamed stream"},
	"canal": {"无名渠道", "unnamed canal"}, "drain": {"无名排水渠", "unnamed drain"},
	"ditch": {"无名水沟", "unnamed ditch"},
}

// shelterKind says whether a feature is a candidate shelter and of which
// shelter_kind: buildings a town commonly opens to evacuees.
func shelterKind(tag func(string) string) (kind, zh, en string) {
	switch tag("amenity") {
	case "school", "college", "university", "kindergarten":
		return "school", "学校", "school"
	case "community_centre", "social_centre":
		return "community_centre", "社区中心", "community centre"
	case "townhall":
		return "town_hall", "政府/村委会", "town hall"
	}
	if tag("emergency") == "assembly_point" {
		return "assembly_point", "应急避难场所", "assembly point"
	}
	if l := tag("leisure"); l == "sports_centre" || l == "sports_hall" {
		return "sports_centre", "体育馆", "sports centre"
	}
	return "", "", ""
}

// placeKinds are the place=* values that seed villages when no
// administrative boundaries are mapped.
var placeKinds = map[string]bool{
	"town": true, "village": true, "hamlet": true, "suburb": true, "quarter": true,
	"neighbourhood": true, "isolated_dwelling": true,
}

// names picks the Chinese-first name and the English name of a feature,
// falling back to the given words (with the OSM id, so two unnamed features
// stay apart on the board).
func names(tags map[string]string, zh, en string) (name, nameEn string) {
	name = firstOf(tags, "name:zh", "name:zh-Hans", "name")
	nameEn = firstOf(tags, "name:en", "int_name")
	local, ref := firstOf(tags, "name"), firstOf(tags, "ref")
	if name == "" && ref != "" {
		name = ref
	}
	if name == "" {
		name = zh
	}
	if nameEn == "" {
		switch {
		case local != "" && isLatin(local):
			nameEn = local
		case ref != "":
			nameEn = ref
		case local != "":
			nameEn = local // a Chinese name is better than none
		default:
			nameEn = en
		}
	}
	return name, nameEn
}

func firstOf(tags map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(tags[k]); v != "" {
			return v
		}
	}
	return ""
}

func isLatin(s string) bool {
	for _, r := range s {
		if r > 0x024F {
			return false
		}
	}
	return true
}
