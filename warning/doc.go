// Package warning turns a town's rain and water-level readings into warning
// levels (per gauge and per village), notices silent gauges, maps external
// CAP alerts onto grids and proposes actions (evacuate, preposition, patrol).
//
// It follows the engine's pattern for domain packages: the engine folds
// readings in (Rain, Level, ExternalAlert), asks Evaluate(now) what should
// change — Evaluate never mutates — records each Change in the log and folds
// it back with Apply. On replay the recorded changes are applied, not
// recomputed. Time inside the fold is always the reading's own time; the
// wall clock never enters, and map keys are sorted wherever order is visible,
// so the same log yields the same state byte for byte.
//
// Area rule ("max"): a village takes the highest level among its own rain
// gauges (a gauge belongs to the village named in the scenario, or the
// village that contains it); a village with no rain gauge of its own takes
// the level of the nearest rain gauge to its centre. An active external (CAP)
// warning on any of a village's grids raises the village to at least that level.
package warning
