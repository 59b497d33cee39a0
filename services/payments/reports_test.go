package payments

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/flow"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
)

// TestCertificationNeedsTheReport: the advance is certified on signature; every other tranche only
// once its milestone report is filed.
func TestCertificationNeedsTheReport(t *testing.T) {
	f := newFixture(t)
	f.openBudget(call, envelope)
	app := call + "/applications/alpha"
	ts := f.commit(app, 300_000_00, 90_000_00, 150_000_00, 60_000_00).GetTranches()
	advance, interim, balance := ts[0].GetName(), ts[1].GetName(), ts[2].GetName()
	certify := func(tranche string) (*paymentsv1.Tranche, error) {
		return f.client.CertifyTranche(f.as(auth.ProgrammeOfficer, officer), &paymentsv1.CertifyTrancheRequest{Name: tranche})
	}

	before := f.rows()
	for _, tranche := range []string{interim, balance} {
		_, err := certify(tranche)
		st := requireCode(t, err, codes.FailedPrecondition)
		require.Contains(t, st.Message(), "report")
	}
	require.Equal(t, before, f.rows(), "a refused certification wrote something")
	adv, err := certify(advance)
	require.NoError(t, err)
	require.Equal(t, "CERTIFIED", adv.GetState())
	require.Empty(t, adv.GetReport())

	report := app + "/reports/r1"
	got, err := f.client.MarkReportSubmitted(f.system(), &paymentsv1.MarkReportSubmittedRequest{Name: interim, Report: report})
	require.NoError(t, err)
	require.Equal(t, "REPORT_SUBMITTED", got.GetState())
	require.Equal(t, report, got.GetReport())
	require.Equal(t, 1, f.count(`SELECT count(*) FROM audit_log WHERE action = 'tranche.report' AND object = $1 AND actor = $2
		AND before->>'state' = 'PLANNED' AND after->>'state' = 'REPORT_SUBMITTED' AND after->>'report' = $3`, interim, workerSystem, report))
	require.Equal(t, 1, f.count(`SELECT count(*) FROM outbox WHERE workflow_id = $1 AND signal_name = $2
		AND payload->>'tranche' = $3 AND payload->>'state' = 'REPORT_SUBMITTED'`, flow.ApplicationWorkflowID(app), flow.SignalTrancheChanged, interim))

	// The workflow retries: the same report changes nothing.
	before = f.rows()
	again, err := f.client.MarkReportSubmitted(f.system(), &paymentsv1.MarkReportSubmittedRequest{Name: interim, Report: report})
	require.NoError(t, err)
	require.Equal(t, got.GetUpdateTime().AsTime(), again.GetUpdateTime().AsTime())
	require.Equal(t, before, f.rows(), "a repeated report wrote something")

	// A corrected report replaces the first before certification; after it, the report is fixed.
	corrected := app + "/reports/r2"
	got, err = f.client.MarkReportSubmitted(f.system(), &paymentsv1.MarkReportSubmittedRequest{Name: interim, Report: corrected})
	require.NoError(t, err)
	require.Equal(t, corrected, got.GetReport())
	cert, err := certify(interim)
	require.NoError(t, err)
	require.Equal(t, "CERTIFIED", cert.GetState())
	require.Equal(t, corrected, cert.GetReport())
	_, err = f.client.MarkReportSubmitted(f.system(), &paymentsv1.MarkReportSubmittedRequest{Name: interim, Report: report})
	requireCode(t, err, codes.FailedPrecondition)
	_, err = f.client.MarkReportSubmitted(f.system(), &paymentsv1.MarkReportSubmittedRequest{Name: interim, Report: corrected})
	require.NoError(t, err, "a late retry of the report certified on changes nothing")

	// A report of another project is refused, a missing tranche is not found.
	_, err = f.client.MarkReportSubmitted(f.system(), &paymentsv1.MarkReportSubmittedRequest{Name: balance, Report: call + "/applications/beta/reports/r1"})
	requireViolation(t, err, "report")
	_, err = f.client.MarkReportSubmitted(f.system(), &paymentsv1.MarkReportSubmittedRequest{Name: "tranches/nope", Report: report})
	requireCode(t, err, codes.NotFound)
	_, err = f.client.MarkReportSubmitted(f.system(), &paymentsv1.MarkReportSubmittedRequest{Name: balance, Report: "two words"})
	requireCode(t, err, codes.InvalidArgument)
	require.Equal(t, "PLANNED", f.tranches(app)[2].GetState())

	// The database refuses a certification without a report, whatever the code does.
	_, err = f.pool.Exec(context.Background(), `UPDATE tranches SET state = 'CERTIFIED', certified_by = 'officer-1' WHERE id = $1`,
		balance[len("tranches/"):])
	require.ErrorContains(t, err, "certified_on_report")
	f.verifyAudit()
}
