// Package review is the jury's gRPC service: declarations of interests, conflict declarations
// (déports) with their replacements, the assignment of reviewers by an optimiser, reviews and
// their calibration, divergences and the chair's consensus, and the ranking of a call within its
// envelope, whose decisions it signals to the application workflows through the outbox.
package review

import (
	"embed"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/clock"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// Schema is the PostgreSQL schema of the review service.
const Schema = "review"

// Migrations are the schema's goose migrations.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// Policy says which roles may call each method; the handlers then check the caller's jury
// membership, chairmanship, declaration and assignment.
var Policy = auth.Policy{
	reviewv1.ReviewService_SignDeclaration_FullMethodName:  auth.Allow(auth.Reviewer, auth.JuryChair),
	reviewv1.ReviewService_ListAssignments_FullMethodName:  auth.Allow(auth.Reviewer, auth.JuryChair),
	reviewv1.ReviewService_CreateConflict_FullMethodName:   auth.Allow(auth.Reviewer, auth.JuryChair),
	reviewv1.ReviewService_CreateReview_FullMethodName:     auth.Allow(auth.Reviewer, auth.JuryChair),
	reviewv1.ReviewService_ListReviews_FullMethodName:      auth.Allow(auth.Reviewer, auth.JuryChair),
	reviewv1.ReviewService_ListDivergences_FullMethodName:  auth.Allow(auth.JuryChair),
	reviewv1.ReviewService_RecordConsensus_FullMethodName:  auth.Allow(auth.JuryChair),
	reviewv1.ReviewService_RankCall_FullMethodName:         auth.Allow(auth.JuryChair),
	reviewv1.ReviewService_GetRanking_FullMethodName:       auth.Anyone,
	reviewv1.ReviewService_GetRankingInputs_FullMethodName: auth.Anyone,
	reviewv1.ReviewService_GetMinutes_FullMethodName:       auth.Allow(auth.JuryChair, auth.ProgrammeOfficer, auth.Auditor),
	reviewv1.ReviewService_SignMinutes_FullMethodName:      auth.Allow(auth.JuryChair),
	reviewv1.ReviewService_AssignReviewers_FullMethodName:  auth.Allow(auth.System),
	reviewv1.ReviewService_RecordWithdrawal_FullMethodName: auth.Allow(auth.System),
	reviewv1.ReviewService_CheckReader_FullMethodName:      auth.Allow(auth.System),
	reviewv1.ReviewService_GetFeedback_FullMethodName:      auth.Allow(auth.System, auth.JuryChair, auth.ProgrammeOfficer, auth.Auditor),

	// The call's workflow, reminding the jury before the review deadline.
	reviewv1.ReviewService_ListOutstandingReviews_FullMethodName: auth.Allow(auth.System),
	reviewv1.ReviewService_RecordJuryNotice_FullMethodName:       auth.Allow(auth.System),
}

// Service implements reviewv1.ReviewServiceServer over the review schema.
type Service struct {
	reviewv1.UnimplementedReviewServiceServer
	pool   *pgxpool.Pool
	clock  clock.Clock
	logger *slog.Logger
	// live announces committed jury progress to the console (live.go); nil: not announced.
	live *redis.Client
}

// New returns the service; pool's search_path must be Schema (pg.Open).
func New(pool *pgxpool.Pool, clk clock.Clock, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{pool: pool, clock: clk, logger: logger}
}

// Register adds the service to r.
func (s *Service) Register(r grpc.ServiceRegistrar) {
	reviewv1.RegisterReviewServiceServer(r, s)
}

// now is the clock's instant at PostgreSQL's precision, so that what a handler returns equals
// what a later read returns.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }
