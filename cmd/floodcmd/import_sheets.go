package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/geo"
	"github.com/floodcmd/floodcmd/scenario"
	"github.com/floodcmd/floodcmd/xlsx"
)

// importRoster writes roster.csv from the town's roster spreadsheet.
func importRoster(args []string, getenv func(string) string, stdout io.Writer) error {
	return importSheet("roster", engine.RosterFile, xlsx.Roster, false, args, getenv, stdout)
}

// importHouseholds writes households.csv from the town's household registry.
func importHouseholds(args []string, getenv func(string) string, stdout io.Writer) error {
	return importSheet("households", engine.HouseholdsFile, xlsx.Households, true, args, getenv, stdout)
}

func importSheet(what, file string, read func(io.Reader, xlsx.Options) (*xlsx.Result, error), needScenario bool,
	args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("import "+what, flag.ContinueOnError)
	fs.SetOutput(stdout)
	in := fs.String("xlsx", "", "the spreadsheet, .xlsx")
	sheet := fs.String("sheet", "", "sheet name (default: the first sheet)")
	dir := fs.String("scenario", "", "scenario folder: village and grid names become ids, and the CSV is written there")
	out := fs.String("out", "", "CSV file to write (default: "+file+" in --scenario, else standard output)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if *in == "" {
		return fmt.Errorf("import %s: give the spreadsheet with --xlsx FILE.xlsx", what)
	}
	if needScenario && *dir == "" {
		return fmt.Errorf("import %s: give the scenario folder with --scenario DIR (grids are checked against it)", what)
	}
	opt := xlsx.Options{Sheet: *sheet}
	if *dir != "" {
		fsys, err := scenario.Open(*dir)
		if err != nil {
			return fmt.Errorf("import %s: %w", what, err)
		}
		if opt.Scenario, err = geo.LoadScenario(fsys); err != nil {
			return fmt.Errorf("import %s: scenario %s: %w", what, *dir, err)
		}
	}
	f, err := os.Open(*in)
	if err != nil {
		return fmt.Errorf("import %s: %w", what, err)
	}
	defer f.Close()
	res, err := read(f, opt)
	var sheetErrs *xlsx.Errors
	if errors.As(err, &sheetErrs) {
		sheetErrs.File = *in
		fmt.Fprintln(stdout, sheetErrs)
		return fmt.Errorf("import %s: %s has %d problem(s) (listed above); nothing was written", what, *in, len(sheetErrs.Problems))
	}
	if err != nil {
		return fmt.Errorf("import %s: %s: %w", what, *in, err)
	}
	dest := *out
	if dest == "" && *dir != "" {
		dest = filepath.Join(*dir, file)
	}
	if dest == "" {
		_, err := stdout.Write(res.CSV)
		return err
	}
	if err := os.WriteFile(dest, res.CSV, 0o644); err != nil {
		return fmt.Errorf("import %s: %w", what, err)
	}
	fmt.Fprintf(stdout, "%s: %d rows written to %s\n", *in, res.Rows, dest)
	if res.Positioned > 0 {
		fmt.Fprintf(stdout, "  %d rows had no coordinates: placed at their village's or grid's centre; add 经度/纬度 columns for real positions\n", res.Positioned)
	}
	if len(res.Ignored) > 0 {
		fmt.Fprintf(stdout, "  columns not used: %s\n", strings.Join(res.Ignored, ", "))
	}
	return nil
}
