package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/flow"
	"github.com/guichet/guichet/platform/outbox"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/review/domain"
)

// RankCall ranks every application of the call once all its reviews are in and every divergent
// one has the chair's consensus, stores the ranking as a new version, and signals each
// application's decision to its workflow the first time it is decided: a later run never
// signals an application again.
func (s *Service) RankCall(ctx context.Context, req *reviewv1.RankCallRequest) (*reviewv1.Ranking, error) {
	p := auth.FromContext(ctx)
	callID, err := resource.ParseCall(req.GetName())
	if err != nil {
		return nil, badName("name", req.GetName(), "calls/*")
	}
	now := s.now()
	var refused bool
	var out *reviewv1.Ranking
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		// The lock serialises ranking runs of one call, so versions follow each other and an
		// application is decided by exactly one run.
		c, ok, err := loadCall(ctx, tx, callID, forUpdate)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("call %s not found", req.GetName())
		}
		if !c.chairedBy(p) {
			refused = true
			return status.Errorf(codes.PermissionDenied, "only the chair of %s may rank it", req.GetName())
		}
		if err := refuseIfSigned(ctx, tx, callID, "rank the call again"); err != nil {
			return err
		}
		candidates, err := loadCandidates(ctx, tx, callID)
		if err != nil {
			return err
		}
		selection := c.selection()
		finals, err := domain.Finals(selection, candidates)
		var missing domain.ConsensusMissing
		if errors.As(err, &missing) {
			return preconditions("divergent applications without a consensus: ", "CONSENSUS_MISSING",
				"the reviews diverge: the chair must record a consensus", missing)
		}
		var ranking domain.Ranking
		if err == nil {
			ranking, err = domain.Select(selection, finals)
		}
		if err != nil {
			// The reviews no longer fit the grid (it changed after they were written).
			return status.Errorf(codes.FailedPrecondition, "the call cannot be ranked: %v", err)
		}
		rankingJSON, err := json.Marshal(ranking)
		if err != nil {
			return err
		}
		inputsJSON, err := json.Marshal(domain.Inputs{
			Call: resource.CallName(callID), Criteria: c.Criteria, OverallThreshold: c.OverallThreshold,
			TieBreakCriteria: domain.TieBreakOrder(c.Criteria, c.TieBreak), EnvelopeCents: c.EnvelopeCents,
			Applications: finals, Ranking: ranking,
		})
		if err != nil {
			return err
		}
		var version int
		if err := tx.QueryRow(ctx, `INSERT INTO rankings (call, version, rank_time, ranking, inputs)
			SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4 FROM rankings WHERE call = $1 RETURNING version`,
			callID, now, rankingJSON, inputsJSON).Scan(&version); err != nil {
			return err
		}
		rankingName := resource.CallName(callID) + "/ranking"
		if err := audit.Append(ctx, tx, audit.Entry{At: now, Action: "ranking.computed", Object: rankingName,
			After: map[string]any{"version": version, "ranking": ranking}}.FromPrincipal(p)); err != nil {
			return err
		}
		for _, e := range ranking.Entries {
			if err := decide(ctx, tx, p, now, e); err != nil {
				return err
			}
		}
		// The call's workflow moves the call to selection once it is first ranked.
		if version > 1 {
			out = rankingProto(rankingName, ranking, now)
			return nil
		}
		if err := outbox.Enqueue(ctx, tx, outbox.Message{WorkflowID: flow.CallWorkflowID(resource.CallName(callID)), Signal: flow.SignalCallRanked,
			Payload: struct{}{}}); err != nil {
			return err
		}
		out = rankingProto(rankingName, ranking, now)
		return nil
	})
	if refused {
		// A refused ranking attempt matters to the jury's record: keep it even though nothing changed.
		if aerr := pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
			return audit.Append(ctx, tx, audit.Entry{At: now, Action: "ranking.refused", Object: resource.CallName(callID) + "/ranking",
				After: map[string]any{"reason": "not the chair of the call"}}.FromPrincipal(p))
		}); aerr != nil {
			s.logger.ErrorContext(ctx, "audit of a refused ranking failed", "error", aerr)
		}
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// loadCandidates reads every application of the call with its reviews and consensus, and
// refuses while any of them still misses a review or a reviewer.
func loadCandidates(ctx context.Context, tx pgx.Tx, callID string) ([]domain.Candidate, error) {
	rows, err := tx.Query(ctx, `SELECT p.name, p.title, p.requested_amount_cents, p.submit_time, p.reviewers_required,
			(SELECT count(*) FROM assignments a WHERE a.application = p.name AND a.state <> 'RECUSED'),
			(SELECT count(*) FROM reviews r WHERE r.application = p.name),
			k.scores
		FROM applications p LEFT JOIN consensus k ON k.application = p.name
		WHERE p.call = $1
		ORDER BY p.name`, callID)
	if err != nil {
		return nil, err
	}
	var (
		candidates []domain.Candidate
		missing    []string
		c          domain.Candidate
		staffed    staffing
		consensus  []byte
	)
	index := map[string]int{}
	if _, err := pgx.ForEachRow(rows, []any{&c.Application, &c.Title, &c.RequestedCents, &c.SubmitTime, &staffed.required, &staffed.active, &staffed.reviewed, &consensus}, func() error {
		if !staffed.complete() {
			missing = append(missing, fmt.Sprintf("%s (%d of %d reviews)", c.Application, staffed.reviewed, max(staffed.required, staffed.active)))
		}
		c.Consensus = nil
		if consensus != nil {
			if err := json.Unmarshal(consensus, &c.Consensus); err != nil {
				return fmt.Errorf("consensus of %s: %w", c.Application, err)
			}
		}
		index[c.Application] = len(candidates)
		candidates = append(candidates, c)
		return nil
	}); err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, missingReviews(missing)
	}
	if len(candidates) == 0 {
		return nil, status.Error(codes.FailedPrecondition, "no application of the call has been assigned to reviewers yet")
	}
	rows, err = tx.Query(ctx, `SELECT r.application, r.scores FROM reviews r JOIN applications p ON p.name = r.application
		WHERE p.call = $1 ORDER BY r.application, r.reviewer`, callID)
	if err != nil {
		return nil, err
	}
	var (
		app    string
		scores []byte
	)
	if _, err := pgx.ForEachRow(rows, []any{&app, &scores}, func() error {
		i, ok := index[app]
		if !ok {
			return fmt.Errorf("review of %s, which is not in the call", app)
		}
		var review []domain.Score
		if err := json.Unmarshal(scores, &review); err != nil {
			return fmt.Errorf("scores of a review of %s: %w", app, err)
		}
		candidates[i].Reviews = append(candidates[i].Reviews, review)
		return nil
	}); err != nil {
		return nil, err
	}
	return candidates, nil
}

