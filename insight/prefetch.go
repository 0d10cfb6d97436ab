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

// known is what a batch read found for the keys it asked for: a key asked for and absent
// from found means "none".
type known[K comparable, V any] struct {
	found map[K]V
	asked map[K]bool
}

func newKnown[K comparable, V any]() known[K, V] {
	return known[K, V]{found: map[K]V{}, asked: map[K]bool{}}
}

// get returns key's value; covered is false when the batch did not ask for key.
func (k known[K, V]) get(key K) (v V, found, covered bool) {
	if !k.asked[key] {
		return v, false, false
	}
	v, found = k.found[key]
	return v, found, true
}

// facts is what a round read for a batch of subjects.
type facts struct {
	subjects known[string, Subject]
	learners known[string, Learner]
	members  known[memberKey, Membership]
	open     known[memberKey, []OpenAssignment]
	streaks  known[memberKey, Streak]
}

// prefetch reads the facts of the subjects ids in as few commands as the domains allow.
// An error leaves what was read so far: the rest is read per subject.
func (s *Service) prefetch(ctx context.Context, ids []string) (*facts, error) {
	f := &facts{subjects: newKnown[string, Subject](), learners: newKnown[string, Learner](), members: newKnown[memberKey, Membership](),
		open: newKnown[memberKey, []OpenAssignment](), streaks: newKnown[memberKey, Streak]()}
	subs, err := s.Store.Subjects(ctx, ids)
	if err != nil {
		return f, err
	}
	for _, x := range subs {
		f.subjects.found[x.ID] = x
	}
	var keys []string
	users := map[string][]string{} // programme -> its members among ids
	for _, id := range ids {
		f.subjects.asked[id] = true
		if kind, pid, uid, _, ok := ParseSubject(id); ok && kind == KindMember && pid != "" {
			users[pid] = append(users[pid], uid)
			keys = append(keys, LearnerKey(pid, uid))
		}
	}
	ls, err := s.Store.Learners(ctx, keys)
	if err != nil {
		return f, err
	}
	for _, l := range ls {
		f.learners.found[l.Key()] = l
	}
	for _, k := range keys {
		f.learners.asked[k] = true
	}
	for pid, uids := range users {
		if err := s.prefetchMembers(ctx, f, pid, uids); err != nil {
			return f, err
		}
	}
	return f, nil
}

// prefetchMembers reads the memberships, open assignments and streaks of one programme's
// members among a batch, where the domains can read them at once.
func (s *Service) prefetchMembers(ctx context.Context, f *facts, pid string, uids []string) error {
	if r, ok := s.Programmes.(MembershipsReader); ok {
		if err := cover(f.members, pid, uids, func() (map[string]Membership, error) { return r.Memberships(ctx, pid, uids) }); err != nil {
			return err
		}
	}
	if r, ok := s.Assignments.(OpenAssignmentsReader); ok {
		if err := cover(f.open, pid, uids, func() (map[string][]OpenAssignment, error) { return r.OpenOf(ctx, pid, uids) }); err != nil {
			return err
		}
	}
	if r, ok := s.Streaks.(StreaksReader); ok {
		return cover(f.streaks, pid, uids, func() (map[string]Streak, error) { return r.StreaksOf(ctx, pid, uids) })
	}
	return nil
}

// cover records what read found for the members uids of programme pid.
func cover[V any](into known[memberKey, V], pid string, uids []string, read func() (map[string]V, error)) error {
	got, err := read()
	if err != nil {
		return err
	}
	for _, u := range uids {
		k := memberKey{pid, u}
		into.asked[k] = true
		if v, ok := got[u]; ok {
			into.found[k] = v
		}
	}
	return nil
}

// The batch's facts of one subject; covered is false when the batch did not read them (f nil
// included), and the caller reads them itself.

func (f *facts) subjectOf(id string) (sub Subject, found, covered bool) {
	if f == nil {
		return Subject{}, false, false
	}
	return f.subjects.get(id)
}

func (f *facts) learner(key string) (l Learner, found, covered bool) {
	if f == nil {
		return Learner{}, false, false
	}
	return f.learners.get(key)
}

func (f *facts) membership(pid, uid string) (m Membership, found, covered bool) {
	if f == nil {
		return Membership{}, false, false
	}
	return f.members.get(memberKey{pid, uid})
}

func (f *facts) openOf(pid, uid string) (open []OpenAssignment, covered bool) {
	if f == nil {
		return nil, false
	}
	open, _, covered = f.open.get(memberKey{pid, uid})
	return open, covered
}

func (f *facts) streak(pid, uid string) (st Streak, found, covered bool) {
	if f == nil {
		return Streak{}, false, false
	}
	return f.streaks.get(memberKey{pid, uid})
}
