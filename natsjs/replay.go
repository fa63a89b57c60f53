package natsjs

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/floodcmd/floodcmd/events"
)

// Replayer plays a drill onto the log at a speed-up factor of the events' own times.
type Replayer struct {
	Publisher *Publisher
	Speed     float64
	// Done reports an id already in the log: an interrupted replay resumes
	// where it stopped instead of repeating itself.
	Done func(id string) bool
	// Progress, if set, is told after each event published.
	Progress func(published, total int, ev events.Event)

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
func (r *Replayer) Play(ctx context.Context, evs []events.Event) error {
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
