package osm

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Report is what an import kept, dropped and why, and what the town must
// still fill in by hand.
type Report struct {
	RoadWays, RoadSections int
	RoadKm                 float64
	RoadsByClass           map[string]int // sections by geo road class
	BridgeSections         int
	RoadsCut, RoadsOutside int // highway ways cut at the outline / wholly outside it
	RoadsMissingNodes      int // highway ways the extract has only part of
	RoadsZeroLength        int
	// Pieces of road not connected to the main network (by shared OSM nodes):
	// dropped, as floodcmd check refuses a network in pieces.
	DisconnectedPieces, DisconnectedNetworks int
	DisconnectedKm                           float64
	Excluded                                 map[string]int // highway ways not imported, by reason

	Rivers, RiversCut, RiversOutside, RiversMissingNodes int

	Shelters       int
	SheltersByKind map[string]int

	Villages, Grids int
	VillagesFrom    string
	AdminDropped    map[string]int // boundary relations not used, by reason

	Missing []string // what the town must still provide
}

func (r *Report) countCut(cut, outside, missing *int, isCut, isOutside, isMissing bool) {
	if isCut {
		*cut++
	}
	if isOutside {
		*outside++
	}
	if isMissing {
		*missing++
	}
}

func (r *Report) missing() {
	r.Missing = nil
	if r.Shelters > 0 {
		r.Missing = append(r.Missing, fmt.Sprintf("capacities of %d candidate shelters (verify: true in shelters.geojson): inspect each, set capacity_day and capacity_night, remove verify", r.Shelters))
	} else {
		r.Missing = append(r.Missing, "shelters: none mapped in OSM; add them to shelters.geojson")
	}
	r.Missing = append(r.Missing,
		"gauges: OSM has no rain or water-level gauges; add gauges.geojson with warning_m and danger_m",
		"roster: a new roster.csv has only its header; floodcmd import roster --xlsx FILE writes it from the town's spreadsheet",
		"households: floodcmd import households --xlsx FILE writes households.csv from the registry",
		"population and households of each village and grid (OSM rarely has them; they are 0)")
	if strings.Contains(r.VillagesFrom, "illustrative") {
		r.Missing = append(r.Missing, "village boundaries: the ones imported are illustrative; replace with the town's own")
	}
}

// Print writes the report for an operator.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "roads: %d sections from %d OSM ways, %.1f km (%s); %d on bridges\n",
		r.RoadSections, r.RoadWays, r.RoadKm, counts(r.RoadsByClass), r.BridgeSections)
	fmt.Fprintf(w, "  cut at the boundary: %d ways; wholly outside: %d; missing nodes in the extract: %d; zero length: %d\n",
		r.RoadsCut, r.RoadsOutside, r.RoadsMissingNodes, r.RoadsZeroLength)
	fmt.Fprintf(w, "  dropped, not connected to the main network: %d pieces in %d separate networks, %.1f km\n",
		r.DisconnectedPieces, r.DisconnectedNetworks, r.DisconnectedKm)
	if len(r.Excluded) > 0 {
		fmt.Fprintf(w, "  not imported: %s\n", counts(r.Excluded))
	}
	fmt.Fprintf(w, "rivers and channels: %d (ways cut at the boundary: %d, wholly outside: %d)\n", r.Rivers, r.RiversCut, r.RiversOutside)
	fmt.Fprintf(w, "candidate shelters: %d (%s), all verify: true, capacity unknown\n", r.Shelters, counts(r.SheltersByKind))
	fmt.Fprintf(w, "villages: %d, grids: %d, from %s\n", r.Villages, r.Grids, r.VillagesFrom)
	if len(r.AdminDropped) > 0 {
		fmt.Fprintf(w, "  boundaries not used: %s\n", counts(r.AdminDropped))
	}
	fmt.Fprintln(w, "still missing:")
	for _, m := range r.Missing {
		fmt.Fprintf(w, "  - %s\n", m)
	}
}

func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || (m[keys[i]] == m[keys[j]] && keys[i] < keys[j]) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
