package evac

import (
	"cmp"
	"math"
	"slices"
)

// Rounding households whole leaves a few of them away from where the relaxed
// optimum had their people, at the cheapest shelter that still had room for
// all of them. improve then lowers the cost of the whole-household plan by
// local search without changing who is placed: a household moves to a
// cheaper shelter with room, or two households at different shelters swap
// when both fit and the sum of their costs falls, or a household moves to a
// cheaper full shelter when one household there moves on to a third shelter
// with room (an ejection chain of two) and the sum falls. Households held outside
// the plan (already told where to go) never move. Each step lowers the cost,
// so the search ends; maxImprovePasses bounds it.

const (
	maxImprovePasses = 40
	swapTop          = 4 // households per shelter pair tried for a swap
)

type swapCand struct {
	g    int
	gain float64
}

func (p *planner) costAt(g, s int) float64 {
	for _, c := range p.hh[g].cands {
		if c.s == s {
			return c.cost
		}
	}
	return math.Inf(1)
}

func (p *planner) improve(out []int, holders [][]int) {
	S := p.S
	movable := func(g int) bool { return p.hh[g].held < 0 && out[g] >= 0 }
	moveTo := func(g, s int) {
		a := out[g]
		p.room[a] += p.hh[g].size
		for i, h := range holders[a] {
			if h == g {
				holders[a] = append(holders[a][:i], holders[a][i+1:]...)
				break
			}
		}
		p.settle(g, s, out, holders)
	}
	tops := make([][]swapCand, S*S)
	for pass := 0; pass < maxImprovePasses; pass++ {
		improved := false
		for g := range p.hh {
			if !movable(g) {
				continue
			}
			for _, c := range p.hh[g].cands {
				if c.s == out[g] {
					break
				}
				if p.room[c.s] >= p.hh[g].size {
					moveTo(g, c.s)
					improved = true
					break
				}
			}
		}
		for i := range tops {
			tops[i] = tops[i][:0]
		}
		for g := range p.hh {
			if !movable(g) {
				continue
			}
			a, here := out[g], p.costAt(g, out[g])
			for _, c := range p.hh[g].cands {
				if c.s == a {
					continue
				}
				// gain of leaving a for c.s (may be negative: the partner gains more)
				t := &tops[a*S+c.s]
				*t = insertTop(*t, swapCand{g, here - c.cost})
			}
		}
		used := make(map[int]bool)
		for a := range S {
			for b := a + 1; b < S; b++ {
				if p.trySwap(a, b, tops[a*S+b], tops[b*S+a], out, used, moveTo) {
					improved = true
				}
			}
		}
		if p.chains(out, holders, movable, moveTo) {
			improved = true
		}
		if !improved {
			return
		}
	}
}

// insertTop keeps the swapTop households with the largest gains.
func insertTop(t []swapCand, c swapCand) []swapCand {
	i := len(t)
	for i > 0 && t[i-1].gain < c.gain {
		i--
	}
	if i >= swapTop {
		return t
	}
	if len(t) < swapTop {
		t = append(t, swapCand{})
	}
	copy(t[i+1:], t[i:len(t)-1])
	t[i] = c
	return t
}

// trySwap swaps the best fitting pair of households between shelters a and b
// when that lowers the cost.
func (p *planner) trySwap(a, b int, fromA, fromB []swapCand, out []int, used map[int]bool, moveTo func(g, s int)) bool {
	for _, x := range fromA {
		for _, y := range fromB {
			if x.gain+y.gain <= 1e-9 {
				break
			}
			if used[x.g] || used[y.g] || out[x.g] != a || out[y.g] != b {
				continue
			}
			sx, sy := p.hh[x.g].size, p.hh[y.g].size
			if p.room[b]+sy < sx || p.room[a]+sx < sy {
				continue
			}
			moveTo(x.g, b) // room may dip below zero until y has moved out
			moveTo(y.g, a)
			used[x.g], used[y.g] = true, true
			return true
		}
	}
	return false
}

// ejection is a household's cheapest move to another shelter with room.
type ejection struct {
	g, to int
	delta float64
}

// chains moves households into cheaper full shelters by moving one household
// there on to a shelter with room, when the two moves together cost less.
// Each household's cheapest move out is found once per pass and checked
// again before use (earlier moves change the room).
func (p *planner) chains(out []int, holders [][]int, movable func(int) bool, moveTo func(g, s int)) bool {
	best := func(k int) ejection {
		here := p.costAt(k, out[k])
		for _, c := range p.hh[k].cands {
			if c.s != out[k] && p.room[c.s] >= p.hh[k].size {
				return ejection{g: k, to: c.s, delta: c.cost - here}
			}
		}
		return ejection{g: k, to: -1, delta: math.Inf(1)}
	}
	out1 := make([][]ejection, p.S) // per shelter, its households' cheapest moves out, cheapest first
	for b, hs := range holders {
		for _, k := range hs {
			if movable(k) {
				if e := best(k); e.to >= 0 {
					out1[b] = append(out1[b], e)
				}
			}
		}
		slices.SortFunc(out1[b], func(x, y ejection) int { return cmp.Or(cmp.Compare(x.delta, y.delta), cmp.Compare(x.g, y.g)) })
	}
	improved := false
	for g := range p.hh {
		if !movable(g) {
			continue
		}
		a := out[g]
		here := p.costAt(g, a)
		for _, c := range p.hh[g].cands {
			if c.s == a || c.cost >= here {
				break
			}
			b, need := c.s, p.hh[g].size-p.room[c.s]
			if need <= 0 {
				continue // a plain move; the next pass makes it
			}
			tried := 0
			for _, x := range out1[b] {
				if c.cost-here+x.delta >= -1e-9 || tried == swapTop {
					break // sorted: no cheaper chain through b
				}
				if out[x.g] != b || p.hh[x.g].size < need {
					continue
				}
				tried++
				if e := best(x.g); e.to >= 0 && e.to != a && c.cost-here+e.delta < -1e-9 {
					moveTo(x.g, e.to)
					moveTo(g, b)
					improved = true
					break
				}
			}
			if out[g] != a {
				break
			}
		}
	}
	return improved
}
