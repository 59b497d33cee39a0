package review

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
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
	Keywords       []string  `json:"keywords"`
}

// AssignReviewers records the call's configuration and the application as the workflow hands
// them over, and assigns reviewers once: a retry returns the assignments already made, after
// completing them if a déport left the application short.
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
		Reviewers:        domain.Jury(req.GetReviewers()),
		OverallThreshold: req.GetOverallThreshold(),
		EnvelopeCents:    req.GetEnvelopeCents(),
		PerApplication:   req.GetReviewersPerApplication(),
		MaxLoad:          req.GetMaxLoadPerReviewer(),
		Seed:             req.GetSeed(),
		TieBreak:         req.GetTieBreakCriteria(),
	}
	if cfg.Seed == 0 {
		cfg.Seed = domain.SeedFor(resource.CallName(callID))
	}
	for _, c := range req.GetCriteria() {
		cfg.Criteria = append(cfg.Criteria, domain.Criterion{ID: c.GetId(), Weight: c.GetWeight(), Threshold: c.GetThreshold()})
	}
	var bad domain.Invalid
	if err := domain.CheckGrid(cfg.Criteria, cfg.OverallThreshold); errors.As(err, &bad) {
		return nil, invalid("", bad)
	}
	if err := domain.CheckTieBreak(cfg.Criteria, cfg.TieBreak); errors.As(err, &bad) {
		return nil, invalid("", bad)
	}
	keywords, err := domain.NormaliseKeywords("keywords", req.GetKeywords())
	if errors.As(err, &bad) {
		return nil, invalid("", bad)
	}
	if len(cfg.Reviewers) < int(cfg.PerApplication) {
		return nil, status.Errorf(codes.FailedPrecondition, "%v: %d needed, %d in the jury", domain.ErrJuryTooSmall, cfg.PerApplication, len(cfg.Reviewers))
	}
	app := application{
		Name:           req.GetApplication(),
		Call:           callID,
		Title:          req.GetTitle(),
		RequestedCents: req.GetRequestedAmountCents(),
		SubmitTime:     req.GetSubmitTime().AsTime().UTC().Truncate(time.Microsecond),
		Keywords:       keywords,
	}
	now := s.now()
	var out []*reviewv1.Assignment
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		// configure locks the call's row, so assignments in one call are made one at a time and
		// each sees the loads the previous one left.
		if err := configure(ctx, tx, p, now, cfg); err != nil {
			return err
		}
		if err := receive(ctx, tx, p, now, app, int(cfg.PerApplication)); err != nil {
			return err
		}
		c, _, err := loadCall(ctx, tx, callID, noLock)
		if err != nil {
			return err
		}
		if _, _, err := staff(ctx, tx, p, now, c, app.Name, ""); err != nil {
			return err
		}
		out, err = assignments(ctx, tx, `a.application = $1 AND a.state <> 'RECUSED'`, app.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &reviewv1.AssignReviewersResponse{Assignments: out}, nil
}

