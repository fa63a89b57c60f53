// Package drill makes a tabletop exercise come alive: simulated responders answer
// their assignments and simulated households reach their shelters, through the same
// events real phones and shelter staff send. Never run it in a real emergency:
// every event it sends is marked drill.
package drill

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/floodcmd/floodcmd/engine"
	"github.com/floodcmd/floodcmd/events"
)

// Publisher appends an event to the log.
type Publisher interface {
	Publish(ctx context.Context, subject string, ev events.Event) error
}

// Simulator plays the people of a drill.
type Simulator struct {
	Town   string
	Engine interface{ Read(func(*engine.State)) }
	Pub    Publisher
	// Speed is how much faster than real time the drill runs (the replay's --speed).
	Speed float64
	// Clock gives the drill's time for the events sent (the replay's clock).
	Clock  func() time.Time
	Logger *slog.Logger

	seen map[string]time.Time // assignment or household + state → when the simulator first saw it
	sent map[string]bool
}

// Drill-time delays, before the speed-up: a responder takes 20 s to accept
// (well inside the dispatcher's ack time-out, which runs on the drill's clock
// too) and a minute to set off; a job on scene takes twenty minutes.
const (
	acceptAfter  = 20 * time.Second
	setOffAfter  = 60 * time.Second
	workOnScene  = 20 * time.Minute
	leaveHomeFor = 5 * time.Minute
)

// Run answers, every tick, whatever has waited long enough, until ctx ends.
func (s *Simulator) Run(ctx context.Context) {
	s.seen, s.sent = map[string]time.Time{}, map[string]bool{}
	// Look often enough that 5 s of drill time never pass unseen, at most every 200 ms.
	every := 200 * time.Millisecond
	if s.Speed > 0 {
		every = min(every, max(time.Millisecond, time.Duration(float64(5*time.Second)/s.Speed)))
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, m := range s.due(time.Now()) {
				if err := s.Pub.Publish(ctx, m.subject, m.ev); err != nil && ctx.Err() == nil {
					s.Logger.Warn("drill simulator could not publish", "subject", m.subject, "err", err)
				}
			}
		}
	}
}

type message struct {
	subject string
	ev      events.Event
}

// due lists the answers whose (sped-up) time has come.
func (s *Simulator) due(now time.Time) []message {
	var out []message
	s.Engine.Read(func(st *engine.State) {
		v := st.View()
		for _, a := range v.Assignments {
			next, wait := "", time.Duration(0)
			switch a.Status {
			case "assigned":
				next, wait = "accepted", acceptAfter
			case "accepted":
				next, wait = "en_route", setOffAfter
			case "en_route":
				next, wait = "on_scene", time.Duration(math.Max(a.ETASeconds, 30))*time.Second
			case "on_scene":
				next, wait = "done", workOnScene
			default:
				continue
			}
			if s.ready(a.ID+"/"+a.Status, wait, now) {
				data := map[string]any{"status": next, "assignment": a.ID}
				if next == "on_scene" || next == "done" {
					data["lat"], data["lon"] = a.Lat, a.Lon
				}
				out = append(out, s.message(events.Subject(s.Town, events.ChanResponder, a.Responder), events.TypeResponderStatus,
					fmt.Sprintf("sim-%s-%s", a.ID, next), data))
			}
		}
		for _, h := range v.Unaccounted {
			if h.Shelter == "" || h.State != "to_notify" && h.State != "notified" {
				continue
			}
			wait := leaveHomeFor + time.Duration(h.ETASeconds)*time.Second
			if s.ready(h.ID+"/"+h.Shelter, wait, now) {
				out = append(out, s.message(events.Subject(s.Town, events.ChanShelter, h.Shelter), events.TypeShelterCheckin,
					fmt.Sprintf("sim-in-%s-%s", h.ID, h.Shelter), map[string]any{"people": h.Members, "household": h.ID}))
			}
		}
	})
	return out
}

// ready reports once whether key has waited wait (divided by the speed-up) since first seen.
func (s *Simulator) ready(key string, wait time.Duration, now time.Time) bool {
	first, ok := s.seen[key]
	if !ok {
		s.seen[key] = now
		return false
	}
	if s.sent[key] || now.Sub(first) < time.Duration(float64(wait)/math.Max(s.Speed, 1)) {
		return false
	}
	s.sent[key] = true
	return true
}

func (s *Simulator) message(subject, typ, id string, data any) message {
	ev, _ := events.New(id, "drill/simulator", typ, s.Clock(), data)
	ev.Drill = true
	return message{subject: subject, ev: ev}
}
