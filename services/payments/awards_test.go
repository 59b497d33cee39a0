package payments

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/guichet/guichet/platform/clock"
	paymentsv1 "github.com/guichet/guichet/proto/gen/guichet/payments/v1"
	"github.com/guichet/guichet/services/payments/domain"
)

// checkSCDL checks the header and every value of an awards file against the schema.
func checkSCDL(t *testing.T, data []byte) [][]string {
	t.Helper()
	records, err := domain.CheckAwards(data)
	require.NoError(t, err)
	return records
}

func TestAwardsCSV(t *testing.T) {
	f := newFixture(t)
	call := "calls/open-data"
	// A call that may pay a grant in one go, on signature: an advance of up to 100% lets a2, a3 and
	// a4 be single tranches, which the default limits (an advance of at most 30%) refuse.
	_, err := f.client.OpenCallBudget(f.system(), &paymentsv1.OpenCallBudgetRequest{Call: call, EnvelopeCents: 10_000_000_00,
		AdvanceMaxPercent: 100, InterimMaxPercent: 100})
	require.NoError(t, err)
	grant := func(app, siret, rna, title string, budget int64, due []string, amounts ...int64) {
		req := grantRequest(call+"/applications/"+app, siret, 0, amounts...)
		for _, a := range amounts {
			req.AmountCents += a
		}
		for i := range req.Tranches {
			req.Tranches[i].DueDate = due[i]
		}
		req.Beneficiary.Rna, req.Title, req.ProjectBudgetCents = rna, title, budget
		_, err := f.client.CommitGrant(f.system(), req)
		require.NoError(t, err)
	}
	// 400 000 € in three tranches, half of an 800 000 € budget, an association.
	grant("a1", "23350001600040", "W751234567", "Prédire les défaillances d'entreprises", 800_000_00,
		[]string{"2027-01-15", "2027-09-30", "2028-03-31"}, 120_000_00, 200_000_00, 80_000_00)
	// 20 000 €: below the publication threshold.
	grant("a2", "13002526500013", "", "Petit projet", 0, []string{"2027-02-01"}, 20_000_00)
	// Two commitments of one beneficiary, 15 000 € each: published together as 30 000 €.
	grant("a3", "35600000000001", "", "", 0, []string{"2027-03-01"}, 15_000_00)
	grant("a4", "35600000000001", "", "", 0, []string{"2027-04-01"}, 15_000_00)

	// Anyone reads it, without a token.
	body, err := f.client.GetAwardsCsv(context.Background(), &paymentsv1.GetAwardsCsvRequest{Name: call + "/awards.csv"})
	require.NoError(t, err)
	require.Equal(t, "text/csv; charset=utf-8", body.GetContentType())
	records := checkSCDL(t, body.GetData())
	require.Len(t, records, 3, "one row per beneficiary above 23 000 €:\n%s", body.GetData())
	day := f.clk.Now().In(clock.Paris).Format(time.DateOnly)
	require.Equal(t, []string{"DINUM", "13002526500013", day, call + "/applications/a1", "Société Données & Territoires",
		"23350001600040", "W751234567", "Prédire les défaillances d'entreprises", "400000.00", "aide en numéraire", "échelonné",
		"2027-01-15_2028-03-31", "", "non", "0.50", call}, records[1])
	require.Equal(t, []string{"DINUM", "13002526500013", day, call + "/applications/a3 " + call + "/applications/a4",
		"Société Données & Territoires", "35600000000001", "", "Subvention " + call + "/applications/a3 ; Subvention " + call + "/applications/a4",
		"30000.00", "aide en numéraire", "échelonné", "2027-03-01_2027-04-01", "", "non", "", call}, records[2])

	// A call without commitments has a header only.
	empty, err := f.client.GetAwardsCsv(context.Background(), &paymentsv1.GetAwardsCsvRequest{Name: "calls/none/awards.csv"})
	require.NoError(t, err)
	require.Len(t, checkSCDL(t, empty.GetData()), 1)
}

func TestAwardsDomain(t *testing.T) {
	for _, tc := range []struct {
		amount, budget int64
		want           string
	}{
		{50, 100, "0.50"}, {1, 3, "0.33"}, {2, 3, "0.67"}, {100, 100, "1.00"}, {1, 1000, ""}, {101, 100, ""}, {1, 200, "0.01"},
	} {
		require.Equal(t, tc.want, domain.Percentage(tc.amount, tc.budget), "%d/%d", tc.amount, tc.budget)
	}
	long := strings.Repeat("é", 300)
	require.Equal(t, 255, utf8.RuneCountInString(domain.Objet([]string{long})))
	require.Equal(t, "court", domain.Objet([]string{"court"}))
	// A single tranche is paid in one go.
	var b strings.Builder
	require.NoError(t, domain.WriteAwards(&b, Awarder, "calls/x", []domain.Commitment{{Application: "calls/x/applications/a", BeneficiaryName: "B",
		Siret: "23350001600040", AmountCents: 23_000_01, Tranches: 1, ConventionDate: time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC),
		DueDates: []time.Time{time.Date(2027, 5, 6, 0, 0, 0, 0, time.UTC)}}, {Application: "calls/x/applications/b", BeneficiaryName: "C",
		Siret: "13002526500013", AmountCents: 23_000_00, Tranches: 1}}))
	records := checkSCDL(t, []byte(b.String()))
	require.Len(t, records, 2, "exactly 23 000 € is not above the threshold")
	require.Equal(t, "unique", records[1][10])
	require.Equal(t, "2027-05-06_2027-05-06", records[1][11])
	require.True(t, slices.Equal(records[0], domain.AwardsColumns))
}
