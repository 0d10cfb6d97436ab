package insight

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Exactly once, and small aggregates. A source (a learner, a subject) writes its next state
// with the changes it causes as its Pending, numbered by its version, then settles them:
//
//  1. Apply: each aggregate document takes the changes unless it already holds the source's
//     guard for that number or a later one (one single-document update each, which sets the
//     guard with the counts);
//  2. Ack: the source records that its pending changes are applied everywhere (a conditional
//     update on the source: only while that same pending is there and not acknowledged);
//  3. Prune: the guards of that number are removed from the aggregates again.
//
// So an aggregate document holds guards only while a change is in flight, and what a report
// reads stays the size of its counts whatever the number of people. A crash between the
// steps leaves the pending unacknowledged on the source; whoever reads the source next
// settles it again: step 1 again takes only where the guard is missing (nothing was lost or
// doubled, because no guard of an unacknowledged change is ever removed); a crash between 2
// and 3 leaves guards behind (harmless; removed by the source's next change to the same
// aggregate or by a recompute).
//
// What makes removing guards safe is that nobody applies an acknowledged change, and that
// nobody applies an unacknowledged one while another might be doing so: the writer holds a
// lease on its pending (Lease, written with the state, on the wall clock: it coordinates
// processes, it is not the user's time) and applies within applyWithin of writing it; a
// reader that finds an unacknowledged pending waits until the lease has run out and then
// claims it (a compare-and-swap on the lease) before applying it.
const (
	leaseFor    = time.Minute
	applyWithin = 30 * time.Second
)

// SourceKind says which collection a source lives in.
type SourceKind string

// The kinds of source.
const (
	SourceLearner SourceKind = "learner"
	SourceSubject SourceKind = "subject"
)

// errBusy says another writer is still settling a source's pending changes.
var errBusy = fmt.Errorf("insight: another writer is settling the same report data: %w", ErrConflict)

func (s *Service) wall() time.Time {
	if s.Wall == nil {
		return time.Now().UTC()
	}
	return s.Wall().UTC()
}

// newPending is the pending changes of a source's next version: with no changes there is
// nothing to settle, so it is acknowledged from the start.
func newPending(seq int64, changes []Change) *Pending {
	return &Pending{Seq: seq, Changes: changes, Acked: len(changes) == 0}
}

// lease is the lease a writer takes with a state carrying p.
func (s *Service) lease(p *Pending) time.Time {
	if p == nil || p.Acked {
		return time.Time{}
	}
	return s.wall().Add(leaseFor)
}

// settle applies the pending changes of a source this writer holds the lease of,
// acknowledges them and removes their guards.
func (s *Service) settle(ctx context.Context, kind SourceKind, source string, p *Pending) error {
	if p == nil || p.Acked {
		return nil
	}
	actx, cancel := context.WithTimeout(ctx, applyWithin)
	err := s.Store.Apply(actx, source, p.Seq, p.Changes)
	cancel()
	if err != nil {
		return err
	}
	acked, err := s.Store.Ack(ctx, kind, source, p.Seq)
	if err != nil || !acked {
		return err // not acknowledged here: someone took the lease over and settles it
	}
	p.Acked = true
	return s.Store.Prune(ctx, source, p.Seq, p.Changes)
}

// recover settles the pending changes a source was read with when its writer did not
// acknowledge them: once the writer's lease has run out, after claiming it. errBusy while
// the lease runs or when another reader claimed it first.
func (s *Service) recover(ctx context.Context, kind SourceKind, source string, p *Pending, lease time.Time) error {
	if p == nil || p.Acked {
		return nil
	}
	now := s.wall()
	if now.Before(lease) {
		return errBusy
	}
	claimed, err := s.Store.Claim(ctx, kind, source, p.Seq, now, now.Add(leaseFor))
	if err != nil {
		return err
	}
	if !claimed {
		return errBusy
	}
	return s.settle(ctx, kind, source, p)
}

// busy reports whether err is errBusy.
func busy(err error) bool { return errors.Is(err, errBusy) }

// keyLocks serialises this process's writers of one source (the background sweeper and a
// settling caller evaluating the same subject, the worker and an erasure on one learner):
// they would only fail each other's compare-and-swap or wait for each other's lease. Other
// processes are kept apart by those.
type keyLocks struct {
	mu   sync.Mutex
	held map[string]*keyLock
}

type keyLock struct {
	mu      sync.Mutex
	waiters int
}

// lock locks key and returns its unlock.
func (k *keyLocks) lock(key string) func() {
	k.mu.Lock()
	if k.held == nil {
		k.held = map[string]*keyLock{}
	}
	l, ok := k.held[key]
	if !ok {
		l = &keyLock{}
		k.held[key] = l
	}
	l.waiters++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		if l.waiters--; l.waiters == 0 {
			delete(k.held, key)
		}
		k.mu.Unlock()
	}
}
