// Package aid is a town's mutual aid with its neighbours, modelled on OASIS
// EDXL-RM: a request (RequestResource) is answered (ResponseToRequestResource),
// responders are committed (CommitResource), their deployment is reported
// (ReportResourceDeploymentStatus) and they are released (ReleaseResource),
// every message linked by its request id.
//
// It follows the engine's pattern for domain packages: the engine folds the
// inputs in (Receive for another town's message, Command for the operators'
// verbs, GuestReport for a guest's own status report, Needed and Assigned for
// the dispatcher's decisions), asks Decide(now) what should be sent —
// Decide never mutates — records each Decision in the log and folds it back
// with Apply. On replay the recorded messages are applied, not recomputed.
// Time is always the event's own; the wall clock never enters, and records
// are kept in creation order, so the same log yields the same state byte for
// byte (Snapshot).
//
// Lending and guests live in the town's dispatcher (dispatch.Lend, AddGuest,
// RemoveGuest): a State works over the dispatcher it was built with, and
// folds into it what mutual aid means for the town's responders.
//
// Aid per shortfall (shortfall.go): one request per capability and neighbour,
// updated as the shortfall grows or shrinks, withdrawn when local units cover
// it, and none while the town's own units of that capability will be free
// within the horizon.
package aid
