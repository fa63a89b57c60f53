package cap

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// FormatPolygon writes a ring (orb: lon, lat) as a CAP polygon "lat,lon …",
// closing it when its last point is not its first.
func FormatPolygon(r orb.Ring) string {
	if len(r) > 0 && r[0] != r[len(r)-1] {
		r = append(r[:len(r):len(r)], r[0])
	}
	parts := make([]string, len(r))
	for i, p := range r {
		parts[i] = coord(p)
	}
	return strings.Join(parts, " ")
}

// coord writes lat,lon rounded to 1e-6° (about 0.1 m), so that float noise
// such as 112.91000000000001 never reaches a receiver.
func coord(p orb.Point) string {
	return deg(p.Lat()) + "," + deg(p.Lon())
}

func deg(v float64) string { return strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64) }

// ParsePolygon reads a CAP polygon into a ring (lon, lat), insisting on at
// least four points and on the last being the first.
func ParsePolygon(s string) (orb.Ring, error) {
	fields := strings.Fields(s)
	if len(fields) < 4 {
		return nil, fmt.Errorf("polygon has %d points; at least 4 (closed) are required", len(fields))
	}
	r := make(orb.Ring, len(fields))
	for i, f := range fields {
		p, err := parsePoint(f)
		if err != nil {
			return nil, fmt.Errorf("polygon point %d: %w", i+1, err)
		}
		r[i] = p
	}
	if r[0] != r[len(r)-1] {
		return nil, fmt.Errorf("polygon is not closed: first point %s, last %s", fields[0], fields[len(fields)-1])
	}
	return r, nil
}

// Circle is a CAP circle: a centre (lon, lat) and a radius in kilometres.
type Circle struct {
	Center   orb.Point
	RadiusKm float64
}

// FormatCircle writes "lat,lon radius_km".
func FormatCircle(c Circle) string {
	return coord(c.Center) + " " + strconv.FormatFloat(c.RadiusKm, 'f', -1, 64)
}

// ParseCircle reads "lat,lon radius_km".
func ParseCircle(s string) (Circle, error) {
	fields := strings.Fields(s)
	if len(fields) != 2 {
		return Circle{}, fmt.Errorf("circle %q is not \"lat,lon radius_km\"", abbreviate(s))
	}
	p, err := parsePoint(fields[0])
	if err != nil {
		return Circle{}, fmt.Errorf("circle centre: %w", err)
	}
	r, err := strconv.ParseFloat(fields[1], 64)
	if err != nil || math.IsNaN(r) || math.IsInf(r, 0) || r < 0 {
		return Circle{}, fmt.Errorf("circle radius %q is not a number of km ≥ 0", abbreviate(fields[1]))
	}
	return Circle{Center: p, RadiusKm: r}, nil
}

func parsePoint(s string) (orb.Point, error) {
	latS, lonS, ok := strings.Cut(s, ",")
	if !ok {
		return orb.Point{}, fmt.Errorf("%q is not lat,lon", abbreviate(s))
	}
	lat, err1 := strconv.ParseFloat(latS, 64)
	lon, err2 := strconv.ParseFloat(lonS, 64)
	if err1 != nil || err2 != nil || !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180) {
		return orb.Point{}, fmt.Errorf("%q is not lat,lon in WGS-84 degrees", abbreviate(s))
	}
	return orb.Point{lon, lat}, nil
}

func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
