package insight

import (
	"sort"
	"strconv"
	"time"

	"github.com/microlearn/microlearn/learning"
)

// changes collects the counts an event adds to each aggregate.
type changes struct {
	programmeID string
	order       []Target
	m           map[Target]Counts
}

func newChanges(programmeID string) *changes {
	return &changes{programmeID: programmeID, m: map[Target]Counts{}}
}

func (c *changes) add(t Target, path string, n int64) {
	if n == 0 || !SafePath(path) {
		return
	}
	cs, ok := c.m[t]
	if !ok {
		cs = Counts{}
		c.m[t] = cs
		c.order = append(c.order, t)
	}
	cs.Add(path, n)
}

func (c *changes) list() []Change {
	out := make([]Change, 0, len(c.order))
	for _, t := range c.order {
		cs := Counts{}
		for k, v := range c.m[t] {
			cs.Add(k, v)
		}
		if len(cs) > 0 {
			out = append(out, Change{Target: t, Counts: cs})
		}
	}
	return out
}

// itemKind reports whether e names a content item (and so has a per-item aggregate).
func itemKind(e learning.Event) bool {
	switch e.ItemKind {
	case learning.KindLesson, learning.KindQuiz, learning.KindChecklist, learning.KindPath:
		return e.ItemID != ""
	}
	return false
}

// completes reports whether e completes its content item.
func completes(e learning.Event) bool {
	switch e.Kind {
	case learning.LessonCompleted, learning.ChecklistCompleted, learning.PathCompleted:
		return true
	case learning.QuizAttempted:
		return e.Passed
	}
	return false
}

func domainOf(e learning.Event) string {
	if e.Domain == "" || !learning.ValidDomain(e.Domain) {
		return "none"
	}
	return e.Domain
}

// minutes is the whole minutes of a number of seconds.
func minutes(sec int64) int64 { return sec / 60 }

// applyWeek counts e in its week: the person active (once, under their role), their minutes
// in the histogram, first completions by kind and domain, quiz attempts, assignments.
func (n *Learner) applyWeek(c *changes, e learning.Event, week, role string) {
	t := Target{Kind: TargetWeek, ProgrammeID: n.ProgrammeID, Key: week}
	sec := int64(max(e.SecondsSpent, 0))
	prev, known := n.Weeks[week]
	// A week the learner no longer keeps cannot say whether the person was counted in it
	// already: such a late event adds its sums only.
	tooOld := !known && week < AddDays(n.latestWeek(), -7*keptWeeks)
	if !tooOld {
		if known {
			c.add(t, "n."+prev.Role, -1)
			c.add(t, "h."+prev.Role+".m"+strconv.FormatInt(minutes(prev.Seconds), 10), -1)
			c.add(t, "sec."+prev.Role, -prev.Seconds)
		}
		next := LearnerWeek{Role: role, Seconds: prev.Seconds + sec}
		c.add(t, "n."+role, 1)
		c.add(t, "h."+role+".m"+strconv.FormatInt(minutes(next.Seconds), 10), 1)
		c.add(t, "sec."+role, next.Seconds)
		n.Weeks[week] = next
	} else {
		c.add(t, "sec."+role, sec)
	}
	c.add(t, "e."+string(e.Kind), 1)
	if itemKind(e) {
		c.add(t, "d."+domainOf(e)+".sec", sec)
		if completes(e) && !n.Items[e.ItemID].Done {
			c.add(t, "c."+e.ItemKind, 1)
			c.add(t, "d."+domainOf(e)+".c", 1)
		}
	}
	if e.Kind == learning.QuizAttempted {
		c.add(t, "q.attempts", 1)
		if e.Passed {
			c.add(t, "q.passed", 1)
		}
	}
	if e.Kind == learning.AssignmentCompleted {
		c.add(t, "c.assignment", 1)
		c.add(t, onTimePath(e), 1)
	}
}

func onTimePath(e learning.Event) string {
	if e.OnTime {
		return "a.ontime"
	}
	return "a.late"
}

