package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/testenv"
)

// TestReservePromotedWhenALaureateWithdraws: the envelope funds one project; the laureate
// withdraws after selection, and the reserve project that fits is selected and signs its agreement.
func TestReservePromotedWhenALaureateWithdraws(t *testing.T) {
	a := startAllInOne(t, testenv.Get(t))
	officer := a.token(auth.ProgrammeOfficer, "officer-1", "")
	chair := a.token(auth.JuryChair, "chair-1", "")
	now := time.Now().UTC()
	// A call whose envelope funds one project, on the demo grid.
	body := smallCall("One laureate", now.Add(time.Hour), now.Add(2*time.Hour))
	body["envelopeCents"], body["ceilingCents"] = 40_000_000, 40_000_000
	body["criteria"], body["overallThreshold"] = threeCriteria(3, false), 10
	call := a.call(http.MethodPost, "/v1/calls?callId=reserve-"+ids.New(), officer, body).must(t, http.StatusCreated).str("name")

	type applicant struct{ token, name string }
	laureate := applicant{token: a.token(auth.Applicant, "alice", dinum)}
	reserve := applicant{token: a.token(auth.Applicant, "bob", other)}
	for _, ap := range []*applicant{&laureate, &reserve} {
		body := application("Project")
		if ap == &reserve {
			body["applicant"] = map[string]any{"legalName": "Mairie de Bordeaux", "siret": other}
		}
		ap.name = a.call(http.MethodPost, "/v1/"+call+"/applications", ap.token, body).must(t, http.StatusCreated).str("name")
		a.call(http.MethodPost, "/v1/"+ap.name+":submit", ap.token, map[string]any{}).must(t, http.StatusOK)
	}
	scores := map[string][]float64{laureate.name: {4.5, 4, 4}, reserve.name: {4, 3.5, 3.5}}
	for _, r := range []string{"reviewer-1", "reviewer-2", "reviewer-3"} {
		tok := a.token(auth.Reviewer, r, "")
		eventually(t, 60*time.Second, r+"'s declaration", func() bool {
			return a.call(http.MethodPost, "/v1/"+call+"/declarations", tok, map[string]any{"accepted": true}).Status == http.StatusCreated
		})
		for app, s := range scores {
			eventually(t, 60*time.Second, r+"'s assignment to "+app, func() bool {
				return strings.Contains(string(a.call(http.MethodGet, "/v1/"+call+"/assignments", tok, nil).must(t, http.StatusOK).Body), app)
			})
			if st := a.call(http.MethodPost, "/v1/"+app+"/conflicts", tok, map[string]any{"conflict": false}).Status; st != http.StatusOK && st != http.StatusCreated {
				t.Fatalf("conflict declaration: %d", st)
			}
			a.call(http.MethodPost, "/v1/"+app+"/reviews", tok, map[string]any{
				"scores":  []map[string]any{{"criterion": "impact", "score": s[0]}, {"criterion": "data", "score": s[1]}, {"criterion": "feasibility", "score": s[2]}},
				"comment": "Reviewed.",
			}).must(t, http.StatusCreated)
		}
	}
	state := func(ap applicant) string {
		return a.call(http.MethodGet, "/v1/"+ap.name, ap.token, nil).must(t, http.StatusOK).str("state")
	}
	for _, ap := range []applicant{laureate, reserve} {
		eventually(t, 30*time.Second, ap.name+" under review", func() bool { return state(ap) == "UNDER_REVIEW" })
	}
	a.call(http.MethodPost, "/v1/"+call+":rank", chair, map[string]any{}).must(t, http.StatusOK)
	eventually(t, 30*time.Second, "the laureate selected", func() bool { return state(laureate) == "SELECTED" })
	eventually(t, 30*time.Second, "the other on the reserve list", func() bool { return state(reserve) == "RESERVE" })

	a.call(http.MethodPost, "/v1/"+laureate.name+":withdraw", laureate.token, map[string]any{"reason": "the team left"}).must(t, http.StatusOK)
	eventually(t, 30*time.Second, "the reserve project promoted", func() bool { return state(reserve) == "SELECTED" })
	a.call(http.MethodPost, "/v1/"+reserve.name+":signAgreement", reserve.token, map[string]any{}).must(t, http.StatusOK)
	eventually(t, 30*time.Second, "the promoted project funded", func() bool { return state(reserve) == "FUNDED" })
	budget := a.call(http.MethodGet, "/v1/"+call+"/budget", a.token(auth.FinanceOfficer, "finance-1", ""), nil).must(t, http.StatusOK)
	if budget.JSON["committedCents"] != "40000000" {
		t.Fatalf("budget: %s", budget.Body)
	}
}
