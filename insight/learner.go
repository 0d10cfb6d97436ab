package insight

import (
	"slices"
	"time"

	"github.com/microlearn/microlearn/learning"
)

// Target names an aggregate: Kind and, for weekly and per-item aggregates, Key (the week's
// Monday, the item ID). The store spreads each aggregate over a few documents by source so
// that no document holds more than a slice of a large programme.
type Target struct {
	Kind        TargetKind
	ProgrammeID string
	Key         string
}

// TargetKind is what an aggregate counts.
type TargetKind string

// The aggregates.
const (
	TargetWeek   TargetKind = "week"   // a programme week: completions, minutes, active people
	TargetItem   TargetKind = "item"   // a content item: reach, completions, time, questions
	TargetLast   TargetKind = "last"   // people by the day they were last active
	TargetTotal  TargetKind = "total"  // all-time completions, assignments on time and late
	TargetPeople TargetKind = "people" // members by role, open and overdue assignments
	TargetPairs  TargetKind = "pairs"  // pairings by status and type, cadence
)

// Change is what one source adds to one aggregate.
type Change struct {
	Target Target
	Counts Counts
}

// Pending is the changes of a source's latest write, numbered by the source's version: the
// store applies them to each aggregate at most once (an aggregate remembers the latest
// number it took from the source until the source acknowledges them), so they can be
// applied again after a crash (settle.go).
type Pending struct {
	Seq     int64
	Changes []Change
	// Acked says the changes are applied everywhere and their guards may go: nobody applies
	// them again.
	Acked bool
}

// SeenEvent is a learning event a learner has taken in.
type SeenEvent struct {
	ID string
	At time.Time
}

// LearnerWeek is what one person did in one programme week, as counted in the week's
// aggregate: under which role, and how many seconds.
type LearnerWeek struct {
	Role    string
	Seconds int64
}

// LearnerItem is what one person did on one content item, as counted in its aggregate.
type LearnerItem struct {
	Done    bool
	Seconds int64
	// Bucket is the time bucket the person counts in among those who completed the item.
	Bucket int
}

// Learner is everything the reports keep of one person's learning in one programme. It is
// one document, changed only by Apply and written with a compare-and-swap on Version.
type Learner struct {
	ProgrammeID string
	UserID      string
	Version     int64
	LastActive  time.Time
	LastDay     string // programme-local date of LastActive
	LastRole    string // the role LastDay is counted under
	Weeks       map[string]LearnerWeek
	Items       map[string]LearnerItem
	Seen        []SeenEvent
	Pending     *Pending
	// Lease is until when the writer of an unacknowledged Pending settles it alone.
	Lease time.Time
	// Applied (kept in memory only) says Pending is known to be applied everywhere.
	Applied bool
}

// Key is the learner's document key.
func (l Learner) Key() string { return LearnerKey(l.ProgrammeID, l.UserID) }

// LearnerKey names the learner of userID in programmeID.
func LearnerKey(programmeID, userID string) string { return programmeID + ":" + userID }

// Has reports whether the learner took in event id already.
func (l Learner) Has(id string) bool {
	return slices.ContainsFunc(l.Seen, func(s SeenEvent) bool { return s.ID == id })
}

// How long a learner remembers events and weeks.
const (
	seenRetention = 8 * 24 * time.Hour
	seenMax       = 1500
	keptWeeks     = 12
)

// Role names a person without a role (no longer a member).
const RoleNone = "none"

// Step is what taking in one event did: the learner afterwards and the subjects to look at
// again (a mentee who became active, a pairing whose record moved).
type Step struct {
	Learner Learner
	Touch   []string
}

// Apply takes event e (of the learner's programme and person) in: the learner's new state,
// with the changes to the aggregates as its Pending, numbered Version+1. role is the person's
// role now, loc the programme's zone.
func (l Learner) Apply(e learning.Event, role string, loc *time.Location, now time.Time) Step {
	n := l.clone()
	n.Version++
	n.Applied = false
	c := newChanges(l.ProgrammeID)
	day, week := Day(e.OccurredAt, loc), Week(e.OccurredAt, loc)
	touch := n.applyDay(c, e, day, role)
	n.applyWeek(c, e, week, role)
	n.applyItem(c, e)
	applyTotals(c, e)
	touch = append(touch, pairingTouches(e)...)
	n.Seen = append(n.Seen, SeenEvent{ID: e.ID, At: now})
	n.trim(now)
	n.Pending = newPending(n.Version, c.list())
	return Step{Learner: n, Touch: touch}
}

func (l Learner) clone() Learner {
	n := l
	n.Weeks = make(map[string]LearnerWeek, len(l.Weeks)+1)
	for k, v := range l.Weeks {
		n.Weeks[k] = v
	}
	n.Items = make(map[string]LearnerItem, len(l.Items)+1)
	for k, v := range l.Items {
		n.Items[k] = v
	}
	n.Seen = slices.Clone(l.Seen)
	return n
}

// applyDay moves the person's last active day forward (people by last active day).
func (n *Learner) applyDay(c *changes, e learning.Event, day, role string) []string {
	if !e.OccurredAt.After(n.LastActive) {
		return nil
	}
	n.LastActive = e.OccurredAt
	if day == n.LastDay && role == n.LastRole {
		return nil
	}
	last := Target{Kind: TargetLast, ProgrammeID: n.ProgrammeID}
	if n.LastDay != "" {
		c.add(last, "d."+n.LastRole+".d"+n.LastDay, -1)
	}
	c.add(last, "d."+role+".d"+day, 1)
	n.LastDay, n.LastRole = day, role
	return []string{PersonSubject(n.ProgrammeID, n.UserID)}
}
