package redisx

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/extra/redisotel/v9"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/guichet/guichet/platform/testenv"
)

// TestSpansNameTheCommandNotItsValues: a command is traced by name only; the value stored (here a
// bank account, as in an idempotent response) and the caller's source are not in the span.
func TestSpansNameTheCommandNotItsValues(t *testing.T) {
	env := testenv.Get(t)
	spans := tracetest.NewSpanRecorder()
	c, err := open(env.RedisURL, redisotel.WithTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	const secret = "FR7630006000011234567890189"
	if err := c.Set(context.Background(), "guichet:test:redisx", `{"iban":"`+secret+`"}`, 0).Err(); err != nil {
		t.Fatal(err)
	}
	var set bool
	for _, s := range spans.Ended() {
		if s.Name() != "set" {
			continue
		}
		set = true
		for _, a := range s.Attributes() {
			if strings.Contains(a.Value.String(), secret) || strings.HasPrefix(string(a.Key), "code.") {
				t.Errorf("span %s carries %s = %s", s.Name(), a.Key, a.Value.String())
			}
		}
	}
	if !set {
		t.Fatalf("no span for SET among %d spans", len(spans.Ended()))
	}
}
