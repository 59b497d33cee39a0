package applications

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	"github.com/guichet/guichet/services/applications/domain"
)

// CreateApplication creates a draft owned by the caller's organisation.
func (s *Service) CreateApplication(ctx context.Context, req *appv1.CreateApplicationRequest) (*appv1.Application, error) {
	p := auth.FromContext(ctx)
	callID, err := resource.ParseCall(req.GetParent())
	if err != nil {
		return nil, invalid("parent", err.Error())
	}
	content := contentOf(req.GetApplication())
	if content.Title == "" {
		return nil, invalid("application.title", "is required")
	}
	if err := ownSiret(&content, p); err != nil {
		return nil, err
	}
	if v := domain.ValidateFormats(content); len(v) > 0 {
		return nil, violations(v)
	}
	now := s.now()
	a := &application{ID: ids.New(), Call: callID, OwnerSiret: p.Siret, CreatedBy: p.Subject, State: domain.Draft,
		Content: content, CreateTime: now, UpdateTime: now}
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		// The insert and the audit chain's lock go in one round trip; the call's existence is
		// checked by the row's foreign key.
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO applications (id, call, owner_siret, created_by, state, content, create_time, update_time)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.ID, a.Call, a.OwnerSiret, a.CreatedBy, a.State, a.Content, now, now)
		return audit.AppendAfter(ctx, tx, b, audit.Entry{At: now, Action: "application.create", Object: a.name(), After: content}.FromPrincipal(p))
	})
	if pg.IsForeignKeyViolation(err) {
		return nil, status.Errorf(codes.NotFound, "call %s not found", resource.CallName(callID))
	}
	if err != nil {
		return nil, err
	}
	return toProto(a, p), nil
}

// ownSiret ties the application to the caller's organisation: the token's SIRET.
func ownSiret(c *domain.Content, p auth.Principal) error {
	if c.Siret == "" {
		c.Siret = p.Siret
	}
	if c.Siret != p.Siret {
		return invalid("application.applicant.siret", "must be the SIRET of your organisation ("+p.Siret+")")
	}
	return nil
}

// GetApplication returns an application to its organisation or to staff.
func (s *Service) GetApplication(ctx context.Context, req *appv1.GetApplicationRequest) (*appv1.Application, error) {
	p := auth.FromContext(ctx)
	if p.Role.In(auth.Reviewer, auth.JuryChair) {
		return s.getForJury(ctx, p, req.GetName())
	}
	a, err := s.load(ctx, nil, p, req.GetName())
	if err != nil {
		return nil, err
	}
	return toProto(a, p), nil
}

// getForJury shows a file to a jury member the review service lets read it (assigned, no
// conflict declared, declaration of interests signed; or the chair), without bank details.
func (s *Service) getForJury(ctx context.Context, p auth.Principal, name string) (*appv1.Application, error) {
	if s.readers == nil {
		return nil, notFound(name)
	}
	ok, err := s.readers.MayRead(ctx, name, p)
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "the review service could not say whether you may read %s: %v", name, err)
	}
	if !ok {
		return nil, notFound(name)
	}
	a, err := s.load(ctx, nil, auth.Principal{Subject: p.Subject, Role: auth.System}, name)
	if err != nil {
		return nil, err
	}
	if a.State == domain.Draft {
		return nil, notFound(name)
	}
	return toProto(a, p), nil
}

// ListApplications lists a call's applications: an applicant its organisation's, staff all.
func (s *Service) ListApplications(ctx context.Context, req *appv1.ListApplicationsRequest) (*appv1.ListApplicationsResponse, error) {
	p := auth.FromContext(ctx)
	callID, err := resource.ParseCall(req.GetParent())
	if err != nil {
		return nil, invalid("parent", err.Error())
	}
	state, err := parseStateFilter(req.GetFilter())
	if err != nil {
		return nil, err
	}
	owner := ""
	if p.Role == auth.Applicant {
		owner = p.Siret
	}
	size := pageSize(req.GetPageSize())
	rows, err := s.pool.Query(ctx, `SELECT `+applicationColumns+` FROM applications
		WHERE call = $1 AND ($2 = '' OR owner_siret = $2) AND ($3 = '' OR state = $3) AND ($4 = '' OR id > $4)
		ORDER BY id LIMIT $5`, callID, owner, state, req.GetPageToken(), size+1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	resp := &appv1.ListApplicationsResponse{Applications: []*appv1.Application{}}
	var last string
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, err
		}
		if len(resp.Applications) == size {
			resp.NextPageToken = last
			break
		}
		resp.Applications = append(resp.Applications, toProto(a, p))
		last = a.ID
	}
	return resp, rows.Err()
}

