package gateway

import (
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// rateLimiter limits each caller (token subject, or client address when anonymous) to a number of
// requests per minute, shared by every gateway replica through Redis (GCRA, so bursts are smoothed
// rather than reset at each minute).
type rateLimiter struct {
	limiter *redis_rate.Limiter
	limit   redis_rate.Limit
	// prefix namespaces the keys (redis_rate adds its own "rate:" in front).
	prefix string
	logger *slog.Logger
}

func newRateLimiter(rdb *redis.Client, perMinute int, logger *slog.Logger) *rateLimiter {
	return &rateLimiter{
		limiter: redis_rate.NewLimiter(rdb),
		limit:   redis_rate.PerMinute(perMinute),
		prefix:  "guichet:gateway:",
		logger:  logger,
	}
}

// middleware answers 429 with Retry-After once the caller's budget is spent. When Redis fails the
// request goes through: the limit protects capacity, and refusing every call while Redis is down
// would turn a cache outage into a full outage.
func (l *rateLimiter) middleware(next http.Handler) http.Handler {
	if l.limit.Rate <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := l.limiter.Allow(r.Context(), l.prefix+callerScope(r), l.limit)
		if err != nil {
			l.logger.WarnContext(r.Context(), "rate limiter unavailable, request let through", "error", err)
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("RateLimit-Remaining", strconv.Itoa(res.Remaining))
		if res.Allowed == 0 {
			secs := max(1, int(math.Ceil(res.RetryAfter.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeProblem(w, Problem{
				Type:   problemBase + "too-many-requests",
				Title:  "Too many requests",
				Status: http.StatusTooManyRequests,
				Detail: "the limit is " + strconv.Itoa(l.limit.Rate) + " requests per minute; retry after " + strconv.Itoa(secs) + " s",
			})
			return
		}
		next.ServeHTTP(w, r)
	})
}
