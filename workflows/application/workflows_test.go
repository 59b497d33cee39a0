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
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
)

const app = "calls/c1/applications/a1"

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	registerWorkflows(env)
	env.RegisterActivity(&Activities{})
	return env
}

func signalAt(env *testsuite.TestWorkflowEnvironment, after time.Duration, name string, payload any) {
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(name, payload) }, after)
}

// steps records the activities run, in order: the receipt, eligibility, then the decisions.
type steps []string

// expectReceipt mocks SendReceipt, recording it in s.
func (s *steps) expectReceipt(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(acts.SendReceipt, mock.Anything, app).Return(func(context.Context, string) (ReceiptSent, error) {
		*s = append(*s, "SendReceipt")
		return ReceiptSent{To: "alice@example.org", MessageID: "receipt.calls.c1.applications.a1@guichet.localhost"}, nil
	})
}

// eligibility mocks CheckEligibility with the outcome state, recording it in s.
func (s *steps) eligibility(env *testsuite.TestWorkflowEnvironment, state string) {
	env.OnActivity(acts.CheckEligibility, mock.Anything, app).Return(func(context.Context, string) (Eligibility, error) {
		*s = append(*s, "CheckEligibility")
		return Eligibility{State: state}, nil
	})
}

func decisions(env *testsuite.TestWorkflowEnvironment) *[]string {
	var got []string
	env.OnActivity(acts.RecordDecision, mock.Anything, mock.Anything).Return(func(_ context.Context, in DecisionInput) error {
		got = append(got, in.State)
		return nil
	})
	return &got
}

func TestFundedPath(t *testing.T) {
	env := newEnv(t)
	var s steps
	s.expectReceipt(env)
	s.eligibility(env, "ELIGIBLE")
	env.OnActivity(acts.AssignReviewers, mock.Anything, app).Return(Assigned{Reviewers: []string{"r1", "r2", "r3"}}, nil)
	env.OnActivity(acts.CommitGrant, mock.Anything, app).Return(Committed{AmountCents: 50_000_000, Tranches: []string{"tranches/t1", "tranches/t2"}}, nil)
	got := decisions(env)
	// Weeks of review and months of funding pass in milliseconds (time skipping).
	signalAt(env, 14*24*time.Hour, flow.SignalReviewsComplete, flow.ReviewsComplete{Reviews: 3})
	signalAt(env, 20*24*time.Hour, flow.SignalRanked, flow.Decision{Decision: "SELECTED", Rank: 1})
	signalAt(env, 21*24*time.Hour, flow.SignalRanked, flow.Decision{Decision: "SELECTED", Rank: 1}) // a repeat is harmless
	signalAt(env, 30*24*time.Hour, flow.SignalAgreementSigned, flow.AgreementSigned{SignedBy: "alice"})
	signalAt(env, 90*24*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t1", State: "CERTIFIED"})
	signalAt(env, 91*24*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t1", State: "PAID"})
	signalAt(env, 92*24*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t1", State: "PAID"})
	signalAt(env, 200*24*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t2", State: "PAID"})

	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, Outcome{State: StateFunded, PaidCents: 50_000_000}, out)
	require.Equal(t, []string{StateUnderReview, StateSelected, StateFunded}, *got)
	// The acknowledgement of receipt comes first, once, before anything is decided.
	require.Equal(t, steps{"SendReceipt", "CheckEligibility"}, s)
}

func TestIneligibleEnds(t *testing.T) {
	env := newEnv(t)
	var s steps
	s.expectReceipt(env)
	s.eligibility(env, StateIneligible)
	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, StateIneligible, out.State)
	require.Equal(t, steps{"SendReceipt", "CheckEligibility"}, s)
}

// TestReceiptWaitsForTheMailServer: while the SMTP server is unreachable the receipt is retried and
// nothing is decided; once it answers, the receipt goes and eligibility follows.
func TestReceiptWaitsForTheMailServer(t *testing.T) {
	env := newEnv(t)
	var s steps
	var sentAt time.Time
	attempts := 0
	env.OnActivity(acts.SendReceipt, mock.Anything, app).Return(func(context.Context, string) (ReceiptSent, error) {
		attempts++
		// The test environment stops retrying after 10 attempts; a real worker goes on.
		if attempts <= 6 {
			return ReceiptSent{}, errors.New("dial tcp 127.0.0.1:1025: connection refused")
		}
		sentAt = env.Now()
		s = append(s, "SendReceipt")
		return ReceiptSent{To: "alice@example.org"}, nil
	})
	s.eligibility(env, StateIneligible)
	start := env.Now()
	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, 7, attempts)
	require.Equal(t, steps{"SendReceipt", "CheckEligibility"}, s)
	// Back-off from 1 s, doubling: 1+2+4+8+16+32 s.
	require.GreaterOrEqual(t, sentAt.Sub(start), 63*time.Second)
}

// TestRefusedReceiptDoesNotStopTheApplication: a permanent refusal (no such mailbox) is not retried
// and the application goes on.
func TestRefusedReceiptDoesNotStopTheApplication(t *testing.T) {
	env := newEnv(t)
	var s steps
	attempts := 0
	env.OnActivity(acts.SendReceipt, mock.Anything, app).Return(func(context.Context, string) (ReceiptSent, error) {
		attempts++
		refusal := &textproto.Error{Code: 550, Msg: "5.1.1 mailbox unavailable"}
		return ReceiptSent{}, temporal.NewNonRetryableApplicationError(refusal.Error(), "MailRefused", refusal)
	})
	s.eligibility(env, StateIneligible)
	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, StateIneligible, out.State)
	require.Equal(t, 1, attempts)
	require.Equal(t, steps{"CheckEligibility"}, s)
}

