// Package idempotency holds what the API remembers about requests sent with an
// Idempotency-Key header, and the store it keeps them in. It belongs to no domain: any
// POST may carry the header (content writes, mentoring assignments, ...).
package idempotency

import (
	"context"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// ErrInFlight says that a request with the same key is still being processed.
var ErrInFlight = apperr.New(apperr.KindConflict, "idempotency_key_in_use",
	"a request with this Idempotency-Key is still being processed; retry later")

// StoredResponse is what the API remembers about one request sent with an Idempotency-Key
// header: who sent it, a fingerprint of the request, and, once it has finished, the answer,
// which a retry with the same key gets again instead of repeating the request.
type StoredResponse struct {
	UserID      string
	Key         string
	Fingerprint string
	Done        bool
	Status      int
	ContentType string
	Body        []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Store keeps StoredResponses until they expire (expired records are swept by a background
// job, since TTL indexes are not portable).
type Store interface {
	// Claim records r as in flight. When (r.UserID, r.Key) is already recorded and not
	// expired, it returns that record and false. It returns ErrInFlight when the key kept
	// changing hands while it tried.
	Claim(ctx context.Context, r StoredResponse) (StoredResponse, bool, error)
	// Complete stores the answer of a claimed request.
	Complete(ctx context.Context, r StoredResponse) error
	// Release forgets an in-flight record created at createdAt (the request failed in a way
	// a retry should repeat, or it was abandoned).
	Release(ctx context.Context, userID, key string, createdAt time.Time) error
	// Sweep deletes the records that expired before now and says how many.
	Sweep(ctx context.Context, now time.Time) (int64, error)
}
