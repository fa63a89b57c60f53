package main

import (
	"fmt"
	"io"

	"github.com/floodcmd/floodcmd/engine"
)

// printStillMissing lists, as warnings, what a town must still fill in before
// its scenario is complete: nothing here stops serve, but each line is a gap a
// duty officer would otherwise find in the middle of a storm.
func printStillMissing(w io.Writer, t *engine.Town) {
	var lines []string
	const listed = 10 // a county has hundreds of candidate shelters: name a few, count the rest
	for i, p := range t.Scenario.Warnings {
		if i == listed {
			lines = append(lines, fmt.Sprintf("… and %d more like these", len(t.Scenario.Warnings)-listed))
			break
		}
		lines = append(lines, p.String())
	}
	if len(t.Scenario.Gauges) == 0 {
		lines = append(lines, "gauges.geojson: no rain or water-level gauges: warnings cannot follow the water")
	}
	if len(t.Scenario.Shelters) == 0 {
		lines = append(lines, "shelters.geojson: no shelters: evacuation orders have nowhere to send people")
	}
	if len(t.Roster) == 0 {
		lines = append(lines, engine.RosterFile+": no responders: nobody can be dispatched (floodcmd import roster --xlsx FILE)")
	}
	if len(t.Households) == 0 {
		lines = append(lines, engine.HouseholdsFile+": no household registry: evacuation counts heads only (floodcmd import households --xlsx FILE)")
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w, "  still to fill in (warnings, not errors):")
	for _, l := range lines {
		fmt.Fprintf(w, "    warning: %s\n", l)
	}
}
