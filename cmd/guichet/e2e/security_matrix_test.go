package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/guichet/guichet/platform/auth"
)

// caller is one column of the authorization matrix.
type caller string

const (
	owner      caller = "owner"     // applicant of the organisation owning the fixtures
	stranger   caller = "other-org" // applicant of another organisation
	reviewer   caller = "reviewer"
	chair      caller = "jury_chair"
	officer    caller = "programme_officer"
	finance    caller = "finance_officer"
	accountant caller = "accountant"
	auditor    caller = "auditor"
	anonymous  caller = "anonymous"
)

var callers = []caller{owner, stranger, reviewer, chair, officer, finance, accountant, auditor, anonymous}

// outcome is the class of a response, as the matrix compares them.
type outcome string

const (
	// allowed: the caller got past authorization: any status but 401 and 403 (2xx, or a domain
	// refusal such as 400, 404 on a missing resource, 409 on a wrong state).
	allowed         outcome = "allowed"
	unauthenticated outcome = "401"
	forbidden       outcome = "403"
	// hidden: 404 for a resource of another organisation (no existence leak).
	hidden outcome = "404"
)

func classify(status int) outcome {
	switch status {
	case http.StatusUnauthorized:
		return unauthenticated
	case http.StatusForbidden:
		return forbidden
	}
	return allowed
}

func (o outcome) matches(status int) bool {
	if o == hidden {
		return status == http.StatusNotFound
	}
	return classify(status) == o
}

// access builds a row of the expected table: the callers listed are allowed, every other
// authenticated caller gets 403 and the anonymous caller 401. With ownedBy, the other
// organisation's applicant gets 404 instead: the resource belongs to the owner's organisation.
type access struct {
	public  bool
	allow   []caller
	ownedBy bool
	// hiddenFrom get 404: the resource exists but the service does not show it to them.
	hiddenFrom []caller
}

func (a access) expect(c caller) outcome {
	switch {
	case a.public:
		return allowed
	case c == anonymous:
		return unauthenticated
	case c == stranger && a.ownedBy, slices.Contains(a.hiddenFrom, c):
		return hidden
	case slices.Contains(a.allow, c):
		return allowed
	}
	return forbidden
}

var (
	anyone        = access{public: true}
	staff         = []caller{officer, finance, accountant, auditor}
	jury          = []caller{reviewer, chair}
	ownerOnly     = access{allow: []caller{owner}, ownedBy: true}
	ownerAndStaff = access{allow: append([]caller{owner}, staff...), ownedBy: true}
)

func allow(c ...caller) access { return access{allow: c} }

// published is the ranking and its inputs in the matrix: public once the jury minutes are signed,
// and the matrix signs the fixture's minutes (its "POST .../minutes:sign" row, which the methods'
// order puts before the ranking's rows). Before the signature only the chair of the call,
// programme officers and auditors read them, every other caller (anonymous included) gets 403:
// TestDecisionNoticesAndPublishedRanking and services/review check both sides.
var published = anyone

