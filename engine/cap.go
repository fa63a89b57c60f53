package engine

import (
	"fmt"
	"time"

	"github.com/floodcmd/floodcmd/cap"
)

// TownZone is the zone CAP times are written in. Chinese towns keep Beijing time
// all year; a fixed zone needs no tz database on the command centre's machine.
var TownZone = time.FixedZone("CST", 8*3600)

// CAPAlerts renders every active warning as a CAP 1.2 alert; while the log holds
// drill events they are Exercise, never Actual. The caller holds the read lock.
func (s *State) CAPAlerts() ([]cap.Alert, error) {
	drill := s.drill.Events > 0
	active := s.domain.warn.Active()
	out := make([]cap.Alert, 0, len(active))
	for _, wn := range active {
		a, err := s.domain.warn.CAPAlert(wn, drill, TownZone)
		if err != nil {
			return nil, fmt.Errorf("warning %s: %w", wn.Key(), err)
		}
		out = append(out, a)
	}
	return out, nil
}
