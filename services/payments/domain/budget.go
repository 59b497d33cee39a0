package domain

import (
	"fmt"

	"github.com/guichet/guichet/platform/money"
)

// CanCommit checks that committing amount keeps the call's commitments within its envelope
// (Σ commitments ≤ envelope).
func CanCommit(envelopeCents, committedCents, amountCents int64) error {
	if amountCents <= 0 {
		return fmt.Errorf("%w: the amount must be positive", ErrInvalid)
	}
	if available := envelopeCents - committedCents; amountCents > available {
		return fmt.Errorf("%w: committing %s EUR would exceed the envelope; %s EUR available", ErrOverEnvelope,
			money.Decimal(amountCents), money.Decimal(available))
	}
	return nil
}

// CanOrder checks that ordering a tranche keeps the project's paid and ordered money within its
// commitment (Σ payments ≤ commitment). engagedCents is what is already ordered, exported or paid.
func CanOrder(commitmentCents, engagedCents, trancheCents int64) error {
	if trancheCents > commitmentCents-engagedCents {
		return fmt.Errorf("%w: ordering %s EUR would bring the project's payments above its commitment of %s EUR (%s EUR already ordered or paid)",
			ErrOverCommitment, money.Decimal(trancheCents), money.Decimal(commitmentCents), money.Decimal(engagedCents))
	}
	return nil
}
