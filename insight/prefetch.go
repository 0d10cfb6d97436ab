package insight

import "context"

// A sweeper round evaluates up to a few hundred subjects. Evaluated one at a time, each
// member read its subject, membership, learner, open assignments and streak: five or six
// commands before its one write, on the embedded engine's one connection. The round instead
// reads each of those for a batch of subjects at once (an equality $in per kind, at most
// prefetchBatch values, which the indexes serve), and each evaluation takes its facts from
// the batch. What a batch read does not cover (a domain without a batch read, a pairing's
// record) is read per subject as before; a subject whose compare-and-swap fails was written
// meanwhile, and its next attempt reads everything afresh.

// prefetchBatch is how many subjects a round reads the facts of at once.
const prefetchBatch = 200

// MembershipsReader is a Programmes that reads many members of one programme at once.
type MembershipsReader interface {
	// Memberships returns the memberships of userIDs in programmeID, by user ID (absent:
	// not a member).
	Memberships(ctx context.Context, programmeID string, userIDs []string) (map[string]Membership, error)
}

// OpenAssignmentsReader is an Assignments that reads many mentees' open assignments at once.
type OpenAssignmentsReader interface {
	// OpenOf returns the open assignments in programmeID of each of menteeIDs, by mentee.
	OpenOf(ctx context.Context, programmeID string, menteeIDs []string) (map[string][]OpenAssignment, error)
}

// StreaksReader is a Streaks that reads many people's streaks at once.
type StreaksReader interface {
	// StreaksOf returns the streaks in programmeID of those of userIDs who have one.
	StreaksOf(ctx context.Context, programmeID string, userIDs []string) (map[string]Streak, error)
}

// facts is what a round read for a batch of subjects. Each map holds what was found; a key
// in the matching covered set was asked for, so its absence from the map means "none".
type facts struct {
	subjects       map[string]Subject
	subjectsCover  map[string]bool
	members        map[memberKey]Membership
	membersCover   map[memberKey]bool
	learners       map[string]Learner
	learnersCover  map[string]bool
	open           map[memberKey][]OpenAssignment
	openCover      map[memberKey]bool
	streaks        map[memberKey]Streak
	streaksCover   map[memberKey]bool
	programmeUsers map[string][]string
}

// prefetch reads the facts of the subjects ids in as few commands as the domains allow.
// An error leaves what was read so far: the rest is read per subject.
func (s *Service) prefetch(ctx context.Context, ids []string) (*facts, error) {
	f := &facts{subjects: map[string]Subject{}, subjectsCover: map[string]bool{}, members: map[memberKey]Membership{},
		membersCover: map[memberKey]bool{}, learners: map[string]Learner{}, learnersCover: map[string]bool{},
		open: map[memberKey][]OpenAssignment{}, openCover: map[memberKey]bool{}, streaks: map[memberKey]Streak{},
		streaksCover: map[memberKey]bool{}, programmeUsers: map[string][]string{}}
	subs, err := s.Store.Subjects(ctx, ids)
	if err != nil {
		return f, err
	}
	for _, x := range subs {
		f.subjects[x.ID] = x
	}
	var keys []string
	for _, id := range ids {
		f.subjectsCover[id] = true
		if kind, pid, uid, _, ok := ParseSubject(id); ok && kind == KindMember && pid != "" {
			f.programmeUsers[pid] = append(f.programmeUsers[pid], uid)
			keys = append(keys, LearnerKey(pid, uid))
		}
	}
	if err := f.readLearners(ctx, s.Store, keys); err != nil {
		return f, err
	}
	for pid, uids := range f.programmeUsers {
		if err := s.prefetchMembers(ctx, f, pid, uids); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (f *facts) readLearners(ctx context.Context, store Store, keys []string) error {
	ls, err := store.Learners(ctx, keys)
	if err != nil {
		return err
	}
	for _, l := range ls {
		f.learners[l.Key()] = l
	}
	for _, k := range keys {
		f.learnersCover[k] = true
	}
	return nil
}

// prefetchMembers reads the memberships, open assignments and streaks of one programme's
// members among a batch, where the domains can read them at once.
func (s *Service) prefetchMembers(ctx context.Context, f *facts, pid string, uids []string) error {
	if r, ok := s.Programmes.(MembershipsReader); ok {
		ms, err := r.Memberships(ctx, pid, uids)
		if err != nil {
			return err
		}
		cover(f.members, f.membersCover, pid, uids, ms)
	}
	if r, ok := s.Assignments.(OpenAssignmentsReader); ok && s.Assignments != nil {
		open, err := r.OpenOf(ctx, pid, uids)
		if err != nil {
			return err
		}
		cover(f.open, f.openCover, pid, uids, open)
	}
	if r, ok := s.Streaks.(StreaksReader); ok && s.Streaks != nil {
		st, err := r.StreaksOf(ctx, pid, uids)
		if err != nil {
			return err
		}
		cover(f.streaks, f.streaksCover, pid, uids, st)
	}
	return nil
}

// cover records the batch answer got for uids of programme pid.
func cover[V any](into map[memberKey]V, covered map[memberKey]bool, pid string, uids []string, got map[string]V) {
	for _, u := range uids {
		k := memberKey{pid, u}
		covered[k] = true
		if v, ok := got[u]; ok {
			into[k] = v
		}
	}
}

// subjectOf returns the batch's subject id; covered is false when the batch did not read it.
func (f *facts) subjectOf(id string) (sub Subject, found, covered bool) {
	if f == nil || !f.subjectsCover[id] {
		return Subject{}, false, false
	}
	sub, found = f.subjects[id]
	return sub, found, true
}

// membership returns the batch's membership; covered false when it was not read.
func (f *facts) membership(pid, uid string) (m Membership, found, covered bool) {
	return lookup(f, func(f *facts) (map[memberKey]Membership, map[memberKey]bool) { return f.members, f.membersCover }, pid, uid)
}

func (f *facts) openOf(pid, uid string) (open []OpenAssignment, covered bool) {
	open, _, covered = lookup(f, func(f *facts) (map[memberKey][]OpenAssignment, map[memberKey]bool) { return f.open, f.openCover }, pid, uid)
	return open, covered
}

func (f *facts) streak(pid, uid string) (st Streak, found, covered bool) {
	return lookup(f, func(f *facts) (map[memberKey]Streak, map[memberKey]bool) { return f.streaks, f.streaksCover }, pid, uid)
}

func (f *facts) learner(key string) (l Learner, found, covered bool) {
	if f == nil || !f.learnersCover[key] {
		return Learner{}, false, false
	}
	l, found = f.learners[key]
	return l, found, true
}

func lookup[V any](f *facts, maps func(*facts) (map[memberKey]V, map[memberKey]bool), pid, uid string) (v V, found, covered bool) {
	if f == nil {
		return v, false, false
	}
	m, c := maps(f)
	k := memberKey{pid, uid}
	if !c[k] {
		return v, false, false
	}
	v, found = m[k]
	return v, found, true
}
