package payments

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/guichet/guichet/platform/pg"
)

// checkInvariants checks the invariants of DOMAIN.md for one call with queries of their own, not the
// service's code, and returns the call's budget as GetCallBudget gives it:
//   - per project: Σ ordered, exported and paid tranches ≤ commitment, Σ paid ≤ that; the commitment
//     is the agreement less the cancelled tranches; the totals the constraints bound match the tranches;
//   - per call: Σ paid ≤ Σ committed ≤ envelope, the budget's totals match the commitments;
//   - the ledger balances and tells the same: envelope:<call> is what is available, commitment:<app>
//     what is committed and not paid, paid:<app> what is paid;
//   - every row still satisfies every CHECK constraint (each row is rewritten unchanged, which makes
//     PostgreSQL evaluate them again, in a transaction rolled back).
func (f *fixture) checkInvariants(callID string) (envelope, committed, paid int64) {
	f.t.Helper()
	ctx := context.Background()
	ledger := f.ledgerBalances()

	rows, err := f.pool.Query(ctx, `SELECT c.application, c.agreement_cents, c.amount_cents, c.ordered_cents, c.paid_cents, c.cancelled_cents,
		COALESCE(sum(t.amount_cents) FILTER (WHERE t.state <> 'CANCELLED'), 0)::bigint,
		COALESCE(sum(t.amount_cents) FILTER (WHERE t.state IN ('ORDERED', 'EXPORTED', 'PAID')), 0)::bigint,
		COALESCE(sum(t.amount_cents) FILTER (WHERE t.state = 'PAID'), 0)::bigint,
		COALESCE(sum(t.amount_cents) FILTER (WHERE t.state = 'CANCELLED'), 0)::bigint,
		COALESCE(sum(t.amount_cents), 0)::bigint
		FROM commitments c LEFT JOIN tranches t ON t.application = c.application WHERE c.call = $1 GROUP BY c.application`, callID)
	require.NoError(f.t, err)
	var sumCommitted, sumPaid int64
	for rows.Next() {
		var app string
		var agreement, amount, ordered, paidCents, cancelled, live, engaged, paidTranches, cancelledTranches, all int64
		require.NoError(f.t, rows.Scan(&app, &agreement, &amount, &ordered, &paidCents, &cancelled, &live, &engaged, &paidTranches, &cancelledTranches, &all))
		require.Equal(f.t, agreement, all, "%s: the schedule sums to the agreement", app)
		require.Equal(f.t, live, amount, "%s: the commitment is its tranches not cancelled", app)
		require.Equal(f.t, cancelledTranches, cancelled, "%s: the cancelled amount is the cancelled tranches", app)
		require.Equal(f.t, engaged, ordered, "%s: ordered_cents is its ordered, exported and paid tranches", app)
		require.Equal(f.t, paidTranches, paidCents, "%s: paid_cents is its paid tranches", app)
		require.LessOrEqual(f.t, engaged, amount, "%s: Σ ordered+exported+paid ≤ commitment", app)
		require.LessOrEqual(f.t, paidCents, engaged, "%s: Σ paid ≤ Σ ordered", app)
		require.Equal(f.t, amount-paidCents, ledger[commitmentAccount(app)], "%s: the ledger's commitment account", app)
		require.Equal(f.t, paidCents, ledger[paidAccount(app)], "%s: the ledger's paid account", app)
		sumCommitted += amount
		sumPaid += paidCents
	}
	require.NoError(f.t, rows.Err())

	require.NoError(f.t, f.pool.QueryRow(ctx, `SELECT envelope_cents, committed_cents, paid_cents FROM call_budgets WHERE call = $1`, callID).
		Scan(&envelope, &committed, &paid))
	require.Equal(f.t, sumCommitted, committed, "the budget's committed amount is the sum of the commitments")
	require.Equal(f.t, sumPaid, paid, "the budget's paid amount is the sum of the payments")
	require.LessOrEqual(f.t, paid, committed, "Σ paid ≤ Σ committed")
	require.LessOrEqual(f.t, committed, envelope, "Σ committed ≤ envelope")
	require.Equal(f.t, envelope-committed, ledger[envelopeAccount(callID)], "the ledger's envelope account is what is available")
	require.Equal(f.t, -envelope, ledger[appropriationAccount(callID)])

	b := f.budget("calls/" + callID)
	require.Equal(f.t, []int64{envelope, committed, paid, envelope - committed},
		[]int64{b.GetEnvelopeCents(), b.GetCommittedCents(), b.GetPaidCents(), b.GetAvailableCents()}, "GetCallBudget agrees with the ledger")

	errRollback := pg.Tx(ctx, f.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		for _, q := range []string{
			`UPDATE call_budgets SET envelope_cents = envelope_cents`,
			`UPDATE commitments SET amount_cents = amount_cents`,
			`UPDATE tranches SET state = state`,
			`UPDATE batch_tranches SET outcome = outcome`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return errRolledBack
	})
	require.ErrorIs(f.t, errRollback, errRolledBack, "a row breaks a CHECK constraint")
	return envelope, committed, paid
}

var errRolledBack = errors.New("rolled back on purpose")
