package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/testenv"
)

// chromiumPath is Debian's chromium, the browser the tests drive (playwright-core downloads none).
const chromiumPath = "/usr/bin/chromium"

// TestJuryConsoleInBrowser runs tests/browser/run.mjs in Debian's chromium against the whole
// platform: a reviewer signs the declaration, recuses itself from one file, scores the other with
// the keyboard only and sees the others' scores; the chair records a consensus on that divergent
// file and ranks the call. The script checks every page with axe-core and its size budget. The
// jury's other reviewers score through REST: before the script for the shared file (one high,
// one low, so that it diverges), during it for the replacement named after the déport.
func TestJuryConsoleInBrowser(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "tests", "browser")
	installBrowserTests(t, dir)

	env := testenv.Get(t)
	cfg := testConfig(t, env)
	a := startPlatform(t, cfg)

	j := newJury(t, a)
	r := j.browserReviewer()
	j.scoreOthers(r) // the two other reviewers of the shared file score it before the browser does

	// The script runs while the test goroutine keeps scoring for the jury's other reviewers.
	runCtx, stop := context.WithTimeout(context.Background(), 5*time.Minute)
	defer stop()
	cmd := exec.CommandContext(runCtx, "node", "run.mjs", "http://"+cfg.WebAddr, r, j.scoreTitle, j.conflictTitle, j.callTitle,
		filepath.Join(root, "artifacts", "browser"))
	cmd.Dir = dir
	var out browserOutput
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for waiting := true; waiting; {
		select {
		case err = <-done:
			waiting = false
		case <-time.After(300 * time.Millisecond):
			j.scoreOthers(r)
		}
	}
	if err != nil {
		t.Fatalf("browser test failed (%v):\n%s", err, out.String())
	}
	t.Logf("browser test:\n%s", out.String())

	// What the browser did reached the services: the déport, the keyboard scores, the consensus
	// and the ranking.
	for _, as := range j.assignments() {
		want := "REVIEWED"
		if as.app == j.conflictApp && as.reviewer == r {
			want = "RECUSED"
		}
		if as.state != want {
			t.Errorf("assignment of %s to %s is %s, want %s", as.app, as.reviewer, as.state, want)
		}
	}
	ranking := a.call(http.MethodGet, "/v1/"+j.call+"/ranking", j.chair, nil).must(t, http.StatusOK)
	if !strings.Contains(string(ranking.Body), j.scoreApp) || !strings.Contains(string(ranking.Body), j.conflictApp) {
		t.Fatalf("ranking: %s", ranking.Body)
	}
}

// installBrowserTests checks the browser tests' programs and installs their npm packages as
// locked. Missing programs fail the test: `make test` installs them (platform/devstack).
func installBrowserTests(t *testing.T, dir string) {
	t.Helper()
	var missing []string
	for prog, pkg := range map[string]string{"node": "nodejs", "npm": "npm"} {
		if _, err := exec.LookPath(prog); err != nil {
			missing = append(missing, pkg)
		}
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		missing = append(missing, "chromium")
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		t.Fatalf("the browser tests need %s: run `apt-get install %s` (or `make test`, which installs them)",
			strings.Join(missing, ", "), strings.Join(missing, " "))
	}
	args := []string{"ci", "--no-audit", "--no-fund", "--prefer-offline"}
	if _, err := os.Stat(filepath.Join(dir, "package-lock.json")); err != nil {
		args[0] = "install"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm %s in %s: %v\n%s", args[0], dir, err, out)
	}
}

// browserJury is a call with two applications by two applicants, four reviewers (three per file, so
// that a déport can be replaced) and chair-1, whose assignments are made.
type browserJury struct {
	t                         *testing.T
	a                         *api
	chair                     string
	call, callTitle           string
	scoreApp, conflictApp     string
	scoreTitle, conflictTitle string
	// scored counts the REST reviews of each file, to give the shared file's two a spread.
	scored map[string]int
}

var browserJuryReviewers = []string{"reviewer-1", "reviewer-2", "reviewer-3", "reviewer-4"}

