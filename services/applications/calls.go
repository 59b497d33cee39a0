package applications

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/flow"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/outbox"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	"github.com/guichet/guichet/services/applications/domain"
)

// CallOpen is the state of a call from creation: its calendar (opensAt, closesAt) says when it
// accepts submissions. The full lifecycle belongs to the CallWorkflow.
const CallOpen = "OPEN"

type criterion struct {
	ID        string  `json:"id"`
	Title     string  `json:"title"`
	Weight    int32   `json:"weight"`
	Threshold float64 `json:"threshold"`
}

// CreateCall creates a call for projects.
func (s *Service) CreateCall(ctx context.Context, req *appv1.CreateCallRequest) (*appv1.Call, error) {
	p := auth.FromContext(ctx)
	c := req.GetCall()
	id := req.GetCallId()
	if id == "" {
		id = ids.New()
	}
	crits := make([]criterion, 0, len(c.GetCriteria()))
	seen := map[string]bool{}
	for _, cr := range c.GetCriteria() {
		if seen[cr.GetId()] {
			return nil, invalid("call.criteria", "criterion ids must be unique: "+cr.GetId()+" repeats")
		}
		seen[cr.GetId()] = true
		crits = append(crits, criterion{ID: cr.GetId(), Title: cr.GetTitle(), Weight: cr.GetWeight(), Threshold: cr.GetThreshold()})
	}
	critJSON, err := json.Marshal(crits)
	if err != nil {
		return nil, err
	}
	advance, interim := domain.ScheduleLimits(c.GetAdvanceMaxPercent(), c.GetInterimMaxPercent())
	if v := domain.ValidateScheduleLimits(advance, interim); len(v) > 0 {
		return nil, violations(v)
	}
	chair := c.GetChair()
	contacts := make([]domain.JuryContact, 0, len(c.GetJuryContacts()))
	for _, jc := range c.GetJuryContacts() {
		contacts = append(contacts, domain.JuryContact{Subject: jc.GetSubject(), Email: jc.GetEmail()})
	}
	if v := domain.ValidateJuryContacts(chair, c.GetReviewers(), contacts); len(v) > 0 {
		return nil, violations(v)
	}
	contactsJSON, err := json.Marshal(contacts)
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO calls (id, title, state, envelope_cents, floor_cents, ceiling_cents, max_rate_percent,
			opens_at, closes_at, review_deadline, criteria, overall_threshold, reviewers, chair, reviewers_per_application, created_by, create_time,
			advance_max_percent, interim_max_percent, jury_contacts)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)`,
			id, c.GetTitle(), CallOpen, c.GetEnvelopeCents(), c.GetFloorCents(), c.GetCeilingCents(), c.GetMaxRatePercent(),
			c.GetOpensAt().AsTime(), c.GetClosesAt().AsTime(), c.GetReviewDeadline().AsTime(), critJSON, c.GetOverallThreshold(),
			c.GetReviewers(), chair, c.GetReviewersPerApplication(), p.Subject, now, advance, interim, contactsJSON)
		if err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Entry{At: now, Action: "call.create", Object: resource.CallName(id),
			After: map[string]any{"title": c.GetTitle(), "envelopeCents": c.GetEnvelopeCents(),
				"advanceMaxPercent": advance, "interimMaxPercent": interim, "juryContacts": len(contacts)}}.FromPrincipal(p)); err != nil {
			return err
		}
		// The call's calendar runs as durable timers in its workflow.
		return outbox.Enqueue(ctx, tx, outbox.Message{WorkflowID: flow.CallWorkflowID(resource.CallName(id)), WorkflowType: flow.CallWorkflowType,
			Payload: flow.CallCalendar{Call: resource.CallName(id), OpensAt: c.GetOpensAt().AsTime(), ClosesAt: c.GetClosesAt().AsTime(),
				ReviewDeadline: c.GetReviewDeadline().AsTime()}})
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return nil, status.Errorf(codes.AlreadyExists, "call %s already exists", id)
	}
	if err != nil {
		return nil, err
	}
	return s.getCall(ctx, id, p)
}

// GetCall returns a call.
func (s *Service) GetCall(ctx context.Context, req *appv1.GetCallRequest) (*appv1.Call, error) {
	id, err := resource.ParseCall(req.GetName())
	if err != nil {
		return nil, invalid("name", err.Error())
	}
	return s.getCall(ctx, id, auth.FromContext(ctx))
}

const callColumns = `id, title, state, envelope_cents, floor_cents, ceiling_cents, max_rate_percent, opens_at, closes_at,
	review_deadline, criteria, overall_threshold, reviewers, chair, reviewers_per_application, create_time,
	advance_max_percent, interim_max_percent, jury_contacts`

// getCall returns a call as p may see it.
func (s *Service) getCall(ctx context.Context, id string, p auth.Principal) (*appv1.Call, error) {
	c, err := scanCall(s.pool.QueryRow(ctx, `SELECT `+callColumns+` FROM calls WHERE id = $1`, id), p)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, status.Errorf(codes.NotFound, "call %s not found", resource.CallName(id))
	}
	return c, err
}

// scanCall reads a call; the jury's contact emails are personal data that only the programme
// officer (who entered them) and the workflow worker (which emails them) see.
func scanCall(row pgx.Row, p auth.Principal) (*appv1.Call, error) {
	var (
		c                  appv1.Call
		id                 string
		opens, closes, rev pgtype.Timestamptz
		crits              []criterion
		created            pgtype.Timestamptz
		contacts           []domain.JuryContact
	)
	if err := row.Scan(&id, &c.Title, &c.State, &c.EnvelopeCents, &c.FloorCents, &c.CeilingCents, &c.MaxRatePercent,
		&opens, &closes, &rev, &crits, &c.OverallThreshold, &c.Reviewers, &c.Chair, &c.ReviewersPerApplication, &created,
		&c.AdvanceMaxPercent, &c.InterimMaxPercent, &contacts); err != nil {
		return nil, err
	}
	c.Name = resource.CallName(id)
	c.OpensAt, c.ClosesAt, c.ReviewDeadline, c.CreateTime = pbTime(opens), pbTime(closes), pbTime(rev), pbTime(created)
	for _, cr := range crits {
		c.Criteria = append(c.Criteria, &appv1.Criterion{Id: cr.ID, Title: cr.Title, Weight: cr.Weight, Threshold: cr.Threshold})
	}
	if p.Role == auth.ProgrammeOfficer || p.Role == auth.System {
		for _, jc := range contacts {
			c.JuryContacts = append(c.JuryContacts, &appv1.JuryContact{Subject: jc.Subject, Email: jc.Email})
		}
	}
	return &c, nil
}

// ListCalls lists calls, newest first.
func (s *Service) ListCalls(ctx context.Context, req *appv1.ListCallsRequest) (*appv1.ListCallsResponse, error) {
	size := pageSize(req.GetPageSize())
	rows, err := s.pool.Query(ctx, `SELECT `+callColumns+` FROM calls WHERE ($1 = '' OR id > $1) ORDER BY id LIMIT $2`,
		req.GetPageToken(), size+1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	resp := &appv1.ListCallsResponse{}
	for rows.Next() {
		c, err := scanCall(rows, auth.FromContext(ctx))
		if err != nil {
			return nil, err
		}
		resp.Calls = append(resp.Calls, c)
	}
	if len(resp.Calls) > size {
		resp.Calls = resp.Calls[:size]
		id, _ := resource.ParseCall(resp.Calls[size-1].GetName())
		resp.NextPageToken = id
	}
	return resp, rows.Err()
}

// terms returns the rules of a call that applications must respect.
func terms(c *appv1.Call) domain.Terms {
	advance, interim := domain.ScheduleLimits(c.GetAdvanceMaxPercent(), c.GetInterimMaxPercent())
	return domain.Terms{FloorCents: c.GetFloorCents(), CeilingCents: c.GetCeilingCents(), MaxRatePercent: c.GetMaxRatePercent(),
		OpensAt: c.GetOpensAt().AsTime(), ClosesAt: c.GetClosesAt().AsTime(), AdvanceMaxPercent: advance, InterimMaxPercent: interim}
}

func pageSize(n int32) int {
	switch {
	case n <= 0:
		return 50
	case n > 1000:
		return 1000
	}
	return int(n)
}

// pbTime converts a nullable timestamptz.
func pbTime(t pgtype.Timestamptz) *timestamppb.Timestamp {
	if !t.Valid {
		return nil
	}
	return timestamppb.New(t.Time)
}
