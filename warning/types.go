package warning

import "time"

// Change types: what Evaluate proposes and Apply folds.
const (
	ChangeIssued   = "warning.issued"  // a new warning, or a warning raised to a higher level
	ChangeLowered  = "warning.lowered" // a warning lowered but not cleared
	ChangeCleared  = "warning.cleared" // a warning ended
	ChangeSilent   = "gauge.silent"    // a rain gauge stopped reporting during a storm
	ChangeProposed = "action.proposed" // an action for an operator (or automatic)
)

// Scopes a warning applies to.
const (
	ScopeGauge   = "gauge"
	ScopeVillage = "village"
	ScopeGrid    = "grid"
)

// Warning kinds.
const (
	KindRain     = "rain"         // rainstorm signal from accumulations
	KindLevel    = "level"        // a reservoir or river above its warning/danger level
	KindSilent   = "gauge_silent" // a rain gauge silent while its village is at yellow+
	KindExternal = "external"     // an external CAP alert covering a grid
)

// Sources of a warning.
const (
	SourceRules = "rules" // this package's rules over the town's own gauges
	SourceCAP   = "cap"   // an external CAP alert (e.g. the meteorological bureau's)
)

// Proposal statuses.
const (
	StatusPending   = "pending"
	StatusApproved  = "approved"
	StatusDismissed = "dismissed"
)

// Change is one thing that should change (Evaluate) or did (Apply). It is the
// data of a flood.warning.* decision in the log.
type Change struct {
	Type     string     `json:"type"`
	Kind     string     `json:"kind,omitempty"`
	Scope    string     `json:"scope,omitempty"`
	ID       string     `json:"id,omitempty"`
	Level    string     `json:"level,omitempty"`
	Previous string     `json:"previous,omitempty"`
	Source   string     `json:"source,omitempty"`
	Evidence []Evidence `json:"evidence,omitempty"`
	Proposal *Proposal  `json:"proposal,omitempty"`
	// Time is event time: the reading (or alert) that caused the change, or
	// Evaluate's now for silence and expiry, which only the clock can reveal.
	Time time.Time `json:"time"`
}

// Evidence is why a warning stands: a rule and the value that met it.
type Evidence struct {
	Gauge     string  `json:"gauge,omitempty"`
	Hours     int     `json:"hours,omitempty"`
	MM        float64 `json:"mm,omitempty"`
	Meters    float64 `json:"meters,omitempty"`
	Threshold float64 `json:"threshold,omitempty"`
	// Rule reads like "orange ≥50mm/3h", "warning_m", "danger_m" or "cap:<identifier>".
	Rule string `json:"rule"`
}

// Proposal is an action the warnings call for. Auto proposals are approved
// when made; the others wait for an operator's Approve or Dismiss.
type Proposal struct {
	ID      string   `json:"id"`
	Rule    string   `json:"rule"`
	Action  string   `json:"action"`
	Village string   `json:"village,omitempty"`
	Grids   []string `json:"grids,omitempty"`
	Gauge   string   `json:"gauge,omitempty"`
	// Lat, Lon is where the action points: the village centre, or the dam
	// (the nearest reservoir/dike hazard) for a patrol.
	Lat       float64    `json:"lat"`
	Lon       float64    `json:"lon"`
	People    int        `json:"people,omitempty"`
	Level     string     `json:"level"`
	Reason    string     `json:"reason"`
	Auto      bool       `json:"auto"`
	Status    string     `json:"status"`
	Operator  string     `json:"operator,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	Time      time.Time  `json:"time"`
}

// Warning is an active warning.
type Warning struct {
	Kind   string `json:"kind"`
	Scope  string `json:"scope"`
	ID     string `json:"id"`
	Level  string `json:"level"`
	Source string `json:"source"`
	// Issued is when the warning began; Since is when it reached Level.
	Issued   time.Time  `json:"issued"`
	Since    time.Time  `json:"since"`
	Evidence []Evidence `json:"evidence,omitempty"`
	// LastReading is, for gauge_silent, the end of the last reading heard.
	LastReading *time.Time `json:"last_reading,omitempty"`
}

// Key identifies a warning: scope, id and kind.
func (w Warning) Key() string { return key(w.Scope, w.ID, w.Kind) }

func key(scope, id, kind string) string { return scope + ":" + id + ":" + kind }
