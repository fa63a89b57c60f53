package geo

import "sort"

// Closures lists the roads closed by an operator (CloseRoad, CloseAt), sorted,
// without those impassable by depth alone (see Closed): with the depths it is
// all the state a fold snapshot keeps of the graph, which is otherwise
// rebuilt from the scenario.
func (g *Graph) Closures() []string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	var ids []string
	for ri, r := range g.roads {
		if g.closed[ri] {
			ids = append(ids, r.id)
		}
	}
	sort.Strings(ids)
	return ids
}
