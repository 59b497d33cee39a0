package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/guichet/guichet/cmd/guichet/internal/rest"
	"github.com/guichet/guichet/platform/auth"
)

// intakeStates are the states an application holds during its workflow's intake (receipt,
// eligibility, assignment); it leaves them for UNDER_REVIEW or INELIGIBLE.
var intakeStates = []string{"SUBMITTED", "ELIGIBLE"}

// WaitForIntake waits until no application of call is still in its intake, asking the REST API as
// a programme officer, and returns the seconds since since. The ceilings measured after a rush
// then share the machine with nothing left of it.
func (p Platform) WaitForIntake(ctx context.Context, call string, since time.Time, timeout time.Duration) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tok, err := p.token(auth.Claims{Subject: "officer-1", Role: string(auth.ProgrammeOfficer)})
	if err != nil {
		return 0, err
	}
	for {
		pending := 0
		for _, state := range intakeStates {
			n, err := p.countInState(ctx, call, state, tok)
			if err != nil {
				return 0, err
			}
			pending += n
		}
		if pending == 0 {
			return time.Since(since).Seconds(), nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("applications of %s still in their intake: %w", call, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// countInState returns 0 when no application of call is in state, else 1 (a page of one).
func (p Platform) countInState(ctx context.Context, call, state, token string) (int, error) {
	q := url.Values{"filter": {`state = "` + state + `"`}, "pageSize": {"1"}}
	r, err := rest.Do(ctx, p.HTTP, p.URL, rest.Request{Method: http.MethodGet, Path: "/v1/" + call + "/applications?" + q.Encode(), Token: token})
	if err != nil {
		return 0, err
	}
	if r.Status != http.StatusOK {
		return 0, fmt.Errorf("GET %s applications in %s: %d %s", call, state, r.Status, r.Body)
	}
	var page struct {
		Applications []json.RawMessage `json:"applications"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil {
		return 0, err
	}
	return len(page.Applications), nil
}
