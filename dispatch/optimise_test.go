package dispatch

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

// randomProblem makes a sparse instance with priorities, tier penalties and missing arcs.
func randomProblem(rng *rand.Rand, rows, cols int) *assignProblem {
	p := &assignProblem{ncols: cols}
	for i := 0; i < rows; i++ {
		prio := 1 + rng.Intn(NumPriorities)
		w := []float64{8, 4, 2, 1}[prio-1]
		var arcs []arc
		for j := 0; j < cols; j++ {
			if rng.Float64() < 0.3 {
				continue // no arc: ineligible or unreachable
			}
			c := cost{t: w * float64(1+rng.Intn(2000))}
			if rng.Float64() < 0.3 {
				c.tier = 1
			}
			arcs = append(arcs, arc{col: int32(j), c: c})
		}
		p.rows = append(p.rows, arcs)
		p.skip = append(p.skip, unfilledCost(prio))
	}
	return p
}

// bruteForce enumerates every assignment of rows to distinct columns or to "unfilled".
func bruteForce(p *assignProblem) cost {
	used := make([]bool, p.ncols)
	best := cost{t: math.Inf(1)}
	best.unfilled[0] = math.MaxInt32
	var rec func(i int, acc cost)
	rec = func(i int, acc cost) {
		if i == len(p.rows) {
			if acc.less(best) {
				best = acc
			}
			return
		}
		rec(i+1, acc.add(p.skip[i]))
		for _, a := range p.rows[i] {
			if !used[a.col] {
				used[a.col] = true
				rec(i+1, acc.add(a.c))
				used[a.col] = false
			}
		}
	}
	rec(0, cost{})
	return best
}

func requireSameCost(t testing.TB, want, got cost, msg string) {
	t.Helper()
	require.Equal(t, want.unfilled, got.unfilled, msg)
	require.Equal(t, want.tier, got.tier, msg)
	require.InDelta(t, want.t, got.t, 1e-6*math.Max(1, want.t), msg)
}

func TestSolveAssignmentMatchesBruteForce(t *testing.T) {
	for seed := int64(1); seed <= 400; seed++ {
		rng := rand.New(rand.NewSource(seed))
		p := randomProblem(rng, 1+rng.Intn(8), 1+rng.Intn(8))
		match, got := solveAssignment(p)
		want := bruteForce(p)
		requireSameCost(t, want, got, fmt.Sprintf("seed %d", seed))
		seen := map[int32]bool{}
		for i, j := range match {
			if j < 0 {
				continue
			}
			require.False(t, seen[j], "seed %d: column %d used twice", seed, j)
			seen[j] = true
			found := false
			for _, a := range p.rows[i] {
				found = found || a.col == j
			}
			require.True(t, found, "seed %d: row %d matched to a non-candidate", seed, i)
		}
	}
}

func TestSolveAssignmentLexicographic(t *testing.T) {
	// One responder, two slots: the priority-1 slot must win even though it is
	// far and the priority-4 slot is next door.
	p := &assignProblem{ncols: 1,
		rows: [][]arc{{{col: 0, c: cost{t: 4 * 100000}}}, {{col: 0, c: cost{t: 1}}}},
		skip: []cost{unfilledCost(4), unfilledCost(1)}}
	p.rows[0], p.rows[1] = []arc{{col: 0, c: cost{t: 1}}}, []arc{{col: 0, c: cost{t: 8 * 100000}}}
	match, _ := solveAssignment(p)
	require.Equal(t, []int32{-1, 0}, match)
}
