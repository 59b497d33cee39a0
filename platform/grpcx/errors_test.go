package grpcx

import "testing"

func TestJSONPath(t *testing.T) {
	tests := map[string]string{
		"application.bank_account.iban":      "application.bankAccount.iban",
		"application.milestones[0].due_date": "application.milestones[0].dueDate",
		"title":                              "title",
		"call.max_rate_percent":              "call.maxRatePercent",
		"application.applicant.legal_name":   "application.applicant.legalName",
		"outcomes[12].tranche":               "outcomes[12].tranche",
	}
	for in, want := range tests {
		if got := JSONPath(in); got != want {
			t.Errorf("JSONPath(%q) = %q, want %q", in, got, want)
		}
	}
}