// expectedAccess is who may call each REST method, keyed "VERB /path/template" as in the OpenAPI
// document. A method published without a row here fails the matrix: adding a method means
// deciding who may call it. A jury member reads an application (without bank details) only when
// the review service says it may: reviewer-1 is assigned to the fixture and declared no conflict;
// chair-1 has not signed the declaration of interests in the fixture, so the file is hidden from it.
var expectedAccess = map[string]access{
	"GET /v1/calls":                                                              anyone,
	"POST /v1/calls":                                                             allow(officer),
	"GET /v1/calls/{call}":                                                       anyone,
	"POST /v1/calls/{call}:extend":                                               allow(officer),
	"GET /v1/calls/{call}/applications":                                          allow(append([]caller{owner, stranger}, staff...)...),
	"POST /v1/calls/{call}/applications":                                         allow(owner, stranger),
	"GET /v1/calls/{call}/applications/{application}":                            {allow: append([]caller{owner, reviewer}, staff...), ownedBy: true, hiddenFrom: []caller{chair}},
	"PATCH /v1/calls/{call}/applications/{application}":                          ownerOnly,
	"GET /v1/calls/{call}/applications/{application}/commitment":                 ownerAndStaff,
	"POST /v1/calls/{call}/applications/{application}/commitment:approveAccount": allow(finance),
	"POST /v1/calls/{call}/applications/{application}/commitment:cancel":         allow(officer),
	"POST /v1/calls/{call}/applications/{application}/conflicts":                 allow(jury...),
	"POST /v1/calls/{call}/applications/{application}/consensus":                 allow(chair),
	"GET /v1/calls/{call}/applications/{application}/feedback":                   {allow: []caller{owner, officer, auditor}, ownedBy: true},
	"GET /v1/calls/{call}/applications/{application}/reports":                    ownerAndStaff,
	"POST /v1/calls/{call}/applications/{application}/reports":                   ownerOnly,
	"GET /v1/calls/{call}/applications/{application}/reviews":                    allow(jury...),
	"POST /v1/calls/{call}/applications/{application}/reviews":                   allow(jury...),
	"GET /v1/calls/{call}/applications/{application}/tranches":                   ownerAndStaff,
	"POST /v1/calls/{call}/applications/{application}:ruleEligibility":           allow(officer),
	"POST /v1/calls/{call}/applications/{application}:signAgreement":             ownerOnly,
	"POST /v1/calls/{call}/applications/{application}:submit":                    ownerOnly,
	"POST /v1/calls/{call}/applications/{application}:withdraw":                  ownerOnly,
	"POST /v1/calls/{call}/applications/{application}:updateBankAccount":         ownerOnly,
	"GET /v1/calls/{call}/awards.csv":                                            anyone,
	"GET /v1/calls/{call}/minutes":                                               allow(chair, officer, auditor),
	"POST /v1/calls/{call}/minutes:sign":                                         allow(chair),
	"GET /v1/calls/{call}/ranking/inputs":                                        published,
	"GET /v1/calls/{call}/assignments":                                           allow(jury...),
	"GET /v1/calls/{call}/budget":                                                allow(staff...),
	"POST /v1/calls/{call}/declarations":                                         allow(jury...),
	"GET /v1/calls/{call}/tranches":                                              allow(staff...),
	"GET /v1/calls/{call}/pendingAccounts":                                       allow(finance),
	"GET /v1/payment-batches":                                                    allow(accountant, auditor),
	"GET /v1/calls/{call}/divergences":                                           allow(chair),
	// Published by the matrix's own minutes:sign row (see published).
	"GET /v1/calls/{call}/ranking":                         published,
	"POST /v1/calls/{call}:rank":                           allow(chair),
	"POST /v1/payment-batches":                             allow(accountant),
	"GET /v1/payment-batches/{payment-batche}/pain001.xml": allow(accountant, auditor),
	"POST /v1/payment-batches/{payment-batche}:confirm":    allow(accountant),
	"POST /v1/tranches/{tranche}:certify":                  allow(officer),
	"POST /v1/tranches/{tranche}:order":                    allow(finance),
}

// matrixRequests are valid requests for the methods where validation would otherwise answer 400
// before the handler checks ownership: the other organisation's 404 must come from ownership.
// Every other method is sent `{}`: its caller is judged by the policy before any validation.
var matrixRequests = map[string]struct {
	query string
	body  any
}{
	"PATCH /v1/calls/{call}/applications/{application}": {query: "updateMask=title", body: map[string]any{"title": "Patched by the matrix"}},
	"POST /v1/calls/{call}/applications/{application}/reports": {body: map[string]any{"sequence": 2,
		"summary": "Milestone delivered, as the matrix reports.", "deliverables": []string{"https://example.org/report.pdf"}}},
	"POST /v1/calls/{call}/applications/{application}:updateBankAccount": {body: map[string]any{
		"bankAccount": map[string]any{"iban": "FR7630006000011234567890189", "bic": "BDFEFRPPCCT", "holder": "DINUM"}}},
	"POST /v1/calls/{call}/applications/{application}:withdraw": {body: map[string]any{"reason": "The matrix withdraws it."}},
}

// restMethod is one operation of the OpenAPI document.
type restMethod struct {
	Verb, Path, OperationID string
}

func (m restMethod) key() string { return m.Verb + " " + m.Path }

// openAPIMethods reads every operation of the merged OpenAPI document, the source of truth of the
// REST surface: a method added to a proto is in the matrix as soon as `make generate` ran.
func openAPIMethods(t *testing.T) []restMethod {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "..", "gateway", "openapi", "guichet.swagger.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var methods []restMethod
	for p, ops := range doc.Paths {
		for verb, op := range ops {
			switch verb {
			case "get", "post", "put", "patch", "delete":
				methods = append(methods, restMethod{Verb: strings.ToUpper(verb), Path: p, OperationID: op.OperationID})
			}
		}
	}
	sort.Slice(methods, func(i, j int) bool {
		if methods[i].Path != methods[j].Path {
			return methods[i].Path < methods[j].Path
		}
		return methods[i].Verb < methods[j].Verb
	})
	if len(methods) == 0 {
		t.Fatal("the OpenAPI document has no methods")
	}
	return methods
}

