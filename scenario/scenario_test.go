package scenario_test

import (
	"encoding/csv"
	"encoding/json"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/floodcmd/floodcmd/geo"
	"github.com/floodcmd/floodcmd/scenario"
)

func load(t testing.TB, name string) (*geo.Scenario, fs.FS) {
	t.Helper()
	fsys, err := scenario.Open(name)
	require.NoError(t, err)
	s, err := geo.LoadScenario(fsys)
	require.NoError(t, err)
	return s, fsys
}

func TestDuhuScenario(t *testing.T) {
	s, _ := load(t, "duhu")
	assert.Equal(t, "duhu", s.Town.ID)
	assert.Equal(t, "440781107", s.Town.Code)
	assert.Len(t, s.Villages, 18)
	assert.Len(t, s.Grids, 26)
	pop, hh := 0, 0
	for _, g := range s.Grids {
		pop += g.Population
		hh += g.Households
	}
	assert.Equal(t, 51000, pop)
	assert.Equal(t, 15000, hh)
	for _, name := range []string{"南村", "龙和", "大纲", "园美村", "莘村", "都斛圩"} {
		assert.True(t, hasName(s, name), name)
	}
	for _, id := range []string{"nancun-yangning", "longhe-songshan", "longhe-hening"} {
		_, ok := s.Grid(id)
		assert.True(t, ok, id)
	}
	vc, ok := s.Shelter("vc-nancun")
	require.True(t, ok)
	assert.GreaterOrEqual(t, vc.CapacityDay, 150, "150 people were moved to the committee building")
	res, ok := s.Gauge("nankeng-reservoir")
	require.True(t, ok)
	assert.Equal(t, geo.GaugeReservoir, res.Kind)
	rain := 0
	for _, g := range s.Gauges {
		if g.Kind == geo.GaugeRain {
			rain++
		}
	}
	assert.GreaterOrEqual(t, rain, 8)
	assert.Len(t, s.Neighbours, 3)

	g, rep := geo.NewGraph(s.Roads, 1)
	t.Log(rep)
	assert.GreaterOrEqual(t, rep.Nodes, 2000)
	assert.Equal(t, 1, rep.Components)

	shelters := make([]orb.Point, len(s.Shelters))
	for i, sh := range s.Shelters {
		shelters[i] = sh.Point
	}
	for _, v := range s.Villages {
		for i, sec := range g.TravelTimes(v.Center, shelters) {
			assert.False(t, math.IsInf(sec, 1), "%s → %s", v.ID, s.Shelters[i].ID)
		}
	}

	loc := geo.NewLocator(s)
	for _, gr := range s.Grids {
		vid, gid, ok := loc.Locate(gr.Center)
		assert.True(t, ok, gr.ID)
		assert.Equal(t, gr.ID, gid)
		assert.Equal(t, gr.Village, vid)
	}
	_, _, ok = loc.Locate(orb.Point{113.5, 22.5})
	assert.False(t, ok)

	// the board can draw every kind
	var fc struct {
		Features []json.RawMessage `json:"features"`
	}
	require.NoError(t, json.Unmarshal(s.FeatureCollection(geo.KindRoad), &fc))
	assert.Len(t, fc.Features, len(s.Roads))
}

func hasName(s *geo.Scenario, name string) bool {
	for _, v := range s.Villages {
		if v.Name == name {
			return true
		}
	}
	return false
}

func TestChixiConnectsToDuhu(t *testing.T) {
	d, _ := load(t, "duhu")
	c, _ := load(t, "chixi")
	assert.Equal(t, "chixi", c.Town.ID)
	g, rep := geo.NewGraph(append(append([]geo.Road{}, d.Roads...), c.Roads...), 1)
	assert.Equal(t, 1, rep.Components)
	r, err := g.Route(d.Villages[0].Center, c.Villages[0].Center)
	require.NoError(t, err)
	assert.Contains(t, strings.Join(r.Roads, " "), "cx-r-")
	t.Logf("Duhu seat → Chixi seat: %.1f km, %.0f min", r.Meters/1000, r.Seconds/60)
}

func TestRosters(t *testing.T) {
	for _, tc := range []struct {
		name          string
		town, village int
		reserveMin    int
	}{
		{"duhu", 55, 94, 5},
		{"chixi", 8, 7, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, fsys := load(t, tc.name)
			g, _ := geo.NewGraph(s.Roads, 1)
			f, err := fsys.Open("roster.csv")
			require.NoError(t, err)
			defer f.Close()
			rows, err := csv.NewReader(f).ReadAll()
			require.NoError(t, err)
			assert.Equal(t, "id,name,name_en,tier,village,team,capabilities,phone,lon,lat,reserve", strings.Join(rows[0], ","))
			tiers := map[string]int{}
			reserve := 0
			ids := map[string]bool{}
			for _, r := range rows[1:] {
				assert.False(t, ids[r[0]], "duplicate id %s", r[0])
				ids[r[0]] = true
				tiers[r[3]]++
				_, ok := s.Village(r[4])
				assert.True(t, ok, "village %q", r[4])
				assert.NotEmpty(t, r[6])
				lon, err1 := strconv.ParseFloat(r[8], 64)
				lat, err2 := strconv.ParseFloat(r[9], 64)
				require.NoError(t, err1)
				require.NoError(t, err2)
				_, d, err := g.Snap(orb.Point{lon, lat})
				require.NoError(t, err)
				assert.Less(t, d, 100.0, "%s lives near a road", r[0])
				if r[10] == "true" {
					reserve++
				}
			}
			assert.Equal(t, tc.town, tiers["town"])
			assert.Equal(t, tc.village, tiers["village"])
			assert.GreaterOrEqual(t, reserve, tc.reserveMin)
		})
	}
}

func TestOpen(t *testing.T) {
	_, err := scenario.Open("atlantis")
	assert.Error(t, err)
	fsys, err := scenario.Open("./duhu") // the folder on disk (tests run in scenario/)
	require.NoError(t, err)
	_, err = geo.LoadScenario(fsys)
	assert.NoError(t, err)
}