// missingReviews is the FailedPrecondition naming the applications still waiting for reviews.
func missingReviews(missing []string) error {
	return preconditions("applications missing reviews: ", "REVIEWS_MISSING",
		"not every reviewer the application needs has submitted a review", missing)
}

// preconditions is a FailedPrecondition naming the applications that stand in the way, in its
// message and as PreconditionFailure details (subject: the application's name).
func preconditions(message, kind, description string, applications []string) error {
	st := status.New(codes.FailedPrecondition, message+strings.Join(applications, ", "))
	pf := &errdetails.PreconditionFailure{}
	for _, m := range applications {
		pf.Violations = append(pf.Violations, &errdetails.PreconditionFailure_Violation{
			Type: kind, Subject: strings.Fields(m)[0], Description: description,
		})
	}
	if withDetails, err := st.WithDetails(pf); err == nil {
		st = withDetails
	}
	return st.Err()
}

// decide records an application's first decision and signals it to the application's workflow.
func decide(ctx context.Context, tx pgx.Tx, p auth.Principal, now time.Time, e domain.Entry) error {
	tag, err := tx.Exec(ctx, `INSERT INTO decisions (application, decision, rank, reason, rank_time) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (application) DO NOTHING`, e.Application, e.Decision, e.Rank, e.Reason, now)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	d := flow.Decision{Decision: e.Decision, Reason: e.Reason, Rank: e.Rank}
	if err := audit.Append(ctx, tx, audit.Entry{At: now, Action: "decision.recorded", Object: e.Application, After: d}.FromPrincipal(p)); err != nil {
		return err
	}
	return outbox.Enqueue(ctx, tx, outbox.Message{WorkflowID: flow.ApplicationWorkflowID(e.Application), Signal: flow.SignalRanked, Payload: d})
}

