package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/errcode"
	"github.com/floodcmd/floodcmd/geo"
)

// routeAnswer is GET /api/route: the travel over open roads, as GeoJSON for the map.
type routeAnswer struct {
	Meters  float64     `json:"meters"`
	Seconds float64     `json:"seconds"`
	Minutes float64     `json:"minutes"`
	Path    geojsonLine `json:"path"`
	Roads   []string    `json:"roads"`
	From    [2]float64  `json:"from"`
	To      [2]float64  `json:"to"`
	Closed  []string    `json:"closed_roads,omitempty"`
}

type geojsonLine struct {
	Type        string       `json:"type"`
	Coordinates [][2]float64 `json:"coordinates"`
}

// handleRoute answers GET /api/route?from=lat,lon&to=lat,lon[&crs=gcj02].
func (s *Server) handleRoute(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, err := parseLatLon("from", q.Get("from"), q.Get("crs"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	to, err := parseLatLon("to", q.Get("to"), q.Get("crs"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	g := s.deps.Domain.Graph()
	route, err := g.Route(from, to)
	switch {
	case errors.Is(err, geo.ErrUnreachable):
		s.writeError(w, r, refusal(errcode.Unreachable, err.Error()))
		return
	case errors.Is(err, geo.ErrTooFar):
		s.writeError(w, r, invalid(err.Error(), nil))
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	ans := routeAnswer{Meters: route.Meters, Seconds: route.Seconds, Minutes: route.Seconds / 60, Roads: route.Roads,
		From: [2]float64{from.Lat(), from.Lon()}, To: [2]float64{to.Lat(), to.Lon()},
		Path: geojsonLine{Type: "LineString", Coordinates: make([][2]float64, len(route.Path))}, Closed: g.Closed()}
	for i, p := range route.Path {
		ans.Path.Coordinates[i] = [2]float64{p.Lon(), p.Lat()}
	}
	writeJSON(w, http.StatusOK, ans)
}

// parseLatLon reads "lat,lon" (the order people say it) into a WGS-84 point.
func parseLatLon(name, v, crs string) (orb.Point, error) {
	parts := strings.Split(v, ",")
	if v == "" || len(parts) != 2 {
		return orb.Point{}, invalid(fmt.Sprintf("%s: give the place as lat,lon in decimal degrees, e.g. %s=22.08,112.90", name, name), nil)
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return orb.Point{}, invalid(fmt.Sprintf("%s=%q: latitude -90…90 then longitude -180…180, decimal degrees", name, v), nil)
	}
	p := orb.Point{lon, lat}
	switch strings.ToLower(crs) {
	case "", "wgs84":
	case "gcj02":
		p = geo.GCJ02ToWGS84(p)
	default:
		return orb.Point{}, invalid(fmt.Sprintf("crs=%q: wgs84 (default) or gcj02", crs), nil)
	}
	return p, nil
}
