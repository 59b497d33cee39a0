// Package applications is the applications service: calls for projects and their applications,
// from draft to submission (with its acknowledgement of receipt), eligibility and the decisions the
// workflows record. It owns the PostgreSQL schema "applications".
package applications

import (
	"embed"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/clock"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
)

// Schema is the service's PostgreSQL schema.
const Schema = "applications"

// Migrations are the schema's migrations.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// Policy says who may call each method; ownership is checked in the handlers.
var Policy = auth.Policy{
	appv1.CallService_CreateCall_FullMethodName: auth.Allow(auth.ProgrammeOfficer),
	appv1.CallService_GetCall_FullMethodName:    auth.Anyone,
	appv1.CallService_ListCalls_FullMethodName:  auth.Anyone,

	appv1.ApplicationService_CreateApplication_FullMethodName:   auth.Allow(auth.Applicant),
	appv1.ApplicationService_GetApplication_FullMethodName:      auth.Allow(append([]auth.Role{auth.Applicant}, auth.Staff...)...),
	appv1.ApplicationService_ListApplications_FullMethodName:    auth.Allow(append([]auth.Role{auth.Applicant}, auth.Staff...)...),
	appv1.ApplicationService_UpdateApplication_FullMethodName:   auth.Allow(auth.Applicant),
	appv1.ApplicationService_SubmitApplication_FullMethodName:   auth.Allow(auth.Applicant),
	appv1.ApplicationService_WithdrawApplication_FullMethodName: auth.Allow(auth.Applicant),
	appv1.ApplicationService_SignAgreement_FullMethodName:       auth.Allow(auth.Applicant),
	appv1.ApplicationService_CheckEligibility_FullMethodName:    auth.Allow(auth.System),
	appv1.ApplicationService_RecordDecision_FullMethodName:      auth.Allow(auth.System),
}

// Service implements CallService and ApplicationService.
type Service struct {
	appv1.UnimplementedCallServiceServer
	appv1.UnimplementedApplicationServiceServer
	pool   *pgxpool.Pool
	clock  clock.Clock
	logger *slog.Logger
}

// New returns the service over its schema's pool.
func New(pool *pgxpool.Pool, clk clock.Clock, logger *slog.Logger) *Service {
	return &Service{pool: pool, clock: clk, logger: logger}
}

// Register adds the service's gRPC services to r.
func (s *Service) Register(r grpc.ServiceRegistrar) {
	appv1.RegisterCallServiceServer(r, s)
	appv1.RegisterApplicationServiceServer(r, s)
}
