// Package osm imports a town's roads, rivers, candidate shelters and
// villages from an OpenStreetMap extract (.osm.pbf or .osm XML) into the
// GeoJSON files of a scenario folder, in the property schema geo.LoadScenario
// reads. It reads the file in three passes (boundary relations, then ways,
// then only the nodes the kept ways use), so memory follows what is kept, not
// the size of the extract. The tag tables (road classes and speeds, oneway,
// maxspeed, shelter kinds) are documented in docs/NEW_TOWN.md.
package osm
