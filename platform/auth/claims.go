package auth

import (
	"errors"
	"fmt"
)

// Claims are the claims guichet reads from a token, beyond the registered ones.
type Claims struct {
	Subject string `json:"sub"`
	Role    string `json:"role"`
	Siret   string `json:"siret,omitempty"`
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
}

// Principal turns verified claims into a principal, checking the rules that tie them together.
func (c Claims) Principal(token string) (Principal, error) {
	if c.Subject == "" {
		return Principal{}, errors.New("token has no subject")
	}
	role := Role(c.Role)
	if !role.Valid() {
		return Principal{}, fmt.Errorf("token has an unknown role %q", c.Role)
	}
	if role == Applicant && c.Siret == "" {
		return Principal{}, errors.New("an applicant token must carry a siret claim")
	}
	return Principal{Subject: c.Subject, Role: role, Siret: c.Siret, Name: c.Name, Email: c.Email, Token: token}, nil
}
