package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/grpcx"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/review/domain"
)

// querier is what the handlers need of a transaction or a pool.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// call is a call's jury, grid and envelope, as the workflow last handed them over.
type call struct {
	ID               string             `json:"call"`
	Chair            string             `json:"chair"`
	Reviewers        []string           `json:"reviewers"`
	Criteria         []domain.Criterion `json:"criteria"`
	OverallThreshold float64            `json:"overallThreshold"`
	EnvelopeCents    int64              `json:"envelopeCents"`
	PerApplication   int32              `json:"reviewersPerApplication"`
}

func (c call) equal(o call) bool {
	return c.ID == o.ID && c.Chair == o.Chair && slices.Equal(c.Reviewers, o.Reviewers) &&
		slices.Equal(c.Criteria, o.Criteria) && c.OverallThreshold == o.OverallThreshold &&
		c.EnvelopeCents == o.EnvelopeCents && c.PerApplication == o.PerApplication
}

// chairedBy reports whether p chairs the call: the role alone is not enough, a chair of one call
// is an outsider to the others.
func (c call) chairedBy(p auth.Principal) bool {
	return p.Role == auth.JuryChair && p.Subject == c.Chair
}

// member reports whether subject sits on the call's jury, as a reviewer or as its chair.
func (c call) member(subject string) bool {
	return subject == c.Chair || slices.Contains(c.Reviewers, subject)
}

const callColumns = `call, chair, reviewers, criteria, overall_threshold, envelope_cents, reviewers_per_application`

// loadCall reads a call, locking its row when lock is set; ok is false when the call is unknown.
func loadCall(ctx context.Context, q querier, id string, lock bool) (c call, ok bool, err error) {
	sql := `SELECT ` + callColumns + ` FROM calls WHERE call = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	var criteria []byte
	err = q.QueryRow(ctx, sql, id).Scan(&c.ID, &c.Chair, &c.Reviewers, &criteria, &c.OverallThreshold, &c.EnvelopeCents, &c.PerApplication)
	if errors.Is(err, pgx.ErrNoRows) {
		return call{}, false, nil
	}
	if err != nil {
		return call{}, false, err
	}
	if err := json.Unmarshal(criteria, &c.Criteria); err != nil {
		return call{}, false, fmt.Errorf("call %s criteria: %w", id, err)
	}
	return c, true, nil
}

// signed reports whether subject signed the call's declaration of interests.
func signed(ctx context.Context, q querier, callID, subject string) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM declarations WHERE call = $1 AND reviewer = $2)`, callID, subject).Scan(&ok)
	return ok, err
}

// errNotSigned is the refusal of a jury member who has not signed the declaration of interests.
var errNotSigned = status.Error(codes.FailedPrecondition, "sign the declaration of interests first")

// requireSigned returns errNotSigned unless subject signed the call's declaration.
func requireSigned(ctx context.Context, q querier, callID, subject string) error {
	ok, err := signed(ctx, q, callID, subject)
	if err != nil {
		return err
	}
	if !ok {
		return errNotSigned
	}
	return nil
}

// assignments lists assignments with their application's title; where filters them (its
// arguments follow).
func assignments(ctx context.Context, q querier, where string, args ...any) ([]*reviewv1.Assignment, error) {
	rows, err := q.Query(ctx, `SELECT a.application, a.reviewer, a.state, p.title, a.created_at
		FROM assignments a JOIN applications p ON p.name = a.application
		WHERE `+where+` ORDER BY a.application, a.reviewer`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*reviewv1.Assignment, error) {
		a := &reviewv1.Assignment{}
		var created time.Time
		if err := row.Scan(&a.Application, &a.Reviewer, &a.State, &a.ApplicationTitle, &created); err != nil {
			return nil, err
		}
		a.CreateTime = timestamppb.New(created)
		return a, nil
	})
}

// invalid turns a domain's bad fields into an InvalidArgument status naming their JSON paths
// under prefix (review.).
func invalid(prefix string, bad domain.Invalid) error {
	vs := make([]grpcx.Violation, len(bad))
	for i, f := range bad {
		vs[i] = grpcx.Violation{Field: grpcx.JSONPath(prefix + f.Field), Description: f.Reason}
	}
	return grpcx.InvalidArgument(vs...)
}

// edge gives every error leaving a handler a gRPC code: statuses pass through, anything else is
// logged and becomes Internal without its details.
func (s *Service) edge(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if st, ok := status.FromError(err); ok {
		return st.Err()
	}
	if ctx.Err() != nil {
		return status.FromContextError(ctx.Err()).Err()
	}
	s.logger.ErrorContext(ctx, "review service failure", "error", err)
	return status.Error(codes.Internal, "internal error")
}

func notFound(format string, args ...any) error {
	return status.Errorf(codes.NotFound, format, args...)
}

func badName(field, name, pattern string) error {
	return grpcx.InvalidArgument(grpcx.Violation{Field: field, Description: fmt.Sprintf("%q is not a %s name", name, pattern)})
}
