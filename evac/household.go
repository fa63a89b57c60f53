package evac

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/floodcmd/floodcmd/errcode"
	"github.com/floodcmd/floodcmd/geo"
)

// Household is one entry of the town's household registry (户籍/网格台账).
//
// The vulnerable columns count people, each person once, in the first column
// that applies: aged 80 or over, else bedridden, else disabled; children
// (under 14) are counted apart. So Aged80+Bedridden+Disabled+Children ≤ Members.
type Household struct {
	ID        string    `json:"id"`
	Grid      string    `json:"grid"`
	Village   string    `json:"village"` // the grid's village, filled in on import
	Address   string    `json:"address"`
	At        orb.Point `json:"-"`
	Members   int       `json:"members"`
	Aged80    int       `json:"aged80"`
	Bedridden int       `json:"bedridden"`
	Disabled  int       `json:"disabled"`
	Children  int       `json:"children"`
	Phone     string    `json:"phone"`
	// Means is how the household travels (foot, car, escort; "" = its grid's
	// default, see Config.MeansByGrid).
	Means string `json:"means,omitempty"`
}

// Vulnerable is how many members cannot leave without help (aged 80+,
// bedridden, disabled): such a household needs an escort and comes first when
// shelter room is short. Children alone do not make a household vulnerable:
// their parents carry them.
func (h Household) Vulnerable() int { return h.Aged80 + h.Bedridden + h.Disabled }

// HouseholdsHeader is the exact header ReadHouseholdsCSV expects:
//
//	household  unique id (the registry's own, e.g. nancun-yangning-h0001)
//	grid       level-2 grid id from the scenario
//	address    free text, shown to grid workers
//	lat, lon   WGS-84 decimal degrees of the house, inside the town
//	members    people living there, ≥ 1
//	aged80, bedridden, disabled, children
//	           whole numbers ≥ 0, each person counted once (see Household)
//	phone      a contact number, may be empty
//	means      foot, car or escort; empty means the grid's default
//	           (the column may be left out altogether)
var HouseholdsHeader = []string{"household", "grid", "address", "lat", "lon", "members", "aged80", "bedridden", "disabled", "children", "phone", "means"}

// householdsHeaderNoMeans is the header of registries written before the means column.
var householdsHeaderNoMeans = HouseholdsHeader[:len(HouseholdsHeader)-1]

// RowError says what is wrong with one cell (Field is its column) or one row
// (Field "") of a household file: errcode's one error type, File "households", code invalid.
type RowError = errcode.Error

// householdRow is the problem of one row (col "" for the row as a whole).
func householdRow(row int, col, val, rule string) *RowError {
	return &RowError{File: "households", Row: row, Field: col, Value: val, Rule: rule}
}

// ImportError lists every problem of a household file, so a town fixes its
// registry in one pass instead of one error per attempt.
type ImportError struct {
	Problems []*RowError
}

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d problem(s) in the household registry", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *ImportError) Unwrap() error { return ErrInvalid }

// ReadHouseholdsCSV reads a registry with header HouseholdsHeader. It checks
// every row against the scenario (known grid, position inside the town) and
// returns either all households or none, with an *ImportError listing every
// bad cell of every row.
func ReadHouseholdsCSV(r io.Reader, sc *geo.Scenario) ([]Household, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // short rows are reported as problems, not parse failures
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: households header: %v", ErrInvalid, err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // Excel's UTF-8 BOM
	}
	cols := HouseholdsHeader
	if strings.Join(header, ",") == strings.Join(householdsHeaderNoMeans, ",") {
		cols = householdsHeaderNoMeans
	} else if strings.Join(header, ",") != strings.Join(HouseholdsHeader, ",") {
		return nil, fmt.Errorf("%w: households header is %q, want %q (the means column may be left out)", ErrInvalid, strings.Join(header, ","), strings.Join(HouseholdsHeader, ","))
	}
	grids := map[string]geo.Grid{}
	for _, g := range sc.Grids {
		grids[g.ID] = g
	}
	var (
		out  []Household
		errs []*RowError
		seen = map[string]int{}
	)
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, householdRow(row, "", "", err.Error()))
			var pe *csv.ParseError
			if errors.As(err, &pe) && pe.Err == csv.ErrFieldCount {
				continue
			}
			break // the rest of the file cannot be read reliably
		}
		h, rowErrs := parseHousehold(row, rec, cols, grids, sc, seen)
		errs = append(errs, rowErrs...)
		if len(rowErrs) == 0 {
			out = append(out, h)
		}
	}
	if len(errs) > 0 {
		return nil, &ImportError{Problems: errs}
	}
	return out, nil
}

func parseHousehold(row int, rec, cols []string, grids map[string]geo.Grid, sc *geo.Scenario, seen map[string]int) (Household, []*RowError) {
	var errs []*RowError
	bad := func(col, val, format string, args ...any) {
		errs = append(errs, householdRow(row, col, val, fmt.Sprintf(format, args...)))
	}
	if len(rec) != len(cols) {
		return Household{}, []*RowError{householdRow(row, "", "", fmt.Sprintf("has %d columns, want %d", len(rec), len(cols)))}
	}
	cell := map[string]string{}
	for i, c := range cols {
		cell[c] = strings.TrimSpace(rec[i])
	}
	h := Household{ID: cell["household"], Grid: cell["grid"], Address: cell["address"], Phone: cell["phone"], Means: cell["means"]}
	if !validMeans(h.Means) {
		bad("means", h.Means, "must be %s, %s, %s or empty (the grid's default)", MeansFoot, MeansCar, MeansEscort)
	}
	switch prev, dup := seen[h.ID]; {
	case h.ID == "":
		bad("household", "", "is required")
	case dup:
		bad("household", h.ID, "duplicate id, first used on row %d", prev)
	default:
		seen[h.ID] = row
	}
	if g, ok := grids[h.Grid]; ok {
		h.Village = g.Village
	} else {
		bad("grid", h.Grid, "unknown grid in town %s", sc.Town.ID)
	}
	coord := func(col string, lo, hi float64) float64 {
		v, err := strconv.ParseFloat(cell[col], 64)
		if err != nil || math.IsNaN(v) || v < lo || v > hi {
			bad(col, cell[col], "must be a WGS-84 decimal degree in [%g, %g]", lo, hi)
			return math.NaN()
		}
		return v
	}
	lat, lon := coord("lat", -90, 90), coord("lon", -180, 180)
	if !math.IsNaN(lat) && !math.IsNaN(lon) {
		h.At = orb.Point{lon, lat}
		if len(sc.Town.Area) > 0 && !planar.MultiPolygonContains(sc.Town.Area, h.At) {
			bad("lat", cell["lat"]+","+cell["lon"], "is outside town %s (lat and lon swapped?)", sc.Town.ID)
		}
	}
	count := func(col string, min int) int {
		v, err := strconv.Atoi(cell[col])
		if err != nil || v < min {
			bad(col, cell[col], "must be a whole number ≥ %d", min)
			return 0
		}
		return v
	}
	h.Members = count("members", 1)
	h.Aged80, h.Bedridden, h.Disabled, h.Children = count("aged80", 0), count("bedridden", 0), count("disabled", 0), count("children", 0)
	if n := h.Vulnerable() + h.Children; h.Members >= 1 && n > h.Members {
		bad("members", cell["members"], "aged80+bedridden+disabled+children = %d is more than the members (each person is counted once)", n)
	}
	return h, errs
}
