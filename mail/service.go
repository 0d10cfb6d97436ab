package mail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Service is what producers call to send mail.
type Service struct {
	Store Store
	Now   func() time.Time
	Log   *slog.Logger
	// On reports whether mail goes out (an SMTP server is configured). When it is off,
	// producers show what they would have sent to a person instead (an invitation's link to
	// the owner) and enqueue nothing.
	On   bool
	wake chan struct{}
}

// NewService returns a service with a wake-up channel for an in-process sender.
func NewService(store Store, on bool, now func() time.Time, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{Store: store, On: on, Now: now, Log: log, wake: make(chan struct{}, 1)}
}

// Enabled reports whether mail goes out.
func (s *Service) Enabled() bool { return s != nil && s.On }

// Wake returns the channel signalled after each enqueue.
func (s *Service) Wake() <-chan struct{} { return s.wake }

// MessageID derives the outbox id from a dedup key, so that every attempt to enqueue the
// same message names the same item and record.
func MessageID(dedupKey string) string {
	sum := sha256.Sum256([]byte(dedupKey))
	return hex.EncodeToString(sum[:16])
}

// EnqueueAll puts messages in the durable outbox, with one insert per hundred and one check
// against finished records. A message enqueued again, while pending or after it went out,
// changes nothing. With mail off it does nothing.
func (s *Service) EnqueueAll(ctx context.Context, ms []Message) error {
	if !s.Enabled() || len(ms) == 0 {
		return nil
	}
	now := s.Now().UTC()
	ps := make([]Pending, 0, len(ms))
	seen := map[string]bool{}
	for _, m := range ms {
		if m.DedupKey == "" || len(m.DedupKey) > 512 {
			return fmt.Errorf("enqueue mail: %w", apperr.Invalid("/dedupKey", "must be 1 to 512 bytes"))
		}
		if _, ok := texts[m.Kind]; !ok {
			return fmt.Errorf("enqueue mail: %w", apperr.Invalid("/kind", "unknown mail kind"))
		}
		id := MessageID(m.DedupKey)
		if seen[id] {
			continue
		}
		seen[id] = true
		ps = append(ps, Pending{ID: id, DedupKey: m.DedupKey, Kind: m.Kind, Refs: m.Refs, CreatedAt: now, DueAt: now})
	}
	created, err := s.Store.EnqueueMany(ctx, ps)
	if err != nil {
		return fmt.Errorf("enqueue mail: %w", err)
	}
	if len(created) == 0 {
		return nil
	}
	// A message that went out and left the outbox must not come back: its record is written
	// before the item is deleted, so checking records after our insert always sees it.
	done, err := s.Store.FinishedAmong(ctx, created)
	if err != nil {
		return fmt.Errorf("enqueue mail: %w", err)
	}
	var forget []string
	for id := range done {
		forget = append(forget, id)
	}
	if len(forget) > 0 {
		if err := s.Store.Forget(ctx, forget...); err != nil {
			return fmt.Errorf("enqueue mail: %w", err)
		}
	}
	if len(forget) < len(created) {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return nil
}
