package chaos

import (
	"context"
	"fmt"
	"strings"
	"time"

	temporal "go.temporal.io/sdk/client"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/flow"
	"github.com/guichet/guichet/platform/pg"
)

// check is one invariant and what was found.
type check struct {
	Name   string
	OK     bool
	Detail string
}

// grant is what each application requests and is paid.
const grant = 40_000_000

// checkFinalStates waits for every application's workflow to end and checks that it ended FUNDED
// with the whole grant paid.
func checkFinalStates(ctx context.Context, tc temporal.Client, apps []string, wait time.Duration) check {
	c := check{Name: "every application FUNDED, all tranches PAID, workflow ended"}
	funded := 0
	var bad []string
	for _, app := range apps {
		wctx, cancel := context.WithTimeout(ctx, wait)
		var outcome struct {
			State     string `json:"state"`
			PaidCents int64  `json:"paidCents"`
		}
		err := tc.GetWorkflow(wctx, flow.ApplicationWorkflowID(app), "").Get(wctx, &outcome)
		cancel()
		if err == nil && outcome.State == "FUNDED" && outcome.PaidCents == grant {
			funded++
		} else if len(bad) < 5 {
			bad = append(bad, fmt.Sprintf("%s: %+v %v", app, outcome, err))
		}
	}
	c.OK = funded == len(apps) && len(apps) > 0
	c.Detail = fmt.Sprintf("%d of %d", funded, len(apps))
	if len(bad) > 0 {
		c.Detail += "; e.g. " + strings.Join(bad, "; ")
	}
	return c
}

// checkPayments reads the payments schema (read-only) for the call's money invariants.
func checkPayments(ctx context.Context, url, call string, apps int) ([]check, error) {
	// The payments schema keys budgets and commitments by the call's id.
	call = strings.TrimPrefix(call, "calls/")
	pool, err := pg.Open(ctx, url, "payments")
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	count := func(q string, args ...any) (int64, error) {
		var n int64
		err := pool.QueryRow(ctx, q, args...).Scan(&n)
		return n, err
	}
	var checks []check
	// A tranche is paid once: one `pay:<tranche>` transaction, posted once, and at most one PAID
	// outcome across the batches it was in.
	twice, err := count(`SELECT count(*) FROM (SELECT t.id FROM tranches t JOIN commitments c ON c.application = t.application
		LEFT JOIN batch_tranches b ON b.tranche = t.id AND b.outcome = 'PAID'
		WHERE c.call = $1 GROUP BY t.id HAVING count(b.*) > 1) x`, call)
	if err != nil {
		return nil, err
	}
	paidTranches, err := count(`SELECT count(*) FROM tranches t JOIN commitments c ON c.application = t.application
		WHERE c.call = $1 AND t.state = 'PAID'`, call)
	if err != nil {
		return nil, err
	}
	payTxns, err := count(`SELECT count(DISTINCT l.txn) FROM ledger_entries l JOIN tranches t ON l.txn = 'pay:' || t.id
		JOIN commitments c ON c.application = t.application WHERE c.call = $1`, call)
	if err != nil {
		return nil, err
	}
	paidEntries, err := count(`SELECT count(*) FROM ledger_entries l JOIN commitments c ON l.account = 'paid:' || c.application
		WHERE c.call = $1`, call)
	if err != nil {
		return nil, err
	}
	checks = append(checks, check{Name: "no tranche paid twice",
		OK: twice == 0 && paidTranches == int64(3*apps) && payTxns == paidTranches && paidEntries == paidTranches,
		Detail: fmt.Sprintf("%d tranches PAID of %d, %d payment transactions, %d paid-account entries, %d paid twice",
			paidTranches, 3*apps, payTxns, paidEntries, twice)})

	var envelope, committed, paid, sumCommitted, sumPaid int64
	if err := pool.QueryRow(ctx, `SELECT envelope_cents, committed_cents, paid_cents FROM call_budgets WHERE call = $1`, call).
		Scan(&envelope, &committed, &paid); err != nil {
		return nil, fmt.Errorf("budget of %s: %w", call, err)
	}
	if err := pool.QueryRow(ctx, `SELECT coalesce(sum(amount_cents), 0), coalesce(sum(paid_cents), 0) FROM commitments WHERE call = $1`, call).
		Scan(&sumCommitted, &sumPaid); err != nil {
		return nil, err
	}
	var sumTranchesPaid int64
	if err := pool.QueryRow(ctx, `SELECT coalesce(sum(t.amount_cents), 0) FROM tranches t JOIN commitments c ON c.application = t.application
		WHERE c.call = $1 AND t.state = 'PAID'`, call).Scan(&sumTranchesPaid); err != nil {
		return nil, err
	}
	checks = append(checks, check{Name: "paid ≤ committed ≤ envelope",
		OK: 0 <= paid && paid <= committed && committed <= envelope && sumCommitted == committed && sumPaid == paid && sumTranchesPaid == paid,
		Detail: fmt.Sprintf("paid %d ≤ committed %d ≤ envelope %d cents; Σ commitments %d, Σ their paid %d, Σ PAID tranches %d",
			paid, committed, envelope, sumCommitted, sumPaid, sumTranchesPaid)})

	unbalanced, err := count(`SELECT count(*) FROM (SELECT txn FROM ledger_entries GROUP BY txn HAVING sum(amount_cents) <> 0) x`)
	if err != nil {
		return nil, err
	}
	txns, err := count(`SELECT count(DISTINCT txn) FROM ledger_entries`)
	if err != nil {
		return nil, err
	}
	checks = append(checks, check{Name: "ledger balanced", OK: unbalanced == 0,
		Detail: fmt.Sprintf("%d transactions, %d unbalanced", txns, unbalanced)})
	return checks, nil
}

// checkAudit recomputes the audit chain of every service's schema.
func checkAudit(ctx context.Context, url string) ([]check, error) {
	var checks []check
	for _, schema := range []string{"applications", "review", "payments"} {
		pool, err := pg.Open(ctx, url, schema)
		if err != nil {
			return nil, err
		}
		brk, n, err := audit.Verify(ctx, pool)
		pool.Close()
		if err != nil {
			return nil, fmt.Errorf("%s audit: %w", schema, err)
		}
		c := check{Name: "audit chain valid: " + schema, OK: brk == nil, Detail: fmt.Sprintf("%d entries", n)}
		if brk != nil {
			c.Detail += fmt.Sprintf("; BROKEN at entry %d (%s)", brk.Seq, brk.Reason)
		}
		checks = append(checks, c)
	}
	return checks, nil
}
