package insight

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// SweepInterval is how often the sweeper looks for due subjects; with the 10-minute slots of
// the due index, a subject is evaluated within one interval of its moment.
const SweepInterval = 20 * time.Second

// Sweep evaluates up to limit subjects that are due, and returns how many it evaluated. A
// subject whose evaluation fails is due again a minute later.
func (s *Service) Sweep(ctx context.Context, limit int) (int, error) {
	if rb, err := s.rebuilding(ctx); err != nil || rb.Rebuilding {
		s.sayStalled(rb)
		return 0, err // the counts are being rebuilt: evaluate afterwards
	}
	now := s.now()
	ids, through, err := s.Store.Due(ctx, now, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for start := 0; start < len(ids); start += prefetchBatch {
		got, err := s.sweepBatch(ctx, ids[start:min(start+prefetchBatch, len(ids))])
		if n += got; err != nil {
			return n, err
		}
	}
	// Everything due before through was evaluated (or, failing, made due again a minute from
	// now, ahead of the watermark): the next round starts there.
	return n, s.Store.Swept(ctx, through)
}

// sayStalled logs, at most every ten minutes, that a rebuild died half-way and what to do.
func (s *Service) sayStalled(rb RebuildState) {
	now := s.wall()
	if !rb.Stalled(now) || now.Unix()-s.stallSaid.Load() < 600 {
		return
	}
	s.stallSaid.Store(now.Unix())
	s.log().Error("insight: the reports rebuild started at "+rb.StartedAt.Format(time.RFC3339)+" stopped giving signs of life at "+
		rb.BeatAt.Format(time.RFC3339)+"; the reports wait for it: run `api reports recompute` again", "rebuildStartedAt", rb.StartedAt)
}

// sweepBatch evaluates a batch of due subjects with their facts read at once (prefetch.go),
// and returns how many it evaluated. A subject whose evaluation fails is due again a minute
// later; only the context's end stops the batch.
func (s *Service) sweepBatch(ctx context.Context, ids []string) (int, error) {
	f, err := s.prefetch(ctx, ids)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		s.log().Warn("insight: reading a batch of subjects' facts failed; reading them one by one", "error", err.Error())
	}
	n := 0
	for _, id := range ids {
		if err := s.reevaluate(ctx, id, s.evaluate, f); err != nil {
			if ctx.Err() != nil {
				return n, ctx.Err()
			}
			s.log().Warn("insight: evaluation failed; trying again in a minute", "subject", id, "error", err.Error())
			if err := s.Store.Touch(ctx, []string{id}, "", s.now().Add(time.Minute)); err != nil {
				return n, err
			}
			continue
		}
		n++
	}
	return n, nil
}

// Run sweeps every SweepInterval until ctx ends (and at once when it starts).
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(SweepInterval)
	defer t.Stop()
	for {
		for {
			n, err := s.Sweep(ctx, 200)
			if err != nil && ctx.Err() == nil {
				s.log().Error("insight: sweep", "error", err.Error())
			}
			if err != nil || n < 200 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Evaluate reads a subject's facts, decides its contribution and reasons, and writes them
// (a compare-and-swap on the subject), then moves the programme's counts by the difference.
func (s *Service) Evaluate(ctx context.Context, id string) error {
	return s.reevaluate(ctx, id, s.evaluate, nil)
}

// decider returns a subject as it is to be written next, with the facts f a sweeper round
// read for it (nil: read them).
type decider func(ctx context.Context, kind SubjectKind, sub Subject, f *facts) (Subject, error)

// reevaluate writes what decide makes of the subject (a compare-and-swap, tried again when
// something else wrote it meanwhile), then applies the move of its contribution. The first
// attempt uses the facts f read for a batch (nil: none); a second follows a conflict, so
// it reads everything afresh.
func (s *Service) reevaluate(ctx context.Context, id string, decide decider, f *facts) error {
	kind, _, _, _, ok := ParseSubject(id)
	if !ok {
		return fmt.Errorf("insight: %q is not a subject", id)
	}
	defer s.writing.lock(id)()
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			f = nil
		}
		sub, err := s.subject(ctx, id, f)
		if busy(err) {
			pause(ctx, attempt)
			continue
		}
		if err != nil {
			return err
		}
		next, err := decide(ctx, kind, sub, f)
		if err != nil {
			return err
		}
		next.Lease = s.lease(next.Pending)
		err = s.Store.SaveSubject(ctx, next, sub.Version)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		return s.settle(ctx, SourceSubject, next.ID, next.Pending)
	}
	return fmt.Errorf("insight: subject %s: %w", id, ErrConflict)
}

