package main

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
)

// exposedGrids is how many of Duhu's most low-lying grids get a household
// registry: the flood-prone ones the 2022 storm hit (Yangning, Songshan,
// Hening) and their neighbours on the coastal plain.
const exposedGrids = 8

// writeDuhuHouseholds writes households.csv (evac.HouseholdsHeader) for the
// most exposed grids: exactly each grid's households, members summing to its
// population, houses at road nodes inside the grid, about 15 % with members
// who need help to leave, about a third driving (rural China: about 32 cars
// per 100 households in 2022), the others left to the grid's default means
// (evac config). Every name, address and phone number is invented.
func writeDuhuHouseholds(t *town, path string) {
	rng := rand.New(rand.NewPCG(2022, 512))
	meansRng := rand.New(rand.NewPCG(2022, 513)) // apart, so the other columns stay as they were
	grids := slices.Clone(t.grids)
	slices.SortStableFunc(grids, func(a, b gridOut) int { return cmp.Or(-cmp.Compare(a.low, b.low), cmp.Compare(a.id, b.id)) })
	grids = grids[:exposedGrids]
	slices.SortStableFunc(grids, func(a, b gridOut) int { return cmp.Compare(a.id, b.id) })
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"household", "grid", "address", "lat", "lon", "members", "aged80", "bedridden", "disabled", "children", "phone", "means"})
	tel := 0
	for _, g := range grids {
		var nodes []pt
		for _, p := range t.nodes {
			if g.cell.contains(p) {
				nodes = append(nodes, p)
			}
		}
		if len(nodes) == 0 || g.hh < 1 || g.pop < g.hh {
			log.Fatalf("households: grid %s has %d road nodes, %d households, %d people", g.id, len(nodes), g.hh, g.pop)
		}
		sizes := householdSizes(rng, g.hh, g.pop)
		vname := ""
		for _, v := range t.cfg.villages {
			if v.id == g.village && !strings.HasPrefix(g.name, v.name) {
				vname = v.name
			}
		}
		for i, n := range sizes {
			// a house within ~20 m of a road node, inside the grid
			var p pt
			for {
				p = nodes[rng.IntN(len(nodes))].add(pt{(rng.Float64() - 0.5) * 0.04, (rng.Float64() - 0.5) * 0.04})
				if g.cell.contains(p) {
					break
				}
			}
			aged, bed, dis, kids := 0, 0, 0, 0
			if rng.Float64() < 0.15 {
				switch r := rng.Float64(); {
				case r < 0.6:
					aged = 1 + rng.IntN(min(2, n))
				case r < 0.8:
					bed = 1
				default:
					dis = 1
				}
			}
			if n-aged-bed-dis >= 3 && rng.Float64() < 0.5 {
				kids = 1 + rng.IntN(min(3, n-aged-bed-dis-2))
			}
			tel++
			means := ""
			if meansRng.Float64() < 0.32 {
				means = "car"
			}
			ll := llPoint(p)
			_ = w.Write([]string{fmt.Sprintf("%s-h%04d", g.id, i+1), g.id, fmt.Sprintf("%s%s%d号", vname, g.name, i+1),
				strconv.FormatFloat(ll[1], 'f', 6, 64), strconv.FormatFloat(ll[0], 'f', 6, 64), strconv.Itoa(n),
				strconv.Itoa(aged), strconv.Itoa(bed), strconv.Itoa(dis), strconv.Itoa(kids), fmt.Sprintf("1390%07d", tel), means})
		}
	}
	w.Flush()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}

// householdSizes draws n household sizes (1–8, mostly 2–5) summing exactly to pop.
func householdSizes(rng *rand.Rand, n, pop int) []int {
	weights := []float64{0.14, 0.22, 0.24, 0.2, 0.12, 0.06, 0.02} // sizes 1..7
	sizes := make([]int, n)
	sum := 0
	for i := range sizes {
		r, s := rng.Float64(), 1
		for _, w := range weights {
			if r < w {
				break
			}
			r -= w
			s++
		}
		sizes[i] = min(s, 7)
		sum += sizes[i]
	}
	for sum != pop {
		i := rng.IntN(n)
		switch {
		case sum > pop && sizes[i] > 1:
			sizes[i]--
			sum--
		case sum < pop && sizes[i] < 8:
			sizes[i]++
			sum++
		}
	}
	return sizes
}
