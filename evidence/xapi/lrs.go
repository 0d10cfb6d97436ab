package xapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// LRS is a Learning Record Store's statement resource, spoken to over HTTP with Basic auth.
type LRS struct {
	// Endpoint is the LRS's xAPI base ("https://lrs.example.org/xapi/"); statements go to
	// <Endpoint>statements.
	Endpoint string
	Username string
	Password string
	Client   *http.Client
}

// StatusError is an LRS answer other than success.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string { return fmt.Sprintf("LRS answered %d: %.200s", e.Status, e.Body) }

// Permanent reports whether sending the same again cannot succeed: the LRS refuses the
// statement itself (400 malformed, 409 a different statement holds the ID, 413 too large).
// Auth failures (401, 403) are not permanent: the credentials may be fixed.
func (e *StatusError) Permanent() bool {
	return e.Status == http.StatusBadRequest || e.Status == http.StatusConflict || e.Status == http.StatusRequestEntityTooLarge
}

func (l *LRS) url(q url.Values) string {
	u := strings.TrimSuffix(l.Endpoint, "/") + "/statements"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

func (l *LRS) do(ctx context.Context, method, u string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-Experience-API-Version", Version)
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(l.Username, l.Password)
	c := l.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return &StatusError{Status: resp.StatusCode, Body: string(b)}
	}
	return nil
}

// Post sends statements (their JSON, as stored) in one batch.
func (l *LRS) Post(ctx context.Context, statements [][]byte) error {
	body := append([]byte{'['}, bytes.Join(statements, []byte{','})...)
	return l.do(ctx, http.MethodPost, l.url(nil), append(body, ']'))
}

// Put sends one statement under its ID (idempotent in xAPI: the same statement again is
// accepted and not stored twice).
func (l *LRS) Put(ctx context.Context, id string, statement []byte) error {
	return l.do(ctx, http.MethodPut, l.url(url.Values{"statementId": {id}}), statement)
}
