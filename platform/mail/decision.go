package mail

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"strconv"
	"strings"
	texttemplate "text/template"
)

var decisionFuncs = map[string]any{
	"fr": func(v float64) string { return strings.Replace(points(v), ".", ",", 1) },
	"en": points,
	// lang hands a nested template the decision and the language of its section.
	"lang": func(lang string, d Decision) any {
		return struct {
			Lang string
			D    Decision
		}{lang, d}
	},
}

var (
	decisionText = texttemplate.Must(texttemplate.New("decision.txt").Funcs(decisionFuncs).ParseFS(templates, "templates/decision.txt"))
	decisionHTML = htmltemplate.Must(htmltemplate.New("decision.html").Funcs(decisionFuncs).ParseFS(templates, "templates/decision.html"))
)

// points writes a score or total with at most two decimals and no trailing zeros ("4", "4.5",
// "4.33"): means over three reviews are thirds.
func points(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Decisions an applicant is notified of.
const (
	DecisionSelected = "SELECTED"
	DecisionReserve  = "RESERVE"
	DecisionRejected = "REJECTED"
)

// Decision notifies an applicant of the jury's decision on its application with the feedback
// behind it: per criterion the final score and its threshold, the reviewers' scores and
// comments under anonymous labels, and the chair's consensus comment when the reviews diverged.
type Decision struct {
	// To is the application's contact.
	To          *mail.Address
	Application string
	Title       string
	CallTitle   string
	// Decision is SELECTED, RESERVE or REJECTED; Promoted says a reserve project was selected
	// after a laureate withdrew.
	Decision        string
	Promoted        bool
	Reason          string
	Rank            int
	ReservePosition int
	Criteria        []DecisionCriterion
	Total           float64
	// OverallThreshold is the weighted total the application had to reach.
	OverallThreshold float64
	ConsensusComment string
	Reviewers        []DecisionReviewer
}

// DecisionCriterion is one criterion of the grid as the application was scored on it.
type DecisionCriterion struct {
	ID, Title string
	Weight    int
	Threshold float64
	// Score is the final score used for the ranking (the consensus, or the reviewers' mean).
	Score   float64
	Reached bool
	// Reviewers are the reviewers' scores on the criterion, under their anonymous labels.
	Reviewers []DecisionScore
}

// DecisionScore is one reviewer's score, the reviewer named by its label only ("Reviewer A").
type DecisionScore struct {
	Label string
	Score float64
}

// DecisionReviewer is one reviewer's comment and total, under its label.
type DecisionReviewer struct {
	Label   string
	Comment string
	Total   float64
}

// Message builds the notification, in French then English. Its Message-ID is derived from the
// application and the decision: a retried send is the same message, and the promotion of a
// reserve project is a new one.
func (d Decision) Message(from *mail.Address) (Message, error) {
	if d.To == nil || d.To.Address == "" {
		return Message{}, ErrNoRecipient
	}
	switch d.Decision {
	case DecisionSelected, DecisionReserve, DecisionRejected:
	default:
		return Message{}, fmt.Errorf("no notification for the decision %q", d.Decision)
	}
	if d.Application == "" || len(d.Criteria) == 0 {
		return Message{}, errors.New("a decision notification needs the application and its scores")
	}
	return render(decisionText, decisionHTML, []*mail.Address{d.To}, d, DerivedID(from, "decision", d.Application, strings.ToLower(d.Decision)))
}