// subject reads a subject (a new one when absent) with its pending changes settled
// (errBusy while their writer's lease runs), from the batch f when it read it.
func (s *Service) subject(ctx context.Context, id string, f *facts) (Subject, error) {
	sub, ok, covered := f.subjectOf(id)
	if !covered {
		var err error
		if sub, ok, err = s.Store.Subject(ctx, id); err != nil {
			return Subject{}, err
		}
	}
	if !ok {
		kind, programmeID, userID, pairingID, _ := ParseSubject(id)
		return Subject{ID: id, Kind: kind, ProgrammeID: programmeID, UserID: userID, PairingID: pairingID, Contribution: Counts{}}, nil
	}
	if err := s.recover(ctx, SourceSubject, id, sub.Pending, sub.Lease); err != nil {
		return Subject{}, err
	}
	return sub, nil
}

// evaluate returns sub as evaluated now, numbered one more, with the change of its
// contribution pending.
func (s *Service) evaluate(ctx context.Context, kind SubjectKind, sub Subject, f *facts) (Subject, error) {
	var ev Evaluation
	var err error
	next := sub
	switch kind {
	case KindMember:
		ev, err = s.evaluateMember(ctx, &next, f)
	case KindPairing:
		ev, err = s.evaluatePairing(ctx, &next)
	}
	if err != nil {
		return Subject{}, err
	}
	return evaluated(kind, next, sub.Contribution, ev, s.now()), nil
}

// evaluated is next (sub as it was, with what the evaluation read about it) after
// evaluation ev at now, numbered one more, with the move from its old contribution pending.
func evaluated(kind SubjectKind, next Subject, old Counts, ev Evaluation, now time.Time) Subject {
	next.Version++
	next.Reasons, next.AtRisk, next.Since = ev.Reasons, len(ev.Reasons) > 0, time.Time{}
	for _, r := range ev.Reasons {
		if next.Since.IsZero() || r.Since.Before(next.Since) {
			next.Since = r.Since
		}
	}
	next.DueAt, next.EvaluatedAt = ev.Next, now
	target := Target{Kind: TargetPeople, ProgrammeID: next.ProgrammeID}
	if kind == KindPairing {
		target.Kind = TargetPairs
	}
	var changes []Change
	if d := ev.Contribution.Sub(old); len(d) > 0 && next.ProgrammeID != "" {
		changes = []Change{{Target: target, Counts: d}}
	}
	next.Contribution = ev.Contribution
	next.Pending = newPending(next.Version, changes)
	return next
}

// evaluateMember reads what a member's evaluation needs (what the batch b did not).
func (s *Service) evaluateMember(ctx context.Context, sub *Subject, b *facts) (Evaluation, error) {
	f := MemberFacts{Now: s.now()}
	var err error
	if f.Location, err = s.location(ctx, sub.ProgrammeID); err != nil {
		if apperr.KindOf(err) == apperr.KindNotFound {
			return EvaluateMember(f), nil
		}
		return Evaluation{}, err
	}
	m, err := s.memberOf(ctx, sub.ProgrammeID, sub.UserID, b)
	switch {
	case apperr.KindOf(err) == apperr.KindNotFound:
		sub.Role = ""
		return EvaluateMember(f), nil
	case err != nil:
		return Evaluation{}, err
	}
	f.Membership, sub.Role = &m, m.Role
	if f.Settings, err = s.cachedSettings(ctx, sub.ProgrammeID); err != nil {
		return Evaluation{}, err
	}
	if err := s.memberFacts(ctx, sub, &f, b); err != nil {
		return Evaluation{}, err
	}
	return EvaluateMember(f), nil
}

