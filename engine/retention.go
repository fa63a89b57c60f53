package engine

import (
	"time"

	"github.com/floodcmd/floodcmd/dispatch"
)

// DefaultRetention is how long, in the log's own time, a resolved incident and
// its finished assignments stay in the live view (/api/state, the board's
// feed). Their history stays in the log and in PostgreSQL (the report), so the
// live view grows with open work, not with the season.
const DefaultRetention = 6 * time.Hour

// SetRetention sets how long finished work stays in the live view; 0 keeps the default.
func (d *Domain) SetRetention(r time.Duration) {
	if r > 0 {
		d.retention = r
	}
}

// noteTime moves the domain's data clock: the newest event time folded.
func (d *Domain) noteTime(t time.Time) {
	if t.After(d.dataTime) {
		d.dataTime = t
	}
}

// forgetFinished has the dispatcher drop the incidents resolved longer than
// the retention ago (dispatch.Forget), once an hour of the data clock: before,
// it kept every incident and assignment of the season, so its view (built for
// every board frame), its snapshot and the fold's live heap grew with the log.
// Hour boundaries of the data clock (in the fold snapshot) make it a fold
// too: a snapshot and its tail forget exactly what a full replay does.
func (d *Domain) forgetFinished(before time.Time) {
	if d.dataTime.Truncate(time.Hour).Equal(before.Truncate(time.Hour)) {
		return
	}
	d.dispatch.Forget(d.dataTime.Add(-d.retention))
}

// retain drops from the view incidents resolved longer than the retention ago
// (by the data clock, never the wall clock: the view is a fold too) and the
// finished assignments that belong to them.
func (d *Domain) retain(v *dispatch.View) {
	cutoff := d.dataTime.Add(-d.retention)
	gone := map[string]bool{}
	kept := v.Incidents[:0]
	for _, inc := range v.Incidents {
		if inc.ResolvedAt != nil && inc.ResolvedAt.Before(cutoff) {
			gone[inc.ID] = true
			continue
		}
		kept = append(kept, inc)
	}
	v.Incidents = kept
	if len(gone) == 0 {
		return
	}
	as := v.Assignments[:0]
	for _, a := range v.Assignments {
		if !gone[a.Incident] {
			as = append(as, a)
		}
	}
	v.Assignments = as
}
