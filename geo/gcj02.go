package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// GCJ-02 is the obfuscated datum Chinese phone maps (AMap, Tencent, …) use.
// The forward transform is the widely published one on the Krasovsky 1940
// ellipsoid; the inverse is found by fixed-point iteration.
const (
	gcjA  = 6378245.0              // Krasovsky semi-major axis
	gcjEE = 0.00669342162296594323 // Krasovsky eccentricity squared
)

// outOfChina is the usual rough bounding box outside which GCJ-02 equals WGS-84.
func outOfChina(p orb.Point) bool {
	return p[0] < 72.004 || p[0] > 137.8347 || p[1] < 0.8293 || p[1] > 55.8271
}

func gcjDelta(lon, lat float64) (dLon, dLat float64) {
	x, y := lon-105.0, lat-35.0
	dLat = -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	dLat += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	dLat += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	dLat += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	dLon = 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	dLon += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	dLon += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	dLon += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - gcjEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((gcjA * (1 - gcjEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (gcjA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return dLon, dLat
}

// WGS84ToGCJ02 converts a WGS-84 point to GCJ-02. Points outside China are returned unchanged.
func WGS84ToGCJ02(p orb.Point) orb.Point {
	if outOfChina(p) || !finitePoint(p) {
		return p
	}
	dLon, dLat := gcjDelta(p[0], p[1])
	return orb.Point{p[0] + dLon, p[1] + dLat}
}

// GCJ02ToWGS84 converts a GCJ-02 point (what Chinese phone maps report) to
// WGS-84, iterating until the forward transform reproduces p to 1e-9 degrees
// (about 0.1 mm). Points outside China are returned unchanged.
func GCJ02ToWGS84(p orb.Point) orb.Point {
	if outOfChina(p) || !finitePoint(p) {
		return p
	}
	w := p
	for range 30 {
		g := WGS84ToGCJ02(w)
		dx, dy := p[0]-g[0], p[1]-g[1]
		w = orb.Point{w[0] + dx, w[1] + dy}
		if math.Abs(dx) < 1e-9 && math.Abs(dy) < 1e-9 {
			break
		}
	}
	return w
}
