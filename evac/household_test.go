package evac

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadHouseholdsCSVDuhu(t *testing.T) {
	sc, hh := loadDuhu(t)
	require.Len(t, hh, 3270)
	want := map[string][2]int{} // grid → households, people from grids.geojson
	for _, g := range sc.Grids {
		want[g.ID] = [2]int{g.Households, g.Population}
	}
	got := map[string][2]int{}
	vulnerable := 0
	for _, h := range hh {
		c := got[h.Grid]
		got[h.Grid] = [2]int{c[0] + 1, c[1] + h.Members}
		if h.Vulnerable() > 0 {
			vulnerable++
		}
	}
	assert.Len(t, got, 8)
	for _, g := range []string{"nancun-yangning", "longhe-songshan", "longhe-hening"} {
		assert.Equal(t, want[g], got[g], g)
	}
	for g, c := range got {
		assert.Equal(t, want[g], c, "grid %s: households and people as grids.geojson says", g)
	}
	assert.InDelta(t, 0.15, float64(vulnerable)/float64(len(hh)), 0.03)
}

func TestReadHouseholdsCSV(t *testing.T) {
	sc := tinyTown()
	const header = "household,grid,address,lat,lon,members,aged80,bedridden,disabled,children,phone\n"
	tests := []struct {
		name string
		body string
		n    int
		errs []string // substrings, one per expected problem, in order
	}{
		{name: "good", body: "h1,g1,No. 1,22.0,113.0,3,1,0,0,1,139\nh2,g2,,22.1,113.1,1,0,0,0,0,\n", n: 2},
		{name: "BOM and spaces", body: "\ufeff" + header[:len(header)-1] + "\n h1 , g1 ,x, 22.0 ,113.0,2,0,0,0,0,1\n", n: 1},
		{name: "every bad row at once", body: "h1,nowhere,x,22,113,2,0,0,0,0,1\n" +
			"h2,g1,x,95,113,2,0,0,0,0,1\n" +
			"h3,g1,x,22,abc,2,0,0,0,0,1\n" +
			"h4,g1,x,22,113,0,0,0,0,0,1\n" +
			"h5,g1,x,22,113,2,2,1,0,0,1\n" +
			"h1,g1,x,22,113,2,0,0,0,0,1\n" +
			"h7,g1,x,22,113,2,-1,0,0,0,1\n" +
			"h8,g1,x,22,113\n" +
			"h9,g1,x,22,113,2,0,0,0,0,1\n",
			errs: []string{
				`row 2, column grid, value "nowhere": unknown grid`,
				`row 3, column lat, value "95"`,
				`row 4, column lon, value "abc"`,
				`row 5, column members, value "0": must be a whole number ≥ 1`,
				`row 6, column members, value "2": aged80+bedridden+disabled+children = 3 is more than the members`,
				`row 7, column household, value "h1": duplicate id, first used on row 2`,
				`row 8, column aged80, value "-1"`,
				`row 9: has 5 columns, want 11`,
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if !strings.HasPrefix(body, "\ufeff") {
				body = header + body
			}
			hh, err := ReadHouseholdsCSV(strings.NewReader(body), sc)
			if tc.errs == nil {
				require.NoError(t, err)
				require.Len(t, hh, tc.n)
				assert.Equal(t, "v1", hh[0].Village)
				return
			}
			assert.Nil(t, hh, "nothing is half-imported")
			var ie *ImportError
			require.ErrorAs(t, err, &ie)
			assert.True(t, errors.Is(err, ErrInvalid))
			require.Len(t, ie.Problems, len(tc.errs), "%v", err)
			for i, want := range tc.errs {
				assert.Contains(t, ie.Problems[i].Error(), want)
			}
		})
	}
}

// The means column: foot, car, escort or empty (the grid's default); a
// registry without the column still reads.
func TestReadHouseholdsCSVMeans(t *testing.T) {
	const header = "household,grid,address,lat,lon,members,aged80,bedridden,disabled,children,phone,means\n"
	hh, err := ReadHouseholdsCSV(strings.NewReader(header+"h1,g1,x,22,113,2,0,0,0,0,1,car\nh2,g1,x,22,113,2,0,0,0,0,1,\nh3,g2,x,22,113,1,0,0,0,0,1,escort\n"), tinyTown())
	require.NoError(t, err)
	assert.Equal(t, []string{MeansCar, "", MeansEscort}, []string{hh[0].Means, hh[1].Means, hh[2].Means})
	_, err = ReadHouseholdsCSV(strings.NewReader(header+"h1,g1,x,22,113,2,0,0,0,0,1,boat\n"), tinyTown())
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), `column means, value "boat": must be foot, car, escort or empty`)

	// the grid's default, then the town's, and the vulnerable are escorted whatever the column says
	hh = append(hh, Household{ID: "h4", Grid: "g2", Members: 2, Aged80: 1, Means: MeansCar})
	e, err := New(Config{MeansByGrid: map[string]string{"g2": MeansCar}}, tinyTown(), hh)
	require.NoError(t, err)
	var got []string
	for _, h := range e.households {
		got = append(got, e.means(h))
	}
	assert.Equal(t, []string{MeansCar, MeansFoot, MeansEscort, MeansEscort}, got)
	_, err = New(Config{DefaultMeans: "boat"}, tinyTown(), nil)
	require.ErrorIs(t, err, ErrInvalid)
}

func TestReadHouseholdsCSVHeader(t *testing.T) {
	_, err := ReadHouseholdsCSV(strings.NewReader("id,grid\n"), tinyTown())
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "households header")
}
