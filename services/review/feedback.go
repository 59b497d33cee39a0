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

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/review/domain"
)

// GetFeedback returns what the applicant is told of its application's decision: the decision as
// it stands, the final scores of the last ranking with the grid's thresholds, and the reviews
// with their authors replaced by labels. The labels follow the order in which the reviews were
// submitted, so the same application always gets the same labels.
func (s *Service) GetFeedback(ctx context.Context, req *reviewv1.GetFeedbackRequest) (*reviewv1.Feedback, error) {
	p := auth.FromContext(ctx)
	ids, err := resource.Parse(req.GetName(), "calls/*/applications/*/feedback")
	if err != nil {
		return nil, badName("name", req.GetName(), "calls/*/applications/*/feedback")
	}
	callID, application := ids[0], resource.ApplicationName(ids[0], ids[1])
	var out *reviewv1.Feedback
	err = pg.Tx(ctx, s.pool, pgx.RepeatableRead, func(tx pgx.Tx) error {
		c, ok, err := loadCall(ctx, tx, callID, noLock)
		if err != nil {
			return err
		}
		// The chair of another call is an outsider to this one.
		if !ok || (p.Role == auth.JuryChair && !c.chairedBy(p)) {
			return notFound("feedback %s not found", req.GetName())
		}
		out, err = feedback(ctx, tx, c, application)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.Name = req.GetName()
	return out, nil
}

// feedback reads the application's decision, its entry in the call's last ranking, its reviews
// and its consensus.
func feedback(ctx context.Context, tx pgx.Tx, c call, application string) (*reviewv1.Feedback, error) {
	out := &reviewv1.Feedback{Application: application, OverallThreshold: c.OverallThreshold}
	var decided time.Time
	// The rank comes from the last ranking below, as the minutes show it: the decision keeps the
	// rank of the run that first decided it, which a later run before the signature may change.
	err := tx.QueryRow(ctx, `SELECT decision, reason, rank_time FROM decisions WHERE application = $1`, application).
		Scan(&out.Decision, &out.Reason, &decided)
	if errors.Is(err, pgx.ErrNoRows) {
		var known bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM applications WHERE name = $1 AND call = $2)`, application, c.ID).Scan(&known); err != nil {
			return nil, err
		}
		if !known {
			return nil, notFound("application %s not found", application)
		}
		return nil, status.Errorf(codes.FailedPrecondition, "%s has no decision yet: its feedback exists once the jury has ranked the call", application)
	}
	if err != nil {
		return nil, err
	}
	out.DecideTime = timestamppb.New(decided)

	// The reserve list as it stands: the last ranking's order, each entry with its current decision.
	entries, err := reserveList(ctx, tx, c.ID)
	if err != nil {
		return nil, err
	}
	var entry *domain.Entry
	position := 0
	for i := range entries {
		if entries[i].Decision == domain.Reserve {
			position++
		}
		if entries[i].Application == application {
			entry = &entries[i]
			if entry.Decision == domain.Reserve {
				out.ReservePosition = int32(position)
			}
			break
		}
	}
	if entry == nil {
		return nil, fmt.Errorf("%s is decided but absent from the last ranking of %s", application, c.ID)
	}
	out.Title, out.Total, out.AboveThresholds, out.Consensus = entry.Title, entry.Total, entry.AboveThresholds, entry.Consensus
	out.Rank = int32(entry.Rank)

	final := map[string]float64{}
	for _, m := range entry.Means {
		final[m.Criterion] = m.Score
	}
	var comment string
	err = tx.QueryRow(ctx, `SELECT comment FROM consensus WHERE application = $1`, application).Scan(&comment)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	if entry.Consensus {
		out.ConsensusComment = comment
	}

	byCriterion := map[string]*reviewv1.CriterionFeedback{}
	for _, k := range c.Criteria {
		cf := &reviewv1.CriterionFeedback{Criterion: k.ID, Weight: k.Weight, Threshold: k.Threshold, Score: final[k.ID]}
		cf.Reached = cf.GetScore() >= k.Threshold
		byCriterion[k.ID] = cf
		out.Criteria = append(out.Criteria, cf)
	}
	rows, err := tx.Query(ctx, `SELECT scores, comment, total FROM reviews WHERE application = $1 ORDER BY created_at, reviewer`, application)
	if err != nil {
		return nil, err
	}
	var (
		raw    []byte
		text   string
		total  float64
		number int
	)
	if _, err := pgx.ForEachRow(rows, []any{&raw, &text, &total}, func() error {
		label := ReviewerLabel(number)
		number++
		var scores []domain.Score
		if err := json.Unmarshal(raw, &scores); err != nil {
			return fmt.Errorf("scores of a review of %s: %w", application, err)
		}
		for _, sc := range scores {
			if cf, ok := byCriterion[sc.Criterion]; ok {
				cf.ReviewerScores = append(cf.ReviewerScores, &reviewv1.AnonymousScore{Reviewer: label, Score: sc.Score})
			}
		}
		out.Reviewers = append(out.Reviewers, &reviewv1.ReviewerFeedback{Reviewer: label, Comment: text, Total: total})
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// ReviewerLabel is the anonymous name of the i-th review (from 0): "Reviewer A" to "Reviewer Z",
// then "Reviewer 27" onwards (a jury assigns far fewer reviewers than that to one application).
func ReviewerLabel(i int) string {
	if i < 26 {
		return "Reviewer " + string(rune('A'+i))
	}
	return fmt.Sprintf("Reviewer %d", i+1)
}
