package bench

// Lifecycle is stage 3 of the benchmark: N applications taken from submission to their third paid
// tranche through the REST gateway (three reviews each, ranking and selection, agreements, three
// tranches reported, certified, ordered, batched and confirmed), on a durable stack of its own
// (PostgreSQL with fsync, Temporal on its database file), with the chaos run's invariants checked
// at the end but no fault inflicted.
type Lifecycle struct {
	Applications int     `json:"applications"`
	Seconds      float64 `json:"seconds"`
	Phases       []Phase `json:"phases"`
	// Invariants are the checks of the end: final states, payments, ledger, audit chains.
	Invariants []Invariant `json:"invariants"`
}

// Phase is one step of the lifecycle and its duration.
type Phase struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// Invariant is one check of the end of the lifecycle.
type Invariant struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Held reports whether every invariant held.
func (l Lifecycle) Held() bool {
	for _, c := range l.Invariants {
		if !c.OK {
			return false
		}
	}
	return len(l.Invariants) > 0
}
