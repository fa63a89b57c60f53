package dispatch

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// denseHungarian is the textbook O(n²m) Hungarian method on a full matrix
// (rows = slots, columns = responders + one dummy per row), with the same
// lexicographic costs: the reference optimum for tests and benchmarks.
func denseHungarian(p *assignProblem) cost {
	c, _ := denseHungarianCertified(p)
	return c
}

// lpCertificate is what proves a dense solution optimal without trusting the
// method that found it: the column of each row (-1: its dummy, unfilled) and
// the dual potentials u (rows) and v (columns 0..ncols-1, then the dummies).
type lpCertificate struct {
	col  []int
	u, v []cost
}

// denseHungarianCertified is denseHungarian with its matching and duals.
func denseHungarianCertified(p *assignProblem) (cost, lpCertificate) {
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
	cert := lpCertificate{col: make([]int, n), u: u[1:], v: v[1:]}
	for j := 1; j <= m; j++ {
		if pm[j] != 0 {
			total = total.add(a[pm[j]][j])
			cert.col[pm[j]-1] = j - 1
			if j > p.ncols {
				cert.col[pm[j]-1] = -1
			}
		}
	}
	return total, cert
}

// checkCertificate verifies, by weak LP duality alone (sums and comparisons
// in the ordered group of cost vectors), that cert's matching is an optimum
// of p with cost total: u_i + v_j ≤ c_ij on every arc and every row's dummy,
// equality on the matched ones, v ≤ 0, v = 0 on every column nobody takes,
// and Σu + Σv = total. Then every feasible assignment x costs
// Σc·x ≥ Σu + Σ_j v_j·Σ_i x_ij ≥ Σu + Σv = total.
func checkCertificate(p *assignProblem, total cost, cert lpCertificate) error {
	n := len(p.rows)
	taken := make([]bool, p.ncols+n)
	var sum, matched cost
	for i, row := range p.rows {
		j := cert.col[i]
		if j < 0 {
			j = p.ncols + i
		}
		if taken[j] {
			return fmt.Errorf("column %d taken twice", j)
		}
		taken[j] = true
		check := func(col int, c cost) error {
			slack := c.sub(cert.u[i]).sub(cert.v[col])
			if math.Abs(slack.t) <= 1e-6*(1+math.Abs(c.t)) {
				slack.t = 0 // float rounding of the duals
			}
			if slack.less(cost{}) {
				return fmt.Errorf("row %d column %d: reduced cost %+v < 0", i, col, slack)
			}
			if col == j && slack != (cost{}) {
				return fmt.Errorf("row %d: matched to column %d with reduced cost %+v ≠ 0", i, col, slack)
			}
			if col == j {
				matched = matched.add(c)
			}
			return nil
		}
		for _, a := range row {
			if err := check(int(a.col), a.c); err != nil {
				return err
			}
		}
		if err := check(p.ncols+i, p.skip[i]); err != nil {
			return err
		}
		sum = sum.add(cert.u[i])
	}
	for j, vj := range cert.v {
		if (cost{}).less(vj) && vj.t > 1e-6 || (!taken[j] && vj != (cost{})) {
			return fmt.Errorf("column %d: potential %+v (taken %v)", j, vj, taken[j])
		}
		sum = sum.add(vj)
	}
	near := func(a, b cost) bool {
		t := math.Abs(a.t-b.t) <= 1e-6*(1+math.Abs(b.t))
		a.t, b.t = 0, 0
		return t && a == b
	}
	if !near(matched, total) || !near(sum, total) {
		return fmt.Errorf("matched cost %+v, dual %+v, claimed %+v", matched, sum, total)
	}
	return nil
}

func TestSparseMatchesDenseHungarian(t *testing.T) {
	for seed := int64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewSource(seed))
		p := randomProblem(rng, 10+rng.Intn(40), 10+rng.Intn(40))
		_, got := solveAssignment(p)
		requireSameCost(t, denseHungarian(p), got, fmt.Sprintf("seed %d", seed))
	}
}

// TestCertificateCatchesAWorseMatching: the check is not a formality; a
// matching one slot worse than the optimum, or with a dual nudged, fails it.
func TestCertificateCatchesAWorseMatching(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewSource(seed))
		p := randomProblem(rng, 10+rng.Intn(20), 10+rng.Intn(20))
		total, cert := denseHungarianCertified(p)
		if err := checkCertificate(p, total, cert); err != nil {
			t.Fatalf("seed %d: the optimum fails its own certificate: %v", seed, err)
		}
		for i, j := range cert.col {
			if j < 0 {
				continue
			}
			worse := lpCertificate{col: append([]int(nil), cert.col...), u: cert.u, v: cert.v}
			worse.col[i] = -1 // leave a filled slot empty
			wtotal := total.add(p.skip[i])
			for _, a := range p.rows[i] {
				if int(a.col) == j {
					wtotal = wtotal.sub(a.c)
				}
			}
			if checkCertificate(p, wtotal, worse) == nil {
				t.Fatalf("seed %d: a matching that leaves row %d empty passed", seed, i)
			}
			break
		}
	}
}