func TestRejectedIsRecordedAndEnds(t *testing.T) {
	env := newEnv(t)
	var s steps
	s.expectReceipt(env)
	s.eligibility(env, "ELIGIBLE")
	env.OnActivity(acts.AssignReviewers, mock.Anything, app).Return(Assigned{}, nil)
	got := decisions(env)
	signalAt(env, time.Hour, flow.SignalReviewsComplete, flow.ReviewsComplete{Reviews: 3})
	signalAt(env, 2*time.Hour, flow.SignalRanked, flow.Decision{Decision: "REJECTED", Reason: "impact below threshold"})
	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, "REJECTED", out.State)
	require.Equal(t, []string{StateUnderReview, "REJECTED"}, *got)
	require.Equal(t, steps{"SendReceipt", "CheckEligibility"}, s)
}

func TestWithdrawalStopsTheWait(t *testing.T) {
	env := newEnv(t)
	var s steps
	s.expectReceipt(env)
	s.eligibility(env, "ELIGIBLE")
	env.OnActivity(acts.AssignReviewers, mock.Anything, app).Return(Assigned{}, nil)
	decisions(env)
	signalAt(env, time.Hour, flow.SignalWithdrawn, flow.Withdrawn{Reason: "changed plans"})
	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, StateWithdrawn, out.State)
	require.Equal(t, steps{"SendReceipt", "CheckEligibility"}, s)
}