// Item time is counted in buckets of 10 seconds up to an hour, then of 5 minutes.
func timeBucket(sec int64) int {
	if sec < 3600 {
		return int(sec / 10)
	}
	return min(360+int((sec-3600)/300), 1000)
}

// BucketSeconds is the middle of a time bucket, in seconds.
func BucketSeconds(b int) float64 {
	if b < 360 {
		return float64(b*10) + 5
	}
	return 3600 + float64((b-360)*300) + 150
}

// applyItem counts e for its content item: reach (first event), completion (first), the
// completers' time, quiz attempts and each question's answers.
func (n *Learner) applyItem(c *changes, e learning.Event) {
	if !itemKind(e) {
		return
	}
	t := Target{Kind: TargetItem, ProgrammeID: n.ProgrammeID, Key: e.ItemID}
	prev, known := n.Items[e.ItemID]
	next := prev
	next.Seconds += int64(max(e.SecondsSpent, 0))
	if !known {
		c.add(t, "reach", 1)
		next.Bucket = -1
	}
	c.add(t, "sec", int64(max(e.SecondsSpent, 0)))
	if completes(e) && !prev.Done {
		next.Done = true
		c.add(t, "done", 1)
	}
	if next.Done {
		b := timeBucket(next.Seconds)
		if known && prev.Done && prev.Bucket >= 0 {
			c.add(t, "h.b"+strconv.Itoa(prev.Bucket), -1)
		}
		c.add(t, "h.b"+strconv.Itoa(b), 1)
		next.Bucket = b
	}
	if e.Kind == learning.QuizAttempted {
		applyAttempt(c, t, e)
	}
	n.Items[e.ItemID] = next
}

func applyAttempt(c *changes, t Target, e learning.Event) {
	c.add(t, "att", 1)
	if e.Passed {
		c.add(t, "pass", 1)
	}
	if e.Attempt == 1 {
		c.add(t, "first.att", 1)
		if e.Passed {
			c.add(t, "first.pass", 1)
		}
	}
	for _, q := range e.Questions {
		c.add(t, "q."+q.Key+".n", 1)
		if q.Correct {
			c.add(t, "q."+q.Key+".ok", 1)
		}
	}
}

// applyTotals counts e in the programme's all-time totals.
func applyTotals(c *changes, e learning.Event) {
	t := Target{Kind: TargetTotal, ProgrammeID: c.programmeID}
	c.add(t, "e."+string(e.Kind), 1)
	if e.Kind == learning.AssignmentCompleted {
		c.add(t, onTimePath(e), 1)
	}
}

// pairingTouches names the subjects an event's mentoring act changes.
func pairingTouches(e learning.Event) []string {
	var out []string
	switch e.Kind {
	case learning.AssignmentCompleted:
		out = append(out, PersonSubject(e.ProgrammeID, e.UserID))
	case learning.MeetingConfirmed, learning.CadenceKept, learning.GoalAchieved, learning.ReflectionWritten:
	default:
		return nil
	}
	if e.PairingID != "" {
		out = append(out, PairingSubject(e.PairingID))
	}
	return out
}

// latestWeek is the latest week the learner keeps ("" for none).
func (n *Learner) latestWeek() string {
	latest := ""
	for w := range n.Weeks {
		latest = max(latest, w)
	}
	return latest
}

// trim forgets events older than the retention, and weeks more than keptWeeks before the
// latest (late events are at most 30 days old: content refuses older ones).
func (n *Learner) trim(now time.Time) {
	i := 0
	for i < len(n.Seen) && (n.Seen[i].At.Before(now.Add(-seenRetention)) || len(n.Seen)-i > seenMax) {
		i++
	}
	n.Seen = n.Seen[i:]
	if len(n.Weeks) <= keptWeeks+2 {
		return
	}
	weeks := make([]string, 0, len(n.Weeks))
	for w := range n.Weeks {
		weeks = append(weeks, w)
	}
	sort.Strings(weeks)
	oldest := AddDays(n.latestWeek(), -7*keptWeeks)
	for _, w := range weeks {
		if w < oldest {
			delete(n.Weeks, w)
		}
	}
}