func newJury(t *testing.T, a *api) *browserJury {
	t.Helper()
	j := &browserJury{t: t, a: a, chair: a.token(auth.JuryChair, "chair-1", ""), callTitle: "Données publiques " + ids.New()[:8], scored: map[string]int{}}
	officer := a.token(auth.ProgrammeOfficer, "officer-1", "")
	now := time.Now().UTC()
	closes := now.Add(4 * time.Second)
	j.call = a.call(http.MethodPost, "/v1/calls?callId=browser-"+ids.New(), officer, map[string]any{
		"title": j.callTitle, "envelopeCents": 1_000_000_000, "floorCents": 10_000_000, "ceilingCents": 100_000_000,
		"maxRatePercent": 50, "opensAt": now.Add(-time.Minute).Format(time.RFC3339), "closesAt": closes.Format(time.RFC3339Nano),
		"reviewDeadline":   now.Add(time.Hour).Format(time.RFC3339),
		"criteria":         threeCriteria(2, true),
		"overallThreshold": 6, "reviewers": browserJuryReviewers, "chair": "chair-1", "reviewersPerApplication": 3,
	}).must(t, http.StatusCreated).str("name")
	apps := "/v1/" + j.call + "/applications"
	titles := map[string]string{}
	for _, who := range []struct{ sub, siret, title string }{
		{"alice", dinum, "Risque de défaillance des entreprises"},
		{"bob", other, "Qualité de l'air dans les écoles"},
	} {
		tok := a.token(auth.Applicant, who.sub, who.siret)
		body := application(who.title)
		body["applicant"] = map[string]any{"legalName": "Candidat " + who.sub, "siret": who.siret}
		name := a.call(http.MethodPost, apps, tok, body).must(t, http.StatusCreated).str("name")
		a.call(http.MethodPost, "/v1/"+name+":submit", tok, map[string]any{}).must(t, http.StatusOK)
		titles[name] = who.title
	}
	time.Sleep(time.Until(closes))

	// The chair signs through REST to follow the assignments; the other reviewers sign too (the
	// browser's reviewer signs in the console).
	eventually(t, 60*time.Second, "the chair's declaration", func() bool {
		return a.call(http.MethodPost, "/v1/"+j.call+"/declarations", j.chair, map[string]any{"accepted": true}).Status == http.StatusCreated
	})
	eventually(t, 60*time.Second, "the assignments", func() bool { return len(j.assignments()) == 6 })
	for name, title := range titles {
		if j.scoreApp == "" || name < j.scoreApp {
			j.scoreApp, j.scoreTitle = name, title
		}
	}
	for name, title := range titles {
		if name != j.scoreApp {
			j.conflictApp, j.conflictTitle = name, title
		}
	}
	return j
}

type browserAssignment struct{ app, reviewer, state, conflict string }

// assignments lists every assignment of the call, as its chair sees them.
func (j *browserJury) assignments() []browserAssignment {
	res := j.a.call(http.MethodGet, "/v1/"+j.call+"/assignments", j.chair, nil).must(j.t, http.StatusOK)
	list, _ := res.JSON["assignments"].([]any)
	var out []browserAssignment
	for _, item := range list {
		m := item.(map[string]any)
		str := func(k string) string { s, _ := m[k].(string); return s }
		out = append(out, browserAssignment{app: str("application"), reviewer: str("reviewer"), state: str("state"), conflict: str("conflictDeclaration")})
	}
	return out
}

// browserReviewer is the first reviewer with both files, and signs the others' declarations.
func (j *browserJury) browserReviewer() string {
	j.t.Helper()
	files := map[string]int{}
	for _, as := range j.assignments() {
		files[as.reviewer]++
	}
	var r string
	for _, sub := range browserJuryReviewers {
		if files[sub] == 2 && r == "" {
			r = sub
		}
	}
	if r == "" {
		j.t.Fatalf("no reviewer has both files: %v", files)
	}
	for _, sub := range browserJuryReviewers {
		if sub != r {
			j.a.call(http.MethodPost, "/v1/"+j.call+"/declarations", j.a.token(auth.Reviewer, sub, ""), map[string]any{"accepted": true}).must(j.t, http.StatusCreated)
		}
	}
	return r
}

// scoreOthers has every reviewer but r score its pending files through REST: on the shared
// file the first gives 5 and the second 1 on every criterion (a divergence for the chair), on
// the other file everyone gives 4.
func (j *browserJury) scoreOthers(r string) {
	j.t.Helper()
	for _, as := range j.assignments() {
		if as.reviewer == r || as.state != "ASSIGNED" {
			continue
		}
		tok := j.a.token(auth.Reviewer, as.reviewer, "")
		if as.conflict == "" || as.conflict == "UNDECLARED" {
			if res := j.a.call(http.MethodPost, "/v1/"+as.app+"/conflicts", tok, map[string]any{"conflict": false}); res.Status != http.StatusOK && res.Status != http.StatusCreated {
				j.t.Fatalf("%s's declaration of no conflict with %s: %d %s", as.reviewer, as.app, res.Status, res.Body)
			}
		}
		score := 4.0
		if as.app == j.scoreApp {
			score = []float64{5, 1}[j.scored[as.app]%2]
		}
		j.scored[as.app]++
		var scores []map[string]any
		for _, c := range []string{"impact", "data", "feasibility"} {
			scores = append(scores, map[string]any{"criterion": c, "score": score})
		}
		j.a.call(http.MethodPost, "/v1/"+as.app+"/reviews", tok, map[string]any{
			"scores": scores, "comment": fmt.Sprintf("Évaluation de %s.", as.reviewer)}).must(j.t, http.StatusCreated)
	}
}

// browserOutput collects a process's output written from two pipes.
type browserOutput struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *browserOutput) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *browserOutput) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
