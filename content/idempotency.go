package content

import (
	"context"
	"time"
)

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

// IdempotencyStore keeps StoredResponses for a day (the API's POSTs use it; expired
// records are swept by a background job, since TTL indexes are not portable).
type IdempotencyStore interface {
	// Claim records r as in flight. When (r.UserID, r.Key) is already recorded and not
	// expired, it returns that record and false.
	Claim(ctx context.Context, r StoredResponse) (StoredResponse, bool, error)
	// Complete stores the answer of a claimed request.
	Complete(ctx context.Context, r StoredResponse) error
	// Release forgets an in-flight record created at createdAt (the request failed in a way
	// a retry should repeat, or it was abandoned).
	Release(ctx context.Context, userID, key string, createdAt time.Time) error
	// Sweep deletes the records that expired before now and says how many.
	Sweep(ctx context.Context, now time.Time) (int64, error)
}
