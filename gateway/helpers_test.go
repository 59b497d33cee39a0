package gateway

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/guichet/guichet/platform/auth/authtest"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/redisx"
	"github.com/guichet/guichet/platform/testenv"
)

// testRedis returns a client of the real Redis of the test environment.
func testRedis(t *testing.T) *redis.Client {
	t.Helper()
	env := testenv.Get(t)
	rdb, err := redisx.Open(env.RedisURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = rdb.Close() })
	require.NoError(t, rdb.Ping(context.Background()).Err())
	return rdb
}

// uniquePrefix keeps each test's keys apart, across tests and across runs on a shared Redis.
func uniquePrefix() string { return "guichet:test:" + ids.New() + ":" }

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// idleConn is a connection to nothing: enough for tests that never reach a service.
func idleConn(t *testing.T) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient("passthrough:///127.0.0.1:1", grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// newTestGateway builds the whole gateway with o, filling what the test leaves empty.
func newTestGateway(t *testing.T, o Options) http.Handler {
	t.Helper()
	if o.Applications == nil {
		conn := idleConn(t)
		o.Applications, o.Review, o.Payments = conn, conn, conn
	}
	if o.Verifier == nil {
		o.Verifier = authtest.New(t).Verifier
	}
	if o.Redis == nil {
		o.Redis = testRedis(t)
	}
	if o.Logger == nil {
		o.Logger = quietLogger()
	}
	h, err := New(context.Background(), o)
	require.NoError(t, err)
	return h
}

// decodeProblem checks that resp is a problem+json of status code and returns it.
func decodeProblem(t *testing.T, resp *http.Response, code int) Problem {
	t.Helper()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, code, resp.StatusCode, "body: %s", body)
	require.Equal(t, ProblemContentType, resp.Header.Get("Content-Type"))
	var p Problem
	require.NoError(t, json.Unmarshal(body, &p), "body: %s", body)
	require.Equal(t, code, p.Status)
	require.NotEmpty(t, p.Type)
	require.NotEmpty(t, p.Title)
	return p
}
