package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/microlearn/microlearn/internal/tracing"
)

// One request's trace, from an in-memory exporter: the server span is named by route
// template, the MongoDB commands it issued are its children, and the gamification worker's
// span for the event it published links back to it (request -> queue -> worker).
func TestTraceSpansRequestToWorker(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tp := tracing.Install(rec, "test")
	t.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		otel.SetTracerProvider(noop.NewTracerProvider())
	})
	w := newContentWorld(t)
	lesson := mustCreate(t, w.env.App.Content, w.owner.ID, w.pid, testLesson("Traced"), true)
	r := w.do(t, "POST", "/v1/lessons/"+lesson.ID+"/progress", w.mentee.Token, map[string]any{"eventId": newEventID(),
		"occurredAt": ts(w.env.Now().Add(-time.Minute)), "state": "completed", "secondsSpent": 240}, 201)
	_ = r

	var request trace.SpanContext
	deadline := time.Now().Add(30 * time.Second)
	for {
		var dbChildren int
		var linked bool
		for _, s := range rec.Ended() {
			if s.Name() == "POST /v1/lessons/:lessonId/progress" {
				request = s.SpanContext()
			}
		}
		for _, s := range rec.Ended() {
			if !request.IsValid() {
				break
			}
			if s.Parent().SpanID() == request.SpanID() && s.SpanKind() == trace.SpanKindClient &&
				strings.HasPrefix(s.Name(), "insert ") || s.Parent().SpanID() == request.SpanID() && strings.HasPrefix(s.Name(), "find ") {
				dbChildren++
			}
			if s.Name() == "gamification.process" {
				for _, l := range s.Links() {
					if l.SpanContext.TraceID() == request.TraceID() && l.SpanContext.SpanID() == request.SpanID() {
						linked = true
					}
				}
			}
		}
		if request.IsValid() && dbChildren > 0 && linked {
			return
		}
		if time.Now().After(deadline) {
			var names []string
			for _, s := range rec.Ended() {
				names = append(names, s.Name())
			}
			t.Fatalf("request span %v, %d DB child spans, worker linked %v; spans: %v", request.IsValid(), dbChildren, linked, names)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