var pathVariable = regexp.MustCompile(`\{([^}]+)\}`)

// fill substitutes the fixtures' identifiers for the path template's variables; a variable with
// no fixture fails the test, naming it.
func fill(t *testing.T, template string, ids map[string]string) string {
	t.Helper()
	return pathVariable.ReplaceAllStringFunc(template, func(v string) string {
		id, ok := ids[strings.Trim(v, "{}")]
		if !ok {
			t.Errorf("%s: no fixture for the path variable %s: add one in security_test.go", template, v)
			return "missing"
		}
		return id
	})
}

// matrixResult is the observed status of one (method, caller).
type matrixResult struct {
	status int
	ok     bool
}

// authorizationMatrix calls every method as every caller and compares with expectedAccess. It
// prints the matrix (observed status, and "!" where it differs from the table).
func authorizationMatrix(t *testing.T, a *api, tokens map[caller]string, ids map[string]string) {
	methods := openAPIMethods(t)
	results := make(map[string]map[caller]matrixResult)
	for _, m := range methods {
		exp, ok := expectedAccess[m.key()]
		if !ok {
			t.Errorf("%s (%s) has no row in expectedAccess: decide who may call it", m.key(), m.OperationID)
			continue
		}
		req := matrixRequests[m.key()]
		path := fill(t, m.Path, ids)
		if req.query != "" {
			path += "?" + req.query
		}
		results[m.key()] = map[caller]matrixResult{}
		for _, c := range callers {
			var b any
			if m.Verb != http.MethodGet {
				b = req.body
				if b == nil {
					b = map[string]any{}
				}
			}
			r := a.call(m.Verb, path, tokens[c], b)
			want := exp.expect(c)
			ok := want.matches(r.Status)
			results[m.key()][c] = matrixResult{status: r.Status, ok: ok}
			if !ok {
				t.Errorf("%s as %s: expected %s, got %d: %s", m.key(), c, want, r.Status, r.Body)
			}
			if r.Status >= 500 {
				t.Errorf("%s as %s: server error %d: %s", m.key(), c, r.Status, r.Body)
			}
			if r.Status >= 400 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s as %s: %d without problem+json: %q", m.key(), c, r.Status, r.Header.Get("Content-Type"))
			}
		}
	}
	for key := range expectedAccess {
		if !slices.ContainsFunc(methods, func(m restMethod) bool { return m.key() == key }) {
			t.Errorf("expectedAccess has a row for %s, which the OpenAPI document does not publish", key)
		}
	}
	t.Logf("authorization matrix: %d methods × %d callers = %d requests\n%s", len(methods), len(callers),
		len(methods)*len(callers), matrixTable(methods, results))
}

// matrixTable renders the matrix in Markdown: the expected class, and the observed status.
func matrixTable(methods []restMethod, results map[string]map[caller]matrixResult) string {
	var b strings.Builder
	b.WriteString("| method |")
	for _, c := range callers {
		b.WriteString(" " + string(c) + " |")
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(callers)) + "\n")
	for _, m := range methods {
		fmt.Fprintf(&b, "| `%s` |", m.key())
		for _, c := range callers {
			res, ran := results[m.key()][c]
			cell := "?"
			if ran {
				cell = fmt.Sprintf("%s (%d)", expectedAccess[m.key()].expect(c), res.status)
				if !res.ok {
					cell += " !"
				}
			}
			b.WriteString(" " + cell + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// matrixTokens mints a token per caller; the reviewer and the chair are the fixtures' call jury.
func matrixTokens(a *api) map[caller]string {
	return map[caller]string{
		owner:      a.token(auth.Applicant, "alice", dinum),
		stranger:   a.token(auth.Applicant, "mallory", other),
		reviewer:   a.token(auth.Reviewer, "reviewer-1", ""),
		chair:      a.token(auth.JuryChair, "chair-1", ""),
		officer:    a.token(auth.ProgrammeOfficer, "officer-1", ""),
		finance:    a.token(auth.FinanceOfficer, "finance-2", ""),
		accountant: a.token(auth.Accountant, "accountant-1", ""),
		auditor:    a.token(auth.Auditor, "auditor-1", ""),
		anonymous:  "",
	}
}
