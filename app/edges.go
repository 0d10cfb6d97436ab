package app

import (
	"context"
	"time"

	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/notify"
)

// connectDomains joins the domains' edges once every domain is wired: each domain declares
// the small interfaces it needs, and the adapters below satisfy them with another domain's
// service. Nothing here holds business rules; it only converts types.
func (a *App) connectDomains() {
	a.Mentoring.Notifier = mentoringNotifier{a.Notify}
	a.NotifyAssignments = assignmentsForNotify{a.Mentoring}
}

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
