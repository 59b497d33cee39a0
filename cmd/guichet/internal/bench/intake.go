package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/guichet/guichet/cmd/guichet/internal/rest"
	"github.com/guichet/guichet/platform/auth"
)

// intakeStates are the states an application holds during its workflow's intake (receipt,
// eligibility, assignment); it leaves them for one of pastIntake.
var (
	intakeStates = []string{"SUBMITTED", "ELIGIBLE"}
	pastIntake   = []string{"UNDER_REVIEW", "INELIGIBLE"}
)

// WaitForIntake waits until no application of call is still in its intake, asking the REST API as
// a programme officer, and returns the seconds since since and how many applications of the call
// were then past it (the caller checks they are all its applications). The ceilings measured
// after a rush then share the machine with nothing left of it.
func (p Platform) WaitForIntake(ctx context.Context, call string, since time.Time, timeout time.Duration) (float64, int, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tok, err := p.token(auth.Claims{Subject: "officer-1", Role: string(auth.ProgrammeOfficer)})
	if err != nil {
		return 0, 0, err
	}
	count := func(states []string, limit int) (int, error) {
		total := 0
		for _, state := range states {
			n, err := p.countInState(ctx, call, state, tok, limit)
			if err != nil {
				return 0, err
			}
			total += n
		}
		return total, nil
	}
	for {
		pending, err := count(intakeStates, 1)
		if err != nil {
			return 0, 0, err
		}
		if pending == 0 {
			seconds := time.Since(since).Seconds()
			past, err := count(pastIntake, math.MaxInt)
			return seconds, past, err
		}
		select {
		case <-ctx.Done():
			return 0, 0, fmt.Errorf("applications of %s still in their intake: %w", call, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// countInState counts the applications of call in state, up to limit, in pages of at most 1,000.
func (p Platform) countInState(ctx context.Context, call, state, token string, limit int) (int, error) {
	n, pageToken := 0, ""
	for {
		q := url.Values{"filter": {`state = "` + state + `"`}, "pageSize": {strconv.Itoa(min(limit-n, 1000))}}
		if pageToken != "" {
			q.Set("pageToken", pageToken)
		}
		r, err := rest.Do(ctx, p.HTTP, p.URL, rest.Request{Method: http.MethodGet, Path: "/v1/" + call + "/applications?" + q.Encode(), Token: token})
		if err != nil {
			return 0, err
		}
		if r.Status != http.StatusOK {
			return 0, fmt.Errorf("GET %s applications in %s: %d %s", call, state, r.Status, r.Body)
		}
		var page struct {
			Applications  []json.RawMessage `json:"applications"`
			NextPageToken string            `json:"nextPageToken"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			return 0, err
		}
		n += len(page.Applications)
		if page.NextPageToken == "" || n >= limit {
			return n, nil
		}
		pageToken = page.NextPageToken
	}
}
