// Package geo holds a town's geography and the algorithms on it: loading and
// validating a scenario folder of GeoJSON files, point → grid location, a road
// graph with closures and depth-scaled speeds, travel-time searches and the
// WGS-84 ⇄ GCJ-02 transform.
//
// The package is pure: it imports only the standard library and orb, so it is
// fast to test and to benchmark. Coordinates are WGS-84 (lon, lat) everywhere.
package geo
