package mongodb

import (
	"context"
	"sync"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/microlearn/microlearn/internal/tracing"
)

// commandSpans makes a client span of every database command issued within a traced
// context (the driver's otelmongo contrib for driver v2 is not on the module proxy we can
// reach, so this is the same thing by hand: one span per command, named "<command>
// <collection>", with the database, never the command's values).
type commandSpans struct{ open sync.Map } // request ID -> trace.Span

func (cs *commandSpans) started(ctx context.Context, ev *event.CommandStartedEvent) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return // only commands of a traced request or worker
	}
	coll := ""
	if v, err := ev.Command.LookupErr(ev.CommandName); err == nil {
		coll, _ = v.StringValueOK()
	}
	_, span := tracing.Tracer().Start(ctx, ev.CommandName+" "+coll, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", "mongodb"), attribute.String("db.namespace", ev.DatabaseName),
			attribute.String("db.collection.name", coll), attribute.String("db.operation.name", ev.CommandName)))
	cs.open.Store(ev.RequestID, span)
}

func (cs *commandSpans) finished(requestID int64, failure error) {
	v, ok := cs.open.LoadAndDelete(requestID)
	if !ok {
		return
	}
	span := v.(trace.Span)
	if failure != nil {
		span.SetStatus(codes.Error, failure.Error())
	}
	span.End()
}
