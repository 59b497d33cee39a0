// Package auth owns identity: the principal behind a bearer token, the roles of DOMAIN.md, token
// verification against an OpenID Connect issuer, the development issuer, and the per-method policy
// that every gRPC service enforces.
package auth

import (
	"context"
	"slices"
)

// Role is a role of DOMAIN.md ("People and roles"), plus System for the workflow worker.
type Role string

// The roles.
const (
	Applicant        Role = "applicant"
	Reviewer         Role = "reviewer"
	JuryChair        Role = "jury_chair"
	ProgrammeOfficer Role = "programme_officer"
	FinanceOfficer   Role = "finance_officer"
	Accountant       Role = "accountant"
	Auditor          Role = "auditor"
	// System is the workflow worker calling the services' internal methods.
	System Role = "system"
)

// Roles lists every role, in a stable order.
var Roles = []Role{Applicant, Reviewer, JuryChair, ProgrammeOfficer, FinanceOfficer, Accountant, Auditor, System}

// Staff are the roles that may read every application of a call (bank details included).
var Staff = []Role{ProgrammeOfficer, FinanceOfficer, Accountant, Auditor, System}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// In reports whether r is one of roles.
func (r Role) In(roles ...Role) bool { return slices.Contains(roles, r) }

// Principal is the person or process behind a request.
type Principal struct {
	Subject string
	Role    Role
	// Siret links an applicant to its organisation.
	Siret string
	Name  string
	Email string
	// Token is the raw bearer token, forwarded when the service calls another one on the caller's behalf.
	Token string
}

// Anonymous reports whether no token came with the request.
func (p Principal) Anonymous() bool { return p.Subject == "" }

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal of the request, or the anonymous one.
func FromContext(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}
