// Package evac moves the residents of an ordered area to shelters with room,
// the most vulnerable first, and keeps every household accounted for.
//
// Like dispatch it is a pure state machine: the engine folds the town's log
// into an Evacuation (Order, Cancel, OpenShelter, CloseShelter, CheckIn,
// CheckOut, Notify, Moving, Staying, Apply), asks it for shelter choices with
// Decide when live, records them and folds them back with Apply. Nothing here
// reads a clock, draws a random number or lets map order decide an outcome,
// so the same log always gives the same state, byte for byte.
//
// Shelter choice is a capacitated transportation problem (households with
// sizes → shelters with room) solved by successive shortest paths in priority
// tiers; see plan.go for the algorithm and its bound.
package evac
