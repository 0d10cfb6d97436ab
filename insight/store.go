package insight

import (
	"context"
	"time"

	"github.com/microlearn/microlearn/learning"
)

// Store keeps what insight owns. Methods return the sentinel errors named on them; anything
// else is an internal error.
type Store interface {
	// Learner returns a learner; ok is false when there is none yet.
	Learner(ctx context.Context, key string) (l Learner, ok bool, err error)
	// Learners returns the learners among keys that exist (at most 1,000 keys).
	Learners(ctx context.Context, keys []string) ([]Learner, error)
	// SaveLearner writes l if the stored version is prev (absent for prev 0): a
	// compare-and-swap; ErrConflict otherwise.
	SaveLearner(ctx context.Context, l Learner, prev int64) error

	// Apply adds each change's counts to its aggregate unless the aggregate already took
	// number seq (or a later one) from source: applying the same changes again is a no-op.
	// Each aggregate is one single-document update, which leaves source's guard (seq) in it.
	Apply(ctx context.Context, source string, seq int64, changes []Change) error
	// Ack records on the source that its pending changes numbered seq are applied, if that
	// pending is still there unacknowledged; ok says it was recorded here.
	Ack(ctx context.Context, kind SourceKind, source string, seq int64) (ok bool, err error)
	// Claim takes over the lease of the source's unacknowledged pending seq when it ran out
	// by now, setting it to until; ok says this call has it.
	Claim(ctx context.Context, kind SourceKind, source string, seq int64, now, until time.Time) (ok bool, err error)
	// Prune removes source's guards of number seq or earlier from the changes' aggregates
	// (once the source acknowledged them).
	Prune(ctx context.Context, source string, seq int64, changes []Change) error
	// Read returns the counts of each target (absent targets have none).
	Read(ctx context.Context, targets []Target) (map[Target]Counts, error)

	// Subject returns one subject; ok is false when there is none.
	Subject(ctx context.Context, id string) (s Subject, ok bool, err error)
	// Subjects returns the subjects among ids that exist.
	Subjects(ctx context.Context, ids []string) ([]Subject, error)
	// SaveSubject writes s if the stored version is prev (absent for prev 0); ErrConflict
	// otherwise.
	SaveSubject(ctx context.Context, s Subject, prev int64) error
	// Touch makes the subjects due at at (creating those that do not exist, in programmeID
	// when it is known), moving their version on so that an evaluation running meanwhile
	// does not overwrite the touch.
	Touch(ctx context.Context, ids []string, programmeID string, at time.Time) error
	// Due returns up to limit IDs of subjects due by now, from the due index, however long
	// since the last sweep (or since the first subject fell due, before any), and how far
	// through time they go: every subject due before through is among ids (through is now
	// when ids are all that is due).
	Due(ctx context.Context, now time.Time, limit int) (ids []string, through time.Time, err error)
	// Swept records that every subject due before through was evaluated: the next Due starts
	// there (give or take a margin for writes in flight).
	Swept(ctx context.Context, through time.Time) error
	// AtRisk lists a programme's subjects at risk, earliest Since first, after the cursor.
	AtRisk(ctx context.Context, programmeID string, kind SubjectKind, after *Cursor, limit int) ([]Subject, error)
	// SubjectsNaming lists the IDs of the subjects that name userID anywhere (an erasure's
	// look-up: it may read every subject).
	SubjectsNaming(ctx context.Context, userID string) ([]string, error)
	// LearnersOf lists the keys of userID's learners, in every programme.
	LearnersOf(ctx context.Context, userID string) ([]string, error)
	// ProgrammeSubjects lists the IDs of every subject of a programme (one read, whatever
	// their number).
	ProgrammeSubjects(ctx context.Context, programmeID string) ([]string, error)

	// Settings returns a programme's thresholds; ok is false when none are saved.
	Settings(ctx context.Context, programmeID string) (s Settings, ok bool, err error)
	// PutSettings saves a programme's thresholds.
	PutSettings(ctx context.Context, s Settings) error

	// Rebuild is the state of a rebuild from the logs (Rebuilding false when none runs).
	Rebuild(ctx context.Context) (RebuildState, error)
	// SetRebuild records the state of a rebuild.
	SetRebuild(ctx context.Context, r RebuildState) error
	// Hold keeps an event that arrived during a rebuild (a repeat is a no-op).
	Hold(ctx context.Context, e learning.Event) error
	// Held returns up to limit held events; Release forgets them.
	Held(ctx context.Context, limit int) ([]learning.Event, error)
	Release(ctx context.Context, ids []string) error
	// ResetLearning deletes every learner and learning aggregate (a rebuild's first write).
	ResetLearning(ctx context.Context) error
	// ResetCounts deletes the programme counts that subjects feed (people, pairs).
	ResetCounts(ctx context.Context) error
	// EachSubject calls fn with every subject, in no particular order, reading each once
	// (recompute).
	EachSubject(ctx context.Context, fn func(Subject) error) error
	// PutLearners writes a rebuild's learners, replacing what is there.
	PutLearners(ctx context.Context, ls []Learner) error
	// PutAggregates writes a rebuild's aggregates in bulk, as if each source's changes had
	// been applied with its number, into aggregates ResetLearning emptied.
	PutAggregates(ctx context.Context, cs []Contribution) error
}

// Contribution is everything one source adds to the aggregates, up to its number Seq. Seq 0
// leaves no guard (the source has no pending changes that could be applied again).
type Contribution struct {
	Source  string
	Seq     int64
	Changes []Change
}

// Cursor is a position in the at-risk list (Since, then ID).
type Cursor struct {
	At time.Time
	ID string
}

// RebuildState says whether the learning aggregates are being rebuilt from the logs.
// StartedAt is on the reports' clock; BeatAt, the rebuilding process's last sign of life,
// on the wall clock (it coordinates processes, like the leases).
type RebuildState struct {
	Rebuilding bool
	StartedAt  time.Time
	BeatAt     time.Time
}

// Stalled reports whether a rebuild is recorded whose process has given no sign of life for
// rebuildStale by the wall clock now: it died (killed, or its machine lost) half-way.
func (r RebuildState) Stalled(now time.Time) bool {
	return r.Rebuilding && !r.BeatAt.IsZero() && now.Sub(r.BeatAt) > rebuildStale
}

// MemberStream is what a Programmes may also offer: a programme's members in one read,
// however many there are. Recompute uses it when offered (MembersPage otherwise).
type MemberStream interface {
	// EachMember calls fn with the user ID of every member of programmeID, each once, in
	// any order; fn's error stops it and is returned.
	EachMember(ctx context.Context, programmeID string, fn func(userID string) error) error
}

// PairingStream is what a Pairings may also offer: a programme's pairings in one read,
// however many there are. Recompute uses it when offered (PairingsPage otherwise).
type PairingStream interface {
	// EachPairingID calls fn with the ID of every pairing of programmeID (any status), each
	// once, in any order; fn's error stops it and is returned.
	EachPairingID(ctx context.Context, programmeID string, fn func(pairingID string) error) error
}
