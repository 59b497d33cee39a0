package telemetry

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// With nothing to receive them, spans are not recorded but still carry a trace id (for the logs);
// with a span processor, they are recorded and reach it.
func TestSpansAreRecordedOnlyWhenSomethingReceivesThem(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	t.Setenv("OTEL_TRACES_SAMPLER", "")
	ctx := context.Background()
	quiet, err := Setup(ctx, Options{ServiceName: "test"})
	if err != nil {
		t.Fatal(err)
	}
	_, span := quiet.Tracer.Tracer("t").Start(ctx, "request")
	if span.IsRecording() || !span.SpanContext().TraceID().IsValid() {
		t.Fatalf("without an exporter: recording %t, trace id %s", span.IsRecording(), span.SpanContext().TraceID())
	}
	span.End()

	spans := tracetest.NewSpanRecorder()
	recorded, err := Setup(ctx, Options{ServiceName: "test", SpanProcessors: []sdktrace.SpanProcessor{spans}})
	if err != nil {
		t.Fatal(err)
	}
	_, span = recorded.Tracer.Tracer("t").Start(ctx, "request")
	span.End()
	if len(spans.Ended()) != 1 {
		t.Fatalf("with a span processor: %d spans recorded, want 1", len(spans.Ended()))
	}
}
