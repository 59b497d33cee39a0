// Package payments is the payments service of guichet: the budget ledger of each call, the grant
// commitments and their tranche schedules, milestone reports and decommitments, the separation of
// duties between the certifier, the orderer and the payer of a tranche, the approval of corrected
// bank accounts, and the SEPA payment files (DOMAIN.md, "Funding and payments").
package payments

import (
	"embed"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/bank"
	"github.com/guichet/guichet/platform/clock"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	"github.com/guichet/guichet/services/payments/domain"
)

// Schema is the PostgreSQL schema of the service.
const Schema = "payments"

// Migrations are the service's goose migrations, applied with pg.Migrate.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// Policy says who may call each method. Ownership (an applicant sees only its organisation's
// tranches and commitments) and the separation of duties are checked by the handlers.
var Policy = auth.Policy{
	paymentsv1.PaymentService_GetCallBudget_FullMethodName: auth.Allow(auth.FinanceOfficer, auth.Accountant, auth.ProgrammeOfficer, auth.Auditor),
	paymentsv1.PaymentService_ListTranches_FullMethodName: auth.Allow(auth.Applicant, auth.ProgrammeOfficer, auth.FinanceOfficer,
		auth.Accountant, auth.Auditor, auth.System),
	paymentsv1.PaymentService_ListCallTranches_FullMethodName: auth.Allow(auth.FinanceOfficer, auth.Accountant,
		auth.ProgrammeOfficer, auth.Auditor),
	paymentsv1.PaymentService_ListPaymentBatches_FullMethodName:  auth.Allow(auth.Accountant, auth.Auditor),
	paymentsv1.PaymentService_ListPendingAccounts_FullMethodName: auth.Allow(auth.FinanceOfficer),
	paymentsv1.PaymentService_CertifyTranche_FullMethodName:      auth.Allow(auth.ProgrammeOfficer),
	paymentsv1.PaymentService_OrderTranche_FullMethodName:        auth.Allow(auth.FinanceOfficer),
	paymentsv1.PaymentService_CreatePaymentBatch_FullMethodName:  auth.Allow(auth.Accountant),
	paymentsv1.PaymentService_GetPain001_FullMethodName:          auth.Allow(auth.Accountant, auth.Auditor),
	paymentsv1.PaymentService_ConfirmPaymentBatch_FullMethodName: auth.Allow(auth.Accountant),
	paymentsv1.PaymentService_OpenCallBudget_FullMethodName:      auth.Allow(auth.System),
	paymentsv1.PaymentService_CommitGrant_FullMethodName:         auth.Allow(auth.System),
	paymentsv1.PaymentService_MarkReportSubmitted_FullMethodName: auth.Allow(auth.System),
	paymentsv1.PaymentService_GetCommitment_FullMethodName: auth.Allow(auth.Applicant, auth.ProgrammeOfficer, auth.FinanceOfficer,
		auth.Accountant, auth.Auditor, auth.System),
	paymentsv1.PaymentService_CancelRemainingTranches_FullMethodName:   auth.Allow(auth.ProgrammeOfficer),
	paymentsv1.PaymentService_UpdateBeneficiaryAccount_FullMethodName:  auth.Allow(auth.System),
	paymentsv1.PaymentService_ApproveBeneficiaryAccount_FullMethodName: auth.Allow(auth.FinanceOfficer),
	// Open data: anyone, without a token.
	paymentsv1.PaymentService_GetAwardsCsv_FullMethodName: auth.Anyone,
}

// Debtor is the account the grants are paid from: the payment files' debtor and initiating party.
type Debtor struct {
	Name string
	IBAN string
	// BIC of the debtor's bank; optional (the file then says NOTPROVIDED).
	BIC string
}

// Awarder is the awarding body named in the open data on awards (SCDL nomAttribuant,
// idAttribuant): DINUM, the debtor of the payments.
var Awarder = domain.Awarder{Name: "DINUM", Siret: "13002526500013"}

// DevelopmentDebtor is the debtor used when none is configured: DINUM at the Banque de France,
// with a test IBAN. Production configures the real account.
var DevelopmentDebtor = Debtor{Name: "DINUM", IBAN: "FR7630006000011234567890189", BIC: "BDFEFRPPCCT"}

// Validate checks the debtor's account, so that a misconfiguration shows at start-up rather than
// when the first payment file is asked for.
func (d Debtor) Validate() error {
	if err := domain.CheckIBAN(bank.NormalizeIBAN(d.IBAN)); err != nil {
		return err
	}
	if d.BIC != "" {
		return domain.CheckBIC(d.BIC)
	}
	return nil
}

// Service implements paymentsv1.PaymentServiceServer.
type Service struct {
	paymentsv1.UnimplementedPaymentServiceServer
	pool   *pgxpool.Pool
	clk    clock.Clock
	logger *slog.Logger
	debtor Debtor
}

// New returns the service. A zero debtor means DevelopmentDebtor.
func New(pool *pgxpool.Pool, clk clock.Clock, logger *slog.Logger, debtor Debtor) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	if debtor == (Debtor{}) {
		logger.Warn("payments: no debtor account configured, payment files use the development debtor", "debtor", DevelopmentDebtor.Name)
		debtor = DevelopmentDebtor
	}
	return &Service{pool: pool, clk: clk, logger: logger, debtor: debtor}
}

// now is the clock's instant at the precision PostgreSQL keeps, so that what a method returns
// equals what a later read returns.
func (s *Service) now() time.Time { return s.clk.Now().Truncate(time.Microsecond) }

// Register registers the service on r.
func (s *Service) Register(r grpc.ServiceRegistrar) {
	paymentsv1.RegisterPaymentServiceServer(r, s)
}
