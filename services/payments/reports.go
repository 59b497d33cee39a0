package payments

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
)

// MarkReportSubmitted records that the milestone report of a tranche was filed, which its
// certification then requires (only the advance is certified without one). The workflow calls it
// when the applicant files the report, and retries it: the same report again changes nothing.
func (s *Service) MarkReportSubmitted(ctx context.Context, req *paymentsv1.MarkReportSubmittedRequest) (*paymentsv1.Tranche, error) {
	id, err := resource.ParseTranche(req.GetName())
	if err != nil {
		return nil, grpcx.InvalidArgument(grpcx.Violation{Field: "name", Description: err.Error()})
	}
	p := auth.FromContext(ctx)
	var out tranche
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		t, err := lockTranche(ctx, tx, id)
		if err != nil {
			return err
		}
		// A report named after an application must be one of this tranche's project: a report of
		// another project would unlock a payment nobody reported on.
		if strings.HasPrefix(req.GetReport(), "calls/") && !strings.HasPrefix(req.GetReport(), t.Application+"/") {
			return grpcx.InvalidArgument(grpcx.Violation{Field: "report", Description: req.GetReport() + " is not a report of " + t.Application})
		}
		next, changed, err := t.SubmitReport(req.GetReport())
		if err != nil {
			return refuse("tranche.report.refused", req.GetName(), err)
		}
		if !changed {
			out = t
			return nil
		}
		out, err = s.saveTranche(ctx, tx, p, "tranche.report", t, next, next.State)
		return err
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return trancheProto(out), nil
}
