package dispatch

import (
	"fmt"
	"math/rand"
	"testing"
)

// denseHungarian is the textbook O(n²m) Hungarian method on a full matrix
// (rows = slots, columns = responders + one dummy per row), with the same
// lexicographic costs: the reference optimum for tests and benchmarks.
func denseHungarian(p *assignProblem) cost {
	n, m := len(p.rows), p.ncols+len(p.rows)
	var inf cost
	inf.unfilled[0] = 1 << 28 // no arc: worse than leaving every slot empty
	a := make([][]cost, n+1)
	for i := 1; i <= n; i++ {
		a[i] = make([]cost, m+1)
		for j := range a[i] {
			a[i][j] = inf
		}
		for _, x := range p.rows[i-1] {
			a[i][int(x.col)+1] = x.c
		}
		a[i][p.ncols+i] = p.skip[i-1]
	}
	u, v := make([]cost, n+1), make([]cost, m+1)
	pm, way := make([]int, m+1), make([]int, m+1)
	for i := 1; i <= n; i++ {
		pm[0] = i
		j0 := 0
		minv := make([]cost, m+1)
		used := make([]bool, m+1)
		for j := range minv {
			minv[j] = inf.add(inf)
		}
		for {
			used[j0] = true
			i0, j1 := pm[j0], 0
			delta := inf.add(inf)
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				cur := a[i0][j].sub(u[i0]).sub(v[j])
				if cur.less(minv[j]) {
					minv[j], way[j] = cur, j0
				}
				if minv[j].less(delta) {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[pm[j]] = u[pm[j]].add(delta)
					v[j] = v[j].sub(delta)
				} else {
					minv[j] = minv[j].sub(delta)
				}
			}
			j0 = j1
			if pm[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			pm[j0] = pm[j1]
			j0 = j1
		}
	}
	var total cost
	for j := 1; j <= m; j++ {
		if pm[j] != 0 {
			total = total.add(a[pm[j]][j])
		}
	}
	return total
}

func TestSparseMatchesDenseHungarian(t *testing.T) {
	for seed := int64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewSource(seed))
		p := randomProblem(rng, 10+rng.Intn(40), 10+rng.Intn(40))
		_, got := solveAssignment(p)
		requireSameCost(t, denseHungarian(p), got, fmt.Sprintf("seed %d", seed))
	}
}
