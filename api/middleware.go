package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"mime"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/dbcount"
)

const localRequestID = "requestId"

// requestID returns the request's ID: the client's X-Request-ID when it is sane, else a new one.
func requestID(c *fiber.Ctx) string {
	if id, ok := c.Locals(localRequestID).(string); ok {
		return id
	}
	id := c.Get(fiber.HeaderXRequestID)
	if !saneRequestID(id) {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Locals(localRequestID, id)
	return id
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// observe sets the request ID, gives the handler a context with a deadline that counts
// database commands, and logs one structured line per request.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	id := requestID(c)
	c.Set(fiber.HeaderXRequestID, id)
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
	defer cancel()
	ctx, counter := dbcount.WithCounter(ctx)
	ctx, span := startRequestSpan(ctx, c)
	c.SetUserContext(ctx)
	err := c.Next()
	if err != nil {
		if herr := s.errorHandler(c, err); herr != nil {
			span.End()
			return herr
		}
	}
	endRequestSpan(span, c)
	n := counter.Load()
	s.dbCommands.record(id, n)
	status := c.Response().StatusCode()
	// Fiber's strings alias its reused buffers: the metrics keep theirs, so they get copies.
	s.deps.Metrics.Request(strings.Clone(routeTemplate(c)), strings.Clone(c.Method()), status, time.Since(start), n)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("requestId", id), slog.String("method", c.Method()), slog.String("path", c.Path()),
		slog.Int("status", status), slog.Duration("duration", time.Since(start)),
	}
	if s.log.Enabled(ctx, slog.LevelDebug) {
		attrs = append(attrs, slog.Int64("dbCommands", n))
	}
	s.log.LogAttrs(ctx, level, "request", attrs...)
	return nil
}

// routeTemplate names the route that answered, as registered ("/v1/lessons/:id"), for
// metrics and spans: never the raw path, whose IDs would make every request a new series.
// Requests no route matched end in a middleware: the console's pages, or "unmatched".
func routeTemplate(c *fiber.Ctx) string {
	r := c.Route()
	if r == nil || r.Method == "USE" || r.Path == "" {
		if apiPath(c.Path()) {
			return "unmatched"
		}
		return "console"
	}
	return r.Path
}

// requireJSON rejects request bodies that are not JSON with 415.
func requireJSON(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch:
	default:
		return c.Next()
	}
	if rawBody(c) {
		return c.Next() // upload parts are bytes; their handler checks their type
	}
	if len(c.Body()) == 0 && c.Get(fiber.HeaderContentType) == "" {
		return c.Next()
	}
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err == nil && mt == "text/csv" && strings.HasSuffix(c.Path(), "/invites/import") {
		return c.Next() // the one upload that is a file, not JSON
	}
	if err != nil || (mt != fiber.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "send the body as application/json")
	}
	return c.Next()
}

// securityHeaders sets headers every response should carry.
func securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "no-referrer")
	return c.Next()
}
