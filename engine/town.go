package engine

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/floodcmd/floodcmd/aid"
	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/evac"
	"github.com/floodcmd/floodcmd/geo"
	"github.com/floodcmd/floodcmd/warning"
)

// RosterFile is the responder roster inside a scenario folder.
const RosterFile = "roster.csv"

// SnapToleranceMeters joins road ends digitised this close together.
const SnapToleranceMeters = 5

// HouseholdsFile is the household registry inside a scenario folder (optional).
const HouseholdsFile = "households.csv"

// Town is a loaded scenario: the geography, the roster and the household registry of one town.
type Town struct {
	Scenario   *geo.Scenario
	Roster     []dispatch.Responder
	Households []evac.Household
	Warning    warning.Config
	// Evac is the town's evacuation configuration (evac.json).
	Evac  evac.Config
	Graph geo.GraphReport
	// Aid is the town's mutual-aid policy (aid.json).
	Aid aid.Config
	// Dispatch is the town's dispatch policy (dispatch.json over
	// dispatch.DefaultConfig); serve sets its ack time-out from a flag.
	Dispatch dispatch.Config
	// NeighbourRoads are the roads of neighbouring towns the instance knows
	// (AddNeighbourRoads): guests are routed over both towns' roads.
	NeighbourRoads []geo.Road
}

// WarningFile is the town's warning configuration (optional; default: the CMA national signals).
const WarningFile = "warning.json"

// EvacFile is the town's evacuation configuration (optional; default: evac.DefaultConfig).
const EvacFile = "evac.json"

// DispatchFile is the town's dispatch policy (optional; default: dispatch.DefaultConfig).
const DispatchFile = "dispatch.json"

// LoadTown reads a scenario folder (GeoJSON files and roster.csv) and checks that
// it is the town this instance owns.
func LoadTown(fsys fs.FS, town string) (*Town, error) {
	sc, err := geo.LoadScenario(fsys)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	if sc.Town.ID != town {
		return nil, fmt.Errorf("scenario is town %q, but this instance owns %q (--town)", sc.Town.ID, town)
	}
	f, err := fsys.Open(RosterFile)
	if err != nil {
		return nil, fmt.Errorf("scenario: roster: %w", err)
	}
	defer f.Close()
	roster, err := dispatch.ReadRosterCSV(f)
	if err != nil {
		return nil, fmt.Errorf("scenario: %s: %w", RosterFile, err)
	}
	villages := map[string]bool{}
	for _, v := range sc.Villages {
		villages[v.ID] = true
	}
	var errs []error
	for _, r := range roster {
		if r.Village != "" && !villages[r.Village] {
			errs = append(errs, fmt.Errorf("%s: responder %s: unknown village %q", RosterFile, r.ID, r.Village))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	households, err := readHouseholds(fsys, sc)
	if err != nil {
		return nil, err
	}
	wcfg, err := optionalConfig(fsys, WarningFile, warning.DefaultConfig(), warning.ParseConfig)
	if err != nil {
		return nil, err
	}
	ecfg, err := optionalConfig(fsys, EvacFile, evac.DefaultConfig(), evac.ParseConfig)
	if err != nil {
		return nil, err
	}
	dcfg, err := optionalConfig(fsys, DispatchFile, dispatch.DefaultConfig(), func(raw []byte) (dispatch.Config, error) {
		return dispatch.ParseConfigFile(raw, dispatch.DefaultConfig())
	})
	if err != nil {
		return nil, err
	}
	var neighbours []string
	for _, n := range sc.Neighbours {
		neighbours = append(neighbours, n.ID)
	}
	acfg, err := aid.LoadConfig(fsys, neighbours)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return &Town{Scenario: sc, Roster: roster, Households: households, Warning: wcfg, Evac: ecfg, Aid: acfg, Dispatch: dcfg}, nil
}

// readHouseholds reads the registry when the scenario has one: a town without
// it still dispatches, and evacuation orders then work by head count only.
func readHouseholds(fsys fs.FS, sc *geo.Scenario) ([]evac.Household, error) {
	f, err := fsys.Open(HouseholdsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("scenario: %s: %w", HouseholdsFile, err)
	}
	defer f.Close()
	hs, err := evac.ReadHouseholdsCSV(f, sc)
	if err != nil {
		return nil, fmt.Errorf("scenario: %s: %w", HouseholdsFile, err)
	}
	return hs, nil
}

// optionalConfig parses a scenario's optional configuration file, or gives
// the default when the scenario has none.
func optionalConfig[C any](fsys fs.FS, name string, def C, parse func([]byte) (C, error)) (C, error) {
	raw, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return def, nil
	}
	if err == nil {
		var c C
		if c, err = parse(raw); err == nil {
			return c, nil
		}
	}
	return def, fmt.Errorf("scenario: %s: %w", name, err)
}
