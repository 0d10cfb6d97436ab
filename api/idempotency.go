package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/internal/idempotency"
)

// Idempotency keys, as Stripe and the IETF httpapi idempotency-key draft describe them: a
// POST carrying an Idempotency-Key header runs once per (user, key); a retry with the same
// key gets the stored status and body again (marked Idempotent-Replayed: true). The same key
// with a different request is 422; the same key while the first request is still running
// is 409. Keys are kept for IdempotencyTTL; a background job sweeps expired ones.

// HeaderIdempotencyKey is the request header that makes a POST idempotent.
const HeaderIdempotencyKey = "Idempotency-Key"

// IdempotencyTTL is how long a key and its answer are kept.
const IdempotencyTTL = 24 * time.Hour

// idempotencyStale is when an in-flight record is taken to be abandoned (its process died):
// far beyond any request's deadline.
const idempotencyStale = 5 * time.Minute

var (
	errIdempotencyMismatch = apperr.New(apperr.KindUnprocessable, "idempotency_key_reused",
		"this Idempotency-Key was already used for a different request")
)

func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// idempotent is route middleware for POSTs. Without the header, or for an anonymous caller
// (the route then answers 401), it does nothing.
func (s *Server) idempotent(c *fiber.Ctx) error {
	raw := c.Get(HeaderIdempotencyKey)
	if raw == "" || c.Method() != fiber.MethodPost || s.deps.Idempotency == nil {
		return c.Next()
	}
	cl, ok := c.Locals(localCaller).(Caller)
	if !ok {
		return c.Next()
	}
	if !validIdempotencyKey(raw) {
		return apperr.Invalid("", "the Idempotency-Key header must be 1 to 255 visible ASCII characters")
	}
	key := string([]byte(raw))
	sum := sha256.New()
	sum.Write([]byte(c.Method() + " " + c.Path() + "\n"))
	sum.Write(c.Body())
	now := s.idempotencyNow()
	rec := idempotency.StoredResponse{UserID: cl.UserID, Key: key, Fingerprint: hex.EncodeToString(sum.Sum(nil)),
		CreatedAt: now, ExpiresAt: now.Add(IdempotencyTTL)}
	ctx := c.UserContext()
	old, claimed, err := s.deps.Idempotency.Claim(ctx, rec)
	if err != nil {
		return err
	}
	if !claimed && !old.Done && now.Sub(old.CreatedAt) > idempotencyStale {
		if err := s.deps.Idempotency.Release(ctx, cl.UserID, key, old.CreatedAt); err != nil {
			return err
		}
		if old, claimed, err = s.deps.Idempotency.Claim(ctx, rec); err != nil {
			return err
		}
	}
	if !claimed {
		switch {
		case !old.Done:
			c.Set(fiber.HeaderRetryAfter, "1")
			return idempotency.ErrInFlight
		case old.Fingerprint != rec.Fingerprint:
			return errIdempotencyMismatch
		}
		c.Set("Idempotent-Replayed", "true")
		c.Status(old.Status)
		c.Set(fiber.HeaderContentType, old.ContentType)
		return c.Send(old.Body)
	}
	if err := c.Next(); err != nil {
		if herr := s.errorHandler(c, err); herr != nil {
			return herr
		}
	}
	status := c.Response().StatusCode()
	// Keep answers a retry must not change; forget failures a retry should repeat (server
	// errors and rate limiting), so that the key does not pin a transient failure.
	dctx := context.WithoutCancel(ctx)
	if status >= 500 || status == http.StatusTooManyRequests {
		return s.deps.Idempotency.Release(dctx, cl.UserID, key, rec.CreatedAt)
	}
	rec.Done, rec.Status = true, status
	rec.ContentType = string(c.Response().Header.ContentType())
	rec.Body = append([]byte(nil), c.Response().Body()...)
	return s.deps.Idempotency.Complete(dctx, rec)
}

func (s *Server) idempotencyNow() time.Time {
	return s.now().UTC().Truncate(time.Millisecond)
}
