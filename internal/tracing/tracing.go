// Package tracing holds the product's OpenTelemetry tracing: the tracer, the OTLP exporter
// (on only when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set),
// and the W3C trace context carried by queued work, so that a worker's span links to the
// request that queued it.
package tracing

import (
	"context"
	"os"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

const name = "github.com/microlearn/microlearn"

// Tracer is the product's tracer (a no-op until Setup or a test installs a provider).
func Tracer() trace.Tracer { return otel.Tracer(name) }

var propagator = propagation.TraceContext{}

// Enabled reports whether the environment asks for traces to be exported.
func Enabled() bool {
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// Setup installs an OTLP/HTTP exporter for service when Enabled (the exporter reads the
// standard OTEL_EXPORTER_OTLP_* variables); otherwise nothing is traced. The returned
// function flushes and stops it.
func Setup(ctx context.Context, service string) (func(context.Context) error, error) {
	if !Enabled() {
		return func(context.Context) error { return nil }, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	tp := Install(sdktrace.NewBatchSpanProcessor(exp), service)
	return tp.Shutdown, nil
}

// Install makes a provider with processor the global one (Setup, and tests with an
// in-memory exporter).
func Install(processor sdktrace.SpanProcessor, service string) *sdktrace.TracerProvider {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(processor),
		sdktrace.WithResource(resourceFor(service)))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagator)
	return tp
}

// Inject returns the W3C traceparent of ctx's span ("" when there is none).
func Inject(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	propagator.Inject(ctx, c)
	return c["traceparent"]
}

// Link returns a link to the span of a traceparent (false when it is empty or invalid).
func Link(traceparent string) (trace.Link, bool) {
	if traceparent == "" {
		return trace.Link{}, false
	}
	ctx := propagator.Extract(context.Background(), propagation.MapCarrier{"traceparent": traceparent})
	sc := trace.SpanContextFromContext(ctx)
	return trace.Link{SpanContext: sc, Attributes: []attribute.KeyValue{attribute.String("link.kind", "queued-by")}}, sc.IsValid()
}

// FromHeader returns ctx continuing the caller's trace when the request carries a
// traceparent header.
func FromHeader(ctx context.Context, get func(string) string) context.Context {
	return propagator.Extract(ctx, headerCarrier(get))
}

type headerCarrier func(string) string

func (h headerCarrier) Get(k string) string { return h(k) }
func (h headerCarrier) Set(string, string)  {}
func (h headerCarrier) Keys() []string      { return []string{"traceparent", "tracestate"} }
