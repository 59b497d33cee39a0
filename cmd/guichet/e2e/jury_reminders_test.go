package e2e

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/clock"
	"github.com/guichet/guichet/platform/flow"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/mail/mailpit"
	"github.com/guichet/guichet/platform/testenv"
)

// juryContacts gives each member of a call's jury an email of the demo domain
// (reviewer-1@jury.example.org…), for the review reminders and the escalation to the chair.
func juryContacts(members ...string) []map[string]any {
	var out []map[string]any
	for _, m := range members {
		out = append(out, map[string]any{"subject": m, "email": m + "@jury.example.org"})
	}
	return out
}

// TestJuryRemindersAndEscalation: with a review window of 30 seconds, a reviewer who has not
// scored is reminded halfway through it, with the file to score and the deadline; at the
// deadline the chair is told which reviewers' reviews are missing (not the one who scored, and
// also the one without a contact email, who was not mailed), and the call moves to deliberation.
// GUICHET_RECORD_REMINDERS_HISTORY names a file to write the call's history to (the replay test's
// workflows/call/testdata/reminders.json).
func TestJuryRemindersAndEscalation(t *testing.T) {
	env := testenv.Get(t)
	a := startAllInOne(t, env)
	mailbox := &mailpit.Client{URL: env.MailpitURL}
	officer := a.token(auth.ProgrammeOfficer, "officer-1", "")
	alice := a.token(auth.Applicant, "alice", dinum)

	callID := "reminders-" + ids.New()
	now := time.Now().UTC()
	closes := now.Add(5 * time.Second)
	deadline := closes.Add(30 * time.Second)
	body := smallCall("Reminders e2e", closes, deadline)
	// reviewer-3 has no contact email.
	body["juryContacts"] = juryContacts("reviewer-1", "reviewer-2", "chair-1")
	call := a.call(http.MethodPost, "/v1/calls?callId="+callID, officer, body).must(t, http.StatusCreated)
	callName := call.str("name")
	if contacts, _ := call.JSON["juryContacts"].([]any); len(contacts) != 3 {
		t.Fatalf("the programme officer does not see the jury's contacts: %s", call.Body)
	}
	// Nobody else does: the emails are personal data.
	public := a.call(http.MethodGet, "/v1/"+callName, alice, nil).must(t, http.StatusOK)
	if contacts, _ := public.JSON["juryContacts"].([]any); len(contacts) != 0 {
		t.Fatalf("an applicant sees the jury's contacts: %s", public.Body)
	}

	title := "Bankruptcy risk from tax data"
	name := a.call(http.MethodPost, "/v1/"+callName+"/applications", alice, application(title)).must(t, http.StatusCreated).str("name")
	a.call(http.MethodPost, "/v1/"+name+":submit", alice, map[string]any{}).must(t, http.StatusOK)

	// reviewer-1 scores the file; the others do not.
	time.Sleep(time.Until(closes))
	tok := a.token(auth.Reviewer, "reviewer-1", "")
	eventually(t, 60*time.Second, "reviewer-1's declaration", func() bool {
		return a.call(http.MethodPost, "/v1/"+callName+"/declarations", tok, map[string]any{"accepted": true}).Status == http.StatusCreated
	})
	eventually(t, 60*time.Second, "reviewer-1's assignment", func() bool {
		return strings.Contains(string(a.call(http.MethodGet, "/v1/"+callName+"/assignments", tok, nil).must(t, http.StatusOK).Body), name)
	})
	if res := a.call(http.MethodPost, "/v1/"+name+"/conflicts", tok, map[string]any{"conflict": false}); res.Status != http.StatusOK && res.Status != http.StatusCreated {
		t.Fatalf("reviewer-1's declaration of no conflict: %d %s", res.Status, res.Body)
	}
	a.call(http.MethodPost, "/v1/"+name+"/reviews", tok, map[string]any{
		"scores": []map[string]any{{"criterion": "impact", "score": 4}}, "comment": "Solid.",
	}).must(t, http.StatusCreated)
	scored := time.Now()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	messageID := func(kind, member string) string {
		return kind + "." + strings.ReplaceAll(callName, "/", ".") + "." + member + "@guichet.localhost"
	}
	reminder, err := mailbox.Await(ctx, "message-id:"+messageID("review-reminder", "reviewer-2"))
	if err != nil {
		t.Fatalf("reviewer-2's reminder: %v", err)
	}
	if len(reminder.To) != 1 || reminder.To[0].Address != "reviewer-2@jury.example.org" {
		t.Fatalf("reminder sent to %+v", reminder.To)
	}
	if !strings.HasPrefix(reminder.Subject, "Rappel") || !strings.Contains(reminder.Subject, "Reminders e2e") {
		t.Errorf("reminder subject %q", reminder.Subject)
	}
	paris := clock.Paris
	due := deadline.Truncate(time.Microsecond).In(paris)
	for _, want := range []string{title + " (" + name + ")", due.Format("15:04:05") + " (heure de Paris)",
		due.Format("Monday 2 January 2006 at 15:04:05") + " (Paris time)", "1 dossier(s)", "1 file(s)"} {
		if !strings.Contains(reminder.Text, want) {
			t.Errorf("reminder text lacks %q:\n%s", want, reminder.Text)
		}
	}
	// The reminder came halfway through the review window, not before.
	if sent := reminder.Date; sent.Before(closes.Add(15*time.Second).Add(-time.Second)) || sent.After(deadline) {
		t.Errorf("reminder sent at %s, window %s to %s", sent, closes, deadline)
	}

	escalation, err := mailbox.Await(ctx, "message-id:"+messageID("review-escalation", "chair-1"))
	if err != nil {
		t.Fatalf("the chair's escalation: %v", err)
	}
	if len(escalation.To) != 1 || escalation.To[0].Address != "chair-1@jury.example.org" || escalation.Date.Before(deadline.Add(-time.Second)) {
		t.Fatalf("escalation to %+v at %s (deadline %s)", escalation.To, escalation.Date, deadline)
	}
	line := title + " (" + name + ") : reviewer-2, reviewer-3"
	if !strings.Contains(escalation.Text, line) || !strings.Contains(escalation.HTML, "reviewer-2, reviewer-3") {
		t.Errorf("escalation lacks %q:\n%s", line, escalation.Text)
	}
	if strings.Contains(escalation.Text, "reviewer-1") {
		t.Errorf("escalation names reviewer-1, who scored:\n%s", escalation.Text)
	}
	eventually(t, 30*time.Second, "the call in deliberation", func() bool {
		return a.call(http.MethodGet, "/v1/"+callName, "", nil).must(t, http.StatusOK).str("state") == "DELIBERATION"
	})

	// Each notice went once: reviewer-3 (no contact) got nothing, reviewer-1 nothing if it
	// scored before the reminder.
	ids := juryNotices(t, ctx, mailbox, callName)
	want := []string{messageID("review-escalation", "chair-1"), messageID("review-reminder", "reviewer-2")}
	if scored.After(closes.Add(15 * time.Second)) {
		want = append(want, messageID("review-reminder", "reviewer-1"))
	}
	if !slices.Equal(ids, want) {
		t.Errorf("jury notices %v, want %v", ids, want)
	}
	writeHistory(t, temporalClient(t, env.TemporalAddress), flow.CallWorkflowID(callName), os.Getenv("GUICHET_RECORD_REMINDERS_HISTORY"))
}
