package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// maxBody bounds what is read of an answer: a SIRET search answers a few kilobytes.
const maxBody = 4 << 20

// lookup asks the API, retrying what a retry can fix: 429, 5xx and transport errors.
func (c *Client) lookup(ctx context.Context, siret string) (Result, error) {
	u := *c.base
	u.Path += "/search"
	u.RawQuery = url.Values{"q": {siret}}.Encode()
	var last error
	for attempt := 1; ; attempt++ {
		if err := c.o.Limiter.Wait(ctx); err != nil {
			return Result{}, unavailable(last, "no time left to wait for the rate limit: %v", err)
		}
		r, wait, err := c.attempt(ctx, u.String(), siret)
		if err == nil {
			return r, nil
		}
		last = err
		if wait < 0 {
			return Result{}, err
		}
		if attempt >= c.o.MaxAttempts {
			return Result{}, fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		if wait == 0 {
			wait = c.o.Backoff << (attempt - 1)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return Result{}, unavailable(err, "no time left for a retry in %s", wait)
		}
		c.o.Logger.WarnContext(ctx, "company registry: retrying", "siret", siret, "attempt", attempt, "wait", wait, "error", err)
		select {
		case <-ctx.Done():
			return Result{}, unavailable(err, "%v", ctx.Err())
		case <-time.After(wait):
		}
	}
}

// attempt sends one request. wait says what to do after an error: < 0 give up, 0 back off, > 0
// wait that long (Retry-After).
func (c *Client) attempt(ctx context.Context, u, siret string) (Result, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Result{}, -1, unavailable(nil, "request: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "guichet (grant calls; eligibility check)")
	resp, err := c.o.HTTPClient.Do(req)
	if err != nil {
		return Result{}, 0, unavailable(nil, "%v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return Result{}, 0, unavailable(nil, "reading the answer: %v", err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		var a answer
		if err := json.Unmarshal(body, &a); err != nil || a.Results == nil {
			return Result{}, -1, unavailable(nil, "malformed answer (%s): %.200q", describe(err), body)
		}
		r := interpret(siret, *a.Results)
		r.CheckedAt = time.Now().UTC()
		return r, 0, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		wait, tooLong := c.retryAfter(resp.Header.Get("Retry-After"))
		if tooLong {
			return Result{}, -1, unavailable(nil, "HTTP %d, asked to retry after %s", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		return Result{}, wait, unavailable(nil, "HTTP %d", resp.StatusCode)
	default:
		return Result{}, -1, unavailable(nil, "HTTP %d: %.200q", resp.StatusCode, body)
	}
}

func describe(err error) string {
	if err == nil {
		return "no results field"
	}
	return err.Error()
}

// retryAfter reads a Retry-After header (seconds or an HTTP date): the wait, and whether it is
// longer than this client waits.
func (c *Client) retryAfter(h string) (time.Duration, bool) {
	if h == "" {
		return 0, false
	}
	var d time.Duration
	if s, err := strconv.Atoi(h); err == nil {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = time.Until(t)
	} else {
		return 0, false
	}
	if d <= 0 {
		return 0, false
	}
	return d, d > c.o.MaxRetryAfter
}

// unavailable wraps ErrUnavailable with what happened (and the previous attempt's error).
func unavailable(previous error, format string, args ...any) error {
	err := fmt.Errorf("%w: "+format, append([]any{ErrUnavailable}, args...)...)
	if previous != nil {
		err = fmt.Errorf("%w (previous attempt: %v)", err, previous)
	}
	return err
}
