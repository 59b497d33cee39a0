package review

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/review/domain"
)

// application is what the jury needs of an application.
type application struct {
	Name           string    `json:"name"`
	Call           string    `json:"call"`
	Title          string    `json:"title"`
	RequestedCents int64     `json:"requestedAmountCents"`
	SubmitTime     time.Time `json:"submitTime"`
}

// AssignReviewers records the call's configuration and the application as the workflow hands
// them over, and assigns reviewers once: a retry returns the assignment already made.
func (s *Service) AssignReviewers(ctx context.Context, req *reviewv1.AssignReviewersRequest) (*reviewv1.AssignReviewersResponse, error) {
	p := auth.FromContext(ctx)
	callID, _, err := resource.ParseApplication(req.GetApplication())
	if err != nil {
		return nil, badName("application", req.GetApplication(), "calls/*/applications/*")
	}
	if !req.GetSubmitTime().IsValid() {
		return nil, grpcx.InvalidArgument(grpcx.Violation{Field: "submitTime", Description: "the submission instant is required: it breaks ties in the ranking"})
	}
	cfg := call{
		ID:               callID,
		Chair:            req.GetChair(),
		Reviewers:        req.GetReviewers(),
		OverallThreshold: req.GetOverallThreshold(),
		EnvelopeCents:    req.GetEnvelopeCents(),
		PerApplication:   req.GetReviewersPerApplication(),
	}
	for _, c := range req.GetCriteria() {
		cfg.Criteria = append(cfg.Criteria, domain.Criterion{ID: c.GetId(), Weight: c.GetWeight(), Threshold: c.GetThreshold()})
	}
	var bad domain.Invalid
	if err := domain.CheckGrid(cfg.Criteria, cfg.OverallThreshold); errors.As(err, &bad) {
		return nil, invalid("", bad)
	}
	app := application{
		Name:           req.GetApplication(),
		Call:           callID,
		Title:          req.GetTitle(),
		RequestedCents: req.GetRequestedAmountCents(),
		SubmitTime:     req.GetSubmitTime().AsTime().UTC().Truncate(time.Microsecond),
	}
	now := s.now()
	var out []*reviewv1.Assignment
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		// configure locks the call's row, so assignments in one call are made one at a time and
		// each sees the loads the previous one left.
		if err := configure(ctx, tx, p, now, cfg); err != nil {
			return err
		}
		if err := receive(ctx, tx, p, now, app); err != nil {
			return err
		}
		existing, err := assignments(ctx, tx, `a.application = $1`, app.Name)
		if err != nil || len(existing) > 0 {
			out = existing
			return err
		}
		load := map[string]int{}
		rows, err := tx.Query(ctx, `SELECT a.reviewer, count(*) FROM assignments a
			JOIN applications p ON p.name = a.application WHERE p.call = $1 GROUP BY a.reviewer`, callID)
		if err != nil {
			return err
		}
		var reviewer string
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&reviewer, &n}, func() error { load[reviewer] = n; return nil }); err != nil {
			return err
		}
		chosen, err := domain.ChooseReviewers(app.Name, cfg.Reviewers, load, int(cfg.PerApplication))
		if errors.Is(err, domain.ErrJuryTooSmall) {
			return status.Error(codes.FailedPrecondition, err.Error())
		}
		if err != nil {
			return err
		}
		for _, r := range chosen {
			if _, err := tx.Exec(ctx, `INSERT INTO assignments (application, reviewer, state, created_at) VALUES ($1, $2, 'ASSIGNED', $3)`,
				app.Name, r, now); err != nil {
				return err
			}
			if err := audit.Append(ctx, tx, audit.Entry{At: now, Action: "assignment.created",
				Object: app.Name + "/assignments/" + r,
				After:  map[string]any{"application": app.Name, "reviewer": r, "state": "ASSIGNED", "load": load[r]},
			}.FromPrincipal(p)); err != nil {
				return err
			}
		}
		out, err = assignments(ctx, tx, `a.application = $1`, app.Name)
		return err
	})
	if err != nil {
		return nil, s.edge(ctx, err)
	}
	return &reviewv1.AssignReviewersResponse{Assignments: out}, nil
}

// configure records the call's configuration, or its change, and leaves its row locked.
func configure(ctx context.Context, tx pgx.Tx, p auth.Principal, now time.Time, cfg call) error {
	criteria, err := json.Marshal(cfg.Criteria)
	if err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO calls (`+callColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (call) DO NOTHING`,
		cfg.ID, cfg.Chair, cfg.Reviewers, criteria, cfg.OverallThreshold, cfg.EnvelopeCents, cfg.PerApplication)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 1 {
		return audit.Append(ctx, tx, audit.Entry{At: now, Action: "call.configured", Object: "calls/" + cfg.ID, After: cfg}.FromPrincipal(p))
	}
	old, _, err := loadCall(ctx, tx, cfg.ID, true)
	if err != nil || old.equal(cfg) {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE calls SET chair = $2, reviewers = $3, criteria = $4, overall_threshold = $5,
		envelope_cents = $6, reviewers_per_application = $7 WHERE call = $1`,
		cfg.ID, cfg.Chair, cfg.Reviewers, criteria, cfg.OverallThreshold, cfg.EnvelopeCents, cfg.PerApplication); err != nil {
		return err
	}
	return audit.Append(ctx, tx, audit.Entry{At: now, Action: "call.reconfigured", Object: "calls/" + cfg.ID, Before: old, After: cfg}.FromPrincipal(p))
}

// receive records the application, or the change of what the jury knows of it.
func receive(ctx context.Context, tx pgx.Tx, p auth.Principal, now time.Time, app application) error {
	tag, err := tx.Exec(ctx, `INSERT INTO applications (name, call, title, requested_amount_cents, submit_time)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING`, app.Name, app.Call, app.Title, app.RequestedCents, app.SubmitTime)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 1 {
		return audit.Append(ctx, tx, audit.Entry{At: now, Action: "application.received", Object: app.Name, After: app}.FromPrincipal(p))
	}
	old := application{Name: app.Name}
	if err := tx.QueryRow(ctx, `SELECT call, title, requested_amount_cents, submit_time FROM applications WHERE name = $1 FOR UPDATE`, app.Name).
		Scan(&old.Call, &old.Title, &old.RequestedCents, &old.SubmitTime); err != nil {
		return err
	}
	old.SubmitTime = old.SubmitTime.UTC()
	if old.Title == app.Title && old.RequestedCents == app.RequestedCents && old.SubmitTime.Equal(app.SubmitTime) {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE applications SET title = $2, requested_amount_cents = $3, submit_time = $4 WHERE name = $1`,
		app.Name, app.Title, app.RequestedCents, app.SubmitTime); err != nil {
		return err
	}
	return audit.Append(ctx, tx, audit.Entry{At: now, Action: "application.updated", Object: app.Name, Before: old, After: app}.FromPrincipal(p))
}
