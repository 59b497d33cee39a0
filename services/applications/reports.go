package applications

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/flow"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/outbox"
	"github.com/guichet/guichet/platform/pg"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	"github.com/guichet/guichet/services/applications/domain"
)

// CreateReport files a milestone report of a funded project and tells its workflow, which marks
// the tranche as reported in the payments service so the programme officer can certify it.
func (s *Service) CreateReport(ctx context.Context, req *appv1.CreateReportRequest) (*appv1.MilestoneReport, error) {
	p := auth.FromContext(ctx)
	in := req.GetReport()
	seq := int(in.GetSequence())
	// The payments service is asked before the transaction, with a deadline of its own, so that no
	// row stays locked during a network call; the payments service refuses the report again if the
	// tranche is certified meanwhile (MarkReportSubmitted).
	a, err := s.load(ctx, nil, p, req.GetParent())
	if err != nil {
		return nil, err
	}
	if err := reportable(a, seq); err != nil {
		return nil, err
	}
	checkCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = s.checkReportOpen(checkCtx, a.name(), seq)
	cancel()
	if err != nil {
		return nil, err
	}
	var out *appv1.MilestoneReport
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		a, err := s.load(ctx, tx, p, req.GetParent())
		if err != nil {
			return err
		}
		if err := reportable(a, seq); err != nil {
			return err
		}
		n := len(a.Content.Milestones)
		now := s.now()
		r := &appv1.MilestoneReport{
			Name:         a.name() + "/reports/" + ids.New(),
			Sequence:     in.GetSequence(),
			Summary:      in.GetSummary(),
			Deliverables: in.GetDeliverables(),
			Final:        seq == n,
			SubmittedBy:  p.Subject,
			CreateTime:   timestamppb.New(now),
		}
		if r.Deliverables == nil {
			r.Deliverables = []string{}
		}
		// The report, the workflow's signal and the audit entry go in one round trip, the entry
		// last: the chain's lock is then held only until the commit.
		change := &pgx.Batch{}
		change.Queue(`INSERT INTO reports (id, application, sequence, summary, deliverables, final, submitted_by, create_time)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, reportID(r.Name), a.ID, seq, r.Summary, r.Deliverables, r.Final, p.Subject, now)
		if err := outbox.Queue(ctx, change, outbox.Message{WorkflowID: flow.ApplicationWorkflowID(a.name()), Signal: flow.SignalReportSubmitted,
			Payload: flow.ReportSubmitted{Report: r.Name, Sequence: seq}}); err != nil {
			return err
		}
		if err := audit.AppendAfter(ctx, tx, change, audit.Entry{At: now, Action: "report.create", Object: r.Name,
			After: map[string]any{"sequence": seq, "final": r.Final, "summary": r.Summary}}.FromPrincipal(p)); err != nil {
			return err
		}
		out = r
		return nil
	})
	return out, err
}

// reportable checks that a takes a report for milestone seq: a funded project, a milestone it has.
func reportable(a *application, seq int) error {
	if a.State != domain.Funded {
		return status.Errorf(codes.FailedPrecondition, "application %s is %s: milestone reports are filed for funded projects", a.name(), a.State)
	}
	if n := len(a.Content.Milestones); seq > n {
		return invalid("report.sequence", fmt.Sprintf("the project has %d milestones: a report is for milestone 2 to %d (the advance needs none)", n, n))
	}
	return nil
}

// checkReportOpen refuses a report for a tranche already certified (or further on): its milestone
// was judged on the report before, which can no longer be replaced.
func (s *Service) checkReportOpen(ctx context.Context, application string, seq int) error {
	if s.tranches == nil {
		return status.Error(codes.Unavailable, "the tranches cannot be checked: reports are not taken now")
	}
	state, err := s.tranches.TrancheState(ctx, application, seq)
	if err != nil {
		s.logger.WarnContext(ctx, "tranche state unavailable", "application", application, "sequence", seq, "error", err)
		return status.Errorf(codes.Unavailable, "the state of tranche %d cannot be read now: retry", seq)
	}
	if !domain.TrancheTakesReport(state) {
		return status.Errorf(codes.FailedPrecondition, "tranche %d is %s: its milestone report can no longer be filed or replaced", seq, state)
	}
	return nil
}

func reportID(name string) string { return name[len(name)-16:] }

// ListReports lists a project's reports by milestone, oldest first within one.
func (s *Service) ListReports(ctx context.Context, req *appv1.ListReportsRequest) (*appv1.ListReportsResponse, error) {
	p := auth.FromContext(ctx)
	a, err := s.load(ctx, nil, p, req.GetParent())
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT id, sequence, summary, deliverables, final, submitted_by, create_time FROM reports
		WHERE application = $1 ORDER BY sequence, create_time, id`, a.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	resp := &appv1.ListReportsResponse{Reports: []*appv1.MilestoneReport{}}
	for rows.Next() {
		var (
			id      string
			r       appv1.MilestoneReport
			created time.Time
		)
		if err := rows.Scan(&id, &r.Sequence, &r.Summary, &r.Deliverables, &r.Final, &r.SubmittedBy, &created); err != nil {
			return nil, err
		}
		r.Name, r.CreateTime = a.name()+"/reports/"+id, timestamppb.New(created)
		resp.Reports = append(resp.Reports, &r)
	}
	return resp, rows.Err()
}
