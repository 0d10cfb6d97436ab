package privacy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Service takes requests and runs the jobs (Worker). Several processes may run workers:
// a job is leased to one at a time, and every step may safely run again.
type Service struct {
	Store    Store
	Data     Data
	Archives Archives
	Now      func() time.Time
	Log      *slog.Logger
	// Lease is how long a worker holds a job between saves (default 2m).
	Lease time.Duration
	// Settle is how long an erasure waits before its second pass: longer than an access
	// token lives, so nothing the person's devices sent before it expired survives.
	Settle time.Duration
	// ExportTTL is how long an archive can be downloaded (default 48h).
	ExportTTL time.Duration
	// ExportCooldown is how soon a finished export may be asked for again (default 1m).
	ExportCooldown time.Duration
	// AfterStep, for tests, runs after each saved step; an error stops the job there as a
	// crash would (the lease is not released).
	AfterStep func(j Job) error

	wakeOnce sync.Once
	wake     chan struct{}
}

// SelfRequest is RequestedBy for a person's own request.
const SelfRequest = "self"

func (s *Service) now() time.Time { return s.Now().UTC() }

// Wake tells the worker a job was added. It never blocks.
func (s *Service) Wake() {
	select {
	case s.wakeup() <- struct{}{}:
	default:
	}
}

func (s *Service) wakeup() chan struct{} {
	s.wakeOnce.Do(func() { s.wake = make(chan struct{}, 1) })
	return s.wake
}

func randomID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// RequestErasure writes an erasure job for p (the caller has signed the person out
// already). It returns at once; the worker does the rest.
func (s *Service) RequestErasure(ctx context.Context, p Person, requestedBy, reason string) (Job, error) {
	now := s.now()
	p.Tombstone = randomID("erased-")
	j := Job{ID: randomID("er_"), Kind: KindErase, State: StatePending, Person: p, RequestedBy: requestedBy,
		Reason: reason, CreatedAt: now, DueAt: now}
	if _, _, err := s.Store.Insert(ctx, j); err != nil {
		return Job{}, err
	}
	s.Log.Info("erasure requested", "jobId", j.ID, "tombstone", p.Tombstone, "requestedBy", requestedBy)
	s.Wake()
	return j, nil
}

// ExportID is the ID of a person's export job: one at a time each.
func ExportID(userID string) string { return "export:" + userID }

// RequestExport starts an export of p's data, or returns the one under way (or finished
// within the cooldown): asking twice never builds two.
func (s *Service) RequestExport(ctx context.Context, p Person) (Job, error) {
	now := s.now()
	j := Job{ID: ExportID(p.UserID), Kind: KindExport, State: StatePending, Person: Person{UserID: p.UserID},
		RequestedBy: SelfRequest, CreatedAt: now, DueAt: now}
	for range 3 {
		existing, ok, err := s.Store.Insert(ctx, j)
		if err != nil {
			return Job{}, err
		}
		if ok {
			s.Wake()
			return j, nil
		}
		if existing.State == StatePending || now.Sub(existing.CreatedAt) < s.cooldown() {
			return existing, nil
		}
		if existing.State == StateDone {
			if err := s.Archives.Delete(ctx, j.ID); err != nil {
				return Job{}, err
			}
		}
		replaced, err := s.Store.Replace(ctx, j, existing.State)
		if err != nil {
			return Job{}, err
		}
		if replaced {
			s.Wake()
			return j, nil
		}
	}
	return Job{}, fmt.Errorf("request export: the job kept changing")
}

// Export returns the person's export job.
func (s *Service) Export(ctx context.Context, userID string) (Job, error) {
	j, err := s.Store.Get(ctx, ExportID(userID))
	if err == nil && j.State == StateDone && !j.ExpiresAt.After(s.now()) {
		return Job{}, ErrExportExpired
	}
	return j, err
}

// Archive opens the person's finished export archive.
func (s *Service) Archive(ctx context.Context, userID string) (Job, io.ReadCloser, error) {
	j, err := s.Export(ctx, userID)
	if err != nil {
		return Job{}, nil, err
	}
	if j.State != StateDone {
		return Job{}, nil, ErrExportPending
	}
	rc, err := s.Archives.Open(ctx, j.ID)
	return j, rc, err
}

// Erasure returns an erasure job (its audit record once done).
func (s *Service) Erasure(ctx context.Context, id string) (Job, error) {
	j, err := s.Store.Get(ctx, id)
	if err == nil && j.Kind != KindErase {
		return Job{}, ErrNotFound
	}
	return j, err
}

func (s *Service) cooldown() time.Duration {
	if s.ExportCooldown > 0 {
		return s.ExportCooldown
	}
	return time.Minute
}

func (s *Service) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return 2 * time.Minute
}

func (s *Service) exportTTL() time.Duration {
	if s.ExportTTL > 0 {
		return s.ExportTTL
	}
	return 48 * time.Hour
}

// errStopped is a test hook's stop: the job is left as a crash would leave it.
var errStopped = errors.New("stopped by a hook")
