package evac

import (
	"fmt"
	"math"

	"github.com/floodcmd/floodcmd/geo"
)

// Travel means of a household, from the registry's means column (or the
// grid's default). Households with vulnerable members are escorted whatever
// the column says: a team takes them in an escort run (see escort.go).
const (
	MeansFoot   = "foot"   // walks to the shelter
	MeansCar    = "car"    // drives (car, motorbike, a neighbour's van)
	MeansEscort = "escort" // cannot leave without help: taken by an escort team
)

// validMeans reports whether m is a means the registry may name ("" = the grid's default).
func validMeans(m string) bool {
	return m == "" || m == MeansFoot || m == MeansCar || m == MeansEscort
}

// means is how a household travels: escorted when it needs help, else the
// registry's column, else its grid's default, else the town's.
func (e *Evacuation) means(h *household) string {
	switch {
	case h.needsEscort():
		return MeansEscort
	case h.Means != "":
		return h.Means
	}
	if m, ok := e.cfg.MeansByGrid[h.Grid]; ok {
		return m
	}
	return e.cfg.DefaultMeans
}

// needsEscort: vulnerable members, or the registry says so.
func (h *household) needsEscort() bool { return h.Vulnerable() > 0 || h.Means == MeansEscort }

// trips converts a household's travel times by road (car speeds, closures and
// depths included; +Inf when cut off) into travel times by its means. On foot
// the trip takes the longer of the road time and the straight distance ×
// Detour at WalkKmh: a walker is slower than a car but no faster than the
// water lets a car go. Escorted households ride with the team.
func (e *Evacuation) trips(h *household, byRoad []float64) []float64 {
	out := make([]float64, len(byRoad))
	walk := e.means(h) == MeansFoot
	for i, t := range byRoad {
		out[i] = t
		if walk && !math.IsInf(t, 1) {
			out[i] = math.Max(t, geo.DistanceMeters(h.At, e.shelters[i].Point)*e.cfg.Detour/(e.cfg.WalkKmh/3.6))
		}
	}
	return out
}

func (c Config) checkMeans() error {
	if c.DefaultMeans == MeansEscort || !validMeans(c.DefaultMeans) {
		return fmt.Errorf("%w: default means %q, want %s or %s", ErrInvalid, c.DefaultMeans, MeansFoot, MeansCar)
	}
	for g, m := range c.MeansByGrid {
		if m == "" || !validMeans(m) {
			return fmt.Errorf("%w: means %q of grid %s, want %s, %s or %s", ErrInvalid, m, g, MeansFoot, MeansCar, MeansEscort)
		}
	}
	return nil
}
