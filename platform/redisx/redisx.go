// Package redisx opens traced Redis clients.
package redisx

import (
	"fmt"

	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
)

// Open returns a client for url (redis://host:port/db), traced and measured with OpenTelemetry.
func Open(url string) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	c := redis.NewClient(opts)
	if err := redisotel.InstrumentTracing(c); err != nil {
		return nil, err
	}
	if err := redisotel.InstrumentMetrics(c); err != nil {
		return nil, err
	}
	return c, nil
}
