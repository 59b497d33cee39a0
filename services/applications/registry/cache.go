package registry

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/redis/go-redis/v9"
)

// cached returns the cached answer for siret. A cache that fails is skipped, not fatal: the
// registry itself still answers.
func (c *Client) cached(ctx context.Context, siret string) (Result, bool) {
	if c.o.Redis == nil {
		return Result{}, false
	}
	b, err := c.o.Redis.Get(ctx, c.o.KeyPrefix+siret).Bytes()
	if err != nil {
		if !errors.Is(err, redis.Nil) {
			c.o.Logger.WarnContext(ctx, "company registry cache: read failed", "error", err)
		}
		return Result{}, false
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil || r.Siret != siret {
		c.o.Logger.WarnContext(ctx, "company registry cache: unreadable entry ignored", "siret", siret, "error", err)
		return Result{}, false
	}
	r.Cached = true
	return r, true
}

// store caches an answer (found or not found) for CacheTTL.
func (c *Client) store(ctx context.Context, r Result) {
	if c.o.Redis == nil {
		return
	}
	b, err := json.Marshal(r)
	if err == nil {
		err = c.o.Redis.Set(ctx, c.o.KeyPrefix+r.Siret, b, c.o.CacheTTL).Err()
	}
	if err != nil {
		c.o.Logger.WarnContext(ctx, "company registry cache: write failed", "error", err)
	}
}
