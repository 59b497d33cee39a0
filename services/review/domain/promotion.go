package domain

// Promotion is the outcome of a withdrawal for the reserve list: who moves up, and the money
// left available afterwards.
type Promotion struct {
	// Promoted are the reserve entries that become SELECTED, in reserve-list order.
	Promoted []Entry
	// LeftCents is the available money none of them could use.
	LeftCents int64
}

// Promote gives available money (what a withdrawal or decommitment freed plus whatever the
// envelope still had unused) to the reserve list: walking it in rank order, each entry whose
// requested amount fits in what is left is promoted; one that does not fit is passed over and
// stays in reserve, so a smaller request further down may still move up. reserve must hold the
// ranking's entries; only those still in RESERVE are considered.
func Promote(reserve []Entry, availableCents int64) Promotion {
	p := Promotion{LeftCents: availableCents}
	for _, e := range reserve {
		if e.Decision != Reserve || e.RequestedCents > p.LeftCents {
			continue
		}
		p.LeftCents -= e.RequestedCents
		p.Promoted = append(p.Promoted, e)
	}
	return p
}
