package insight

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Forget takes an erased person out of the programme reports. The privacy erasure calls it
// on each of its passes, before it deletes the person's learners and report subjects, and
// after it has deleted their memberships and anonymised their pairings:
//   - each of their member subjects gives back its contribution (members by role, mentees
//     at risk, open and overdue assignments) and leaves the at-risk list;
//   - each of their learners gives back its last active day (active in the last 7 and 30
//     days);
//   - each pairing subject that names them is evaluated again, so that it names the
//     tombstone the pairing now holds (and keeps counting the pairing, which is kept).
//
// Each give-back is a change numbered by its source, as every change to the aggregates is,
// so running Forget again (a second pass, a resumed job) moves nothing twice. What the
// person learnt (completions, minutes, item reach, quiz answers) stays in the programme's
// totals as numbers that name no one, as ledger rows keep theirs under a tombstone.
func (s *Service) Forget(ctx context.Context, userID string) error {
	if userID == "" {
		return nil
	}
	switch rb, err := s.rebuilding(ctx); {
	case err != nil:
		return err
	case rb.Stalled(s.wall()):
		// A dead rebuild must not hold an erasure back: what is forgotten now, its next run
		// rebuilds from logs that no longer name the person.
		s.log().Warn("insight: a reports rebuild stalled; forgetting a person regardless", "rebuildStartedAt", rb.StartedAt)
	case rb.Rebuilding:
		return ErrRebuilding // the rebuild reads the subjects: forget afterwards
	}
	keys, err := s.Store.LearnersOf(ctx, userID)
	if err != nil {
		return fmt.Errorf("insight: forget: %w", err)
	}
	for _, key := range keys {
		if err := s.withdrawLearner(ctx, key); err != nil {
			return fmt.Errorf("insight: forget learner: %w", err)
		}
	}
	ids, err := s.Store.SubjectsNaming(ctx, userID)
	if err != nil {
		return fmt.Errorf("insight: forget: %w", err)
	}
	for _, id := range ids {
		if err := s.forgetSubject(ctx, id, userID); err != nil {
			return fmt.Errorf("insight: forget subject: %w", err)
		}
	}
	return nil
}

// forgetSubject withdraws a member subject; a pairing is evaluated again and withdrawn only
// if it still names the person (it is then deleted with the rest of their data).
func (s *Service) forgetSubject(ctx context.Context, id, userID string) error {
	kind, _, _, _, _ := ParseSubject(id)
	if kind == KindPairing {
		if err := s.Evaluate(ctx, id); err != nil {
			return err
		}
		sub, ok, err := s.Store.Subject(ctx, id)
		if err != nil || !ok || !names(sub, userID) {
			return err
		}
	}
	return s.reevaluate(ctx, id, s.withdrawn, nil)
}

// withdrawn is a subject that counts for nothing and needs no attention: its contribution
// moves back out of the programme's counts.
func (s *Service) withdrawn(_ context.Context, kind SubjectKind, sub Subject, _ *facts) (Subject, error) {
	now := s.now()
	next := sub
	next.Role = ""
	return evaluated(kind, next, sub.Contribution, Evaluation{Contribution: Counts{}, Next: now.Add(endedInterval)}, now), nil
}

// names reports whether a subject still names userID.
func names(sub Subject, userID string) bool {
	if sub.UserID == userID || sub.MentorID == userID || slices.Contains(sub.MenteeIDs, userID) {
		return true
	}
	for _, r := range sub.Reasons {
		if slices.Contains(r.UserIDs, userID) {
			return true
		}
	}
	return false
}

// withdrawLearner takes the learner's last active day out of the people-by-last-active-day
// counts: one change numbered after the learner's latest, written into the learner with a
// compare-and-swap before it is settled (a crash in between settles it on the next try).
func (s *Service) withdrawLearner(ctx context.Context, key string) error {
	defer s.writing.lock(key)()
	for attempt := 0; attempt < 5; attempt++ {
		l, ok, err := s.Store.Learner(ctx, key)
		if err != nil || !ok {
			return err
		}
		if err := s.recover(ctx, SourceLearner, key, l.Pending, l.Lease); busy(err) {
			pause(ctx, attempt)
			continue
		} else if err != nil {
			return err
		}
		if l.LastDay == "" {
			return nil // never active, or withdrawn already
		}
		c := newChanges(l.ProgrammeID)
		c.add(Target{Kind: TargetLast, ProgrammeID: l.ProgrammeID}, "d."+l.LastRole+".d"+l.LastDay, -1)
		next := l
		next.Version++
		next.LastDay, next.LastRole = "", ""
		next.Pending = newPending(next.Version, c.list())
		next.Lease = s.lease(next.Pending)
		err = s.Store.SaveLearner(ctx, next, l.Version)
		s.learners.forget(key)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		return s.settle(ctx, SourceLearner, key, next.Pending)
	}
	return fmt.Errorf("learner %s: %w", key, ErrConflict)
}
