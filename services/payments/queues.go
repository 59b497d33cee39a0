package payments

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	"github.com/guichet/guichet/services/payments/domain"
)

// The work queues of the finance console: what awaits each person, by state. They only read; the
// actions and their separation of duties stay in the methods that change a state.

// stateFilter reads the one filter the lists accept, state="<STATE>" (quotes optional), among
// allowed; "" means every state.
func stateFilter(filter string, allowed []string) (string, error) {
	filter = strings.TrimSpace(filter)
	if filter == "" {
		return "", nil
	}
	key, value, ok := strings.Cut(filter, "=")
	value = strings.Trim(strings.TrimSpace(value), `"`)
	if !ok || strings.TrimSpace(key) != "state" || !slices.Contains(allowed, value) {
		return "", grpcx.InvalidArgument(grpcx.Violation{Field: "filter",
			Description: fmt.Sprintf(`must be empty or state="<STATE>" with one of %s`, strings.Join(allowed, ", "))})
	}
	return value, nil
}

func trancheStates() []string {
	out := make([]string, len(domain.States))
	for i, s := range domain.States {
		out[i] = string(s)
	}
	return out
}

// ListCallTranches lists the tranches of every project of a call, those updated longest ago first
// (the oldest work first), with the project and the beneficiary they pay.
func (s *Service) ListCallTranches(ctx context.Context, req *paymentsv1.ListCallTranchesRequest) (*paymentsv1.ListCallTranchesResponse, error) {
	callID, err := resource.ParseCall(req.GetParent())
	if err != nil {
		return nil, grpcx.InvalidArgument(grpcx.Violation{Field: "parent", Description: err.Error()})
	}
	state, err := stateFilter(req.GetFilter(), trancheStates())
	if err != nil {
		return nil, err
	}
	// The inner query names the project's columns apart from the tranche's own title.
	rows, err := s.pool.Query(ctx, `SELECT `+trancheColumns+`, project_title, beneficiary_name FROM (
		SELECT t.*, c.title AS project_title, c.beneficiary_name
		FROM tranches t JOIN commitments c ON c.application = t.application
		WHERE c.call = $1 AND ($2 = '' OR t.state = $2)) AS x
		ORDER BY updated_at, application, sequence`, callID, state)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*paymentsv1.CallTranche, error) {
		var ct paymentsv1.CallTranche
		t, err := scanTranche(trancheAndProject{r, &ct})
		ct.Tranche = trancheProto(t)
		return &ct, err
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &paymentsv1.ListCallTranchesResponse{Tranches: out}, nil
}

// trancheAndProject scans a tranche's columns followed by its project's title and beneficiary.
type trancheAndProject struct {
	row pgx.Row
	ct  *paymentsv1.CallTranche
}

func (r trancheAndProject) Scan(dest ...any) error {
	return r.row.Scan(append(dest, &r.ct.ProjectTitle, &r.ct.BeneficiaryName)...)
}

// ListPaymentBatches lists payment batches, newest first.
func (s *Service) ListPaymentBatches(ctx context.Context, req *paymentsv1.ListPaymentBatchesRequest) (*paymentsv1.ListPaymentBatchesResponse, error) {
	state, err := stateFilter(req.GetFilter(), []string{batchExported, batchConfirmed})
	if err != nil {
		return nil, err
	}
	var out []*paymentsv1.PaymentBatch
	err = pg.Tx(ctx, s.pool, pgx.RepeatableRead, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT b.id, b.created_by, b.state, b.total_cents, b.requested_execution_date, b.created_at,
			array_agg(bt.tranche ORDER BY bt.position)
			FROM payment_batches b JOIN batch_tranches bt ON bt.batch = b.id
			WHERE $1 = '' OR b.state = $1
			GROUP BY b.id ORDER BY b.created_at DESC, b.id`, state)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*paymentsv1.PaymentBatch, error) {
			var b batch
			err := r.Scan(&b.id, &b.createdBy, &b.state, &b.total, &b.executionDate, &b.createdAt, &b.tranches)
			return b.proto(), err
		})
		return err
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &paymentsv1.ListPaymentBatchesResponse{PaymentBatches: out}, nil
}

// ListPendingAccounts lists the commitments of a call whose corrected bank account awaits a finance
// officer's approval, the oldest request first.
func (s *Service) ListPendingAccounts(ctx context.Context, req *paymentsv1.ListPendingAccountsRequest) (*paymentsv1.ListPendingAccountsResponse, error) {
	callID, err := resource.ParseCall(req.GetParent())
	if err != nil {
		return nil, grpcx.InvalidArgument(grpcx.Violation{Field: "parent", Description: err.Error()})
	}
	var out []*paymentsv1.Commitment
	err = pg.Tx(ctx, s.pool, pgx.RepeatableRead, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+commitmentColumns+` FROM commitments
			WHERE call = $1 AND pending_iban IS NOT NULL ORDER BY pending_requested_at, application`, callID)
		if err != nil {
			return err
		}
		cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (commitment, error) { return scanCommitment(r) })
		if err != nil {
			return err
		}
		for _, c := range cs {
			pc, err := commitmentWithTranches(ctx, tx, c)
			if err != nil {
				return err
			}
			out = append(out, pc)
		}
		return nil
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &paymentsv1.ListPendingAccountsResponse{Commitments: out}, nil
}
