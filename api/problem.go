package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
)

// statusOf is THE table from error kinds to HTTP statuses. Handlers return errors; only the
// ErrorHandler below writes error bodies.
var statusOf = map[apperr.Kind]int{
	apperr.KindInvalid:         http.StatusBadRequest,
	apperr.KindUnauthenticated: http.StatusUnauthorized,
	apperr.KindForbidden:       http.StatusForbidden,
	apperr.KindNotFound:        http.StatusNotFound,
	apperr.KindConflict:        http.StatusConflict,
	apperr.KindGone:            http.StatusGone,
	apperr.KindPrecondition:    http.StatusPreconditionFailed,
	apperr.KindRateLimited:     http.StatusTooManyRequests,
	apperr.KindUnprocessable:   http.StatusUnprocessableEntity,
	apperr.KindInternal:        http.StatusInternalServerError,
}

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail,omitempty"`
	Instance  string         `json:"instance,omitempty"`
	Code      string         `json:"code,omitempty"`
	RequestID string         `json:"requestId,omitempty"`
	Errors    []ProblemField `json:"errors,omitempty"`
}

// ProblemField names one invalid field by JSON pointer; in an uploaded file (a CSV), line
// and column say where.
type ProblemField struct {
	Pointer string `json:"pointer"`
	Detail  string `json:"detail"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

const problemBase = "https://microlearn.dev/problems/"

// errorHandler turns every error a handler or middleware returns into problem+json. Internal
// errors are logged with the request ID and reach the client only as a generic 500.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	p := Problem{Instance: c.Path(), RequestID: requestID(c)}
	var fe *fiber.Error
	var ve *apperr.ValidationError
	var ae *apperr.Error
	switch {
	case errors.As(err, &fe):
		p.Status = fe.Code
		p.Code = codeForStatus(fe.Code)
		p.Detail = fiberDetail(fe)
	case errors.As(err, &ve):
		p.Status = statusOf[ve.Kind()]
		p.Code = "validation_failed"
		p.Detail = "the request has invalid fields: see errors"
		for _, f := range ve.Fields {
			p.Errors = append(p.Errors, ProblemField{Pointer: f.Pointer, Detail: f.Detail, Line: f.Line, Column: f.Column})
		}
	case errors.As(err, &ae):
		p.Status = statusOf[ae.Kind]
		p.Code = ae.Code
		p.Detail = ae.Message
		if ae.Kind == apperr.KindInternal {
			p.Detail = ""
		}
	default:
		p.Status = http.StatusInternalServerError
	}
	if p.Status == 0 {
		p.Status = http.StatusInternalServerError
	}
	if p.Status >= 500 {
		s.log.LogAttrs(c.UserContext(), slog.LevelError, "request failed",
			slog.String("requestId", p.RequestID), slog.String("method", c.Method()),
			slog.String("path", c.Path()), slog.String("error", err.Error()))
		p.Code = codeForStatus(p.Status)
		p.Detail = "something went wrong on our side; quote the request ID when reporting it"
	}
	if p.Code == "" {
		p.Code = codeForStatus(p.Status)
	}
	p.Title = http.StatusText(p.Status)
	p.Type = problemBase + p.Code
	if p.Status == http.StatusTooManyRequests && len(c.Response().Header.Peek(fiber.HeaderRetryAfter)) == 0 {
		c.Set(fiber.HeaderRetryAfter, "60")
	}
	c.Status(p.Status)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	if c.Method() == fiber.MethodHead {
		return nil
	}
	b, _ := jsonMarshal(p)
	return c.Send(b)
}

func codeForStatus(status int) string {
	switch status {
	case 400:
		return "bad_request"
	case 401:
		return "unauthenticated"
	case 403:
		return "forbidden"
	case 404:
		return "not_found"
	case 405:
		return "method_not_allowed"
	case 409:
		return "conflict"
	case 413:
		return "body_too_large"
	case 415:
		return "unsupported_media_type"
	case 416:
		return "range_not_satisfiable"
	case 422:
		return "unprocessable"
	case 429:
		return "rate_limited"
	case 503:
		return "unavailable"
	}
	if status >= 500 {
		return "internal"
	}
	return "http_" + strconv.Itoa(status)
}

func fiberDetail(fe *fiber.Error) string {
	switch fe.Code {
	case 404:
		return "no such resource"
	case 405:
		return "this method is not allowed on this resource"
	case 413:
		if strings.HasPrefix(fe.Message, "the request body") {
			return fe.Message
		}
		return "the request body is larger than allowed"
	}
	return fe.Message
}
