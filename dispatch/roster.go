package dispatch

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/errcode"
)

// Capability is what a responder can do: "evacuation", "rescue_boat",
// "medical", "machinery", "drainage", "patrol" or any other string a town uses.
type Capability string

// The capabilities the default triage rules speak of; towns may add their own.
const (
	CapEvacuation Capability = "evacuation"
	CapRescueBoat Capability = "rescue_boat"
	CapMedical    Capability = "medical"
	CapMachinery  Capability = "machinery"
	CapDrainage   Capability = "drainage"
	CapPatrol     Capability = "patrol"
)

// Tier is the level a responder squad belongs to.
type Tier string

// The two tiers of a township's emergency squads.
const (
	TierTown    Tier = "town"
	TierVillage Tier = "village"
)

// Responder is one member of the town's emergency squads as the roster lists them.
type Responder struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	NameEn       string       `json:"name_en"`
	Tier         Tier         `json:"tier"`
	Village      string       `json:"village"`
	Team         string       `json:"team"`
	Capabilities []Capability `json:"capabilities"`
	Phone        string       `json:"phone"`
	Home         orb.Point    `json:"home"`
	// Reserve responders are kept back for the most urgent incidents only.
	Reserve bool `json:"reserve"`
}

// Has reports whether the responder has capability c.
func (r Responder) Has(c Capability) bool {
	for _, x := range r.Capabilities {
		if x == c {
			return true
		}
	}
	return false
}

// RosterHeader is the exact header ReadRosterCSV expects.
var RosterHeader = []string{"id", "name", "name_en", "tier", "village", "team", "capabilities", "phone", "lon", "lat", "reserve"}

// RowError says what is wrong with one cell (Field is its column) or one row
// (Field "") of a roster file: errcode's one error type, File "roster", code invalid.
type RowError = errcode.Error

// rosterRow is the problem of one row (col "" for the row as a whole).
func rosterRow(line int, col, val, rule string) *RowError {
	return &RowError{File: "roster", Row: line, Field: col, Value: val, Rule: rule}
}

// ReadRosterCSV reads a roster with header RosterHeader; capabilities are
// separated by "|". It checks every row and returns all problems at once (as
// *RowError joined with errors.Join) and no responders, so a half-read roster
// never goes live.
func ReadRosterCSV(r io.Reader) ([]Responder, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // we report wrong column counts per row ourselves
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("roster: reading header: %w", err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // spreadsheets in China often save a BOM
	}
	if strings.Join(header, ",") != strings.Join(RosterHeader, ",") {
		return nil, rosterRow(1, "", "", "header must be "+strings.Join(RosterHeader, ","))
	}
	var (
		out  []Responder
		errs []error
		seen = map[string]int{}
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				errs = append(errs, rosterRow(pe.Line, "", "", pe.Err.Error()))
				continue
			}
			return nil, fmt.Errorf("roster: %w", err)
		}
		line, _ := cr.FieldPos(0) // only after a successful Read: FieldPos panics otherwise
		if len(rec) != len(RosterHeader) {
			errs = append(errs, rosterRow(line, "", "", fmt.Sprintf("has %d columns, want %d", len(rec), len(RosterHeader))))
			continue
		}
		bad := func(col, val, rule string) {
			errs = append(errs, rosterRow(line, col, val, rule))
		}
		f := func(i int) string { return strings.TrimSpace(rec[i]) }
		resp := Responder{ID: f(0), Name: f(1), NameEn: f(2), Tier: Tier(f(3)), Village: f(4), Team: f(5), Phone: f(7)}
		if resp.ID == "" {
			bad("id", rec[0], "must not be empty")
		} else if first, dup := seen[resp.ID]; dup {
			bad("id", resp.ID, fmt.Sprintf("duplicate of row %d", first))
		} else {
			seen[resp.ID] = line
		}
		if resp.Name == "" {
			bad("name", rec[1], "must not be empty")
		}
		switch resp.Tier {
		case TierTown:
		case TierVillage:
			if resp.Village == "" {
				bad("village", rec[4], "a village-tier responder needs a village")
			}
		default:
			bad("tier", rec[3], `must be "town" or "village"`)
		}
		for _, c := range strings.Split(f(6), "|") {
			c = strings.TrimSpace(c)
			if c == "" {
				bad("capabilities", rec[6], `need at least one capability, separated by "|", none empty`)
				break
			}
			resp.Capabilities = append(resp.Capabilities, Capability(c))
		}
		lon, err := strconv.ParseFloat(f(8), 64)
		if err != nil || lon < -180 || lon > 180 {
			bad("lon", rec[8], "must be a number in [-180, 180]")
		}
		lat, err := strconv.ParseFloat(f(9), 64)
		if err != nil || lat < -90 || lat > 90 {
			bad("lat", rec[9], "must be a number in [-90, 90]")
		}
		resp.Home = orb.Point{lon, lat}
		switch strings.ToLower(f(10)) {
		case "", "false", "0", "no", "n":
		case "true", "1", "yes", "y":
			resp.Reserve = true
		default:
			bad("reserve", rec[10], "must be true/false, 1/0, yes/no or empty")
		}
		out = append(out, resp)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
