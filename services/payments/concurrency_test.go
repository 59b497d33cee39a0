package payments

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/auth"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
)

// racer is one request of a race.
type racer struct {
	kind string
	call func() error
}

// race runs every racer in its own goroutine, all released at once by a start barrier once each is
// ready, in a shuffled order, and returns their errors by kind. The tests assert what must hold
// whatever the interleaving, never timings.
func race(racers []racer) map[string][]error {
	rand.Shuffle(len(racers), func(i, j int) { racers[i], racers[j] = racers[j], racers[i] })
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, len(racers))
	for i, r := range racers {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			errs[i] = r.call()
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	out := map[string][]error{}
	for i, r := range racers {
		out[r.kind] = append(out[r.kind], errs[i])
	}
	return out
}

// outcomes counts the successes of a kind of racer and checks that every failure is a refusal
// for the wrong state, the answer a loser of a race must get (not Aborted, not Internal).
func outcomes(t *testing.T, errs []error) (won int) {
	t.Helper()
	for _, err := range errs {
		if err == nil {
			won++
			continue
		}
		require.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	}
	return won
}

// schedule of the projects of the races: 100,000 EUR, an advance of 30%, 78% before the balance.
var schedule = []int64{30_000_00, 16_000_00, 16_000_00, 16_000_00, 22_000_00}

// TestConcurrentOrdersNeverOvershoot: an envelope fully committed to five projects, whose 25 tranches
// are certified. Fifty OrderTranche calls (each tranche by two finance officers at once) race with
// the decommitment of three projects, which shrinks their commitments to what is ordered at that
// instant (any order arriving after it would exceed the commitment), and with eight reserve projects
// committing 40,000 EUR each from the money the decommitments free (any commitment beyond it would
// exceed the envelope). Three rounds, each in its own call.
func TestConcurrentOrdersNeverOvershoot(t *testing.T) {
	f := newFixture(t)
	const projects, decommitted, reserves, reserveCents = 5, 3, 8, int64(40_000_00)
	for round := range 3 {
		callID := fmt.Sprintf("race-%d", round)
		callName := "calls/" + callID
		f.openBudget(callName, projects*100_000_00)
		var apps []string
		var tranches []*paymentsv1.Tranche
		for p := range projects {
			app := fmt.Sprintf("%s/applications/p%d", callName, p)
			c := f.commit(app, 100_000_00, schedule...)
			for _, tr := range c.GetTranches() {
				f.certified(tr.GetName())
			}
			apps, tranches = append(apps, app), append(tranches, c.GetTranches()...)
		}
		require.Zero(t, f.budget(callName).GetAvailableCents(), "the envelope is fully committed")

		var racers []racer
		for _, tr := range tranches {
			for _, who := range []string{"finance-a", "finance-b"} {
				ctx, req := f.as(auth.FinanceOfficer, who), &paymentsv1.OrderTrancheRequest{Name: tr.GetName()}
				racers = append(racers, racer{"order", func() error { _, err := f.client.OrderTranche(ctx, req); return err }})
			}
		}
		for _, app := range apps[:decommitted] {
			ctx := f.as(auth.ProgrammeOfficer, officer)
			req := &paymentsv1.CancelRemainingTranchesRequest{Name: app + "/commitment", Reason: "milestone reports overdue"}
			racers = append(racers, racer{"cancel", func() error { _, err := f.client.CancelRemainingTranches(ctx, req); return err }})
		}
		for r := range reserves {
			ctx := f.system()
			req := grantRequest(fmt.Sprintf("%s/applications/reserve%d", callName, r), siretDINUM, reserveCents, usualSchedule(reserveCents)...)
			racers = append(racers, racer{"commit", func() error { _, err := f.client.CommitGrant(ctx, req); return err }})
		}
		require.Len(t, racers, 50+decommitted+reserves)
		errs := race(racers)

		ordersWon := outcomes(t, errs["order"])
		outcomes(t, errs["cancel"])
		reservesWon := outcomes(t, errs["commit"])

		// Each tranche is ordered once, by one of the two, or cancelled; never both, never neither.
		ordered, cancelled := 0, int64(0)
		for i, tr := range tranches {
			got := f.tranches(tr.GetApplication())[tr.GetSequence()-1]
			switch got.GetState() {
			case "ORDERED":
				ordered++
				require.Contains(t, []string{"finance-a", "finance-b"}, got.GetOrderedBy())
				require.Empty(t, got.GetCancelledBy())
				require.Equal(t, 1, f.count(`SELECT count(*) FROM audit_log WHERE action = 'tranche.order' AND object = $1`, tr.GetName()))
			case "CANCELLED":
				require.Less(t, i, decommitted*len(schedule), "%s of a project nobody decommitted was cancelled", tr.GetName())
				require.Empty(t, got.GetOrderedBy())
				require.Zero(t, f.count(`SELECT count(*) FROM audit_log WHERE action = 'tranche.order' AND object = $1`, tr.GetName()))
				cancelled += got.GetAmountCents()
			default:
				t.Fatalf("%s is %s after the race", tr.GetName(), got.GetState())
			}
		}
		require.Equal(t, ordered, ordersWon, "one successful order per ordered tranche")

		// The reserve projects got no more than the decommitments freed.
		require.LessOrEqual(t, int64(reservesWon)*reserveCents, cancelled)
		envelopeCents, committed, _ := f.checkInvariants(callID)
		require.Equal(t, projects*100_000_00-cancelled+int64(reservesWon)*reserveCents, committed)
		require.GreaterOrEqual(t, envelopeCents-committed, int64(0))
		t.Logf("round %d: %d tranches ordered, %s EUR cancelled, %d reserve projects funded, %s EUR available",
			round, ordered, euros(cancelled), reservesWon, euros(envelopeCents-committed))

		// Everything ordered is then paid: still no overshoot, and the ledger agrees.
		var toPay []string
		for _, tr := range tranches {
			if f.tranches(tr.GetApplication())[tr.GetSequence()-1].GetState() == "ORDERED" {
				toPay = append(toPay, tr.GetName())
			}
		}
		b := f.batch(toPay...)
		outcomesOf := make([]*paymentsv1.TrancheOutcome, len(toPay))
		for i, name := range toPay {
			outcomesOf[i] = paid(name)
		}
		_, err := f.confirm(b.GetName(), outcomesOf...)
		require.NoError(t, err)
		_, _, paidCents := f.checkInvariants(callID)
		require.Equal(t, b.GetTotalCents(), paidCents)
	}
	f.verifyAudit()
}

