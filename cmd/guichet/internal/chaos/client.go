package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/guichet/guichet/cmd/guichet/internal/rest"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/ids"
)

// client calls the REST gateway and rides out the faults the chaos causes: a request that fails
// with a 5xx status, a 429 or a connection error is sent again, with the same Idempotency-Key,
// until it gets another answer or ctx ends. The gateway refuses a keyed POST with 503 while Redis
// is down (docs/decisions/0005), so retrying with the same key is how a client waits for Redis.
type client struct {
	base   string
	http   *http.Client
	issuer *auth.DevIssuer
	mu     sync.Mutex
	// retries counts the retried answers by cause ("503", "502", "connection", ...).
	retries map[string]int
	tokens  map[string]string
}

func (c *client) token(role auth.Role, sub, siret string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := string(role) + "/" + sub + "/" + siret
	if tok, ok := c.tokens[k]; ok {
		return tok, nil
	}
	tok, err := c.issuer.Mint(auth.Claims{Subject: sub, Role: string(role), Siret: siret}, 12*time.Hour)
	if err != nil {
		return "", err
	}
	c.tokens[k] = tok
	return tok, nil
}

func (c *client) retried(cause string) {
	c.mu.Lock()
	c.retries[cause]++
	c.mu.Unlock()
}

// call sends method path with body (JSON) and returns the first answer that is neither a 5xx nor
// a 429. POSTs carry one Idempotency-Key for all their attempts.
func (c *client) call(ctx context.Context, method, path, token string, body any) (rest.Response, error) {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return rest.Response{}, err
		}
	}
	key := ids.New()
	backoff := 100 * time.Millisecond
	for {
		r, err := c.once(ctx, method, path, token, data, key)
		switch {
		case err != nil:
			c.retried("connection")
		case r.Status >= 500 || r.Status == http.StatusTooManyRequests:
			c.retried(fmt.Sprint(r.Status))
		default:
			return r, nil
		}
		select {
		case <-ctx.Done():
			return r, fmt.Errorf("%s %s: gave up: %w (last: %v %d %s)", method, path, ctx.Err(), err, r.Status, bytes.TrimSpace(r.Body))
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// once sends one attempt, for at most 30 s.
func (c *client) once(ctx context.Context, method, path, token string, data []byte, key string) (rest.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return rest.Do(ctx, c.http, c.base, rest.Request{Method: method, Path: path, Token: token, Body: data, Key: key})
}

// expect calls and fails unless the status is one of want.
func (c *client) expect(ctx context.Context, method, path, token string, body any, want ...int) (rest.Response, error) {
	r, err := c.call(ctx, method, path, token, body)
	if err != nil {
		return r, err
	}
	for _, w := range want {
		if r.Status == w {
			return r, nil
		}
	}
	return r, fmt.Errorf("%s %s: %d %s", method, path, r.Status, bytes.TrimSpace(r.Body))
}

// eventually polls check every 200 ms until it reports done, fails, or timeout passes.
func eventually(ctx context.Context, timeout time.Duration, what string, check func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		done, err := check()
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("timed out after %s waiting for %s", timeout, what)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
