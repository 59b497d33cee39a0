package payments

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/auth/authtest"
	"github.com/guichet/guichet/platform/clock"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/grpcx/grpcxtest"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/testenv"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
)

const (
	call         = "calls/aap-2026"
	siretDINUM   = "13002526500013"
	siretOther   = "23350001600040"
	envelope     = int64(10_000_000_00)
	goodIBAN     = "FR1420041010050500013M02606"
	officer      = "officer-1"
	finance      = "finance-1"
	accountant   = "accountant-1"
	accountant2  = "accountant-2"
	auditor      = "auditor-1"
	workerSystem = "worker"
)

// fixture is the service on real PostgreSQL, served over gRPC with real signed tokens.
type fixture struct {
	t      *testing.T
	pool   *pgxpool.Pool
	iss    *authtest.Issuer
	clk    *clock.Fixed
	client paymentsv1.PaymentServiceClient
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := testenv.Get(t)
	require.NoError(t, pg.Migrate(context.Background(), env.PostgresURL, Schema, Migrations, slog.New(slog.NewTextHandler(io.Discard, nil))))
	return startFixture(t, env.PostgresURL)
}

// startFixture serves the service on a database already migrated.
func startFixture(t *testing.T, url string) *fixture {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	pool, err := pg.Open(ctx, url, Schema)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	iss := authtest.New(t)
	srv, err := grpcx.NewServer(grpcx.ServerOptions{Policy: Policy, Verifier: iss.Verifier, Logger: logger})
	require.NoError(t, err)
	// A Friday afternoon in Paris: the payment files ask for execution on Monday.
	clk := clock.NewFixed(time.Date(2026, 11, 27, 15, 30, 0, 0, time.UTC))
	New(pool, clk, logger, Debtor{}).Register(srv)
	conn := grpcxtest.Serve(t, srv)
	return &fixture{t: t, pool: pool, iss: iss, clk: clk, client: paymentsv1.NewPaymentServiceClient(conn)}
}

func (f *fixture) as(role auth.Role, sub string) context.Context {
	return f.iss.Context(context.Background(), role, sub, "")
}

func (f *fixture) applicant(sub, siret string) context.Context {
	return f.iss.Context(context.Background(), auth.Applicant, sub, siret)
}

func (f *fixture) system() context.Context { return f.as(auth.System, workerSystem) }

func (f *fixture) openBudget(callName string, envelopeCents int64) {
	f.t.Helper()
	_, err := f.client.OpenCallBudget(f.system(), &paymentsv1.OpenCallBudgetRequest{Call: callName, EnvelopeCents: envelopeCents})
	require.NoError(f.t, err)
}

func grantRequest(application, siret string, amount int64, tranches ...int64) *paymentsv1.CommitGrantRequest {
	req := &paymentsv1.CommitGrantRequest{
		Application: application,
		AmountCents: amount,
		Beneficiary: &paymentsv1.Beneficiary{Name: "Société Données & Territoires", Siret: siret, Iban: goodIBAN, Bic: "PSSTFRPPPAR"},
	}
	for i, c := range tranches {
		req.Tranches = append(req.Tranches, &paymentsv1.PlannedTranche{
			Title: []string{"Avance à la signature", "Rapport intermédiaire", "Solde après rapport final"}[i%3], DueDate: "2027-06-30", AmountCents: c})
	}
	return req
}

func (f *fixture) commit(application string, amount int64, tranches ...int64) *paymentsv1.Commitment {
	f.t.Helper()
	c, err := f.client.CommitGrant(f.system(), grantRequest(application, siretDINUM, amount, tranches...))
	require.NoError(f.t, err)
	return c
}

// usualSchedule splits an amount into the schedule of DOMAIN.md: an advance of 30%, an interim
// tranche of 50% and the balance. The shares are rounded down, so that they stay within the default
// limits, and the balance takes the rest, so that the tranches sum exactly to the amount. A single
// tranche would be an advance of 100%, which the default limits refuse.
func usualSchedule(amount int64) []int64 {
	advance, interim := amount*30/100, amount*50/100
	return []int64{advance, interim, amount - advance - interim}
}

// commit3 commits a grant in the three tranches of usualSchedule.
func (f *fixture) commit3(application string, amount int64) *paymentsv1.Commitment {
	f.t.Helper()
	return f.commit(application, amount, usualSchedule(amount)...)
}

