package payments

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/services/payments/domain"
)

// refusal is a separation-of-duties refusal found inside a transaction. The transaction rolls
// back, and the attempt is then audited in a transaction of its own: the law cares about who tried.
type refusal struct {
	action string
	object string
	err    error
}

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// refuse names the object in a domain error, and makes it a refusal to audit when it is a
// separation-of-duties breach.
func refuse(action, object string, err error) error {
	err = fmt.Errorf("%s: %w", object, err)
	if errors.Is(err, domain.ErrSeparationOfDuties) {
		return &refusal{action: action, object: object, err: err}
	}
	return err
}

// fail turns an error from a handler's transaction into the gRPC status the caller gets. Status
// errors made by the handlers pass through; domain errors get their code here, at the edge.
func (s *Service) fail(ctx context.Context, err error) error {
	if st, ok := status.FromError(err); ok {
		return st.Err()
	}
	var ref *refusal
	if errors.As(err, &ref) {
		s.auditRefusal(ctx, ref)
	}
	var pgErr *pgconn.PgError
	var violations domain.Violations
	switch {
	case errors.As(err, &violations):
		out := make([]grpcx.Violation, len(violations))
		for i, v := range violations {
			out[i] = grpcx.Violation{Field: v.Field, Description: v.Description}
		}
		return grpcx.InvalidArgument(out...)
	case errors.Is(err, domain.ErrSeparationOfDuties):
		return status.Error(codes.PermissionDenied, err.Error())
	case errors.Is(err, domain.ErrWrongState), errors.Is(err, domain.ErrOverEnvelope), errors.Is(err, domain.ErrOverCommitment):
		return status.Error(codes.FailedPrecondition, err.Error())
	case errors.Is(err, domain.ErrInvalid):
		return status.Error(codes.InvalidArgument, err.Error())
	case errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01"):
		return status.Error(codes.Aborted, "concurrent update, try again")
	case errors.As(err, &pgErr) && (pgErr.Code == "23514" || pgErr.Code == "23505"):
		// The code let through what the database's invariants refuse: a bug or a race the
		// constraints caught. Refuse, and say so loudly.
		s.logger.ErrorContext(ctx, "payments: invariant held by the database", "constraint", pgErr.ConstraintName, "error", err)
		return status.Error(codes.FailedPrecondition, "refused by an invariant of the payments ledger: "+pgErr.ConstraintName)
	}
	// Anything else goes on to the server's edge interceptor (grpcx), which logs it and answers
	// Unavailable when the database is unreachable and Internal otherwise, without its details.
	return err
}

func (s *Service) auditRefusal(ctx context.Context, ref *refusal) {
	p := auth.FromContext(ctx)
	// The caller may have gone; the record of its attempt must not.
	ctx = context.WithoutCancel(ctx)
	err := pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		return audit.Append(ctx, tx, audit.Entry{
			At:     s.now(),
			Action: ref.action,
			Object: ref.object,
			After:  map[string]string{"refused": ref.err.Error()},
		}.FromPrincipal(p))
	})
	if err != nil {
		s.logger.ErrorContext(ctx, "payments: could not audit a refused attempt", "action", ref.action, "object", ref.object, "error", err)
	}
}

func notFound(name string) error {
	return status.Errorf(codes.NotFound, "%s not found", name)
}
