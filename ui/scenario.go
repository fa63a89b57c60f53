package ui

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/floodcmd/floodcmd/geo"
)

// scenarioLayers are the map layers the board draws, in drawing order.
var scenarioLayers = []string{geo.KindNeighbour, geo.KindTown, geo.KindVillage, geo.KindGrid, geo.KindRiver,
	geo.KindRoad, geo.KindHazard, geo.KindShelter, geo.KindGauge}

// handleScenario lists the town and its layers: the board draws the map from them.
func (s *Server) handleScenario(w http.ResponseWriter, r *http.Request) {
	sc := s.deps.Domain.Scenario()
	writeJSON(w, http.StatusOK, map[string]any{"town": sc.Town.ID, "name": sc.Town.Name, "name_en": sc.Town.NameEn,
		"center": sc.Town.Center, "layers": scenarioLayers})
}

// handleScenarioLayer serves one layer as a GeoJSON FeatureCollection.
func (s *Server) handleScenarioLayer(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if !slices.Contains(scenarioLayers, kind) {
		writeJSON(w, http.StatusNotFound, &apiError{Kind: "not found", Message: fmt.Sprintf("no map layer %q; layers: %v", kind, scenarioLayers)})
		return
	}
	raw := s.deps.Domain.Scenario().FeatureCollection(kind)
	if p := principalOf(r); p.Role != RoleOperator && p.Role != RoleResponder {
		raw = newFilter(p).redactRaw(raw) // household counts are not for viewers or other towns
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "private, max-age=300")
	_, _ = w.Write(raw)
}