// parseStateFilter reads the one filter supported: state = "STATE".
func parseStateFilter(filter string) (string, error) {
	filter = strings.TrimSpace(filter)
	if filter == "" {
		return "", nil
	}
	field, value, ok := strings.Cut(filter, "=")
	value = strings.Trim(strings.TrimSpace(value), `"`)
	if !ok || strings.TrimSpace(field) != "state" || value == "" {
		return "", invalid("filter", `supported filter: state = "SUBMITTED" (any application state)`)
	}
	return value, nil
}

// updatable maps update_mask paths (proto or JSON names) to a function copying the field.
var updatable = map[string]func(dst *domain.Content, src domain.Content){
	"title":                func(d *domain.Content, s domain.Content) { d.Title = s.Title },
	"summary":              func(d *domain.Content, s domain.Content) { d.Summary = s.Summary },
	"applicant.legal_name": func(d *domain.Content, s domain.Content) { d.LegalName = s.LegalName },
	"applicant.rna":        func(d *domain.Content, s domain.Content) { d.RNA = s.RNA },
	"contact": func(d *domain.Content, s domain.Content) {
		d.ContactName, d.ContactEmail = s.ContactName, s.ContactEmail
	},
	"contact.name":           func(d *domain.Content, s domain.Content) { d.ContactName = s.ContactName },
	"contact.email":          func(d *domain.Content, s domain.Content) { d.ContactEmail = s.ContactEmail },
	"datasets":               func(d *domain.Content, s domain.Content) { d.Datasets = s.Datasets },
	"project_budget_cents":   func(d *domain.Content, s domain.Content) { d.ProjectBudgetCents = s.ProjectBudgetCents },
	"requested_amount_cents": func(d *domain.Content, s domain.Content) { d.RequestedAmountCents = s.RequestedAmountCents },
	"milestones":             func(d *domain.Content, s domain.Content) { d.Milestones = s.Milestones },
	"bank_account": func(d *domain.Content, s domain.Content) {
		d.IBAN, d.BIC, d.AccountHolder = s.IBAN, s.BIC, s.AccountHolder
	},
	"bank_account.iban":   func(d *domain.Content, s domain.Content) { d.IBAN = s.IBAN },
	"bank_account.bic":    func(d *domain.Content, s domain.Content) { d.BIC = s.BIC },
	"bank_account.holder": func(d *domain.Content, s domain.Content) { d.AccountHolder = s.AccountHolder },
	"applicant": func(d *domain.Content, s domain.Content) {
		d.LegalName, d.RNA = s.LegalName, s.RNA
	},
}

// snake turns a JSON field path (bankAccount.iban) into the proto one (bank_account.iban).
func snake(path string) string {
	var b strings.Builder
	for _, r := range path {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// UpdateApplication changes the fields of update_mask in a draft of the caller's organisation.
func (s *Service) UpdateApplication(ctx context.Context, req *appv1.UpdateApplicationRequest) (*appv1.Application, error) {
	p := auth.FromContext(ctx)
	patch := contentOf(req.GetApplication())
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		return nil, invalid("updateMask", "lists the fields to change, e.g. updateMask=title,summary")
	}
	var out *appv1.Application
	err := pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		a, err := s.load(ctx, tx, p, req.GetApplication().GetName())
		if err != nil {
			return err
		}
		if a.State != domain.Draft {
			return status.Errorf(codes.FailedPrecondition, "application %s is %s: only a draft can be changed", a.name(), a.State)
		}
		before := a.Content
		for _, path := range paths {
			path = snake(path)
			if path == "applicant.siret" {
				return invalid("application.applicant.siret", "cannot change: the application belongs to the organisation that created it")
			}
			apply, ok := updatable[path]
			if !ok {
				return invalid("updateMask", "field "+path+" cannot be updated")
			}
			apply(&a.Content, patch)
		}
		if v := domain.ValidateFormats(a.Content); len(v) > 0 {
			return violations(v)
		}
		a.UpdateTime = s.now()
		if _, err := tx.Exec(ctx, `UPDATE applications SET content = $2, update_time = $3 WHERE id = $1`, a.ID, a.Content, a.UpdateTime); err != nil {
			return err
		}
		out = toProto(a, p)
		return audit.Append(ctx, tx, audit.Entry{At: a.UpdateTime, Action: "application.update", Object: a.name(), Before: before, After: a.Content}.FromPrincipal(p))
	})
	return out, err
}
