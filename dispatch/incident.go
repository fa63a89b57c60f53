package dispatch

import (
	"time"

	"github.com/paulmach/orb"
)

// Incident kinds of contract v1; an unknown kind is triaged like "other".
const (
	KindFlooding       = "flooding"
	KindTrapped        = "trapped"
	KindEvacuation     = "evacuation"
	KindBlockedChannel = "blocked_channel"
	KindDangerousHouse = "dangerous_house"
	KindLandslide      = "landslide"
	KindRoadFlooded    = "road_flooded"
	KindDikeBreach     = "dike_breach"
	KindReservoir      = "reservoir"
	KindOther          = "other"
)

// Incident is one report from the field, a hotline or a gauge rule.
// Village and Grid are filled upstream (point → grid) from At.
type Incident struct {
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	At      orb.Point `json:"at"`
	Village string    `json:"village"`
	Grid    string    `json:"grid"`
	People  int       `json:"people"`
	// Severity as the reporter saw it: 1 (highest) … 4, 0 = unknown.
	Severity   int       `json:"severity"`
	Note       string    `json:"note"`
	Reporter   string    `json:"reporter"`
	ReportedAt time.Time `json:"reported_at"`
}
