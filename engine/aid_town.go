package engine

import (
	"fmt"
	"io/fs"

	"github.com/floodcmd/floodcmd/geo"
)

// AddNeighbourRoads loads the roads of the town's aid neighbours that open can
// find (built-in scenarios) into t.NeighbourRoads, before NewDomain builds the
// graph: a responder lent across the boundary is routed from their own town
// over the road that joins the two (e.g. 台赤公路 from Duhu into Chixi). A
// neighbour open cannot find is skipped: guests from it are routed from where
// they join the town's own roads.
func AddNeighbourRoads(t *Town, open func(name string) (fs.FS, error)) ([]string, error) {
	var loaded []string
	for _, n := range t.Aid.Neighbours {
		if n == t.Scenario.Town.ID {
			continue
		}
		fsys, err := open(n)
		if err != nil {
			continue
		}
		sc, err := geo.LoadScenario(fsys)
		if err != nil {
			return loaded, fmt.Errorf("neighbour %s: %w", n, err)
		}
		if sc.Town.ID != n {
			continue
		}
		t.NeighbourRoads = append(t.NeighbourRoads, sc.Roads...)
		loaded = append(loaded, n)
	}
	return loaded, nil
}
