package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
)

type divergencesData struct {
	CallID      string
	Divergences []*reviewv1.Divergence
	Live        *liveBox
}

// liveScript is the same-origin script of the pages that follow the jury's progress live.
const liveScript = "/static/live.js"

func (c *console) divergencesPage(w http.ResponseWriter, r *http.Request, sess session) {
	ctx := c.as(r, sess)
	callID := r.PathValue("call")
	resp, err := c.review.ListDivergences(ctx, &reviewv1.ListDivergencesRequest{Parent: "calls/" + callID})
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	as, err := c.review.ListAssignments(ctx, &reviewv1.ListAssignmentsRequest{Parent: "calls/" + callID})
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	c.render(w, r, http.StatusOK, "divergences.html", view{Title: "Divergences", Session: &sess, Script: liveScript,
		Data: divergencesData{CallID: callID, Divergences: resp.GetDivergences(),
			Live: &liveBox{CallID: callID, P: countProgress(as.GetAssignments(), resp.GetDivergences())}}})
}

type consensusData struct {
	CallID, AppID string
	Reviews       []*reviewv1.Review
	Criteria      []*appv1.Criterion
	Chosen        map[string]string
	Comment       string
}

func (c *console) consensusPage(w http.ResponseWriter, r *http.Request, sess session) {
	c.showConsensus(w, r, sess, http.StatusOK, "", nil)
}

func (c *console) showConsensus(w http.ResponseWriter, r *http.Request, sess session, code int, formErr string, chosen map[string]string) {
	ctx := c.as(r, sess)
	callID, appID := r.PathValue("call"), r.PathValue("app")
	reviews, err := c.review.ListReviews(ctx, &reviewv1.ListReviewsRequest{Parent: "calls/" + callID + "/applications/" + appID})
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	call, err := c.calls.GetCall(ctx, &appv1.GetCallRequest{Name: "calls/" + callID})
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	c.render(w, r, code, "consensus.html", view{Title: "Consensus", Session: &sess, Error: formErr,
		Data: consensusData{CallID: callID, AppID: appID, Reviews: reviews.GetReviews(), Criteria: call.GetCriteria(), Chosen: chosen, Comment: chosen["comment"]}})
}

func (c *console) recordConsensus(w http.ResponseWriter, r *http.Request, sess session) {
	callID, appID := r.PathValue("call"), r.PathValue("app")
	ids, err := c.criteriaIDs(r, sess, callID)
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	scores, chosen, msg := scoresFromForm(r, ids)
	if msg != "" {
		c.showConsensus(w, r, sess, http.StatusBadRequest, msg, chosen)
		return
	}
	_, err = c.review.RecordConsensus(c.as(r, sess), &reviewv1.RecordConsensusRequest{Parent: "calls/" + callID + "/applications/" + appID,
		Consensus: &reviewv1.Consensus{Scores: scores, Comment: chosen["comment"]}})
	if msg := formError(err); msg != "" {
		c.showConsensus(w, r, sess, http.StatusBadRequest, msg, chosen)
		return
	}
	if err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	http.Redirect(w, r, "/calls/"+callID+"/divergences", http.StatusSeeOther)
}

type rankingData struct {
	CallID  string
	Ranking *reviewv1.Ranking
	Chart   template.HTML
	Rows    []chartRow
}

func (c *console) rankingPage(w http.ResponseWriter, r *http.Request, sess session) {
	callID := r.PathValue("call")
	ranking, err := c.review.GetRanking(c.as(r, sess), &reviewv1.GetRankingRequest{Name: "calls/" + callID + "/ranking"})
	d := rankingData{CallID: callID}
	switch {
	case status.Code(err) == codes.NotFound:
		// Not ranked yet: the page offers to rank.
	case err != nil:
		c.grpcFail(w, r, sess, err)
		return
	default:
		d.Ranking = ranking
		d.Rows = cumulative(ranking)
		d.Chart = chart(ranking.GetEnvelopeCents(), d.Rows)
	}
	c.render(w, r, http.StatusOK, "ranking.html", view{Title: "Classement", Session: &sess, Data: d})
}

func (c *console) rank(w http.ResponseWriter, r *http.Request, sess session) {
	callID := r.PathValue("call")
	if _, err := c.review.RankCall(c.as(r, sess), &reviewv1.RankCallRequest{Name: "calls/" + callID}); err != nil {
		c.grpcFail(w, r, sess, err)
		return
	}
	http.Redirect(w, r, "/calls/"+callID+"/ranking", http.StatusSeeOther)
}

// chartRow is one ranked application with the requested amounts summed down to it.
type chartRow struct {
	Rank             int32
	Title            string
	Requested, Total int64
	Selected         bool
}

func cumulative(rk *reviewv1.Ranking) []chartRow {
	var out []chartRow
	var sum int64
	for _, e := range rk.GetEntries() {
		sum += e.GetRequestedAmountCents()
		out = append(out, chartRow{Rank: e.GetRank(), Title: e.GetTitle(), Requested: e.GetRequestedAmountCents(), Total: sum,
			Selected: e.GetDecision() == "SELECTED"})
	}
	return out
}

// chart draws the cumulative requested amounts in rank order as bars against the envelope's
// line, server-side, with a title and a description; the data table beside it says the same.
func chart(envelope int64, rows []chartRow) template.HTML {
	const width, height, left, bottom = 640, 240, 8, 24
	top := envelope
	for _, r := range rows {
		top = max(top, r.Total)
	}
	if top <= 0 || len(rows) == 0 {
		return ""
	}
	y := func(v int64) float64 {
		return float64(height-bottom) - float64(v)/float64(top)*float64(height-bottom-16)
	}
	barW := float64(width-2*left) / float64(len(rows))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">`, width, height)
	fmt.Fprintf(&b, `<title id="chart-title">Montants demandés cumulés et enveloppe</title>`)
	fmt.Fprintf(&b, `<desc id="chart-desc">%d dossiers dans l'ordre du classement ; le cumul atteint %s pour une enveloppe de %s. Les mêmes données figurent dans le tableau qui suit.</desc>`,
		len(rows), template.HTMLEscapeString(euros(rows[len(rows)-1].Total)), template.HTMLEscapeString(euros(envelope)))
	for i, r := range rows {
		cls := "bar"
		if r.Selected {
			cls = "bar selected"
		}
		x := float64(left) + float64(i)*barW
		fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, cls, x+2, y(r.Total), max(barW-4, 1), y(0)-y(r.Total))
		fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%d" text-anchor="middle">%d</text>`, x+barW/2, height-6, r.Rank)
	}
	fmt.Fprintf(&b, `<line class="envelope" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, left, width-left, y(envelope), y(envelope))
	fmt.Fprintf(&b, `<text class="label" x="%d" y="%.1f">Enveloppe %s</text>`, left+4, y(envelope)-4, template.HTMLEscapeString(euros(envelope)))
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers and escaped text only
}
