package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/platform/testenv"
)

// TestLiveJuryProgress follows the jury's progress as the console's chair does: signed in to the
// console through the development issuer, it opens the call's event stream (server-sent events),
// and a review scored through REST reaches it: the review service publishes on the call's Redis
// channel after the commit, the console re-reads the counts and sends them. A reviewer's session
// is refused the stream.
func TestLiveJuryProgress(t *testing.T) {
	env := testenv.Get(t)
	cfg := testConfig(t, env)
	a := startPlatform(t, cfg)
	j := newJury(t, a)
	r := j.browserReviewer()
	web := "http://" + cfg.WebAddr

	reviewer := consoleSignIn(t, web, "reviewer-1")
	if res, err := reviewer.Get(web + "/" + j.call + "/events"); err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("a reviewer's event stream: %v %v", res, err)
	}

	chair := consoleSignIn(t, web, "chair-1")
	streamCtx, stop := context.WithTimeout(context.Background(), 60*time.Second)
	defer stop()
	req, _ := http.NewRequestWithContext(streamCtx, http.MethodGet, web+"/"+j.call+"/events", nil)
	res, err := chair.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("the chair's event stream: %d %v", res.StatusCode, res.Header)
	}
	events := make(chan map[string]int, 16)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var counts map[string]int
				if json.Unmarshal([]byte(data), &counts) == nil {
					events <- counts
				}
			}
		}
	}()
	next := func(what string) map[string]int {
		t.Helper()
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatalf("%s: the stream ended", what)
			}
			return e
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: no event", what)
		}
		return nil
	}
	first := next("the counts on opening")
	if first["assignments"] != 6 || first["reviewed"] != 0 {
		t.Fatalf("first counts: %v", first)
	}
	// The other reviewers declare no conflict and score through REST: each committed declaration
	// and review is an event on the stream, and the last one brings the final counts.
	j.scoreOthers(r)
	var e map[string]int
	for deadline := time.Now().Add(20 * time.Second); e["reviewed"] != 4; {
		if time.Now().After(deadline) {
			t.Fatalf("counts after the reviews: %v", e)
		}
		e = next("the counts after the reviews")
	}
}

// consoleSignIn signs who in to the console through the development issuer's page, as a browser
// does, and returns a client holding the session cookie.
func consoleSignIn(t *testing.T, web, who string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(web + "/login?next=/")
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("console login: %v %v", res, err)
	}
	authz, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"sub": {who}}
	for k, v := range authz.Query() {
		form[k] = v
	}
	authz.RawQuery = ""
	res, err = c.PostForm(authz.String(), form)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("issuer authorize as %s: %v %v", who, res, err)
	}
	res, err = c.Get(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("console callback: %v %v", res, err)
	}
	return c
}
