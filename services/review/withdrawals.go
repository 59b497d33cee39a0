package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/flow"
	"github.com/guichet/guichet/platform/outbox"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/review/domain"
)

// RecordWithdrawal records that a laureate withdrew (its whole requested amount returns) or was
// decommitted (released_cents return), and promotes the next reserve entries that fit what is
// available, in reserve-list order, signalling each one SELECTED. Repeats return the first answer.
func (s *Service) RecordWithdrawal(ctx context.Context, req *reviewv1.RecordWithdrawalRequest) (*reviewv1.RecordWithdrawalResponse, error) {
	p := auth.FromContext(ctx)
	callID, _, err := resource.ParseApplication(req.GetApplication())
	if err != nil {
		return nil, badName("application", req.GetApplication(), "calls/*/applications/*")
	}
	kind, released := "DECOMMITMENT", req.GetReleasedCents()
	if req.GetWithdrawn() {
		kind, released = "WITHDRAWAL", 0
	}
	now := s.now()
	out := &reviewv1.RecordWithdrawalResponse{Promoted: []string{}}
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		// The call's lock serialises promotions with each other and with ranking runs.
		c, ok, err := loadCall(ctx, tx, callID, forUpdate)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("call %s not found", resource.CallName(callID))
		}
		var done []string
		err = tx.QueryRow(ctx, `SELECT promoted FROM withdrawals WHERE application = $1 AND kind = $2`, req.GetApplication(), kind).Scan(&done)
		if err == nil {
			out.Promoted = done
			out.AvailableCents, err = available(ctx, tx, callID, c.EnvelopeCents)
			return err
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if req.GetWithdrawn() {
			if _, err := tx.Exec(ctx, `UPDATE decisions SET decision = 'WITHDRAWN', reason = $2 WHERE application = $1`,
				req.GetApplication(), "withdrawn: "+req.GetReason()); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO withdrawals (application, kind, call, released_cents, reason, promoted, record_time)
			VALUES ($1, $2, $3, $4, $5, '{}', $6)`, req.GetApplication(), kind, callID, released, req.GetReason(), now); err != nil {
			return err
		}
		avail, err := available(ctx, tx, callID, c.EnvelopeCents)
		if err != nil {
			return err
		}
		reserve, err := reserveList(ctx, tx, callID)
		if err != nil {
			return err
		}
		promotion := domain.Promote(reserve, avail)
		for _, e := range promotion.Promoted {
			reason := fmt.Sprintf("promoted from the reserve list (rank %d) after %s freed money", e.Rank, req.GetApplication())
			if _, err := tx.Exec(ctx, `UPDATE decisions SET decision = 'SELECTED', reason = $2, rank_time = $3 WHERE application = $1`,
				e.Application, reason, now); err != nil {
				return err
			}
			d := flow.Decision{Decision: domain.Selected, Reason: reason, Rank: e.Rank}
			if err := audit.Append(ctx, tx, audit.Entry{At: now, Action: "reserve.promoted", Object: e.Application,
				After: map[string]any{"decision": d, "availableCents": avail, "freedBy": req.GetApplication()}}.FromPrincipal(p)); err != nil {
				return err
			}
			if err := outbox.Enqueue(ctx, tx, outbox.Message{WorkflowID: flow.ApplicationWorkflowID(e.Application), Signal: flow.SignalRanked, Payload: d}); err != nil {
				return err
			}
			out.Promoted = append(out.Promoted, e.Application)
		}
		if _, err := tx.Exec(ctx, `UPDATE withdrawals SET promoted = $3 WHERE application = $1 AND kind = $2`, req.GetApplication(), kind, out.Promoted); err != nil {
			return err
		}
		out.AvailableCents = promotion.LeftCents
		return audit.Append(ctx, tx, audit.Entry{At: now, Action: "withdrawal.recorded", Object: req.GetApplication(),
			After: map[string]any{"kind": kind, "releasedCents": released, "reason": req.GetReason(), "promoted": out.Promoted}}.FromPrincipal(p))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// available is the money of the envelope that no selected project holds: the envelope, less the
// requested amounts of the selected applications, plus what decommitments released.
func available(ctx context.Context, tx pgx.Tx, callID string, envelope int64) (int64, error) {
	var selected, released int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(sum(p.requested_amount_cents), 0) FROM decisions d JOIN applications p ON p.name = d.application
		WHERE p.call = $1 AND d.decision = 'SELECTED'`, callID).Scan(&selected); err != nil {
		return 0, err
	}
	if err := tx.QueryRow(ctx, `SELECT coalesce(sum(released_cents), 0) FROM withdrawals WHERE call = $1`, callID).Scan(&released); err != nil {
		return 0, err
	}
	return envelope - selected + released, nil
}

// reserveList is the latest ranking's entries in rank order, each with its current decision.
func reserveList(ctx context.Context, tx pgx.Tx, callID string) ([]domain.Entry, error) {
	var raw []byte
	err := tx.QueryRow(ctx, `SELECT ranking FROM rankings WHERE call = $1 ORDER BY version DESC LIMIT 1`, callID).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ranking domain.Ranking
	if err := json.Unmarshal(raw, &ranking); err != nil {
		return nil, err
	}
	current := map[string]string{}
	rows, err := tx.Query(ctx, `SELECT d.application, d.decision FROM decisions d JOIN applications p ON p.name = d.application WHERE p.call = $1`, callID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var app, decision string
		if err := rows.Scan(&app, &decision); err != nil {
			rows.Close()
			return nil, err
		}
		current[app] = decision
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	entries := ranking.Entries
	for i := range entries {
		entries[i].Decision = current[entries[i].Application]
	}
	return entries, nil
}
