// Package dispatch assigns a town's responders to flood incidents.
//
// It is a pure state machine: the engine folds the town's event log into a
// Dispatcher (ReportIncident, SetStatus, Resolve, Reassign, Apply), asks it for
// new decisions with Decide when it is live, records them in the log and folds
// them back with Apply. Nothing here reads a clock, draws a random number or
// lets map iteration order decide an outcome, so the same log always yields the
// same state and, on replay, decisions are read back rather than recomputed.
//
// The policy is the township's own: 小事不出村、大事不出镇 — village responders
// first, the town tier when the village cannot cover (or at once for the most
// urgent incidents), mutual aid from neighbours when even the town cannot.
// Among the responders the policy allows, assignment is an exact minimum-cost
// matching (see optimise.go).
package dispatch
