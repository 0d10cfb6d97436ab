package gamification

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/microlearn/microlearn/internal/tracing"
	"github.com/microlearn/microlearn/learning"
)

// startBatchSpan starts the span of one claimed batch, linked to the spans of the requests
// that published its events (a batch has many parents, so they are links, not a parent).
func startBatchSpan(ctx context.Context, ds []learning.Delivery) (context.Context, trace.Span) {
	links := make([]trace.Link, 0, len(ds))
	for _, d := range ds {
		if l, ok := tracing.Link(d.Event.Trace); ok {
			links = append(links, l)
		}
	}
	return tracing.Tracer().Start(ctx, "gamification.process", trace.WithLinks(links...),
		trace.WithAttributes(attribute.Int("microlearn.events", len(ds))))
}

func endSpan(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
