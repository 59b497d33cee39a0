package payments

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/testenv"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
)

// legacyLedger is a database of the first schema (00100) in use: a paid advance, a tranche certified
// before milestone reports were recorded, another project's ordered tranche, and their ledger.
const legacyLedger = `
INSERT INTO call_budgets (call, envelope_cents, committed_cents, paid_cents, created_at, updated_at)
	VALUES ('legacy', 100000000, 40000000, 9000000, now(), now());
INSERT INTO commitments (application, call, amount_cents, paid_cents, beneficiary_name, beneficiary_siret, beneficiary_iban,
	beneficiary_bic, created_by, created_at, updated_at) VALUES
	('calls/legacy/applications/a', 'legacy', 30000000, 9000000, 'Association A', '13002526500013', 'FR1420041010050500013M02606', '', 'worker', now(), now()),
	('calls/legacy/applications/b', 'legacy', 10000000, 0, 'Association B', '13002526500013', 'FR7630006000011234567890189', 'BDFEFRPPCCT', 'worker', now(), now());
INSERT INTO payment_batches (id, created_by, state, total_cents, requested_execution_date, created_at, confirmed_at)
	VALUES ('legacyb1', 'accountant-1', 'CONFIRMED', 9000000, '2026-11-30', now(), now());
INSERT INTO tranches (id, application, sequence, title, amount_cents, state, certified_by, ordered_by, paid_by, batch,
	created_at, updated_at, certified_at, ordered_at, paid_at) VALUES
	('legacyt1', 'calls/legacy/applications/a', 1, 'Avance', 9000000, 'PAID', 'officer-1', 'finance-1', 'accountant-1', 'legacyb1', now(), now(), now(), now(), now()),
	('legacyt2', 'calls/legacy/applications/a', 2, 'Rapport intermédiaire', 15000000, 'CERTIFIED', 'officer-1', NULL, NULL, NULL, now(), now(), now(), NULL, NULL),
	('legacyt3', 'calls/legacy/applications/a', 3, 'Solde', 6000000, 'PLANNED', NULL, NULL, NULL, NULL, now(), now(), NULL, NULL, NULL),
	('legacyt4', 'calls/legacy/applications/b', 1, 'Tranche unique', 10000000, 'ORDERED', 'officer-1', 'finance-1', NULL, NULL, now(), now(), now(), now(), NULL);
INSERT INTO batch_tranches (batch, tranche, position, amount_cents, outcome, settled_by, settled_at)
	VALUES ('legacyb1', 'legacyt1', 1, 9000000, 'PAID', 'accountant-1', now());
INSERT INTO ledger_entries (txn, account, amount_cents, created_at) VALUES
	('open:legacy', 'appropriation:legacy', -100000000, now()), ('open:legacy', 'envelope:legacy', 100000000, now()),
	('commit:calls/legacy/applications/a', 'envelope:legacy', -30000000, now()),
	('commit:calls/legacy/applications/a', 'commitment:calls/legacy/applications/a', 30000000, now()),
	('commit:calls/legacy/applications/b', 'envelope:legacy', -10000000, now()),
	('commit:calls/legacy/applications/b', 'commitment:calls/legacy/applications/b', 10000000, now()),
	('pay:legacyt1', 'commitment:calls/legacy/applications/a', -9000000, now()),
	('pay:legacyt1', 'paid:calls/legacy/applications/a', 9000000, now());
`

// TestMigrationOfAPopulatedDatabase: 00101 upgrades a database in use by the first schema without
// losing or breaking anything, the service then works on it, and its down migration applies.
func TestMigrationOfAPopulatedDatabase(t *testing.T) {
	env := testenv.Get(t)
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	first, err := fs.ReadFile(Migrations, "migrations/00100_init.sql")
	require.NoError(t, err)
	require.NoError(t, pg.Migrate(ctx, env.PostgresURL, Schema, fstest.MapFS{"00100_init.sql": {Data: first}}, logger))
	pool, err := pg.Open(ctx, env.PostgresURL, Schema)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, legacyLedger)
	pool.Close()
	require.NoError(t, err)

	require.NoError(t, pg.Migrate(ctx, env.PostgresURL, Schema, Migrations, logger))
	f := startFixture(t, env.PostgresURL)
	f.checkInvariants("legacy")
	b := f.budget("calls/legacy")
	require.Equal(t, []int32{30, 80}, []int32{b.GetAdvanceMaxPercent(), b.GetInterimMaxPercent()})
	a, err := f.client.GetCommitment(f.as(auth.Auditor, auditor), &paymentsv1.GetCommitmentRequest{Name: "calls/legacy/applications/a/commitment"})
	require.NoError(t, err)
	require.Equal(t, int64(300_000_00), a.GetAgreementAmountCents())
	require.Equal(t, "worker", a.GetAccount().GetRequestedBy())
	require.Equal(t, "certified-before-reports-were-recorded", a.GetTranches()[1].GetReport())
	require.Equal(t, 100_000_00, f.count(`SELECT ordered_cents FROM commitments WHERE application = 'calls/legacy/applications/b'`))
	// The file of the old batch is rebuilt from the account it was made with.
	iban, _ := f.creditorOf("payment-batches/legacyb1")
	require.Equal(t, goodIBAN, iban)

	// The certified tranche goes on; the planned one can be cancelled.
	_, err = f.client.OrderTranche(f.as(auth.FinanceOfficer, "finance-2"), &paymentsv1.OrderTrancheRequest{Name: "tranches/legacyt2"})
	require.NoError(t, err)
	c, err := f.cancel("calls/legacy/applications/a", "final report abandoned")
	require.NoError(t, err)
	require.Equal(t, []string{"tranches/legacyt1", "tranches/legacyt2"}, c.GetKeptTranches())
	f.checkInvariants("legacy")

	migration, err := fs.ReadFile(Migrations, "migrations/00101_schedules_reports_decommitment_accounts.sql")
	require.NoError(t, err)
	_, down, ok := strings.Cut(string(migration), "-- +goose Down")
	require.True(t, ok)
	_, err = f.pool.Exec(ctx, down)
	require.NoError(t, err)
	require.Equal(t, 0, f.count(`SELECT count(*) FROM information_schema.columns WHERE table_schema = $1 AND column_name IN
		('agreement_cents', 'advance_max_percent', 'report', 'creditor_iban', 'pending_iban')`, Schema))
	require.Equal(t, 1, f.count(`SELECT count(*) FROM pg_constraint WHERE conname = 'commitments_amount_cents_check'`))
}
