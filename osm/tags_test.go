package osm

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestParseMaxspeed(t *testing.T) {
	for _, tc := range []struct {
		in   string
		kmh  float64
		want bool
	}{
		{"50", 50, true}, {" 80 ", 80, true}, {"30 mph", 48.28032, true}, {"30mph", 48.28032, true},
		{"10 knots", 18.52, true}, {"60 km/h", 60, true}, {"CN:urban", 50, true}, {"DE:rural", 80, true},
		{"RU:living_street", 10, true}, {"DE:zone:30", 30, true}, {"walk", 5, true}, {"50;30", 50, true},
		{"none", 0, false}, {"signals", 0, false}, {"CN:nowhere", 0, false}, {"fast", 0, false},
		{"0", 0, false}, {"-30", 0, false}, {"NaN", 0, false}, {"1e400", 0, false}, {"301", 0, false},
	} {
		kmh, ok := ParseMaxspeed(tc.in)
		if ok != tc.want || math.Abs(kmh-tc.kmh) > 1e-9 {
			t.Errorf("ParseMaxspeed(%q) = %v, %v; want %v, %v", tc.in, kmh, ok, tc.kmh, tc.want)
		}
	}
}

func TestParseOneway(t *testing.T) {
	for _, tc := range []struct {
		oneway, junction string
		implied          bool
		want             Direction
	}{
		{"yes", "", false, Forward}, {"1", "", false, Forward}, {"-1", "", false, Backward}, {"reverse", "", false, Backward},
		{"", "", false, BothWays}, {"no", "", true, BothWays}, {"", "", true, Forward}, {"", "roundabout", false, Forward},
		{"no", "roundabout", false, BothWays}, {"-1", "roundabout", false, Backward}, {"reversible", "", false, BothWays},
		{"alternating", "", true, BothWays}, {"", "circular", false, Forward},
	} {
		if got := ParseOneway(tc.oneway, tc.junction, tc.implied); got != tc.want {
			t.Errorf("ParseOneway(%q, %q, %v) = %d, want %d", tc.oneway, tc.junction, tc.implied, got, tc.want)
		}
	}
}

// sections never lose a metre, always have two points and come out near the target.
func TestSections(t *testing.T) {
	for _, n := range []int{2, 3, 11, 101, 1001} {
		line := make(orb.LineString, n)
		for i := range line {
			line[i] = orb.Point{113 + 0.03*float64(i)/float64(n-1), 22 + 0.001*math.Sin(float64(i))}
		}
		secs := sections(line, 1000)
		var sum float64
		for i, s := range secs {
			if len(s) < 2 {
				t.Fatalf("n=%d: section %d has %d points", n, i, len(s))
			}
			if i > 0 && s[0] != secs[i-1][len(secs[i-1])-1] {
				t.Fatalf("n=%d: section %d does not start where %d ends", n, i, i-1)
			}
			sum += lineMeters(s)
		}
		if total := lineMeters(line); math.Abs(sum-total) > 1e-6*total {
			t.Errorf("n=%d: sections add up to %v m, the line is %v m", n, sum, total)
		}
		if want := math.Max(1, math.Round(lineMeters(line)/1000)); n >= 11 && math.Abs(float64(len(secs))-want) > 1 {
			t.Errorf("n=%d: %d sections of a %.0f m line, want about 1 km each", n, len(secs), lineMeters(line))
		}
	}
}
