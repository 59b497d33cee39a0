package payments

import (
	"bytes"
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/genproto/googleapis/api/httpbody"

	"github.com/guichet/guichet/platform/clock"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	"github.com/guichet/guichet/services/payments/domain"
)

// GetAwardsCsv publishes the call's awards above 23 000 € in the SCDL subventions 2.1.1 schema,
// from the commitments as they stand (a decommitment lowers the amount).
func (s *Service) GetAwardsCsv(ctx context.Context, req *paymentsv1.GetAwardsCsvRequest) (*httpbody.HttpBody, error) {
	ids, err := resource.Parse(req.GetName(), "calls/*/awards.csv")
	if err != nil {
		return nil, grpcx.InvalidArgument(grpcx.Violation{Field: "name", Description: err.Error()})
	}
	callID := ids[0]
	var commitments []domain.Commitment
	err = pg.Tx(ctx, s.pool, pgx.RepeatableRead, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT c.application, c.title, c.beneficiary_name, c.beneficiary_siret, c.beneficiary_rna,
				c.amount_cents, c.project_budget_cents, c.created_at,
				coalesce(array_agg(t.due_date ORDER BY t.due_date) FILTER (WHERE t.due_date IS NOT NULL AND t.state <> 'CANCELLED'), '{}'),
				count(t.id) FILTER (WHERE t.state <> 'CANCELLED')
			FROM commitments c LEFT JOIN tranches t ON t.application = c.application
			WHERE c.call = $1
			GROUP BY c.application ORDER BY c.application`, callID)
		if err != nil {
			return err
		}
		commitments, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Commitment, error) {
			var c domain.Commitment
			var created time.Time
			err := r.Scan(&c.Application, &c.Title, &c.BeneficiaryName, &c.Siret, &c.RNA, &c.AmountCents, &c.BudgetCents, &created,
				&c.DueDates, &c.Tranches)
			// A convention's date is its French calendar day.
			c.ConventionDate = created.In(clock.Paris)
			return c, err
		})
		return err
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	var buf bytes.Buffer
	if err := domain.WriteAwards(&buf, Awarder, resource.CallName(callID), commitments); err != nil {
		return nil, s.fail(ctx, err)
	}
	return &httpbody.HttpBody{ContentType: "text/csv; charset=utf-8", Data: buf.Bytes()}, nil
}
