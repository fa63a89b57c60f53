package engine

import (
	"time"

	"github.com/paulmach/orb"

	"github.com/floodcmd/floodcmd/dispatch"
	"github.com/floodcmd/floodcmd/evac"
	"github.com/floodcmd/floodcmd/warning"
)

// applyWarningChange folds a recorded warning change; an automatic proposal is
// carried out at once, in the fold, so a replay carries it out the same way.
func (d *Domain) applyWarningChange(c warning.Change) error {
	if err := d.warn.Apply(c); err != nil {
		return err
	}
	if c.Type == warning.ChangeProposed && c.Proposal != nil && c.Proposal.Auto {
		return d.carryOut(c.Proposal, "auto:"+c.Proposal.Rule, c.Time)
	}
	return nil
}

func (d *Domain) proposal(id string) *warning.Proposal {
	for _, p := range d.warn.Proposals() {
		if p.ID == id {
			return &p
		}
	}
	return nil
}

// prepositionPeople sizes a pre-positioning: two evacuation teams at the village
// centre (triage gives one evacuation responder per 30 people).
const prepositionPeople = 60

// carryOut turns an approved proposal into what it proposes: an evacuation
// order for the low-lying grids, responders pre-positioned at the village, a
// patrol incident at the dam.
func (d *Domain) carryOut(p *warning.Proposal, operator string, t time.Time) error {
	if p == nil {
		return nil
	}
	at := orb.Point{p.Lon, p.Lat}
	village, grid, _ := d.locator.Locate(at)
	switch p.Action {
	case warning.ActionEvacuate:
		return domainErr(d.evac.Order(evac.OrderInput{ID: "order-" + p.ID, Kind: evac.OrderMandatory, Grids: p.Grids,
			Operator: operator, Reason: p.Reason, Time: t}))
	case warning.ActionPreposition:
		return domainErr(d.dispatch.ReportIncident(dispatch.Incident{ID: "prepos-" + p.ID, Kind: dispatch.KindEvacuation,
			At: at, Village: village, Grid: grid, People: prepositionPeople, Severity: 2, Reporter: operator, ReportedAt: t,
			Note: "预置力量 pre-position for " + p.Reason}))
	case warning.ActionPatrol:
		return domainErr(d.dispatch.ReportIncident(dispatch.Incident{ID: "patrol-" + p.ID, Kind: dispatch.KindReservoir,
			At: at, Village: village, Grid: grid, Severity: 2, Reporter: operator, ReportedAt: t,
			Note: "巡查 patrol: " + p.Reason}))
	}
	return nil
}
