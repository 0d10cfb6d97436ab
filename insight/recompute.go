package insight

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/microlearn/microlearn/learning"
)

// RecomputeReport says what a rebuild did.
type RecomputeReport struct {
	Events, Learners, Aggregates int
	Subjects, Held               int
	Evaluated                    int
	Took                         time.Duration
}

// Recompute rebuilds every aggregate from the logs: the learning aggregates from every
// processed learning event (Replayer), the programme counts from the subjects, and then
// evaluates every member and pairing of every programme again. Events that arrive while it
// runs are held and taken in afterwards (exactly once: a rebuilt learner remembers the
// events it was rebuilt from). grace is how long to wait after announcing the rebuild
// before reading the logs, so that other processes' workers notice it (they look every
// rebuildTTL).
func (s *Service) Recompute(ctx context.Context, log Replayer, grace time.Duration) (RecomputeReport, error) {
	start := time.Now()
	var rep RecomputeReport
	state := RebuildState{Rebuilding: true, StartedAt: s.now(), BeatAt: s.wall()}
	if err := s.Store.SetRebuild(ctx, state); err != nil {
		return rep, err
	}
	s.rebuild.forget("")
	stop := s.beat(ctx, state)
	defer stop()
	select {
	case <-ctx.Done():
		return rep, ctx.Err()
	case <-time.After(grace):
	}
	if err := s.rebuildLearning(ctx, log, &rep); err != nil {
		return rep, err
	}
	if err := s.rebuildSubjects(ctx, &rep); err != nil {
		return rep, err
	}
	stop()
	if err := s.Store.SetRebuild(ctx, RebuildState{}); err != nil {
		return rep, err
	}
	s.rebuild.forget("")
	if err := s.drainHeld(ctx, &rep); err != nil {
		return rep, err
	}
	if err := s.evaluateEverything(ctx, &rep); err != nil {
		return rep, err
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// A running rebuild records every rebuildBeat that it is alive (RebuildState.BeatAt); one
// silent for rebuildStale died half-way (Stalled): erasures then go ahead rather than wait
// for a rebuild that will never end, and the sweeper says so in the log until an operator
// runs the recompute again (which starts over and finishes it).
const (
	rebuildBeat  = 30 * time.Second
	rebuildStale = 5 * time.Minute
)

// beat records state's sign of life every RebuildBeat until the returned stop is called
// (which waits for a write in flight, so that nothing beats after it returns).
func (s *Service) beat(ctx context.Context, state RebuildState) (stop func()) {
	every := s.RebuildBeat
	if every <= 0 {
		every = rebuildBeat
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				state.BeatAt = s.wall()
				if err := s.Store.SetRebuild(ctx, state); err != nil && ctx.Err() == nil {
					s.log().Warn("insight: record that the rebuild is alive", "error", err.Error())
				}
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); <-finished }) }
}

// rebuildLearning folds every learner's events, in the order they were recorded, into a new
// learner and the sum of the changes they cause, and writes both over what was there.
func (s *Service) rebuildLearning(ctx context.Context, log Replayer, rep *RecomputeReport) error {
	byLearner := map[string][]learning.Event{}
	err := log.Replay(ctx, func(e learning.Event) error {
		if e.ProgrammeID == "" || e.UserID == "" {
			return nil
		}
		k := LearnerKey(e.ProgrammeID, e.UserID)
		byLearner[k] = append(byLearner[k], e)
		rep.Events++
		return nil
	})
	if err != nil {
		return fmt.Errorf("recompute: read the learning log: %w", err)
	}
	keys := make([]string, 0, len(byLearner))
	for k := range byLearner {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ls []Learner
	var cs []Contribution
	for _, k := range keys {
		l, c, err := s.fold(ctx, byLearner[k])
		if err != nil {
			return err
		}
		ls, cs = append(ls, l), append(cs, c)
		rep.Aggregates += len(c.Changes)
	}
	rep.Learners = len(ls)
	if err := s.Store.ResetLearning(ctx); err != nil {
		return err
	}
	if err := s.Store.PutLearners(ctx, ls); err != nil {
		return err
	}
	s.learners = learnerMemory{}
	return s.Store.PutAggregates(ctx, cs)
}

// fold replays one learner's events (recorded order) from nothing.
func (s *Service) fold(ctx context.Context, es []learning.Event) (Learner, Contribution, error) {
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if !a.RecordedAt.Equal(b.RecordedAt) {
			return a.RecordedAt.Before(b.RecordedAt)
		}
		if !a.OccurredAt.Equal(b.OccurredAt) {
			return a.OccurredAt.Before(b.OccurredAt)
		}
		return a.ID < b.ID
	})
	e0 := es[0]
	l := Learner{ProgrammeID: e0.ProgrammeID, UserID: e0.UserID, Weeks: map[string]LearnerWeek{}, Items: map[string]LearnerItem{}}
	if old, ok, err := s.Store.Learner(ctx, l.Key()); err != nil {
		return Learner{}, Contribution{}, err
	} else if ok {
		l.Version = old.Version // the rebuilt learner's numbers continue past the old ones
	}
	loc, err := s.location(ctx, l.ProgrammeID)
	if err != nil {
		loc = time.UTC
	}
	role := RoleNone
	if m, err := s.Programmes.Membership(ctx, l.ProgrammeID, l.UserID); err == nil {
		role = m.Role
	}
	sum := newChanges(l.ProgrammeID)
	for _, e := range es {
		if l.Has(e.ID) {
			continue
		}
		step := l.Apply(e, role, loc, e.RecordedAt)
		for _, c := range step.Learner.Pending.Changes {
			for p, n := range c.Counts {
				sum.add(c.Target, p, n)
			}
		}
		l = step.Learner
	}
	l.Pending, l.Applied = nil, false
	l.trim(s.now())
	// No guard: the rebuilt learner has no pending changes to apply again.
	return l, Contribution{Source: l.Key(), Changes: sum.list()}, nil
}