// TestReportsReachPaymentsAndCancelledTranchesSettle: a milestone report marks its tranche in the
// payments service; a decommitment's cancelled tranche ends the wait like a paid one.
func TestReportsReachPaymentsAndCancelledTranchesSettle(t *testing.T) {
	env := newEnv(t)
	var s steps
	s.expectReceipt(env)
	s.eligibility(env, "ELIGIBLE")
	env.OnActivity(acts.AssignReviewers, mock.Anything, app).Return(Assigned{}, nil)
	env.OnActivity(acts.CommitGrant, mock.Anything, app).Return(Committed{AmountCents: 100, Tranches: []string{"tranches/t1", "tranches/t2", "tranches/t3"},
		TrancheAmounts: []int64{30, 50, 20}}, nil)
	decisions(env)
	released := withdrawals(env)
	var accounts []AccountInput
	env.OnActivity(acts.UpdateBeneficiaryAccount, mock.Anything, mock.Anything).Return(func(_ context.Context, in AccountInput) error {
		accounts = append(accounts, in)
		return nil
	})
	var marked []ReportInput
	env.OnActivity(acts.MarkReportSubmitted, mock.Anything, mock.Anything).Return(func(_ context.Context, in ReportInput) error {
		marked = append(marked, in)
		return nil
	})
	signalAt(env, time.Hour, flow.SignalReviewsComplete, flow.ReviewsComplete{Reviews: 3})
	signalAt(env, 2*time.Hour, flow.SignalRanked, flow.Decision{Decision: "SELECTED"})
	signalAt(env, 3*time.Hour, flow.SignalAgreementSigned, flow.AgreementSigned{SignedBy: "alice"})
	signalAt(env, 4*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t1", State: "PAID"})
	signalAt(env, 60*24*time.Hour, flow.SignalReportSubmitted, flow.ReportSubmitted{Report: "calls/c1/applications/a1/reports/r1", Sequence: 2})
	signalAt(env, 61*24*time.Hour, flow.SignalReportSubmitted, flow.ReportSubmitted{Report: "calls/c1/applications/a1/reports/r9", Sequence: 9})
	signalAt(env, 65*24*time.Hour, flow.SignalBankAccountChanged, flow.BankAccountChanged{IBAN: "FR1420041010050500013M02606", Holder: "DINUM"})
	signalAt(env, 70*24*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t2", State: "PAID"})
	signalAt(env, 200*24*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t3", State: "CANCELLED"})
	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	require.NoError(t, env.GetWorkflowError())
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, Outcome{State: StateFunded, PaidCents: 80}, out)
	require.Equal(t, []ReportInput{{Tranche: "tranches/t2", Report: "calls/c1/applications/a1/reports/r1"}}, marked)
	require.Equal(t, []WithdrawalInput{{Application: app, ReleasedCents: 20, Reason: "remaining tranches cancelled"}}, *released)
	require.Equal(t, []AccountInput{{Application: app, IBAN: "FR1420041010050500013M02606"}}, accounts)
}

// TestReserveWaitsForPromotion: a reserve project waits; promoted, it goes on like a laureate.
func TestReserveWaitsForPromotion(t *testing.T) {
	env := newEnv(t)
	var s steps
	s.expectReceipt(env)
	s.eligibility(env, "ELIGIBLE")
	env.OnActivity(acts.AssignReviewers, mock.Anything, app).Return(Assigned{}, nil)
	env.OnActivity(acts.CommitGrant, mock.Anything, app).Return(Committed{AmountCents: 10, Tranches: []string{"tranches/t1"}, TrancheAmounts: []int64{10}}, nil)
	got := decisions(env)
	signalAt(env, time.Hour, flow.SignalReviewsComplete, flow.ReviewsComplete{Reviews: 3})
	signalAt(env, 2*time.Hour, flow.SignalRanked, flow.Decision{Decision: "RESERVE", Rank: 4})
	signalAt(env, 3*time.Hour, flow.SignalRanked, flow.Decision{Decision: "RESERVE", Rank: 4})
	signalAt(env, 40*24*time.Hour, flow.SignalRanked, flow.Decision{Decision: "SELECTED", Reason: "promoted from the reserve list", Rank: 4})
	signalAt(env, 41*24*time.Hour, flow.SignalAgreementSigned, flow.AgreementSigned{SignedBy: "alice"})
	signalAt(env, 42*24*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t1", State: "PAID"})
	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	require.NoError(t, env.GetWorkflowError())
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, Outcome{State: StateFunded, PaidCents: 10}, out)
	require.Equal(t, []string{StateUnderReview, StateReserve, StateSelected, StateFunded}, *got)
}

// TestReportRemindersAndEscalation: months of funding in milliseconds. Milestone 2's report comes
// after its reminder, before it is late; milestone 3's never comes: reminded, then escalated.
func TestReportRemindersAndEscalation(t *testing.T) {
	env := newEnv(t)
	start := time.Date(2027, 1, 4, 8, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	var s steps
	s.expectReceipt(env)
	s.eligibility(env, "ELIGIBLE")
	env.OnActivity(acts.AssignReviewers, mock.Anything, app).Return(Assigned{}, nil)
	day := 24 * time.Hour
	env.OnActivity(acts.CommitGrant, mock.Anything, app).Return(Committed{AmountCents: 100, Tranches: []string{"tranches/t1", "tranches/t2", "tranches/t3"},
		TrancheAmounts: []int64{30, 50, 20}, Reminders: []ReportSchedule{
			{Sequence: 2, RemindAt: start.Add(60 * day), LateAt: start.Add(75 * day)},
			{Sequence: 3, RemindAt: start.Add(160 * day), LateAt: start.Add(175 * day)},
		}}, nil)
	decisions(env)
	env.OnActivity(acts.MarkReportSubmitted, mock.Anything, mock.Anything).Return(nil)
	withdrawals(env)
	var sent []ReminderInput
	var at []time.Duration
	env.OnActivity(acts.SendReportReminder, mock.Anything, mock.Anything).Return(func(_ context.Context, in ReminderInput) error {
		sent = append(sent, in)
		at = append(at, env.Now().Sub(start).Round(day))
		return nil
	})
	signalAt(env, time.Hour, flow.SignalReviewsComplete, flow.ReviewsComplete{Reviews: 3})
	signalAt(env, 2*time.Hour, flow.SignalRanked, flow.Decision{Decision: "SELECTED"})
	signalAt(env, 3*time.Hour, flow.SignalAgreementSigned, flow.AgreementSigned{SignedBy: "alice"})
	signalAt(env, 4*time.Hour, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t1", State: "PAID"})
	signalAt(env, 70*day, flow.SignalReportSubmitted, flow.ReportSubmitted{Report: "r2", Sequence: 2})
	signalAt(env, 80*day, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t2", State: "PAID"})
	signalAt(env, 200*day, flow.SignalTrancheChanged, flow.TrancheChange{Tranche: "tranches/t3", State: "CANCELLED"})
	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, []ReminderInput{
		{Application: app, Sequence: 2},
		{Application: app, Sequence: 3},
		{Application: app, Sequence: 3, Late: true},
	}, sent)
	require.Equal(t, []time.Duration{60 * day, 160 * day, 175 * day}, at)
}

func TestReportScheduleFromMilestones(t *testing.T) {
	got := reportSchedule([]*appv1.Milestone{{DueDate: "2027-01-31"}, {DueDate: "2027-06-30"}, {DueDate: "2027-12-31"}})
	require.Equal(t, []ReportSchedule{
		// 09:00 in Paris is 07:00 UTC in summer, 08:00 UTC in winter.
		{Sequence: 2, RemindAt: time.Date(2027, 6, 16, 7, 0, 0, 0, time.UTC), LateAt: time.Date(2027, 7, 1, 7, 0, 0, 0, time.UTC)},
		{Sequence: 3, RemindAt: time.Date(2027, 12, 17, 8, 0, 0, 0, time.UTC), LateAt: time.Date(2028, 1, 1, 8, 0, 0, 0, time.UTC)},
	}, got)
}

func withdrawals(env *testsuite.TestWorkflowEnvironment) *[]WithdrawalInput {
	var got []WithdrawalInput
	env.OnActivity(acts.RecordWithdrawal, mock.Anything, mock.Anything).Return(func(_ context.Context, in WithdrawalInput) error {
		got = append(got, in)
		return nil
	})
	return &got
}

// TestLaureateWithdrawalFreesItsPlace: a selected project withdrawn before signing its agreement
// tells the review service, which promotes the reserve list.
func TestLaureateWithdrawalFreesItsPlace(t *testing.T) {
	env := newEnv(t)
	var s steps
	s.expectReceipt(env)
	s.eligibility(env, "ELIGIBLE")
	env.OnActivity(acts.AssignReviewers, mock.Anything, app).Return(Assigned{}, nil)
	decisions(env)
	released := withdrawals(env)
	signalAt(env, time.Hour, flow.SignalReviewsComplete, flow.ReviewsComplete{Reviews: 3})
	signalAt(env, 2*time.Hour, flow.SignalRanked, flow.Decision{Decision: "SELECTED"})
	signalAt(env, 3*time.Hour, flow.SignalWithdrawn, flow.Withdrawn{Reason: "the team left"})
	env.ExecuteWorkflow(Workflow, flow.ApplicationStarted{Application: app})
	require.NoError(t, env.GetWorkflowError())
	var out Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Equal(t, StateWithdrawn, out.State)
	require.Equal(t, []WithdrawalInput{{Application: app, Withdrawn: true, Reason: "withdrawn before signing the agreement"}}, *released)
}
