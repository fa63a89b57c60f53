package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `floodcmd — flood emergency dispatch and evacuation command system

Usage:
  floodcmd serve [flags]     run the command system (embedded NATS by default)
  floodcmd token [flags]     print an access token (--role operator|responder|partner|viewer)
  floodcmd creds [flags]     print NATS credentials (--role gauge|field|operator|viewer|town --town T)
  floodcmd check [flags]     load a scenario folder as serve would: every problem, or a summary
  floodcmd import osm|roster|households  build a scenario folder from OpenStreetMap and spreadsheets
  floodcmd version           print the version

Run "floodcmd serve -h" for the flags. Every flag also reads FLOODCMD_<FLAG>
(upper case, '-' as '_'), e.g. FLOODCMD_HTTP=:9090.
`

// run is the whole program: main only wires signals and the process's environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	err := runCommand(ctx, args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil // -h printed the flags; asking for help is not a failure
	}
	return err
}

func runCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout)
	case "check":
		return check(args[1:], getenv, stdout)
	case "token":
		return token(args[1:], getenv, stdout)
	case "import":
		return importCmd(ctx, args[1:], getenv, stdout)
	case "creds":
		return creds(args[1:], getenv, stdout)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "floodcmd", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stdout, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// parseFlags reads a command's flags from the command line, then every flag not
// given there from FLOODCMD_<FLAG>.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	return envDefaults(fs, getenv)
}

// envDefaults sets every flag not given on the command line from FLOODCMD_<FLAG>.
func envDefaults(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		name := "FLOODCMD_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
			}
		}
	})
	return errors.Join(errs...)
}
