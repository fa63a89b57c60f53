package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/geo"
	"github.com/floodcmd/floodcmd/scenario"
)

// check loads a scenario folder the way serve would and reports every problem,
// or a summary of what it holds: what a town runs before handing its data over.
func check(args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stdout)
	name := fs.String("scenario", "duhu", "built-in scenario name or a scenario directory")
	replay := fs.String("replay", "", "also check a replay (drill) file")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	fsys, err := scenario.Open(*name)
	if err != nil {
		return err
	}
	sc, err := geo.LoadScenario(fsys)
	if err != nil {
		fmt.Fprintln(stdout, err)
		return fmt.Errorf("scenario %s has problems (listed above)", *name)
	}
	town, err := engine.LoadTown(fsys, sc.Town.ID)
	if err != nil {
		fmt.Fprintln(stdout, err)
		return fmt.Errorf("scenario %s has problems (listed above)", *name)
	}
	if _, err := engine.NewDomain(town, town.Dispatch); err != nil {
		return fmt.Errorf("scenario %s: %w", *name, err)
	}
	summarise(stdout, town)
	printStillMissing(stdout, town)
	if *replay != "" {
		evs, err := readReplay(*replay, fsys, sc.Town.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "replay %s: %d events, %s … %s\n", *replay, len(evs), evs[0].Time.Format("2006-01-02 15:04"), evs[len(evs)-1].Time.Format("2006-01-02 15:04"))
	}
	if town.Graph.Components > 1 {
		return fmt.Errorf("the road network falls apart into %d pieces: some places cannot be reached (islands listed above)", town.Graph.Components)
	}
	return nil
}

func summarise(w io.Writer, t *engine.Town) {
	sc := t.Scenario
	fmt.Fprintf(w, "%s %s (%s): OK\n", sc.Town.Name, sc.Town.NameEn, sc.Town.ID)
	var day, night int
	for _, s := range sc.Shelters {
		day, night = day+s.CapacityDay, night+s.CapacityNight
	}
	fmt.Fprintf(w, "  %d villages, %d grids, %d shelters (room for %d by day, %d at night), %d gauges\n",
		len(sc.Villages), len(sc.Grids), len(sc.Shelters), day, night, len(sc.Gauges))
	fmt.Fprintf(w, "  roads: %d, %d nodes, %d connected piece(s); %d rivers/channels, %d hazards, %d neighbour towns\n",
		len(sc.Roads), t.Graph.Nodes, t.Graph.Components, len(sc.Rivers), len(sc.Hazards), len(sc.Neighbours))
	for i, is := range t.Graph.Islands {
		if i > 0 && i < 6 {
			fmt.Fprintf(w, "    island of %d nodes near %.5f,%.5f (roads %v)\n", is.Nodes, is.Sample.Lat(), is.Sample.Lon(), is.Roads)
		}
	}
	tiers := map[dispatch.Tier]int{}
	reserve := 0
	for _, r := range t.Roster {
		tiers[r.Tier]++
		if r.Reserve {
			reserve++
		}
	}
	fmt.Fprintf(w, "  responders: %d town-level, %d village-level, %d in reserve\n", tiers[dispatch.TierTown], tiers[dispatch.TierVillage], reserve)
	dc := t.Dispatch
	onOff := func(gain float64) string {
		if gain > 0 {
			return fmt.Sprintf("worth %.0f s", gain)
		}
		return "off"
	}
	fmt.Fprintf(w, "  dispatch (%s): re-plan before leaving %s, redirect on the way within %s, divert to a nearer call %s, churn window %s, swap and divert up to priority %d\n",
		engine.DispatchFile, onOff(dc.RebalanceGainS), dc.RedirectFresh, onOff(dc.DivertGainS), dc.ChurnWindow, dc.SwapPriority)
	people, vulnerable := 0, 0
	for _, h := range t.Households {
		people += h.Members
		if h.Vulnerable() > 0 {
			vulnerable++
		}
	}
	fmt.Fprintf(w, "  household registry: %d households, %d people, %d with aged, bedridden or disabled members\n", len(t.Households), people, vulnerable)
	fmt.Fprintf(w, "  warnings: %q configuration, %d rain rules, %d action rules\n", t.Warning.Name, len(t.Warning.Rain), len(t.Warning.Actions))
}
