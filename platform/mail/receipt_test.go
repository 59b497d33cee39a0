package mail

import (
	"errors"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/platform/clock"
)

func receipt() Receipt {
	return Receipt{
		To:          &mail.Address{Name: "Alice Martin", Address: "alice@example.org"},
		Application: "calls/donnees-publiques-2026/applications/a1b2c3",
		Title:       "Prédire les défaillances <d'entreprises>", CallName: "calls/donnees-publiques-2026",
		CallTitle: "Données publiques 2026", Organisation: "Direction interministérielle du numérique",
		Siret:         "13002526500013",
		SubmitTime:    time.Date(2026, 11, 30, 16, 19, 22, 254046825, time.UTC),
		ContentSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	}
}

// indexes returns the position of each of the texts in s, failing the test when one is missing.
func indexes(t *testing.T, what, s string, texts ...string) []int {
	t.Helper()
	var at []int
	for _, x := range texts {
		i := strings.Index(s, x)
		if i < 0 {
			t.Errorf("%s lacks %q:\n%s", what, x, s)
		}
		at = append(at, i)
	}
	return at
}

func TestReceiptInFrenchThenEnglish(t *testing.T) {
	m, err := receipt().Message(from)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "receipt.calls.donnees-publiques-2026.applications.a1b2c3@guichet.localhost" {
		t.Errorf("id %q", m.ID)
	}
	if m.Subject != "Accusé de réception : Prédire les défaillances <d'entreprises> / Acknowledgement of receipt" {
		t.Errorf("subject %q", m.Subject)
	}
	if len(m.To) != 1 || m.To[0].Address != "alice@example.org" {
		t.Errorf("to %v", m.To)
	}
	r := receipt()
	// 16:19:22 UTC on 30 November is 17:19:22 in Paris (winter time).
	fr := indexes(t, "text", m.Text, "Bonjour Alice Martin,", "Nous accusons réception", "Appel à projets : Données publiques 2026 (calls/donnees-publiques-2026)",
		"Projet : Prédire les défaillances <d'entreprises>", "Dossier : "+r.Application, "(SIRET 13002526500013)",
		"Déposé le : lundi 30 novembre 2026 à 17:19:22 (heure de Paris)", "Horodatage : 2026-11-30T17:19:22.254046825+01:00",
		"Empreinte SHA-256 du contenu : "+r.ContentSHA256, "La suite :")
	en := indexes(t, "text", m.Text, "Hello Alice Martin,", "We acknowledge receipt", "Call for projects: Données publiques 2026",
		"Project: Prédire les défaillances <d'entreprises>", "Application: "+r.Application,
		"Submitted on: Monday 30 November 2026 at 17:19:22 (Paris time)", "SHA-256 of the content: "+r.ContentSHA256, "What happens next:")
	if fr[len(fr)-1] > en[0] {
		t.Error("the French text does not come first")
	}
	hfr := indexes(t, "html", m.HTML, "Nous accusons réception", "Prédire les défaillances &lt;d&#39;entreprises&gt;", "lundi 30 novembre 2026 à 17:19:22", r.ContentSHA256)
	hen := indexes(t, "html", m.HTML, "We acknowledge receipt", "Monday 30 November 2026 at 17:19:22")
	if hfr[0] > hen[0] {
		t.Error("the French HTML does not come first")
	}
	if strings.Contains(m.HTML, "<d'entreprises>") {
		t.Error("the title is not escaped in HTML")
	}
}

func TestReceiptSummerTimeAndMissingParts(t *testing.T) {
	r := receipt()
	r.SubmitTime = time.Date(2026, 7, 14, 10, 0, 0, 0, time.UTC)
	r.To.Name, r.Organisation = "", ""
	m, err := r.Message(from)
	if err != nil {
		t.Fatal(err)
	}
	indexes(t, "text", m.Text, "Bonjour,", "Hello,", "mardi 14 juillet 2026 à 12:00:00", "Tuesday 14 July 2026 at 12:00:00", "2026-07-14T12:00:00+02:00")
	if strings.Contains(m.Text, "Organisation") || strings.Contains(m.HTML, "Organisation") {
		t.Error("an empty organisation is shown")
	}

	r.Title = "Two\nlines"
	if m, err := r.Message(from); err != nil || m.Subject != "Accusé de réception : Two lines / Acknowledgement of receipt" {
		t.Errorf("subject %q (%v)", m.Subject, err)
	}
	r.To = nil
	if _, err := r.Message(from); !errors.Is(err, ErrNoRecipient) {
		t.Errorf("no contact: %v", err)
	}
	r = receipt()
	r.ContentSHA256 = ""
	if _, err := r.Message(from); err == nil {
		t.Error("a receipt without digest")
	}
}

func TestFrenchDate(t *testing.T) {
	for in, want := range map[time.Time]string{
		time.Date(2027, 1, 1, 0, 0, 0, 0, clock.Paris):     "vendredi 1er janvier 2027 à 00:00:00",
		time.Date(2026, 8, 15, 23, 59, 59, 0, clock.Paris): "samedi 15 août 2026 à 23:59:59",
		time.Date(2026, 12, 6, 9, 5, 7, 0, clock.Paris):    "dimanche 6 décembre 2026 à 09:05:07",
	} {
		if got := frenchDate(in); got != want {
			t.Errorf("frenchDate(%v) = %q, want %q", in, got, want)
		}
	}
}
