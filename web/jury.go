package web

import (
	"net/http"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/auth"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

// callData is the call page: the declaration form until it is signed, then the assignments.
type callData struct {
	Call        *appv1.Call
	CallID      string
	MustDeclare bool
	Assignments []*reviewv1.Assignment
	Shortfalls  []*reviewv1.ReviewerShortfall
	Reviewed    int
	Chair       bool
	Expertise   string
	// Live is the jury's progress the chair sees (and its page follows live); nil for reviewers.
	Live *liveBox
}

// liveBox is what the "progress" template shows: a call's counts and its event stream.
type liveBox struct {
	CallID string
	P      progress
}

func (c *console) callPage(w http.ResponseWriter, r *http.Request, sess session) {
	c.showCall(w, r, sess, http.StatusOK, "", "")
}

func (c *console) showCall(w http.ResponseWriter, r *http.Request, sess session, code int, formErr, expertise string) {
	ctx := c.as(r, sess)
	callID := r.PathValue("call")
	call, err := c.calls.GetCall(ctx, &appv1.GetCallRequest{Name: "calls/" + callID})
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	d := callData{Call: call, CallID: callID, Chair: sess.Role == string(auth.JuryChair), Expertise: expertise}
	list, err := c.review.ListAssignments(ctx, &reviewv1.ListAssignmentsRequest{Parent: "calls/" + callID})
	switch {
	case status.Code(err) == codes.FailedPrecondition:
		d.MustDeclare = true
	case err != nil:
		c.grpcFail(w, r, sess, err)
		return
	default:
		d.Assignments, d.Shortfalls = list.GetAssignments(), list.GetNeedsReviewers()
		d.Reviewed = countProgress(d.Assignments, nil).Reviewed
	}
	v := view{Title: call.GetTitle(), Session: &sess, Error: formErr, Data: &d}
	if d.Chair && !d.MustDeclare {
		ds, err := c.review.ListDivergences(ctx, &reviewv1.ListDivergencesRequest{Parent: "calls/" + callID})
		if err != nil {
			c.grpcFail(w, r, sess, err)
			return
		}
		d.Live, v.Script = &liveBox{CallID: callID, P: countProgress(d.Assignments, ds.GetDivergences())}, liveScript
	}
	c.render(w, r, code, "call.html", v)
}

func (c *console) signDeclaration(w http.ResponseWriter, r *http.Request, sess session) {
	callID := r.PathValue("call")
	var expertise []string
	for _, k := range strings.Split(r.PostFormValue("expertise"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			expertise = append(expertise, k)
		}
	}
	if r.PostFormValue("accepted") != "on" {
		c.showCall(w, r, sess, http.StatusBadRequest, "Cochez l'engagement pour signer la déclaration.", r.PostFormValue("expertise"))
		return
	}
	_, err := c.review.SignDeclaration(c.as(r, sess), &reviewv1.SignDeclarationRequest{Parent: "calls/" + callID, Accepted: true, Expertise: expertise})
	if msg := formError(err); msg != "" {
		c.showCall(w, r, sess, http.StatusBadRequest, msg, r.PostFormValue("expertise"))
		return
	}
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	http.Redirect(w, r, "/calls/"+callID, http.StatusSeeOther)
}

// applicationData is an assignment's page: conflict declaration, then scoring, then the reviews.
type applicationData struct {
	CallID, AppID string
	Assignment    *reviewv1.Assignment
	Criteria      []*appv1.Criterion
	Reviews       []*reviewv1.Review
	// File is the application's content as the applications service shows it to the jury
	// (never its bank details); nil before the no-conflict declaration.
	File    *appv1.Application
	Subject string
	// Chosen keeps the scores and comment of a refused form.
	Chosen  map[string]string
	Comment string
}

func (c *console) applicationPage(w http.ResponseWriter, r *http.Request, sess session) {
	c.showApplication(w, r, sess, http.StatusOK, "", nil)
}

func (c *console) showApplication(w http.ResponseWriter, r *http.Request, sess session, code int, formErr string, chosen map[string]string) {
	ctx := c.as(r, sess)
	callID, appID := r.PathValue("call"), r.PathValue("app")
	appName := "calls/" + callID + "/applications/" + appID
	list, err := c.review.ListAssignments(ctx, &reviewv1.ListAssignmentsRequest{Parent: "calls/" + callID})
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	d := applicationData{CallID: callID, AppID: appID, Subject: sess.Subject, Chosen: chosen, Comment: chosen["comment"]}
	for _, a := range list.GetAssignments() {
		if a.GetApplication() == appName && a.GetReviewer() == sess.Subject && a.GetState() != "RECUSED" {
			d.Assignment = a
		}
	}
	if d.Assignment == nil {
		c.fail(w, r, http.StatusNotFound, "Ce dossier ne vous est pas attribué.", status.Error(codes.NotFound, appName))
		return
	}
	if declared(d.Assignment.GetConflictDeclaration()) {
		file, err := c.apps.GetApplication(ctx, &appv1.GetApplicationRequest{Name: appName})
		if err != nil {
			c.grpcFail(w, r, sess, err)
			return
		}
		d.File = file
	}
	if d.Assignment.GetState() == "REVIEWED" {
		reviews, err := c.review.ListReviews(ctx, &reviewv1.ListReviewsRequest{Parent: appName})
		if err != nil {
			c.grpcFail(w, r, sess, err)
			return
		}
		d.Reviews = reviews.GetReviews()
	} else if declared(d.Assignment.GetConflictDeclaration()) {
		call, err := c.calls.GetCall(ctx, &appv1.GetCallRequest{Name: "calls/" + callID})
		if err != nil {
			c.grpcFail(w, r, sess, err)
			return
		}
		d.Criteria = call.GetCriteria()
	}
	c.render(w, r, code, "application.html", view{Title: d.Assignment.GetApplicationTitle(), Session: &sess, Error: formErr, Data: d})
}

func (c *console) declareConflict(w http.ResponseWriter, r *http.Request, sess session) {
	callID, appID := r.PathValue("call"), r.PathValue("app")
	choice := r.PostFormValue("conflict")
	if choice != "yes" && choice != "no" {
		c.showApplication(w, r, sess, http.StatusBadRequest, "Indiquez si vous avez un conflit d'intérêts avec ce dossier.", nil)
		return
	}
	_, err := c.review.CreateConflict(c.as(r, sess), &reviewv1.CreateConflictRequest{
		Parent: "calls/" + callID + "/applications/" + appID, Conflict: choice == "yes", Reason: r.PostFormValue("reason")})
	if msg := formError(err); msg != "" {
		c.showApplication(w, r, sess, http.StatusBadRequest, msg, nil)
		return
	}
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	if choice == "yes" {
		// The déport hides the file from this reviewer: back to the remaining assignments.
		http.Redirect(w, r, "/calls/"+callID, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/calls/"+callID+"/applications/"+appID, http.StatusSeeOther)
}

// scoresFromForm reads one score per criterion ("score-<id>") and the comment; a missing or
// malformed score is reported to the person, the service checks the rest (range, half steps).
func scoresFromForm(r *http.Request, criteria []string) ([]*reviewv1.CriterionScore, map[string]string, string) {
	chosen := map[string]string{"comment": r.PostFormValue("comment")}
	var out []*reviewv1.CriterionScore
	var missing []string
	for _, id := range criteria {
		v := r.PostFormValue("score-" + id)
		chosen[id] = v
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			missing = append(missing, id)
			continue
		}
		out = append(out, &reviewv1.CriterionScore{Criterion: id, Score: f})
	}
	if len(missing) > 0 {
		return nil, chosen, "Choisissez une note pour chaque critère (" + strings.Join(missing, ", ") + ")."
	}
	if strings.TrimSpace(chosen["comment"]) == "" {
		return nil, chosen, "Le commentaire est obligatoire."
	}
	return out, chosen, ""
}

func (c *console) criteriaIDs(r *http.Request, sess session, callID string) ([]string, error) {
	call, err := c.calls.GetCall(c.as(r, sess), &appv1.GetCallRequest{Name: "calls/" + callID})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, k := range call.GetCriteria() {
		ids = append(ids, k.GetId())
	}
	return ids, nil
}

func (c *console) createReview(w http.ResponseWriter, r *http.Request, sess session) {
	callID, appID := r.PathValue("call"), r.PathValue("app")
	ids, err := c.criteriaIDs(r, sess, callID)
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	scores, chosen, msg := scoresFromForm(r, ids)
	if msg != "" {
		c.showApplication(w, r, sess, http.StatusBadRequest, msg, chosen)
		return
	}
	_, err = c.review.CreateReview(c.as(r, sess), &reviewv1.CreateReviewRequest{Parent: "calls/" + callID + "/applications/" + appID,
		Review: &reviewv1.Review{Scores: scores, Comment: chosen["comment"]}})
	if msg := formError(err); msg != "" {
		c.showApplication(w, r, sess, http.StatusBadRequest, msg, chosen)
		return
	}
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	http.Redirect(w, r, "/calls/"+callID+"/applications/"+appID, http.StatusSeeOther)
}
