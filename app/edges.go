package app

import (
	"context"
	"time"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/learning"

	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/notify"
)

// The adapters below let one domain use another through the small interface it declares;
// wire (app.go) hands them to the services it builds. Nothing here holds business rules; it
// only converts types.

// mentoringNotifier tells people about assignments through the notification outbox.
type mentoringNotifier struct{ n *notify.Service }

func toNotifyAssignment(m mentoring.MenteeAssignment) notify.Assignment {
	return notify.Assignment{ID: m.ID, ProgrammeID: m.ProgrammeID, MenteeID: m.MenteeID, MentorID: m.MentorID,
		Title: m.Title, DueAt: m.DueAt}
}

func (m mentoringNotifier) AssignmentReceived(ctx context.Context, a mentoring.MenteeAssignment) error {
	return m.n.AssignmentReceived(ctx, toNotifyAssignment(a))
}

func (m mentoringNotifier) AssignmentCompleted(ctx context.Context, a mentoring.MenteeAssignment) error {
	return m.n.AssignmentCompleted(ctx, toNotifyAssignment(a))
}

// assignmentsForNotify lets the reminder scheduler ask mentoring about due assignments.
type assignmentsForNotify struct{ m *mentoring.Service }

func (s assignmentsForNotify) OpenDueBetween(ctx context.Context, from, to time.Time) ([]notify.Assignment, error) {
	as, err := s.m.DueBetween(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]notify.Assignment, len(as))
	for i, a := range as {
		out[i] = toNotifyAssignment(a)
	}
	return out, nil
}

func (s assignmentsForNotify) Open(ctx context.Context, id string) (bool, error) {
	return s.m.AssignmentOpen(ctx, id)
}

// goalsForNotify tells the reminder scheduler whether today's goal is met and how long the
// streak is, from gamification's players.
type goalsForNotify struct{ g *gamification.Service }

func (s goalsForNotify) DayStatus(ctx context.Context, userID, day string) (notify.DayStatus, error) {
	met, streak, err := s.g.DayStatus(ctx, userID, day)
	return notify.DayStatus{GoalMet: met, Streak: streak}, err
}

// catalogForGamification gives gamification's progress bars their totals from content.
type catalogForGamification struct{ c *content.Service }

func (s catalogForGamification) PathsContaining(ctx context.Context, programmeID string, item learning.ItemRef) ([]gamification.Container, error) {
	ps, err := s.c.PathsContaining(ctx, programmeID, item)
	if err != nil {
		return nil, err
	}
	out := make([]gamification.Container, len(ps))
	for i, p := range ps {
		out[i] = gamification.Container{Kind: learning.KindPath, ID: p.ID, Items: p.Path.Items}
	}
	return out, nil
}

func (s catalogForGamification) LibrarySize(ctx context.Context, programmeID string) (int, error) {
	return s.c.LibrarySize(ctx, programmeID)
}

func (s catalogForGamification) Paths(ctx context.Context, programmeID string) ([]gamification.Container, error) {
	ps, err := s.c.PublishedPaths(ctx, programmeID)
	if err != nil {
		return nil, err
	}
	out := make([]gamification.Container, len(ps))
	for i, p := range ps {
		out[i] = gamification.Container{Kind: learning.KindPath, ID: p.ID, Items: p.Path.Items}
	}
	return out, nil
}

// pairingsForGamification gives gamification the assignments and pairings from mentoring.
type pairingsForGamification struct{ m *mentoring.Service }

func (s pairingsForGamification) AssignmentsContaining(ctx context.Context, programmeID, userID string, item learning.ItemRef) ([]gamification.Container, error) {
	as, err := s.m.AssignmentsContaining(ctx, programmeID, userID, item)
	if err != nil {
		return nil, err
	}
	out := make([]gamification.Container, len(as))
	for i, a := range as {
		refs := make([]learning.ItemRef, len(a.Items))
		for j, it := range a.Items {
			refs[j] = it.Ref
		}
		out[i] = gamification.Container{Kind: "assignment", ID: a.AssignmentID, Items: refs, PairingID: a.PairingID}
	}
	return out, nil
}

func (s pairingsForGamification) Pairing(ctx context.Context, pairingID string) (gamification.Pairing, error) {
	p, ids, err := s.m.PairingWithAssignments(ctx, pairingID)
	if err != nil {
		return gamification.Pairing{}, err
	}
	return gamification.Pairing{ID: p.ID, ProgrammeID: p.ProgrammeID,
		Members: append([]string{p.MentorID}, p.MenteeIDs...), AssignmentIDs: ids}, nil
}

// gamificationNotifier sends award news through the notification outbox; the notice key
// makes a repeated notice (gamification notifies at least once) enqueue once.
type gamificationNotifier struct{ n *notify.Service }

// NotifyAll enqueues a batch's level-ups and badges with one outbox insert (and, for
// notices of retried events, one check against notifications already finished).
func (s gamificationNotifier) NotifyAll(ctx context.Context, levels []gamification.LevelNotice, badges []gamification.BadgeNotice) error {
	ns := make([]notify.Notification, 0, len(levels)+len(badges))
	for _, l := range levels {
		n := notify.LevelUpNotification(l.UserID, l.ProgrammeID, l.Level)
		n.FreshUntil = l.FreshUntil
		ns = append(ns, n)
	}
	for _, b := range badges {
		n := notify.BadgeEarnedNotification(b.UserID, b.ProgrammeID, b.Badge.ID, b.Badge.Name)
		n.FreshUntil = b.FreshUntil
		ns = append(ns, n)
	}
	return s.n.EnqueueAll(ctx, ns)
}

func (s gamificationNotifier) PrizeWon(ctx context.Context, p gamification.PrizeNotice) error {
	return s.n.PrizeWon(ctx, p.UserID, p.ProgrammeID, p.Prize.ID, p.Prize.Name, p.Winner.ID)
}
