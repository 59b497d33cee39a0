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
	"github.com/guichet/guichet/platform/resource"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/review/domain"
)

// querier is what the handlers need of a transaction or a pool.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// call is a call's jury, grid and envelope, as the workflow last handed them over. Reviewers is
// the jury as domain.Jury gives it (trimmed, without duplicates, sorted), so a membership test,
// a reminder and an assignment see the same names.
type call struct {
	ID               string             `json:"call"`
	Chair            string             `json:"chair"`
	Reviewers        []string           `json:"reviewers"`
	Criteria         []domain.Criterion `json:"criteria"`
	OverallThreshold float64            `json:"overallThreshold"`
	EnvelopeCents    int64              `json:"envelopeCents"`
	PerApplication   int32              `json:"reviewersPerApplication"`
	// MaxLoad is the call's load cap per reviewer, 0 for the default (domain.DefaultLoadCap).
	MaxLoad int32 `json:"maxLoadPerReviewer"`
	// Seed breaks the assignment's ties; never 0 once loaded (domain.SeedFor).
	Seed int64 `json:"seed"`
	// TieBreak is the criterion-priority order for equal totals, as configured (empty: the grid's order).
	TieBreak []string `json:"tieBreakCriteria"`
}

func (c call) equal(o call) bool {
	return c.ID == o.ID && c.Chair == o.Chair && slices.Equal(c.Reviewers, o.Reviewers) &&
		slices.Equal(c.Criteria, o.Criteria) && c.OverallThreshold == o.OverallThreshold &&
		c.EnvelopeCents == o.EnvelopeCents && c.PerApplication == o.PerApplication && c.MaxLoad == o.MaxLoad && c.Seed == o.Seed &&
		slices.Equal(c.TieBreak, o.TieBreak)
}

