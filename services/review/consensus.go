package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/review/domain"
)

// RecordConsensus records the chair's consensus on an application whose reviews diverge, once
// every review is in. The chair may revise it until the application is decided; each version is
// audited with the one it replaces.
func (s *Service) RecordConsensus(ctx context.Context, req *reviewv1.RecordConsensusRequest) (*reviewv1.Consensus, error) {
	p := auth.FromContext(ctx)
	appName := req.GetParent()
	callID, _, err := resource.ParseApplication(appName)
	if err != nil {
		return nil, badName("parent", appName, "calls/*/applications/*")
	}
	given := make([]domain.Score, len(req.GetConsensus().GetScores()))
	for i, sc := range req.GetConsensus().GetScores() {
		given[i] = domain.Score{Criterion: sc.GetCriterion(), Score: sc.GetScore()}
	}
	comment := req.GetConsensus().GetComment()
	now := s.now()
	var out *reviewv1.Consensus
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		// The call first, shared, as in CreateReview: the signature of the minutes cannot slip
		// between the check below and the commit. Then the application's lock, which orders the
		// consensus after any review being written.
		c, _, err := loadCall(ctx, tx, callID, forShare)
		if err != nil {
			return err
		}
		st, ok, err := seatOf(ctx, tx, appName, p.Subject, true)
		if err != nil {
			return err
		}
		// The chair of another call, or one that declared a conflict on this file, sees no such application.
		if !ok || !c.chairedBy(p) || st.state == recused {
			return notFound("application %s not found", appName)
		}
		if err := requireSigned(ctx, tx, callID, p.Subject); err != nil {
			return err
		}
		if err := refuseIfSigned(ctx, tx, callID, "record a consensus"); err != nil {
			return err
		}
		staffed, err := staffingOf(ctx, tx, appName)
		if err != nil {
			return err
		}
		if !staffed.complete() {
			return status.Errorf(codes.FailedPrecondition, "%s has %d of %d reviews: a consensus waits for all of them",
				appName, staffed.reviewed, max(staffed.required, staffed.active))
		}
		reviews, err := reviewsOf(ctx, tx, appName)
		if err != nil {
			return err
		}
		d, err := domain.Diverge(c.Criteria, reviews)
		if err != nil {
			return status.Errorf(codes.FailedPrecondition, "the reviews of %s no longer fit the grid: %v", appName, err)
		}
		if !d.Flagged {
			return status.Errorf(codes.FailedPrecondition, "the reviews of %s agree: it is ranked on their means, without a consensus", appName)
		}
		var decided bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM decisions WHERE application = $1)`, appName).Scan(&decided); err != nil {
			return err
		}
		if decided {
			return status.Errorf(codes.FailedPrecondition, "%s is already decided: its consensus can no longer change", appName)
		}
		scores, err := domain.CheckConsensus(c.Criteria, given, comment)
		var bad domain.Invalid
		if errors.As(err, &bad) {
			return invalid("consensus.", bad)
		}
		if err != nil {
			return err
		}
		total := domain.Total(c.Criteria, scores)
		scoresJSON, err := json.Marshal(scores)
		if err != nil {
			return err
		}
		before, err := consensusOf(ctx, tx, appName)
		if err != nil {
			return err
		}
		var created time.Time
		if err := tx.QueryRow(ctx, `INSERT INTO consensus (application, chair, scores, comment, total, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6)
			ON CONFLICT (application) DO UPDATE SET chair = excluded.chair, scores = excluded.scores, comment = excluded.comment,
				total = excluded.total, updated_at = excluded.updated_at
			RETURNING created_at`, appName, p.Subject, scoresJSON, comment, total, now).Scan(&created); err != nil {
			return err
		}
		out = &reviewv1.Consensus{Name: appName + "/consensus", Chair: p.Subject, Comment: comment, Total: total,
			CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(now)}
		for _, sc := range scores {
			out.Scores = append(out.Scores, &reviewv1.CriterionScore{Criterion: sc.Criterion, Score: sc.Score})
		}
		entry := audit.Entry{At: now, Action: "consensus.recorded", Object: out.GetName(),
			After: map[string]any{"scores": scores, "total": total, "comment": comment, "divergence": d.Reasons}}
		if before != nil {
			entry.Action, entry.Before = "consensus.revised", before
		}
		return audit.Append(ctx, tx, entry.FromPrincipal(p))
	})
	if err != nil {
		return nil, err
	}
	s.publishLive(ctx, callID, "consensus", appName)
	return out, nil
}

// reviewsOf reads an application's reviews' scores.
func reviewsOf(ctx context.Context, q querier, appName string) ([][]domain.Score, error) {
	rows, err := q.Query(ctx, `SELECT scores FROM reviews WHERE application = $1 ORDER BY reviewer`, appName)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) ([]domain.Score, error) {
		var raw []byte
		var scores []domain.Score
		if err := row.Scan(&raw); err != nil {
			return nil, err
		}
		return scores, json.Unmarshal(raw, &scores)
	})
}

// consensusOf reads an application's consensus for the audit of its revision, nil when none.
func consensusOf(ctx context.Context, q querier, appName string) (map[string]any, error) {
	var (
		raw     []byte
		comment string
		total   float64
		scores  []domain.Score
	)
	err := q.QueryRow(ctx, `SELECT scores, comment, total FROM consensus WHERE application = $1`, appName).Scan(&raw, &comment, &total)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &scores); err != nil {
		return nil, fmt.Errorf("consensus of %s: %w", appName, err)
	}
	return map[string]any{"scores": scores, "total": total, "comment": comment}, nil
}

// ListDivergences lists the call's applications whose reviews so far diverge, for its chair:
// the consensus queue. A file the chair declared a conflict on is left out.
func (s *Service) ListDivergences(ctx context.Context, req *reviewv1.ListDivergencesRequest) (*reviewv1.ListDivergencesResponse, error) {
	p := auth.FromContext(ctx)
	callID, err := resource.ParseCall(req.GetParent())
	if err != nil {
		return nil, badName("parent", req.GetParent(), "calls/*")
	}
	out := &reviewv1.ListDivergencesResponse{}
	err = pg.Tx(ctx, s.pool, pgx.RepeatableRead, func(tx pgx.Tx) error {
		c, ok, err := loadCall(ctx, tx, callID, noLock)
		if err != nil {
			return err
		}
		if !ok || !c.chairedBy(p) {
			return notFound("call %s not found", req.GetParent())
		}
		if err := requireSigned(ctx, tx, callID, p.Subject); err != nil {
			return err
		}
		type file struct {
			name, title string
			staffed     staffing
			consensus   bool
		}
		rows, err := tx.Query(ctx, `SELECT p.name, p.title, p.reviewers_required,
				(SELECT count(*) FROM assignments a WHERE a.application = p.name AND a.state <> 'RECUSED'),
				(SELECT count(*) FROM reviews r WHERE r.application = p.name),
				EXISTS (SELECT 1 FROM consensus k WHERE k.application = p.name)
			FROM applications p
			WHERE p.call = $1
				AND (SELECT count(*) FROM reviews r WHERE r.application = p.name) >= 2
				AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.application = p.name AND a.reviewer = $2 AND a.state = 'RECUSED')
			ORDER BY p.name`, callID, p.Subject)
		if err != nil {
			return err
		}
		var f file
		var files []file
		if _, err := pgx.ForEachRow(rows, []any{&f.name, &f.title, &f.staffed.required, &f.staffed.active, &f.staffed.reviewed, &f.consensus}, func() error {
			files = append(files, f)
			return nil
		}); err != nil {
			return err
		}
		for _, f := range files {
			reviews, err := reviewsOf(ctx, tx, f.name)
			if err != nil {
				return err
			}
			d, err := domain.Diverge(c.Criteria, reviews)
			if err != nil {
				return fmt.Errorf("divergence of %s: %w", f.name, err)
			}
			if !d.Flagged {
				continue
			}
			dv := &reviewv1.Divergence{Application: f.name, ApplicationTitle: f.title, MinTotal: d.MinTotal, MaxTotal: d.MaxTotal,
				Reasons: d.Reasons, Reviews: int32(f.staffed.reviewed), Reviewers: int32(max(f.staffed.required, f.staffed.active)),
				ConsensusRecorded: f.consensus}
			for _, sp := range d.Spreads {
				dv.Spreads = append(dv.Spreads, &reviewv1.CriterionSpread{Criterion: sp.Criterion, Min: sp.Min, Max: sp.Max,
					Spread: sp.Max - sp.Min, Divergent: sp.Divergent})
			}
			out.Divergences = append(out.Divergences, dv)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
