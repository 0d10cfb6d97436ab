package api

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/microlearn/microlearn/internal/tracing"
)

// startRequestSpan starts the request's server span, continuing the caller's trace when it
// sent a traceparent header. The span is named once the route is known (endRequestSpan).
func startRequestSpan(ctx context.Context, c *fiber.Ctx) (context.Context, trace.Span) {
	ctx = tracing.FromHeader(ctx, func(k string) string { return strings.Clone(c.Get(k)) })
	return tracing.Tracer().Start(ctx, "HTTP "+c.Method(), trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.request.method", strings.Clone(c.Method()))))
}

// endRequestSpan names the span by route template (never the raw path: IDs are not span
// names) and records the status.
func endRequestSpan(span trace.Span, c *fiber.Ctx) {
	route := strings.Clone(routeTemplate(c))
	status := c.Response().StatusCode()
	span.SetName(strings.Clone(c.Method()) + " " + route)
	span.SetAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", status))
	if status >= 500 {
		span.SetStatus(codes.Error, "")
	}
	span.End()
}
