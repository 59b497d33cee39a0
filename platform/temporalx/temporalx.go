// Package temporalx connects to Temporal with guichet's tracing and logging.
package temporalx

import (
	"context"
	"log/slog"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"
)

// Dial returns a lazily connecting Temporal client whose workflow starts, signals, workflows and
// activities continue the caller's OpenTelemetry trace.
func Dial(address, namespace string, logger *slog.Logger) (client.Client, error) {
	tracing, err := opentelemetry.NewTracingInterceptor(opentelemetry.TracerOptions{})
	if err != nil {
		return nil, err
	}
	return client.NewLazyClient(client.Options{
		HostPort:     address,
		Namespace:    namespace,
		Logger:       log.NewStructuredLogger(logger),
		Interceptors: []interceptor.ClientInterceptor{tracing},
	})
}

// Reachable reports whether the Temporal frontend answers its health check.
func Reachable(ctx context.Context, c client.Client) error {
	_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}