func euros(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }

// TestDoubleOrderOrdersOnce: two finance officers click "order" on the same tranche at the same
// instant; one orders it, the other is told it is already ordered; and one officer's double click
// orders it once.
func TestDoubleOrderOrdersOnce(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	var tranches []string
	for p := range 2 {
		for _, tr := range f.commit(fmt.Sprintf("%s/applications/p%d", call, p), 100_000_00, schedule...).GetTranches() {
			f.certified(tr.GetName())
			tranches = append(tranches, tr.GetName())
		}
	}
	twoOfficers, doubleClick := tranches[:6], tranches[6:]
	var racers []racer
	for _, name := range twoOfficers {
		for _, who := range []string{"finance-a", "finance-b"} {
			ctx, req := f.as(auth.FinanceOfficer, who), &paymentsv1.OrderTrancheRequest{Name: name}
			racers = append(racers, racer{name, func() error { _, err := f.client.OrderTranche(ctx, req); return err }})
		}
	}
	for _, name := range doubleClick {
		for range 2 {
			ctx, req := f.as(auth.FinanceOfficer, finance), &paymentsv1.OrderTrancheRequest{Name: name}
			racers = append(racers, racer{name, func() error { _, err := f.client.OrderTranche(ctx, req); return err }})
		}
	}
	errs := race(racers)
	for _, name := range twoOfficers {
		require.Equal(t, 1, outcomes(t, errs[name]), "%s: one of two officers orders it", name)
	}
	for _, name := range doubleClick {
		require.Equal(t, 2, outcomes(t, errs[name]), "%s: a double click is not an error", name)
	}
	for _, name := range tranches {
		require.Equal(t, 1, f.count(`SELECT count(*) FROM audit_log WHERE action = 'tranche.order' AND object = $1`, name), name)
		require.Equal(t, 1, f.count(`SELECT count(*) FROM outbox WHERE payload->>'tranche' = $1 AND payload->>'state' = 'ORDERED'`, name), name)
	}
	_, committed, _ := f.checkInvariants("aap-2026")
	require.Equal(t, int64(200_000_00), committed)
	require.Equal(t, 2*100_000_00, f.count(`SELECT sum(ordered_cents) FROM commitments`))
	f.verifyAudit()
}

// TestConfirmReplayedConcurrentlyPaysOnce: the accountant's confirmation is replayed from ten
// goroutines at once (retries, double clicks, two accountants); every replay succeeds and each
// tranche is paid exactly once, with one payment in the ledger.
func TestConfirmReplayedConcurrentlyPaysOnce(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	appA, appB := call+"/applications/alpha", call+"/applications/beta"
	a := f.commit(appA, 100_000_00, 30_000_00, 70_000_00).GetTranches()[0].GetName()
	b := f.commit(appB, 50_000_00, 15_000_00, 25_000_00, 10_000_00).GetTranches()[0].GetName()
	f.ordered(a)
	f.ordered(b)
	batch := f.batch(a, b)

	var racers []racer
	for i := range 10 {
		ctx := f.as(auth.Accountant, []string{accountant, accountant2}[i%2])
		req := &paymentsv1.ConfirmPaymentBatchRequest{Name: batch.GetName(), Outcomes: []*paymentsv1.TrancheOutcome{paid(a), paid(b)}}
		racers = append(racers, racer{"confirm", func() error {
			got, err := f.client.ConfirmPaymentBatch(ctx, req)
			if err == nil && got.GetState() != "CONFIRMED" {
				return fmt.Errorf("batch is %s after a confirmation", got.GetState())
			}
			return err
		}})
	}
	for _, err := range race(racers)["confirm"] {
		require.NoError(t, err)
	}

	for _, tr := range []string{a, b} {
		id := tr[len("tranches/"):]
		require.Equal(t, 2, f.count(`SELECT count(*) FROM ledger_entries WHERE txn = $1`, "pay:"+id), "one balanced payment transaction")
		require.Equal(t, 1, f.count(`SELECT count(*) FROM audit_log WHERE action = 'tranche.pay' AND object = $1`, tr))
		require.Equal(t, 1, f.count(`SELECT count(*) FROM outbox WHERE payload->>'tranche' = $1 AND payload->>'state' = 'PAID'`, tr))
		require.Equal(t, 1, f.count(`SELECT count(*) FROM batch_tranches WHERE tranche = $1 AND outcome = 'PAID'`, id))
	}
	require.Equal(t, 1, f.count(`SELECT count(*) FROM ledger_entries WHERE account = $1`, paidAccount(appA)), "one payment entry for the project")
	require.Equal(t, 1, f.count(`SELECT count(*) FROM ledger_entries WHERE account = $1`, paidAccount(appB)), "one payment entry for the project")
	require.Equal(t, 1, f.audits("batch.confirm"))
	_, _, paidCents := f.checkInvariants("aap-2026")
	require.Equal(t, int64(30_000_00+15_000_00), paidCents)
	f.verifyAudit()
}
