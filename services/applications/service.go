// Package applications is the applications service: calls for projects and their applications,
// from draft to submission (with its acknowledgement of receipt), eligibility and the decisions the
// workflows record. It owns the PostgreSQL schema "applications".
package applications

import (
	"context"
	"embed"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/clock"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	"github.com/guichet/guichet/services/applications/registry"
)

// Schema is the service's PostgreSQL schema.
const Schema = "applications"

// Migrations are the schema's migrations.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// Policy says who may call each method; ownership is checked in the handlers.
var Policy = auth.Policy{
	appv1.CallService_CreateCall_FullMethodName:  auth.Allow(auth.ProgrammeOfficer),
	appv1.CallService_GetCall_FullMethodName:     auth.Anyone,
	appv1.CallService_ListCalls_FullMethodName:   auth.Anyone,
	appv1.CallService_ExtendCall_FullMethodName:  auth.Allow(auth.ProgrammeOfficer),
	appv1.CallService_AdvanceCall_FullMethodName: auth.Allow(auth.System),

	appv1.ApplicationService_CreateApplication_FullMethodName:   auth.Allow(auth.Applicant),
	appv1.ApplicationService_GetApplication_FullMethodName:      auth.Allow(append([]auth.Role{auth.Applicant, auth.Reviewer, auth.JuryChair}, auth.Staff...)...),
	appv1.ApplicationService_ListApplications_FullMethodName:    auth.Allow(append([]auth.Role{auth.Applicant}, auth.Staff...)...),
	appv1.ApplicationService_UpdateApplication_FullMethodName:   auth.Allow(auth.Applicant),
	appv1.ApplicationService_SubmitApplication_FullMethodName:   auth.Allow(auth.Applicant),
	appv1.ApplicationService_WithdrawApplication_FullMethodName: auth.Allow(auth.Applicant),
	appv1.ApplicationService_SignAgreement_FullMethodName:       auth.Allow(auth.Applicant),
	appv1.ApplicationService_CheckEligibility_FullMethodName:    auth.Allow(auth.System),
	appv1.ApplicationService_RecordDecision_FullMethodName:      auth.Allow(auth.System),
	appv1.ApplicationService_RuleEligibility_FullMethodName:     auth.Allow(auth.ProgrammeOfficer),
	appv1.ApplicationService_CreateReport_FullMethodName:        auth.Allow(auth.Applicant),
	appv1.ApplicationService_UpdateBankAccount_FullMethodName:   auth.Allow(auth.Applicant),
	appv1.ApplicationService_ListReports_FullMethodName:         auth.Allow(append([]auth.Role{auth.Applicant}, auth.Staff...)...),

	// Its owner and the staff the review service lets read the reviews' feedback.
	appv1.ApplicationService_GetApplicationFeedback_FullMethodName: auth.Allow(auth.Applicant, auth.ProgrammeOfficer, auth.Auditor),
}

// Registry tells whether an applicant's legal entity is active in the company registry
// (registry.Client). An error means the registry could not answer.
type Registry interface {
	Check(ctx context.Context, siret string) (registry.Result, error)
}

// Options are the service's dependencies.
type Options struct {
	Clock  clock.Clock
	Logger *slog.Logger
	// Registry is the company registry that CheckEligibility asks. Without one (and without
	// RegistryOff) the check answers Unavailable: applications wait, they are never waved through.
	Registry Registry
	// RegistryOff skips the registry check on purpose (GUICHET_REGISTRY_URL=off: development and the
	// end-to-end tests, which have no internet); every eligibility outcome then says so.
	RegistryOff bool
	// Readers lets assigned jury members read files (without bank details); without it, nobody of
	// the jury can.
	Readers Readers
	// Feedback gives applicants the feedback on their decisions; without it, GetApplicationFeedback
	// answers Unavailable.
	Feedback FeedbackSource
	// Tranches says whether a tranche still takes its milestone report; without it, CreateReport
	// answers Unavailable (a report is never filed unchecked).
	Tranches Tranches
}

// Service implements CallService and ApplicationService.
type Service struct {
	appv1.UnimplementedCallServiceServer
	appv1.UnimplementedApplicationServiceServer
	pool        *pgxpool.Pool
	clock       clock.Clock
	logger      *slog.Logger
	registry    Registry
	registryOff bool
	readers     Readers
	feedback    FeedbackSource
	tranches    Tranches
}

// Tranches tells the state of a project's tranche: the payments service knows them.
type Tranches interface {
	TrancheState(ctx context.Context, application string, sequence int) (string, error)
}

// Readers tells whether a jury member may read an application's file: the review service knows
// the assignments, déports and declarations.
type Readers interface {
	MayRead(ctx context.Context, application string, reader auth.Principal) (bool, error)
}

// New returns the service over its schema's pool.
func New(pool *pgxpool.Pool, o Options) *Service {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{pool: pool, clock: o.Clock, logger: o.Logger, registry: o.Registry, registryOff: o.RegistryOff, readers: o.Readers, feedback: o.Feedback,
		tranches: o.Tranches}
}

// Register adds the service's gRPC services to r.
func (s *Service) Register(r grpc.ServiceRegistrar) {
	appv1.RegisterCallServiceServer(r, s)
	appv1.RegisterApplicationServiceServer(r, s)
}

// now is the current instant at PostgreSQL's precision (microseconds), so that what a response
// says (a receipt's submitTime) is exactly what is stored and later shown (the receipt email).
func (s *Service) now() time.Time { return s.clock.Now().Truncate(time.Microsecond) }
