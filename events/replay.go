package events

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
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

// Replayer plays a drill onto the log at a speed-up factor of the events' own times.
type Replayer struct {
	Publisher *Publisher
	Speed     float64
	// Done reports an id already in the log: an interrupted replay resumes
	// where it stopped instead of repeating itself.
	Done func(id string) bool
	// Progress, if set, is told after each event published.
	Progress func(published, total int, ev Event)

	mu        sync.Mutex
	drillTime time.Time // the time of the last event played
	playedAt  time.Time // when it was played
}

// Now is the drill's clock: the last event's time, moved on at Speed since it was
// played; before the first event, the wall clock.
func (r *Replayer) Now() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.drillTime.IsZero() {
		return time.Now()
	}
	return r.drillTime.Add(time.Duration(float64(time.Since(r.playedAt)) * r.Speed))
}

func (r *Replayer) tick(t time.Time) {
	r.mu.Lock()
	r.drillTime, r.playedAt = t, time.Now()
	r.mu.Unlock()
}

// Play publishes the events in order, waiting (time difference ÷ Speed) between them.
func (r *Replayer) Play(ctx context.Context, evs []Event) error {
	if r.Speed <= 0 {
		r.Speed = 1
	}
	var prev time.Time
	for i, ev := range evs {
		if r.Done != nil && r.Done(ev.ID) {
			prev = ev.Time
			continue
		}
		if !prev.IsZero() && ev.Time.After(prev) {
			wait := time.Duration(float64(ev.Time.Sub(prev)) / r.Speed)
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		prev = ev.Time
		r.tick(ev.Time)
		if _, err := r.Publisher.Publish(ctx, ev.Subject, ev); err != nil {
			return fmt.Errorf("replay event %d (%s): %w", i+1, ev.ID, err)
		}
		if r.Progress != nil {
			r.Progress(i+1, len(evs), ev)
		}
	}
	return nil
}
