package application

import (
	"context"
	"errors"
	"net/textproto"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/guichet/guichet/platform/flow"
)

// decisionLog records, in order, the decisions recorded and the decision emails sent.
type decisionLog []string

func (l *decisionLog) expect(env *testsuite.TestWorkflowEnvironment, send func(DecisionNotice) (DecisionSent, error)) {
	env.OnActivity(acts.SendReceipt, mock.Anything, app).Return(ReceiptSent{To: "alice@example.org"}, nil)
	env.OnActivity(acts.CheckEligibility, mock.Anything, app).Return(Eligibility{State: "ELIGIBLE"}, nil)
	env.OnActivity(acts.AssignReviewers, mock.Anything, app).Return(Assigned{Reviewers: []string{"r1", "r2", "r3"}}, nil)
	env.OnActivity(acts.RecordDecision, mock.Anything, mock.Anything).Return(func(_ context.Context, in DecisionInput) error {
		*l = append(*l, "record "+in.State)
		return nil
	})
	env.OnActivity(acts.SendDecision, mock.Anything, mock.Anything).Return(func(_ context.Context, in DecisionNotice) (DecisionSent, error) {
		if in.Application != app {
			return DecisionSent{}, temporal.NewNonRetryableApplicationError("notice for "+in.Application, "WrongApplication", nil)
		}
		sent, err := send(in)
		if err == nil {
			what := "email " + in.Decision
			if in.Promoted {
				what += " (promoted)"
			}
			*l = append(*l, what)
		}
		return sent, err
	})
}

func sentTo(DecisionNotice) (DecisionSent, error) { return DecisionSent{To: "alice@example.org"}, nil }

// A reserve project is told it is on the reserve list, then told again when promoted.
func TestDecisionEmailedOnReserveThenOnPromotion(t *testing.T) {
	env := newEnv(t)
	var l decisionLog
	l.expect(env, sentTo)
	env.OnActivity(acts.RecordWithdrawal, mock.Anything, mock.Anything).Return(nil)
	signalAt(env, time.Hour, flow.SignalReviewsComplete, flow.ReviewsComplete{Reviews: 3})
	signalAt(env, 2*time.Hour, flow.SignalRanked, flow.Decision{Decision: StateReserve, Rank: 2})
	signalAt(env, 3*time.Hour, flow.SignalRanked, flow.Decision{Decision: StateReserve, Rank: 2}) // a repeat sends nothing
	signalAt(env, 10*24*time.Hour, flow.SignalRanked, flow.Decision{Decision: StateSelected, Rank: 2, Reason: "promoted"})
	signalAt(env, 11*24*time.Hour, flow.SignalWithdrawn, flow.Withdrawn{Reason: "changed plans"})
	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, StateWithdrawn, out.State)
	require.Equal(t, decisionLog{"record UNDER_REVIEW", "record RESERVE", "email RESERVE", "record SELECTED", "email SELECTED (promoted)"}, l)
}

func TestDecisionEmailedOnSelectionAndRejection(t *testing.T) {
	for _, decision := range []string{StateSelected, "REJECTED"} {
		t.Run(decision, func(t *testing.T) {
			env := newEnv(t)
			var l decisionLog
			l.expect(env, sentTo)
			env.OnActivity(acts.RecordWithdrawal, mock.Anything, mock.Anything).Return(nil)
			signalAt(env, time.Hour, flow.SignalReviewsComplete, flow.ReviewsComplete{Reviews: 3})
			signalAt(env, 2*time.Hour, flow.SignalRanked, flow.Decision{Decision: decision, Rank: 1})
			signalAt(env, 3*time.Hour, flow.SignalWithdrawn, flow.Withdrawn{Reason: "changed plans"})
			env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
			require.NoError(t, env.GetWorkflowError())
			require.Equal(t, decisionLog{"record UNDER_REVIEW", "record " + decision, "email " + decision}, l)
		})
	}
}

// The SMTP server unreachable: the decision email is retried until it goes, and the workflow
// waits for it before going on.
func TestDecisionEmailRetriedWhileTheMailServerIsDown(t *testing.T) {
	env := newEnv(t)
	var l decisionLog
	attempts := 0
	l.expect(env, func(DecisionNotice) (DecisionSent, error) {
		attempts++
		if attempts <= 3 {
			return DecisionSent{}, errors.New("dial tcp 127.0.0.1:1025: connection refused")
		}
		return DecisionSent{To: "alice@example.org"}, nil
	})
	signalAt(env, time.Hour, flow.SignalReviewsComplete, flow.ReviewsComplete{Reviews: 3})
	signalAt(env, 2*time.Hour, flow.SignalRanked, flow.Decision{Decision: "REJECTED"})
	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, "REJECTED", out.State)
	require.Equal(t, 4, attempts)
	require.Equal(t, decisionLog{"record UNDER_REVIEW", "record REJECTED", "email REJECTED"}, l)
}

// A permanent refusal (no such mailbox) is not retried and the application goes on: the selected
// project still signs its agreement and is committed.
func TestRefusedDecisionEmailDoesNotStopTheApplication(t *testing.T) {
	env := newEnv(t)
	var l decisionLog
	attempts := 0
	l.expect(env, func(DecisionNotice) (DecisionSent, error) {
		attempts++
		refusal := &textproto.Error{Code: 550, Msg: "5.1.1 mailbox unavailable"}
		return DecisionSent{}, temporal.NewNonRetryableApplicationError(refusal.Error(), "MailRefused", refusal)
	})
	env.OnActivity(acts.CommitGrant, mock.Anything, app).Return(Committed{AmountCents: 100, Tranches: []string{"tranches/t1"}, TrancheAmounts: []int64{100}}, nil)
	signalAt(env, time.Hour, flow.SignalReviewsComplete, flow.ReviewsComplete{Reviews: 3})
	signalAt(env, 2*time.Hour, flow.SignalRanked, flow.Decision{Decision: StateSelected, Rank: 1})
	signalAt(env, 3*time.Hour, flow.SignalAgreementSigned, flow.AgreementSigned{SignedBy: "alice"})
	signalAt(env, 4*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t1", State: TranchePaid})
	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, Outcome{State: StateFunded, PaidCents: 100}, out)
	require.Equal(t, 1, attempts)
	require.Equal(t, decisionLog{"record UNDER_REVIEW", "record SELECTED", "record FUNDED"}, l)
}
