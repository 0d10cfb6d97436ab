package mentoring

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/microlearn/microlearn/learning"
)

// MenteeOverview is one mentee as their mentor sees them across the pairings they share in one
// programme: the pairings, assignments open and overdue, the quizzes assigned and the next
// planned meeting. Gamification adds last activity, streak and XP (the API joins them).
type MenteeOverview struct {
	MenteeID    string
	ProgrammeID string
	Pairings    []Pairing
	Open        int
	Overdue     int
	Completed   int
	// Quizzes are the quizzes assigned to the mentee (each once), in assignment order.
	Quizzes     []AssignedItem
	NextMeeting *MeetingRef
}

// MeetingRef is when a planned meeting starts.
type MeetingRef struct {
	ID        string
	PairingID string
	StartAt   time.Time
	Timezone  string
}

// MyMentees lists every mentee userID mentors in a live pairing, in any programme (and in
// mutual pairings the partner, whom the caller mentors too). Its cost is a fixed number of
// reads whatever the number of mentees: the caller's pairings, their assignments and their
// next meetings, each one query over the caller's own pairings.
func (s *Service) MyMentees(ctx context.Context, userID string) ([]MenteeOverview, error) {
	ps, err := s.Store.LivePairingsOf(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("my mentees: %w", err)
	}
	if len(ps) == 0 {
		return []MenteeOverview{}, nil
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	as, err := s.Store.AssignmentsOfPairings(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("my mentees: %w", err)
	}
	now := s.now()
	next, err := s.Store.NextMeetings(ctx, ids, now)
	if err != nil {
		return nil, fmt.Errorf("my mentees: %w", err)
	}
	return menteeOverviews(userID, ps, as, next, now), nil
}

// menteeOverviews groups what MyMentees read by (programme, mentee).
func menteeOverviews(userID string, ps []Pairing, as []MenteeAssignment, next map[string]MeetingRef, now time.Time) []MenteeOverview {
	byKey := map[[2]string]*MenteeOverview{}
	var order [][2]string
	get := func(programmeID, menteeID string) *MenteeOverview {
		k := [2]string{programmeID, menteeID}
		if o, ok := byKey[k]; ok {
			return o
		}
		byKey[k] = &MenteeOverview{MenteeID: menteeID, ProgrammeID: programmeID}
		order = append(order, k)
		return byKey[k]
	}
	for _, p := range ps {
		for _, m := range learnersOf(p, userID) {
			o := get(p.ProgrammeID, m)
			o.Pairings = append(o.Pairings, p)
			if n, ok := next[p.ID]; ok && (o.NextMeeting == nil || n.StartAt.Before(o.NextMeeting.StartAt)) {
				o.NextMeeting = &n
			}
		}
	}
	for _, a := range as {
		if a.MentorID != userID {
			continue // in a mutual pairing, what the partner assigned to the caller
		}
		o, ok := byKey[[2]string{a.ProgrammeID, a.MenteeID}]
		if !ok {
			continue
		}
		switch {
		case a.State == AssignmentCompleted:
			o.Completed++
		case a.DueAt.Before(now):
			o.Open++
			o.Overdue++
		default:
			o.Open++
		}
		for _, it := range a.Items {
			if it.Ref.Kind == learning.KindQuiz && !slices.ContainsFunc(o.Quizzes, func(q AssignedItem) bool { return q.Ref == it.Ref }) {
				o.Quizzes = append(o.Quizzes, it)
			}
		}
	}
	out := make([]MenteeOverview, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	slices.SortStableFunc(out, func(a, b MenteeOverview) int {
		return strings.Compare(a.ProgrammeID+"\x00"+a.MenteeID, b.ProgrammeID+"\x00"+b.MenteeID)
	})
	return out
}

// learnersOf are the people userID mentors in p: its mentees, or in a mutual pairing the other side.
func learnersOf(p Pairing, userID string) []string {
	if p.MentorID == userID {
		return p.MenteeIDs
	}
	if p.Type == Mutual && p.HasMentee(userID) {
		return []string{p.MentorID}
	}
	return nil
}
