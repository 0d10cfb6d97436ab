package insight

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// ObserveLearningEvent implements learning.Observer: the gamification worker calls it at
// least once per event; the event counts exactly once. Order of writes: the learner (the
// event's ID and the changes it causes, one compare-and-swap, with a lease on them), then
// each aggregate (one update each, refused once the aggregate has the learner's number),
// the learner's acknowledgement, the removal of the guards (settle.go), then the subjects to
// look at again. A crash between them leaves the changes unacknowledged in the learner; the
// next reader, once the lease has run out, applies them again and only the missing ones
// take.
func (s *Service) ObserveLearningEvent(ctx context.Context, e learning.Event) error {
	if e.ProgrammeID == "" || e.UserID == "" || e.ID == "" {
		return nil // global library events belong to no programme
	}
	rb, err := s.rebuilding(ctx)
	if err != nil {
		return err
	}
	if rb.Rebuilding {
		return s.Store.Hold(ctx, e)
	}
	return s.observe(ctx, e)
}

func (s *Service) observe(ctx context.Context, e learning.Event) error {
	loc, err := s.location(ctx, e.ProgrammeID)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("insight: %w", err)
	}
	role := RoleNone
	switch m, err := s.membership(ctx, e.ProgrammeID, e.UserID); {
	case err == nil:
		role = m.Role
	case apperr.KindOf(err) != apperr.KindNotFound:
		return fmt.Errorf("insight: %w", err)
	}
	key := LearnerKey(e.ProgrammeID, e.UserID)
	defer s.writing.lock(key)()
	for attempt := 0; attempt < 5; attempt++ {
		l, err := s.learner(ctx, key, e, attempt > 0)
		if busy(err) {
			pause(ctx, attempt)
			continue
		}
		if err != nil {
			return err
		}
		if l.Has(e.ID) {
			return nil
		}
		step := l.Apply(e, role, loc, s.now())
		step.Learner.Lease = s.lease(step.Learner.Pending)
		err = s.Store.SaveLearner(ctx, step.Learner, l.Version)
		if errors.Is(err, ErrConflict) {
			s.learners.forget(key)
			continue
		}
		if err != nil {
			return fmt.Errorf("insight: %w", err)
		}
		return s.settleStep(ctx, step)
	}
	return fmt.Errorf("insight: learner %s: %w", key, ErrConflict)
}

// pause waits a little longer each attempt (another writer is settling the same source).
func pause(ctx context.Context, attempt int) {
	select {
	case <-ctx.Done():
	case <-time.After(time.Duration(10<<attempt) * time.Millisecond):
	}
}

// learner returns the learner of e's person with its pending changes applied: remembered
// (unless fresh is asked for) or read.
func (s *Service) learner(ctx context.Context, key string, e learning.Event, fresh bool) (Learner, error) {
	if l, ok := s.learners.get(key); ok && !fresh && l.Applied {
		return l, nil
	}
	l, ok, err := s.Store.Learner(ctx, key)
	if err != nil {
		return Learner{}, fmt.Errorf("insight: %w", err)
	}
	if !ok {
		return Learner{ProgrammeID: e.ProgrammeID, UserID: e.UserID, Weeks: map[string]LearnerWeek{}, Items: map[string]LearnerItem{}}, nil
	}
	if err := s.recover(ctx, SourceLearner, key, l.Pending, l.Lease); err != nil {
		return Learner{}, fmt.Errorf("insight: %w", err)
	}
	l.Applied = true
	s.learners.put(l)
	return l, nil
}

// settleStep settles a written learner's changes and touches the subjects it moved.
func (s *Service) settleStep(ctx context.Context, step Step) error {
	l := step.Learner
	if err := s.settle(ctx, SourceLearner, l.Key(), l.Pending); err != nil {
		return fmt.Errorf("insight: %w", err)
	}
	l.Applied = true
	s.learners.put(l)
	if len(step.Touch) > 0 {
		if err := s.Store.Touch(ctx, step.Touch, l.ProgrammeID, s.now()); err != nil {
			return fmt.Errorf("insight: %w", err)
		}
	}
	return nil
}

// rebuildTTL is how long a process trusts what it last read about a rebuild.
const rebuildTTL = 2 * time.Second

func (s *Service) rebuilding(ctx context.Context) (RebuildState, error) {
	return s.rebuild.get(ctx, "", time.Now, rebuildTTL, s.Store.Rebuild) // the wall clock: other processes rebuild
}