// reported records the milestone report of a tranche, as the workflow does when the applicant files it.
func (f *fixture) reported(tranche string) *paymentsv1.Tranche {
	f.t.Helper()
	t, err := f.client.MarkReportSubmitted(f.system(), &paymentsv1.MarkReportSubmittedRequest{Name: tranche, Report: "report-of-" + tranche[len("tranches/"):]})
	require.NoError(f.t, err)
	return t
}

// sequence is the place of a tranche in its schedule.
func (f *fixture) sequence(tranche string) int {
	return f.count(`SELECT sequence FROM tranches WHERE id = $1`, tranche[len("tranches/"):])
}

// certified takes a tranche from PLANNED to CERTIFIED: on its report, except the advance.
func (f *fixture) certified(tranche string) {
	f.t.Helper()
	if f.sequence(tranche) > 1 {
		f.reported(tranche)
	}
	_, err := f.client.CertifyTranche(f.as(auth.ProgrammeOfficer, officer), &paymentsv1.CertifyTrancheRequest{Name: tranche})
	require.NoError(f.t, err)
}

// ordered takes a tranche from PLANNED to ORDERED by two different people.
func (f *fixture) ordered(tranche string) {
	f.t.Helper()
	f.certified(tranche)
	_, err := f.client.OrderTranche(f.as(auth.FinanceOfficer, finance), &paymentsv1.OrderTrancheRequest{Name: tranche})
	require.NoError(f.t, err)
}

func (f *fixture) tranches(application string) []*paymentsv1.Tranche {
	f.t.Helper()
	resp, err := f.client.ListTranches(f.as(auth.Auditor, auditor), &paymentsv1.ListTranchesRequest{Parent: application})
	require.NoError(f.t, err)
	return resp.GetTranches()
}

func (f *fixture) budget(callName string) *paymentsv1.CallBudget {
	f.t.Helper()
	b, err := f.client.GetCallBudget(f.as(auth.FinanceOfficer, finance), &paymentsv1.GetCallBudgetRequest{Name: callName + "/budget"})
	require.NoError(f.t, err)
	return b
}

// count runs a counting query.
func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	require.NoError(f.t, f.pool.QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

func (f *fixture) audits(action string) int {
	return f.count(`SELECT count(*) FROM audit_log WHERE action = $1`, action)
}

// rows is the number of rows of the tables a state change writes, to show that a refused or
// repeated request wrote nothing.
func (f *fixture) rows() [4]int {
	return [4]int{
		f.count(`SELECT count(*) FROM audit_log`), f.count(`SELECT count(*) FROM outbox`),
		f.count(`SELECT count(*) FROM ledger_entries`), f.count(`SELECT count(*) FROM batch_tranches WHERE outcome IS NOT NULL`),
	}
}

// verifyAudit checks that the audit chain holds.
func (f *fixture) verifyAudit() int64 {
	f.t.Helper()
	brk, n, err := audit.Verify(context.Background(), f.pool)
	require.NoError(f.t, err)
	require.Nil(f.t, brk, "audit chain broken")
	return n
}

// ledgerBalances checks that every ledger transaction sums to zero and returns account balances.
func (f *fixture) ledgerBalances() map[string]int64 {
	f.t.Helper()
	ctx := context.Background()
	require.Zero(f.t, f.count(`SELECT count(*) FROM (SELECT txn FROM ledger_entries GROUP BY txn HAVING sum(amount_cents) <> 0) unbalanced`))
	rows, err := f.pool.Query(ctx, `SELECT account, sum(amount_cents)::bigint FROM ledger_entries GROUP BY account`)
	require.NoError(f.t, err)
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var account string
		var sum int64
		require.NoError(f.t, rows.Scan(&account, &sum))
		out[account] = sum
	}
	require.NoError(f.t, rows.Err())
	return out
}

func requireCode(t *testing.T, err error, code codes.Code) *status.Status {
	t.Helper()
	require.Error(t, err)
	st, ok := status.FromError(err)
	require.True(t, ok, "not a gRPC status: %v", err)
	require.Equal(t, code, st.Code(), "status: %v", st.Message())
	return st
}

// requireViolation checks an InvalidArgument naming field.
func requireViolation(t *testing.T, err error, field string) {
	t.Helper()
	st := requireCode(t, err, codes.InvalidArgument)
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				if v.GetField() == field {
					return
				}
			}
		}
	}
	t.Fatalf("no violation of field %q in %v", field, st.Details())
}
