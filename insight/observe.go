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
// event's ID and the changes it causes, one compare-and-swap), then each aggregate (one
// update each, refused once the aggregate has the learner's number), then the subjects to
// look at again. A crash between them leaves the changes in the learner; the retry, finding
// the event taken in, applies them again and only the missing ones take.
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
	for attempt := 0; attempt < 5; attempt++ {
		l, err := s.learner(ctx, key, e, attempt > 0)
		if err != nil {
			return err
		}
		if l.Has(e.ID) {
			return nil
		}
		step := l.Apply(e, role, loc, s.now())
		err = s.Store.SaveLearner(ctx, step.Learner, l.Version)
		if errors.Is(err, ErrConflict) {
			s.learners.forget(key)
			continue
		}
		if err != nil {
			return fmt.Errorf("insight: %w", err)
		}
		return s.settle(ctx, step)
	}
	return fmt.Errorf("insight: learner %s: %w", key, ErrConflict)
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
	if l.Pending != nil {
		if err := s.Store.Apply(ctx, key, l.Pending.Seq, l.Pending.Changes); err != nil {
			return Learner{}, fmt.Errorf("insight: %w", err)
		}
	}
	l.Applied = true
	s.learners.put(l)
	return l, nil
}

// settle applies a written learner's changes and touches the subjects it moved.
func (s *Service) settle(ctx context.Context, step Step) error {
	l := step.Learner
	if err := s.Store.Apply(ctx, l.Key(), l.Pending.Seq, l.Pending.Changes); err != nil {
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
