package applications

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/bank"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/resource"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	"github.com/guichet/guichet/services/applications/domain"
)

// application is a row of the applications table.
type application struct {
	ID, Call, OwnerSiret, CreatedBy string
	State                           domain.State
	StateReason                     string
	Content                         domain.Content
	ContentSHA256                   string
	SubmitTime, AgreementSignTime   pgtype.Timestamptz
	AgreementSignedBy               string
	CreateTime, UpdateTime          time.Time
	// Account is the latest correction of the bank account (iban, bic, holder), nil when none:
	// the submitted content keeps the account it was submitted with.
	Account []string
}

func (a *application) name() string { return resource.ApplicationName(a.Call, a.ID) }

const applicationColumns = `id, call, owner_siret, created_by, state, state_reason, content, content_sha256, submit_time,
	agreement_sign_time, agreement_signed_by, create_time, update_time,
	(SELECT ARRAY[v.iban, v.bic, v.holder] FROM bank_account_versions v WHERE v.application = applications.id ORDER BY v.id DESC LIMIT 1)`

func scanApplication(row pgx.Row) (*application, error) {
	var a application
	err := row.Scan(&a.ID, &a.Call, &a.OwnerSiret, &a.CreatedBy, &a.State, &a.StateReason, &a.Content, &a.ContentSHA256,
		&a.SubmitTime, &a.AgreementSignTime, &a.AgreementSignedBy, &a.CreateTime, &a.UpdateTime, &a.Account)
	return &a, err
}

// visible reports whether p may see a: its organisation (same SIRET) or staff. Everyone else is
// told the application does not exist.
func visible(p auth.Principal, a *application) bool {
	if p.Role == auth.Applicant {
		return p.Siret != "" && p.Siret == a.OwnerSiret
	}
	return p.Role.In(auth.Staff...)
}

func notFound(name string) error {
	return status.Errorf(codes.NotFound, "application %s not found", name)
}

// load reads an application by name for p, locking it when tx is given, or NotFound when p may not see it.
func (s *Service) load(ctx context.Context, q pgx.Tx, p auth.Principal, name string) (*application, error) {
	a, _, err := s.loadWith(ctx, q, p, name, false)
	return a, err
}

// loadWith is load, and with withCall the application's call as p may see it, read in the same
// round trip.
func (s *Service) loadWith(ctx context.Context, q pgx.Tx, p auth.Principal, name string, withCall bool) (*application, *appv1.Call, error) {
	call, id, err := resource.ParseApplication(name)
	if err != nil {
		return nil, nil, invalid("name", err.Error())
	}
	query := `SELECT ` + applicationColumns + ` FROM applications WHERE call = $1 AND id = $2`
	if q != nil {
		query += ` FOR UPDATE`
	}
	b := &pgx.Batch{}
	b.Queue(query, call, id)
	if withCall {
		b.Queue(`SELECT `+callColumns+` FROM calls WHERE id = $1`, call)
	}
	var results pgx.BatchResults
	if q != nil {
		results = q.SendBatch(ctx, b)
	} else {
		results = s.pool.SendBatch(ctx, b)
	}
	defer func() { _ = results.Close() }()
	a, err := scanApplication(results.QueryRow())
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !visible(p, a)) {
		return nil, nil, notFound(name)
	}
	if err != nil || !withCall {
		return a, nil, err
	}
	c, err := scanCall(results.QueryRow(), p)
	if err != nil {
		return nil, nil, err
	}
	return a, c, results.Close()
}

func invalid(field, description string) error {
	return grpcx.InvalidArgument(grpcx.Violation{Field: field, Description: description})
}

func violations(v []domain.Violation) error {
	out := make([]grpcx.Violation, len(v))
	for i, x := range v {
		out[i] = grpcx.Violation{Field: x.Field, Description: x.Description}
	}
	return grpcx.InvalidArgument(out...)
}

// toProto renders a for p: bank details are shown to the owner and to staff only (the domain lets
// assigned reviewers read applications without them).
func toProto(a *application, p auth.Principal) *appv1.Application {
	c := a.Content
	out := &appv1.Application{
		Name:                 a.name(),
		Call:                 resource.CallName(a.Call),
		State:                string(a.State),
		StateReason:          a.StateReason,
		Title:                c.Title,
		Summary:              c.Summary,
		Applicant:            &appv1.Applicant{LegalName: c.LegalName, Siret: c.Siret, Rna: c.RNA},
		Contact:              &appv1.Contact{Name: c.ContactName, Email: c.ContactEmail},
		Datasets:             c.Datasets,
		ProjectBudgetCents:   c.ProjectBudgetCents,
		RequestedAmountCents: c.RequestedAmountCents,
		CreateTime:           timestamppb.New(a.CreateTime),
		UpdateTime:           timestamppb.New(a.UpdateTime),
		SubmitTime:           pbTime(a.SubmitTime),
		ContentSha256:        a.ContentSHA256,
		AgreementSignTime:    pbTime(a.AgreementSignTime),
	}
	if out.Datasets == nil {
		out.Datasets = []string{}
	}
	for _, m := range c.Milestones {
		out.Milestones = append(out.Milestones, &appv1.Milestone{Title: m.Title, DueDate: m.DueDate, TrancheAmountCents: m.TrancheAmountCents})
	}
	if p.Role == auth.Applicant || p.Role.In(auth.Staff...) {
		out.BankAccount = &appv1.BankAccount{Iban: c.IBAN, Bic: c.BIC, Holder: c.AccountHolder}
		if len(a.Account) == 3 {
			out.BankAccount = &appv1.BankAccount{Iban: a.Account[0], Bic: a.Account[1], Holder: a.Account[2]}
		}
	}
	return out
}

// contentOf reads the applicant-written fields of a message.
func contentOf(m *appv1.Application) domain.Content {
	c := domain.Content{
		Title:                m.GetTitle(),
		Summary:              m.GetSummary(),
		LegalName:            m.GetApplicant().GetLegalName(),
		Siret:                m.GetApplicant().GetSiret(),
		RNA:                  m.GetApplicant().GetRna(),
		ContactName:          m.GetContact().GetName(),
		ContactEmail:         m.GetContact().GetEmail(),
		Datasets:             m.GetDatasets(),
		ProjectBudgetCents:   m.GetProjectBudgetCents(),
		RequestedAmountCents: m.GetRequestedAmountCents(),
		IBAN:                 bank.NormalizeIBAN(m.GetBankAccount().GetIban()),
		BIC:                  m.GetBankAccount().GetBic(),
		AccountHolder:        m.GetBankAccount().GetHolder(),
	}
	for _, ms := range m.GetMilestones() {
		c.Milestones = append(c.Milestones, domain.Milestone{Title: ms.GetTitle(), DueDate: ms.GetDueDate(), TrancheAmountCents: ms.GetTrancheAmountCents()})
	}
	return c
}
