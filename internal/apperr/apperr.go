// Package apperr holds the small vocabulary of error kinds every domain package wraps its
// sentinel errors in, so that the API can map any error to an HTTP status with one table.
package apperr

import (
	"errors"
	"strings"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

// The kinds of error the product distinguishes. The API maps each to one HTTP status.
const (
	KindInternal Kind = iota
	KindInvalid
	KindUnauthenticated
	KindForbidden
	KindNotFound
	KindConflict
	KindGone
	KindPrecondition
	KindRateLimited
	KindUnprocessable
)

// Error is a sentinel error with a kind, a stable machine-readable code and a message that is
// safe to show to clients.
type Error struct {
	Kind    Kind
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// New returns a sentinel error. Domain packages declare theirs with it at package level.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Generic sentinels for the common cases; domains may wrap them or declare more specific ones.
var (
	ErrInvalid         = New(KindInvalid, "invalid", "the request is invalid")
	ErrUnauthenticated = New(KindUnauthenticated, "unauthenticated", "authentication is required")
	ErrForbidden       = New(KindForbidden, "forbidden", "you may not do this")
	ErrNotFound        = New(KindNotFound, "not_found", "not found")
	ErrConflict        = New(KindConflict, "conflict", "conflicts with the current state")
	ErrRateLimited     = New(KindRateLimited, "rate_limited", "too many requests")
)

// FieldError names one invalid field by JSON pointer (RFC 6901) and says what is wrong. In
// an uploaded text file (a CSV), Line and Column (1-based) say where; zero when unknown.
type FieldError struct {
	Pointer string
	Detail  string
	Line    int
	Column  int
}

// ValidationError lists every invalid field of one input. It matches ErrInvalid with errors.Is
// (or ErrUnprocessable-kind when Unprocessable is set: well-formed but semantically wrong).
type ValidationError struct {
	Fields        []FieldError
	Unprocessable bool
}

func (v *ValidationError) Error() string {
	parts := make([]string, 0, len(v.Fields))
	for _, f := range v.Fields {
		parts = append(parts, f.Pointer+": "+f.Detail)
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Kind reports the kind of the validation error.
func (v *ValidationError) Kind() Kind {
	if v.Unprocessable {
		return KindUnprocessable
	}
	return KindInvalid
}

// Is lets errors.Is(err, ErrInvalid) match any validation error.
func (v *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Fields collects field errors while a value is validated.
type Fields struct{ list []FieldError }

// Add records that the field at pointer is invalid.
func (f *Fields) Add(pointer, detail string) {
	f.list = append(f.list, FieldError{Pointer: pointer, Detail: detail})
}

// AddAt records that the field at pointer is invalid at a line and column of an uploaded file.
func (f *Fields) AddAt(pointer, detail string, line, column int) {
	f.list = append(f.list, FieldError{Pointer: pointer, Detail: detail, Line: line, Column: column})
}

// Invalid returns nil when nothing was recorded, else a 400-kind *ValidationError (the input
// could not be read at all).
func (f *Fields) Invalid() error {
	if len(f.list) == 0 {
		return nil
	}
	return &ValidationError{Fields: f.list}
}

// Check records detail at pointer when ok is false.
func (f *Fields) Check(ok bool, pointer, detail string) {
	if !ok {
		f.Add(pointer, detail)
	}
}

// Len returns how many field errors were recorded.
func (f *Fields) Len() int { return len(f.list) }

// Err returns nil when nothing was recorded, else a *ValidationError (422: the JSON was well
// formed, its content is not acceptable).
func (f *Fields) Err() error {
	if len(f.list) == 0 {
		return nil
	}
	return &ValidationError{Fields: f.list, Unprocessable: true}
}

// Invalid returns a 400-kind validation error for a single field.
func Invalid(pointer, detail string) error {
	return &ValidationError{Fields: []FieldError{{Pointer: pointer, Detail: detail}}}
}

// KindOf reports the kind of err: the kind of the first *Error or *ValidationError in its
// chain, KindInternal when there is none.
func KindOf(err error) Kind {
	var v *ValidationError
	if errors.As(err, &v) {
		return v.Kind()
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}