// memberOf is a membership from the batch b, else read.
func (s *Service) memberOf(ctx context.Context, pid, uid string, b *facts) (Membership, error) {
	if m, found, covered := b.membership(pid, uid); covered {
		if !found {
			return Membership{}, apperr.ErrNotFound
		}
		return m, nil
	}
	return s.Programmes.Membership(ctx, pid, uid)
}

func (s *Service) memberFacts(ctx context.Context, sub *Subject, f *MemberFacts, b *facts) error {
	key := LearnerKey(sub.ProgrammeID, sub.UserID)
	l, ok, covered := b.learner(key)
	if !covered {
		var err error
		if l, ok, err = s.Store.Learner(ctx, key); err != nil {
			return err
		}
	}
	if ok {
		f.Learner = &l
	}
	if err := s.openFacts(ctx, sub, f, b); err != nil {
		return err
	}
	if s.Streaks == nil || f.Membership.Role != RoleMentee {
		return nil
	}
	st, ok, covered := b.streak(sub.ProgrammeID, sub.UserID)
	if !covered {
		var err error
		if st, ok, err = s.Streaks.Streak(ctx, sub.ProgrammeID, sub.UserID); err != nil {
			return err
		}
	}
	if ok {
		f.Streak = &st
	}
	return nil
}

// openFacts sets a member's open assignments, from the batch b when it read them.
func (s *Service) openFacts(ctx context.Context, sub *Subject, f *MemberFacts, b *facts) error {
	if s.Assignments == nil {
		return nil
	}
	if open, covered := b.openOf(sub.ProgrammeID, sub.UserID); covered {
		f.Open = open
		return nil
	}
	var err error
	f.Open, err = s.Assignments.Open(ctx, sub.ProgrammeID, sub.UserID)
	return err
}

// evaluatePairing reads what a pairing's evaluation needs.
func (s *Service) evaluatePairing(ctx context.Context, sub *Subject) (Evaluation, error) {
	f := PairingFacts{Now: s.now()}
	if s.Pairings == nil {
		return EvaluatePairing(f), nil
	}
	p, err := s.Pairings.Pairing(ctx, sub.PairingID)
	switch {
	case apperr.KindOf(err) == apperr.KindNotFound:
		return EvaluatePairing(f), nil
	case err != nil:
		return Evaluation{}, err
	}
	f.Pairing = &p
	sub.ProgrammeID, sub.MentorID, sub.MenteeIDs, sub.PairingType = p.ProgrammeID, p.MentorID, p.MenteeIDs, p.Type
	if f.Settings, err = s.cachedSettings(ctx, p.ProgrammeID); err != nil {
		return Evaluation{}, err
	}
	if p.Status == "active" || p.Status == "paused" {
		if err := s.pairingFacts(ctx, p, &f); err != nil {
			return Evaluation{}, err
		}
	}
	return EvaluatePairing(f), nil
}

func (s *Service) pairingFacts(ctx context.Context, p Pairing, f *PairingFacts) error {
	c, err := s.Pairings.Cadence(ctx, p)
	if err != nil {
		return err
	}
	f.Cadence = &c
	if p.Status != "active" {
		return nil
	}
	if f.Goals, err = s.Pairings.OpenGoals(ctx, p); err != nil {
		return err
	}
	if s.Checkins != nil {
		if f.Checkins, err = s.Checkins.Open(ctx, p); err != nil {
			return err
		}
	}
	return nil
}