// selection is what the ranking needs of the call.
func (c call) selection() domain.Call {
	return domain.Call{Criteria: c.Criteria, OverallThreshold: c.OverallThreshold, EnvelopeCents: c.EnvelopeCents, TieBreak: c.TieBreak}
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

const callColumns = `call, chair, reviewers, criteria, overall_threshold, envelope_cents, reviewers_per_application,
	max_load_per_reviewer, seed, tie_break_criteria`

// rowLock is how loadCall locks the call's row until the transaction ends.
type rowLock string

const (
	noLock rowLock = ""
	// forShare lets changes of the jury's work (reviews, consensus) run side by side while the
	// signature of the minutes, which takes forUpdate, waits for them and they wait for it.
	forShare rowLock = " FOR SHARE"
	// forUpdate orders ranking runs, promotions and the signature of the minutes.
	forUpdate rowLock = " FOR UPDATE"
)

// loadCall reads a call, locking its row as lock says; ok is false when the call is unknown.
func loadCall(ctx context.Context, q querier, id string, lock rowLock) (c call, ok bool, err error) {
	sql := `SELECT ` + callColumns + ` FROM calls WHERE call = $1` + string(lock)
	var criteria []byte
	err = q.QueryRow(ctx, sql, id).Scan(&c.ID, &c.Chair, &c.Reviewers, &criteria, &c.OverallThreshold, &c.EnvelopeCents, &c.PerApplication,
		&c.MaxLoad, &c.Seed, &c.TieBreak)
	if errors.Is(err, pgx.ErrNoRows) {
		return call{}, false, nil
	}
	if err != nil {
		return call{}, false, err
	}
	if err := json.Unmarshal(criteria, &c.Criteria); err != nil {
		return call{}, false, fmt.Errorf("call %s criteria: %w", id, err)
	}
	if c.Seed == 0 {
		c.Seed = domain.SeedFor(resource.CallName(id))
	}
	return c, true, nil
}

// loadCap is the most active assignments a reviewer may hold in the call, over its n
// applications so far.
func (c call) loadCap(n int) int {
	if c.MaxLoad > 0 {
		return int(c.MaxLoad)
	}
	return domain.DefaultLoadCap(n, int(c.PerApplication), len(c.Reviewers))
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

// Assignment states. A recused assignment (déport) no longer counts, but stays for the minutes.
const (
	assigned = "ASSIGNED"
	reviewed = "REVIEWED"
	recused  = "RECUSED"
)

// assignments lists assignments with their application's title and the reviewer's declaration;
// where filters them (its arguments follow).
func assignments(ctx context.Context, q querier, where string, args ...any) ([]*reviewv1.Assignment, error) {
	rows, err := q.Query(ctx, `SELECT a.application, a.reviewer, a.state, p.title, a.created_at, c.conflict
		FROM assignments a JOIN applications p ON p.name = a.application
		LEFT JOIN conflicts c ON c.application = a.application AND c.reviewer = a.reviewer
		WHERE `+where+` ORDER BY a.application, a.reviewer`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*reviewv1.Assignment, error) {
		a := &reviewv1.Assignment{}
		var created time.Time
		var conflict *bool
		if err := row.Scan(&a.Application, &a.Reviewer, &a.State, &a.ApplicationTitle, &created, &conflict); err != nil {
			return nil, err
		}
		a.CreateTime = timestamppb.New(created)
		a.ConflictDeclaration = declaration(conflict)
		return a, nil
	})
}

// declaration names a conflicts row's state: none yet, no conflict, or a conflict.
func declaration(conflict *bool) string {
	switch {
	case conflict == nil:
		return domain.Undeclared
	case *conflict:
		return domain.Conflict
	}
	return domain.NoConflict
}

// seat is a jury member's place on one application: its assignment's state ("" when it has
// none) and its declaration.
type seat struct {
	state       string
	declaration string
}

// active reports whether the member holds a live assignment (not recused).
func (s seat) active() bool { return s.state == assigned || s.state == reviewed }

// seatOf reads subject's seat on application, locking the application's row when lock is set
// (reviews, déports and consensus of one application are serialised on it); ok is false when
// the application is unknown.
func seatOf(ctx context.Context, q querier, application, subject string, lock bool) (s seat, ok bool, err error) {
	sql := `SELECT coalesce(a.state, ''), c.conflict FROM applications p
		LEFT JOIN assignments a ON a.application = p.name AND a.reviewer = $2
		LEFT JOIN conflicts c ON c.application = p.name AND c.reviewer = $2
		WHERE p.name = $1`
	if lock {
		sql += ` FOR UPDATE OF p`
	}
	var conflict *bool
	err = q.QueryRow(ctx, sql, application, subject).Scan(&s.state, &conflict)
	if errors.Is(err, pgx.ErrNoRows) {
		return seat{}, false, nil
	}
	if err != nil {
		return seat{}, false, err
	}
	s.declaration = declaration(conflict)
	return s, true, nil
}

// errUndeclared refuses to show or score a file before its reviewer declares it has no conflict.
var errUndeclared = status.Error(codes.FailedPrecondition, "declare whether you have a conflict of interest with this application first")

// staffing is how many reviewers an application has and needs, and how many reviewed it.
type staffing struct {
	required, active, reviewed int
}

// complete reports whether every reviewer the application needs has reviewed it.
func (s staffing) complete() bool { return s.active >= s.required && s.reviewed >= s.active }

func staffingOf(ctx context.Context, q querier, application string) (s staffing, err error) {
	err = q.QueryRow(ctx, `SELECT p.reviewers_required,
			(SELECT count(*) FROM assignments a WHERE a.application = p.name AND a.state <> 'RECUSED'),
			(SELECT count(*) FROM reviews r WHERE r.application = p.name)
		FROM applications p WHERE p.name = $1`, application).Scan(&s.required, &s.active, &s.reviewed)
	return s, err
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

func notFound(format string, args ...any) error {
	return status.Errorf(codes.NotFound, format, args...)
}

func badName(field, name, pattern string) error {
	return grpcx.InvalidArgument(grpcx.Violation{Field: field, Description: fmt.Sprintf("%q is not a %s name", name, pattern)})
}
