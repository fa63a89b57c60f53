// Package evac moves the residents of an ordered area to shelters with room,
// the most vulnerable first, keeps every household accounted for, and says
// how long it will take.
//
// Like dispatch it is a pure state machine: the engine folds the town's log
// into an Evacuation (Order, Cancel, OpenShelter, CloseShelter, CheckIn,
// CheckOut, Notify, Moving, Staying, Apply), asks it for decisions with
// Decide when live, records them and folds them back with Apply. Nothing here
// reads a clock, draws a random number or lets map order decide an outcome,
// so the same log always gives the same state, byte for byte.
//
// # Shelter choice (plan.go, plan_improve.go, decide.go)
//
// Objective, lexicographic: households are placed in priority order —
// vulnerable members (aged 80+, bedridden, disabled) first, then households
// already told where to go (notified, on their way, or left a shelter), then
// mandatory orders, then advisory; within each, the most exposed grid
// (low_lying_share) first, then registry order — and among plans placing the
// same households, the least person-weighted travel time by each household's
// means, × VulnerableWeight (3) for vulnerable households. Every reachable
// open shelter is a candidate.
//
// The relaxation in which households may split is solved exactly
// (successive shortest paths); households are then made whole and improved
// by local search. Measured against an independent min-cost flow bound:
// within 1 % on towns of 1,000 households or more where room is short
// (BenchmarkPlanOptimality, TestPlanNearOptimum, TestDuhuFourGridsOrder);
// tiny towns, where keeping households whole is a bin-packing problem, fare
// worse (TestPlanExactOnTinyTowns reports it against exact enumeration).
//
// Promises: a household told where to go, or on its way, never loses its
// place to anyone (it holds it unless its shelter closes, is cut off, or is
// over capacity, and then it is re-planned ahead of every household not yet
// told). Households not yet told give way, with a reason, to higher-priority
// households that would otherwise wait, and get a place again, in the same
// order, when room appears. No household waits while a shelter it can reach
// has room for it. A trip the roads slowed (a closure, a depth) is re-timed
// (evac.retimed, a decision on the log) and moved to another shelter with
// room when that is faster by ReplanFasterMinutes (5).
//
// # Escorts in runs (escort.go)
//
// The households of a grid whose members cannot leave alone are packed, the
// most urgent first, into escort runs of at most EscortRunPeople (6) people
// who need help — what a team takes in one trip (a van or a rescue boat; able
// relatives walk beside). Each run is one evacuation incident for the
// dispatcher, so an order asks for a team per trip, not per household.
//
// # Evacuation time estimate (estimate.go, means.go)
//
// The model of evacuation time estimate studies (US NRC NUREG/CR-7002,
// "Criteria for Development of Evacuation Time Estimate Studies", 2011):
// trip generation (notification, then preparation), then travel.
//
//	told       door to door by NotifyWorkers (30) grid workers per grid,
//	           NotifyMinutes (3) per household, longest trips first
//	prepared   PrepareMinutes (15) after being told
//	travelled  by the household's means: on foot at WalkKmh (4 km/h) over
//	           Detour (1.3) × the straight distance, never faster than the
//	           road (closures and depths included); by car by road
//	escorted   EscortTeams (20) teams take the runs, the most urgent first,
//	           from EscortMobiliseMinutes (15) after the order, spending
//	           EscortPickupMinutes (10) per household, then driving to the
//	           shelter and back for the next run
//
// Sources and assumptions for Duhu (DefaultConfig, and scenario/duhu/evac.json,
// where a town changes them):
//   - Grid workers: Duhu has 35 full-time and 1,192 part-time grid workers
//     in 26 level-2 grids (about 47 per grid; /work/shared/seed/
//     duhu-2022-05-14-article.txt); 30 assumes most are reachable in a storm.
//   - 3 min per household door to door and 15 min to prepare are assumptions
//     (NUREG/CR-7002 studies survey preparation times of 15–60 min; a flash
//     flood order says leave now).
//   - 4 km/h: a walking adult is 1.2–1.4 m/s; in rain, with bags and children,
//     less. A detour of 1.3 is a usual road circuity factor.
//   - Means: the registry's means column; empty means the grid's default
//     (MeansByGrid), else DefaultMeans (foot). Duhu's generated registry has
//     about a third of households driving (rural China: about 32 cars per 100
//     households in 2022). Vulnerable households are always escorted.
//   - Escort teams: the town's 55 town-level and 94 village-level emergency
//     responders (the article) make about 20 teams of two or three; the
//     engine's dispatcher assigns the actual responders to each run.
//   - Check: on 12 May 2022 Yangning's village chief and grid workers moved
//     150 people door to door in about an hour. For all of Yangning (554
//     households, 1,882 people) the estimate is 82 min for everyone accounted
//     for, 150 people by 53 min (TestYangningEstimate).
//
// The view gives, per household, grid, village and order, when everyone is
// expected to be accounted for (estimate_min, estimated_all_at), how many
// households the estimate expects accounted for by now and how many are
// (expected_accounted, accounted), and how many have no estimate yet because
// they have no place (no_estimate).
package evac
