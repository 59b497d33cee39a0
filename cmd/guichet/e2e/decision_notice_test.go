package e2e

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/flow"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/mail/mailpit"
	"github.com/guichet/guichet/platform/testenv"
)

// laPoste is a third organisation's SIRET (valid by La Poste's rule).
const laPoste = "35600000000001"

// TestDecisionNoticesAndPublishedRanking: the envelope funds one of three projects. The selected,
// the reserve (whose divergent reviews the chair settled by consensus) and the rejected
// applicants each receive the decision by email with their scores per criterion; each reads its
// feedback through the API, another organisation cannot. The ranking is the jury's until the
// chair signs the minutes, then anyone's. The laureate withdraws, and the promoted reserve
// applicant receives a second email.
func TestDecisionNoticesAndPublishedRanking(t *testing.T) {
	env := testenv.Get(t)
	a := startAllInOne(t, env)
	mailbox := &mailpit.Client{URL: env.MailpitURL}
	officer := a.token(auth.ProgrammeOfficer, "officer-1", "")
	chair := a.token(auth.JuryChair, "chair-1", "")
	now := time.Now().UTC()
	// A call whose envelope funds one project, on the demo grid.
	body := smallCall("Decision notices", now.Add(time.Hour), now.Add(2*time.Hour))
	body["envelopeCents"], body["ceilingCents"] = 40_000_000, 40_000_000
	body["criteria"], body["overallThreshold"] = threeCriteria(3, false), 10
	call := a.call(http.MethodPost, "/v1/calls?callId=notice-"+ids.New(), officer, body).must(t, http.StatusCreated).str("name")

	type applicant struct {
		contact, email, siret, token, name string
		// scores per reviewer (reviewer-1 to reviewer-3): impact, data, feasibility.
		scores [3][3]float64
	}
	laureate := &applicant{contact: "Alice Martin", email: "alice@example.org", siret: dinum,
		scores: [3][3]float64{{4.5, 4, 4}, {4.5, 4, 4}, {4.5, 4, 4}}}
	// impact spreads from 3 to 5: the chair settles it by consensus.
	reserve := &applicant{contact: "Bob Durand", email: "bob@example.org", siret: other,
		scores: [3][3]float64{{5, 3.5, 3.5}, {3, 3.5, 3.5}, {4, 3.5, 3.5}}}
	// impact 2.5 < threshold 3.
	rejected := &applicant{contact: "Chloé Petit", email: "chloe@example.org", siret: laPoste,
		scores: [3][3]float64{{2.5, 4, 4}, {2.5, 4, 4}, {2.5, 4, 4}}}
	all := []*applicant{laureate, reserve, rejected}
	for i, ap := range all {
		ap.token = a.token(auth.Applicant, "applicant-"+ap.siret, ap.siret)
		body := application("Project " + string(rune('A'+i)))
		body["applicant"] = map[string]any{"legalName": "Organisation " + ap.siret, "siret": ap.siret}
		body["contact"] = map[string]any{"name": ap.contact, "email": ap.email}
		ap.name = a.call(http.MethodPost, "/v1/"+call+"/applications", ap.token, body).must(t, http.StatusCreated).str("name")
		a.call(http.MethodPost, "/v1/"+ap.name+":submit", ap.token, map[string]any{}).must(t, http.StatusOK)
	}
	for j, r := range []string{"reviewer-1", "reviewer-2", "reviewer-3"} {
		tok := a.token(auth.Reviewer, r, "")
		eventually(t, 60*time.Second, r+"'s declaration", func() bool {
			return a.call(http.MethodPost, "/v1/"+call+"/declarations", tok, map[string]any{"accepted": true}).Status == http.StatusCreated
		})
		for _, ap := range all {
			eventually(t, 60*time.Second, r+"'s assignment to "+ap.name, func() bool {
				return strings.Contains(string(a.call(http.MethodGet, "/v1/"+call+"/assignments", tok, nil).must(t, http.StatusOK).Body), ap.name)
			})
			if st := a.call(http.MethodPost, "/v1/"+ap.name+"/conflicts", tok, map[string]any{"conflict": false}).Status; st != http.StatusOK && st != http.StatusCreated {
				t.Fatalf("conflict declaration: %d", st)
			}
			s := ap.scores[j]
			a.call(http.MethodPost, "/v1/"+ap.name+"/reviews", tok, map[string]any{
				"scores":  []map[string]any{{"criterion": "impact", "score": s[0]}, {"criterion": "data", "score": s[1]}, {"criterion": "feasibility", "score": s[2]}},
				"comment": "Reading " + string(rune('1'+j)) + " of the file: sound work.",
			}).must(t, http.StatusCreated)
		}
	}
	state := func(ap *applicant) string {
		return a.call(http.MethodGet, "/v1/"+ap.name, ap.token, nil).must(t, http.StatusOK).str("state")
	}
	for _, ap := range all {
		eventually(t, 30*time.Second, ap.name+" under review", func() bool { return state(ap) == "UNDER_REVIEW" })
	}
	// No feedback before the decision.
	a.call(http.MethodGet, "/v1/"+laureate.name+"/feedback", laureate.token, nil).problem(t, http.StatusConflict, "")

	const consensus = "The jury settled on 4 for impact after discussing the two readings."
	a.call(http.MethodPost, "/v1/"+call+"/declarations", chair, map[string]any{"accepted": true}).must(t, http.StatusCreated)
	a.call(http.MethodPost, "/v1/"+reserve.name+"/consensus", chair, map[string]any{
		"scores":  []map[string]any{{"criterion": "impact", "score": 4}, {"criterion": "data", "score": 3.5}, {"criterion": "feasibility", "score": 3.5}},
		"comment": consensus,
	}).must(t, http.StatusCreated)
	a.call(http.MethodPost, "/v1/"+call+":rank", chair, map[string]any{}).must(t, http.StatusOK)
	for ap, want := range map[*applicant]string{laureate: "SELECTED", reserve: "RESERVE", rejected: "REJECTED"} {
		eventually(t, 30*time.Second, ap.name+" "+want, func() bool { return state(ap) == want })
	}

	// Each applicant is emailed its decision, in French then English, with its scores.
	notice := func(ap *applicant, decision string) mailpit.Message {
		t.Helper()
		m := decisionEmail(t, mailbox, ap.name, decision)
		if len(m.To) != 1 || m.To[0].Address != ap.email || m.To[0].Name != ap.contact {
			t.Errorf("%s's decision sent to %+v", ap.name, m.To)
		}
		for _, want := range []string{"Bonjour " + ap.contact + ",", "Hello " + ap.contact + ",", "Dossier : " + ap.name,
			"GET /v1/" + ap.name + "/feedback", "Reviewer A", "Reviewer B", "Reviewer C", "Reading 1 of the file: sound work."} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("%s's %s email lacks %q:\n%s", ap.name, decision, want, m.Text)
			}
		}
		// Reviewers are anonymous: their comments are quoted, their names never given.
		if strings.Contains(m.Text, "reviewer-") || strings.Contains(m.HTML, "reviewer-") {
			t.Errorf("the email names a reviewer:\n%s", m.Text)
		}
		return m
	}
	selectedMail := notice(laureate, "selected")
	for _, want := range []string{"Le jury a retenu votre projet", "The jury selected your project",
		"Public value and impact (impact) : note retenue 4,5, seuil 3, coefficient 1", "Reviewer A : 4,5 ; Reviewer B : 4,5 ; Reviewer C : 4,5",
		"Total pondéré : 12,5 (seuil 10)", "final score 4.5, threshold 3, weight 1", "Weighted total: 12.5 (threshold 10)"} {
		if !strings.Contains(selectedMail.Text, want) {
			t.Errorf("selection email lacks %q:\n%s", want, selectedMail.Text)
		}
	}
	reserveMail := notice(reserve, "reserve")
	for _, want := range []string{"liste complémentaire, en position 1", "Public value and impact (impact) : note retenue 4, seuil 3",
		"Reviewer A : 5 ; Reviewer B : 3 ; Reviewer C : 4", "Commentaire du consensus : " + consensus, "Consensus comment: " + consensus,
		"Total pondéré : 11 (seuil 10)"} {
		if !strings.Contains(reserveMail.Text, want) {
			t.Errorf("reserve email lacks %q:\n%s", want, reserveMail.Text)
		}
	}
	rejectedMail := notice(rejected, "rejected")
	for _, want := range []string{"Le jury n'a pas retenu votre projet.", "The jury did not select your project.",
		"note retenue 2,5, seuil 3, coefficient 1 — SEUIL NON ATTEINT", "Motif : below threshold: criterion impact", "— BELOW THRESHOLD"} {
		if !strings.Contains(rejectedMail.Text, want) {
			t.Errorf("rejection email lacks %q:\n%s", want, rejectedMail.Text)
		}
	}
	if strings.Contains(selectedMail.Text, "consensus :") || strings.Contains(rejectedMail.Text, "Consensus comment") {
		t.Error("a decision without consensus shows a consensus comment")
	}

	// Each reads its feedback through the API; another organisation sees no such application.
	fb := a.call(http.MethodGet, "/v1/"+reserve.name+"/feedback", reserve.token, nil).must(t, http.StatusOK)
	if fb.str("decision") != "RESERVE" || fb.JSON["reservePosition"] != float64(1) || fb.str("consensusComment") != consensus || fb.JSON["consensus"] != true {
		t.Fatalf("reserve feedback: %s", fb.Body)
	}
	if strings.Contains(string(fb.Body), "reviewer-1") || !strings.Contains(string(fb.Body), `"Reviewer C"`) {
		t.Fatalf("the feedback is not anonymised: %s", fb.Body)
	}
	if d := a.call(http.MethodGet, "/v1/"+rejected.name+"/feedback", rejected.token, nil).must(t, http.StatusOK).str("decision"); d != "REJECTED" {
		t.Fatalf("rejected feedback decision %s", d)
	}
	a.call(http.MethodGet, "/v1/"+reserve.name+"/feedback", laureate.token, nil).problem(t, http.StatusNotFound, "")
	a.call(http.MethodGet, "/v1/"+reserve.name+"/feedback", a.token(auth.Reviewer, "reviewer-1", ""), nil).problem(t, http.StatusForbidden, "")

	// The ranking is the jury's until the minutes are signed: then anyone reads it and its inputs.
	ranking, inputs := "/v1/"+call+"/ranking", "/v1/"+call+"/ranking/inputs"
	a.call(http.MethodGet, ranking, officer, nil).must(t, http.StatusOK)
	for _, tok := range []string{"", laureate.token} {
		r := a.call(http.MethodGet, ranking, tok, nil)
		r.problem(t, http.StatusForbidden, "")
		if !strings.Contains(r.str("detail"), "not published yet") {
			t.Fatalf("refusal before publication: %s", r.Body)
		}
		a.call(http.MethodGet, inputs, tok, nil).problem(t, http.StatusForbidden, "")
	}
	a.call(http.MethodPost, "/v1/"+call+"/minutes:sign", chair, map[string]any{}).must(t, http.StatusOK)
	tokens := matrixTokens(a)
	for _, c := range callers {
		r := a.call(http.MethodGet, ranking, tokens[c], nil).must(t, http.StatusOK)
		if !strings.Contains(string(r.Body), laureate.name) || !strings.Contains(string(r.Body), `"RESERVE"`) {
			t.Fatalf("%s reads the published ranking: %s", c, r.Body)
		}
		if in := a.call(http.MethodGet, inputs, tokens[c], nil).must(t, http.StatusOK); !strings.Contains(string(in.Body), `"overallThreshold"`) {
			t.Fatalf("%s reads the published inputs: %s", c, in.Body)
		}
	}

	// The laureate withdraws: the reserve project is promoted and told so in a second email.
	a.call(http.MethodPost, "/v1/"+laureate.name+":withdraw", laureate.token, map[string]any{"reason": "the team left"}).must(t, http.StatusOK)
	eventually(t, 30*time.Second, "the reserve project promoted", func() bool { return state(reserve) == "SELECTED" })
	promoted := notice(reserve, "selected")
	for _, want := range []string{"Un lauréat s'étant retiré", "A laureate withdrew", "Commentaire du consensus : " + consensus,
		"POST /v1/" + reserve.name + ":signAgreement"} {
		if !strings.Contains(promoted.Text, want) {
			t.Errorf("promotion email lacks %q:\n%s", want, promoted.Text)
		}
	}
	if d := a.call(http.MethodGet, "/v1/"+reserve.name+"/feedback", reserve.token, nil).must(t, http.StatusOK).str("decision"); d != "SELECTED" {
		t.Fatalf("promoted feedback decision %s", d)
	}
	// GUICHET_RECORD_DECISION_HISTORY refreshes the replay test's history of the decision emails:
	// receipt, review, the reserve email, the promotion and its email.
	writeHistory(t, temporalClient(t, env.TemporalAddress), flow.ApplicationWorkflowID(reserve.name), os.Getenv("GUICHET_RECORD_DECISION_HISTORY"))
}

// decisionEmail waits for the email of one decision (selected, reserve or rejected) on one
// application: its Message-ID is derived from both. The mailbox is shared by the test run.
func decisionEmail(t *testing.T, mailbox *mailpit.Client, name, decision string) mailpit.Message {
	t.Helper()
	id := "decision." + strings.ReplaceAll(name, "/", ".") + "." + decision + "@guichet.localhost"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	m, err := mailbox.Await(ctx, "message-id:"+id)
	if err != nil {
		t.Fatalf("no %s email for %s: %v", decision, name, err)
	}
	if !strings.Contains(m.Subject, "Décision du jury") || !strings.Contains(m.Subject, "Jury decision") {
		t.Errorf("decision subject %q", m.Subject)
	}
	return m
}