// drainHeld takes in the events that arrived during the rebuild.
func (s *Service) drainHeld(ctx context.Context, rep *RecomputeReport) error {
	for {
		es, err := s.Store.Held(ctx, 200)
		if err != nil || len(es) == 0 {
			return err
		}
		ids := make([]string, len(es))
		for i, e := range es {
			if err := s.observe(ctx, e); err != nil {
				return fmt.Errorf("recompute: an event held during the rebuild: %w", err)
			}
			ids[i] = e.ID
		}
		if err := s.Store.Release(ctx, ids); err != nil {
			return err
		}
		rep.Held += len(es)
	}
}

// rebuildSubjects sums the subjects' contributions into fresh programme counts, reading every
// subject once. A subject whose pending changes are not acknowledged yet leaves its guard,
// so that settling them later adds nothing to what its contribution already counts.
func (s *Service) rebuildSubjects(ctx context.Context, rep *RecomputeReport) error {
	if err := s.Store.ResetCounts(ctx); err != nil {
		return err
	}
	var cs []Contribution
	err := s.Store.EachSubject(ctx, func(sub Subject) error {
		rep.Subjects++
		if sub.ProgrammeID == "" || len(sub.Contribution) == 0 {
			return nil
		}
		kind := TargetPeople
		if sub.Kind == KindPairing {
			kind = TargetPairs
		}
		c := Contribution{Source: sub.ID, Changes: []Change{{Target: Target{Kind: kind, ProgrammeID: sub.ProgrammeID}, Counts: sub.Contribution}}}
		if sub.Pending != nil && !sub.Pending.Acked {
			c.Seq = sub.Pending.Seq
		}
		cs = append(cs, c)
		return nil
	})
	if err != nil {
		return err
	}
	return s.Store.PutAggregates(ctx, cs)
}

// evaluateEverything touches every member and pairing of every programme and sweeps until
// nothing is due.
func (s *Service) evaluateEverything(ctx context.Context, rep *RecomputeReport) error {
	after := ""
	for {
		ps, err := s.Programmes.ProgrammesPage(ctx, after, 100)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if err := s.touchMembers(ctx, p); err != nil {
				return err
			}
		}
		if len(ps) < 100 {
			break
		}
		after = ps[len(ps)-1]
	}
	for {
		n, err := s.Sweep(ctx, 500)
		if err != nil {
			return err
		}
		rep.Evaluated += n
		if n == 0 {
			return nil
		}
	}
}

// recomputeBatch is how many subjects one Touch of the rebuild makes due, and the size of a
// page where Programmes or Pairings can only page.
const recomputeBatch = 500

// touchMembers touches every member and pairing of a programme. Each list is read whole
// before its first Touch, so that no write is issued while a cursor is open (the embedded
// engine keeps a cursor's query open between replies); a programme's IDs are small.
func (s *Service) touchMembers(ctx context.Context, programmeID string) error {
	people, err := s.memberIDs(ctx, programmeID)
	if err != nil {
		return err
	}
	for i, id := range people {
		people[i] = PersonSubject(programmeID, id)
	}
	if err := s.touchAll(ctx, programmeID, people); err != nil || s.Pairings == nil {
		return err
	}
	pairings, err := s.pairingIDs(ctx, programmeID)
	if err != nil {
		return err
	}
	for i, id := range pairings {
		pairings[i] = PairingSubject(id)
	}
	return s.touchAll(ctx, programmeID, pairings)
}

// touchAll touches subjects recomputeBatch at a time.
func (s *Service) touchAll(ctx context.Context, programmeID string, subjects []string) error {
	for i := 0; i < len(subjects); i += recomputeBatch {
		if err := s.Touch(ctx, programmeID, subjects[i:min(len(subjects), i+recomputeBatch)]...); err != nil {
			return err
		}
	}
	return nil
}

// memberIDs lists a programme's members: in one read when Programmes is a MemberStream, page
// by page otherwise (each page after a user ID reads the whole programme on the embedded
// engine, where ranges are not index searches).
func (s *Service) memberIDs(ctx context.Context, programmeID string) ([]string, error) {
	if st, ok := s.Programmes.(MemberStream); ok {
		return collect(func(fn func(string) error) error { return st.EachMember(ctx, programmeID, fn) })
	}
	return pages(func(after string) ([]string, error) {
		return s.Programmes.MembersPage(ctx, programmeID, after, recomputeBatch)
	})
}

// pairingIDs lists a programme's pairings: in one read when Pairings is a PairingStream, page
// by page otherwise.
func (s *Service) pairingIDs(ctx context.Context, programmeID string) ([]string, error) {
	if st, ok := s.Pairings.(PairingStream); ok {
		return collect(func(fn func(string) error) error { return st.EachPairingID(ctx, programmeID, fn) })
	}
	return pages(func(after string) ([]string, error) {
		return s.Pairings.PairingsPage(ctx, programmeID, after, recomputeBatch)
	})
}

// collect gathers what a stream yields.
func collect(stream func(fn func(string) error) error) ([]string, error) {
	var out []string
	err := stream(func(id string) error {
		out = append(out, id)
		return nil
	})
	return out, err
}

// pages gathers every page of recomputeBatch IDs, each after the last ID of the one before.
func pages(list func(after string) ([]string, error)) ([]string, error) {
	var out []string
	after := ""
	for {
		ids, err := list(after)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
		if len(ids) < recomputeBatch {
			return out, nil
		}
		after = ids[len(ids)-1]
	}
}