// staff assigns reviewers of the call's jury to the application until it holds as many active
// assignments as it needs, with the optimiser over the jury's current loads in the call. The
// caller holds the call's row lock. It returns the reviewers added and how many are still
// missing when conflicts and load caps leave no one (the application then "needs reviewers",
// which its chair sees). replaces names the reviewer whose déport this staffing follows.
func staff(ctx context.Context, tx pgx.Tx, p auth.Principal, now time.Time, c call, appName, replaces string) (added []string, short int, err error) {
	var keywords []string
	var required int
	if err := tx.QueryRow(ctx, `SELECT keywords, reviewers_required FROM applications WHERE name = $1`, appName).Scan(&keywords, &required); err != nil {
		return nil, 0, err
	}
	// Anyone who ever held the application, recused or not, is out: a recused reviewer declared
	// a conflict, the others are on it already.
	var excluded []domain.Pair
	active := 0
	rows, err := tx.Query(ctx, `SELECT reviewer, state FROM assignments WHERE application = $1`, appName)
	if err != nil {
		return nil, 0, err
	}
	var reviewer, state string
	if _, err := pgx.ForEachRow(rows, []any{&reviewer, &state}, func() error {
		excluded = append(excluded, domain.Pair{Application: appName, Reviewer: reviewer})
		if state != recused {
			active++
		}
		return nil
	}); err != nil {
		return nil, 0, err
	}
	missing := required - active
	if missing <= 0 {
		return nil, 0, nil
	}
	load := map[string]int{}
	rows, err = tx.Query(ctx, `SELECT a.reviewer, count(*) FROM assignments a
		JOIN applications p ON p.name = a.application WHERE p.call = $1 AND a.state <> 'RECUSED' GROUP BY a.reviewer`, c.ID)
	if err != nil {
		return nil, 0, err
	}
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&reviewer, &n}, func() error { load[reviewer] = n; return nil }); err != nil {
		return nil, 0, err
	}
	expertise := map[string][]string{}
	rows, err = tx.Query(ctx, `SELECT reviewer, expertise FROM declarations WHERE call = $1`, c.ID)
	if err != nil {
		return nil, 0, err
	}
	var declared []string
	if _, err := pgx.ForEachRow(rows, []any{&reviewer, &declared}, func() error { expertise[reviewer] = declared; return nil }); err != nil {
		return nil, 0, err
	}
	var applications int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM applications WHERE call = $1`, c.ID).Scan(&applications); err != nil {
		return nil, 0, err
	}
	problem := domain.Problem{
		Applications:   []domain.Application{{Name: appName, Keywords: keywords}},
		PerApplication: missing,
		LoadCap:        c.loadCap(applications),
		Excluded:       excluded,
		Seed:           c.Seed,
	}
	for _, r := range c.Reviewers {
		problem.Reviewers = append(problem.Reviewers, domain.Reviewer{Name: r, Expertise: expertise[r], Load: load[r]})
	}
	if len(problem.Reviewers) < missing {
		// A jury smaller than what is missing: nobody to add, but the déport still stands.
		return nil, missing, nil
	}
	result, err := domain.Solve(problem)
	if err != nil {
		return nil, 0, err
	}
	for _, r := range result.Assigned[appName] {
		if _, err := tx.Exec(ctx, `INSERT INTO assignments (application, reviewer, state, created_at) VALUES ($1, $2, 'ASSIGNED', $3)`,
			appName, r, now); err != nil {
			return nil, 0, err
		}
		after := map[string]any{"application": appName, "reviewer": r, "state": assigned, "load": load[r],
			"loadCap": problem.LoadCap, "seed": c.Seed}
		if replaces != "" {
			after["replaces"] = replaces
		}
		if err := audit.Append(ctx, tx, audit.Entry{At: now, Action: "assignment.created", Object: appName + "/assignments/" + r,
			After: after}.FromPrincipal(p)); err != nil {
			return nil, 0, err
		}
	}
	return result.Assigned[appName], result.Short[appName], nil
}

// configure records the call's configuration, or its change, and leaves its row locked.
func configure(ctx context.Context, tx pgx.Tx, p auth.Principal, now time.Time, cfg call) error {
	criteria, err := json.Marshal(cfg.Criteria)
	if err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO calls (`+callColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (call) DO NOTHING`,
		cfg.ID, cfg.Chair, cfg.Reviewers, criteria, cfg.OverallThreshold, cfg.EnvelopeCents, cfg.PerApplication, cfg.MaxLoad, cfg.Seed, tieBreak(cfg.TieBreak))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 1 {
		return audit.Append(ctx, tx, audit.Entry{At: now, Action: "call.configured", Object: "calls/" + cfg.ID, After: cfg}.FromPrincipal(p))
	}
	old, _, err := loadCall(ctx, tx, cfg.ID, forUpdate)
	if err != nil || old.equal(cfg) {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE calls SET chair = $2, reviewers = $3, criteria = $4, overall_threshold = $5,
		envelope_cents = $6, reviewers_per_application = $7, max_load_per_reviewer = $8, seed = $9,
		tie_break_criteria = $10 WHERE call = $1`,
		cfg.ID, cfg.Chair, cfg.Reviewers, criteria, cfg.OverallThreshold, cfg.EnvelopeCents, cfg.PerApplication, cfg.MaxLoad, cfg.Seed, tieBreak(cfg.TieBreak)); err != nil {
		return err
	}
	return audit.Append(ctx, tx, audit.Entry{At: now, Action: "call.reconfigured", Object: "calls/" + cfg.ID, Before: old, After: cfg}.FromPrincipal(p))
}

// tieBreak is never NULL in the database: no tie-break is the empty array.
func tieBreak(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// receive records the application, with the number of reviewers it needs, or the change of what
// the jury knows of it.
func receive(ctx context.Context, tx pgx.Tx, p auth.Principal, now time.Time, app application, required int) error {
	tag, err := tx.Exec(ctx, `INSERT INTO applications (name, call, title, requested_amount_cents, submit_time, keywords, reviewers_required)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING`,
		app.Name, app.Call, app.Title, app.RequestedCents, app.SubmitTime, app.Keywords, required)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 1 {
		return audit.Append(ctx, tx, audit.Entry{At: now, Action: "application.received", Object: app.Name, After: app}.FromPrincipal(p))
	}
	old := application{Name: app.Name}
	if err := tx.QueryRow(ctx, `SELECT call, title, requested_amount_cents, submit_time, keywords FROM applications WHERE name = $1 FOR UPDATE`, app.Name).
		Scan(&old.Call, &old.Title, &old.RequestedCents, &old.SubmitTime, &old.Keywords); err != nil {
		return err
	}
	old.SubmitTime = old.SubmitTime.UTC()
	if old.Title == app.Title && old.RequestedCents == app.RequestedCents && old.SubmitTime.Equal(app.SubmitTime) && slices.Equal(old.Keywords, app.Keywords) {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE applications SET title = $2, requested_amount_cents = $3, submit_time = $4, keywords = $5 WHERE name = $1`,
		app.Name, app.Title, app.RequestedCents, app.SubmitTime, app.Keywords); err != nil {
		return err
	}
	return audit.Append(ctx, tx, audit.Entry{At: now, Action: "application.updated", Object: app.Name, Before: old, After: app}.FromPrincipal(p))
}
