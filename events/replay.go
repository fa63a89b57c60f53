package events

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ReadReplay reads a replay file (one CloudEvent JSON per line, blank lines and
// lines starting with # ignored) and checks every line, reporting all bad lines.
func ReadReplay(r io.Reader, town string) ([]Event, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxEventBytes)
	var out []Event
	var errs []error
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		var probe struct {
			Subject string `json:"subject"`
		}
		if err := json.Unmarshal(line, &probe); err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", n, err))
			continue
		}
		in, err := Validate(town, probe.Subject, line)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d (%s): %w", n, probe.Subject, err))
			continue
		}
		in.Event.Subject = probe.Subject
		in.Event.Drill = true
		out = append(out, in.Event)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("replay file: %w", err)
	}
	return out, nil
}