// GetRanking returns the call's latest ranking: to anyone once the jury minutes are signed
// (mayReadRanking).
func (s *Service) GetRanking(ctx context.Context, req *reviewv1.GetRankingRequest) (*reviewv1.Ranking, error) {
	p := auth.FromContext(ctx)
	ids, err := resource.Parse(req.GetName(), "calls/*/ranking")
	if err != nil {
		return nil, badName("name", req.GetName(), "calls/*/ranking")
	}
	callID := ids[0]
	var out *reviewv1.Ranking
	err = pg.Tx(ctx, s.pool, pgx.RepeatableRead, func(tx pgx.Tx) error {
		if err := mayReadRanking(ctx, tx, p, callID, req.GetName()); err != nil {
			return err
		}
		var (
			rankTime    time.Time
			rankingJSON []byte
			ranking     domain.Ranking
		)
		err := tx.QueryRow(ctx, `SELECT rank_time, ranking FROM rankings WHERE call = $1 ORDER BY version DESC LIMIT 1`, callID).
			Scan(&rankTime, &rankingJSON)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("ranking %s not found: the call has not been ranked", req.GetName())
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(rankingJSON, &ranking); err != nil {
			return fmt.Errorf("ranking of %s: %w", callID, err)
		}
		out = rankingProto(req.GetName(), ranking, rankTime)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func rankingProto(name string, r domain.Ranking, rankTime time.Time) *reviewv1.Ranking {
	out := &reviewv1.Ranking{
		Name:          name,
		EnvelopeCents: r.EnvelopeCents,
		SelectedCents: r.SelectedCents,
		CutoffRank:    int32(r.CutoffRank),
		RankTime:      timestamppb.New(rankTime),
	}
	for _, e := range r.Entries {
		pe := &reviewv1.RankingEntry{
			Rank:                 int32(e.Rank),
			Application:          e.Application,
			Title:                e.Title,
			Total:                e.Total,
			AboveThresholds:      e.AboveThresholds,
			RequestedAmountCents: e.RequestedCents,
			Decision:             e.Decision,
			Reason:               e.Reason,
			Consensus:            e.Consensus,
		}
		for _, m := range e.Means {
			pe.Scores = append(pe.Scores, &reviewv1.CriterionScore{Criterion: m.Criterion, Score: m.Score})
		}
		out.Entries = append(out.Entries, pe)
	}
	return out
}

// GetRankingInputs returns the published inputs of the call's last ranking run as a JSON
// document (domain.Inputs), from which `guichet ranking verify` recomputes the ranking.
func (s *Service) GetRankingInputs(ctx context.Context, req *reviewv1.GetRankingInputsRequest) (*httpbody.HttpBody, error) {
	p := auth.FromContext(ctx)
	ids, err := resource.Parse(req.GetName(), "calls/*/ranking")
	if err != nil {
		return nil, badName("name", req.GetName(), "calls/*/ranking")
	}
	var inputs []byte
	err = pg.Tx(ctx, s.pool, pgx.RepeatableRead, func(tx pgx.Tx) error {
		if err := mayReadRanking(ctx, tx, p, ids[0], req.GetName()); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT inputs FROM rankings WHERE call = $1 ORDER BY version DESC LIMIT 1`, ids[0]).Scan(&inputs)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("ranking %s not found: the call has not been ranked", req.GetName())
		}
		if err != nil {
			return err
		}
		if inputs == nil {
			return status.Errorf(codes.FailedPrecondition, "the last ranking of %s predates published inputs: rank the call again", req.GetName())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Indented, as a document people read and archive; jsonb does not keep the field order, so
	// it is written again from the structure.
	var in domain.Inputs
	if err := json.Unmarshal(inputs, &in); err != nil {
		return nil, fmt.Errorf("inputs of %s: %w", req.GetName(), err)
	}
	doc, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return nil, err
	}
	return &httpbody.HttpBody{ContentType: "application/json", Data: append(doc, '\n')}, nil
}
