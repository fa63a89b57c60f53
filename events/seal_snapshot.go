package events

// Sealed reports whether the gate has admitted a sealed decision (from then on
// it refuses unsealed ones): the gate's part of a fold snapshot.
func (g *DecisionGate) Sealed() bool { return g.sealed }

// RestoreSealed sets the gate as a snapshot recorded it.
func (g *DecisionGate) RestoreSealed(sealed bool) { g.sealed = sealed }
