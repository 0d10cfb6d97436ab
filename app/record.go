package app

import (
	"context"
	"fmt"
	"time"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
	"github.com/microlearn/microlearn/notify"
)

// newRecord builds the mentoring record (meetings, notes and reflections, goals, agreement
// versions, cadence, calendar feeds) over the mentoring service built before it.
func (a *App) newRecord() *mentoring.Record {
	store := mentoringdb.New(a.DB.DB)
	r := &mentoring.Record{
		Pairings:  a.Mentoring,
		Store:     a.watchRecord(store),
		Feeds:     store,
		Due:       store,
		People:    recordPeople{a.Identity},
		Publisher: a.Learning,
		Notifier:  recordNotifier{a.Notify},
		Now:       a.Now,
		Log:       a.Log.With("component", "mentoring-record"),
	}
	// A pairing that becomes active gets its first "meeting due" instant indexed.
	a.Mentoring.Activated = func(ctx context.Context, p mentoring.Pairing) {
		if err := r.RefreshDue(ctx, p); err != nil {
			r.Log.WarnContext(ctx, "cadence due index", "pairingId", p.ID, "error", err.Error())
		}
	}
	return r
}

// agreementGoalsMarker is set once every agreement's plain goal strings were made goals:
// nothing writes such strings any more (agreements keep goals as SMART goals), so the pass,
// which reads every pairing, runs once per database, not at every start.
const agreementGoalsMarker = "mentoring-agreement-goals-v1"

// migrateAgreementGoals turns every agreement's plain goal strings into goals (idempotent:
// derived IDs, and pairings already migrated hold no strings), once per database.
func (a *App) migrateAgreementGoals(ctx context.Context) error {
	done, err := a.DB.HasMarker(ctx, agreementGoalsMarker)
	if err != nil || done {
		return err
	}
	n := 0
	after := ""
	for {
		ps, err := a.Record.Store.PairingsWithAgreementGoals(ctx, after, 200)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if err := a.Record.MigrateAgreementGoals(ctx, p); err != nil {
				return err
			}
			n++
		}
		if len(ps) < 200 {
			break
		}
		after = ps[len(ps)-1].ID
	}
	if n > 0 {
		a.Log.Info("agreement goals migrated to SMART goals", "pairings", n)
	}
	return a.DB.SetMarker(ctx, agreementGoalsMarker, a.Now())
}

// cadenceDueMarker is set once every active pairing has its entry in the meeting-due index.
const cadenceDueMarker = "mentoring-cadence-due-v1"

// backfillCadenceDue indexes, once, when each active pairing's meeting falls due, for a
// database from before the index (afterwards the record keeps each entry current).
func (a *App) backfillCadenceDue(ctx context.Context) error {
	done, err := a.DB.HasMarker(ctx, cadenceDueMarker)
	if err != nil || done {
		return err
	}
	n, err := a.Record.BackfillDue(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		a.Log.Info("meeting-due index built", "pairings", n)
	}
	return a.DB.SetMarker(ctx, cadenceDueMarker, a.Now())
}

// recordPeople tells the record people's time zones, from identity.
type recordPeople struct{ identity *identity.Service }

func (p recordPeople) Location(ctx context.Context, userID string) (*time.Location, error) {
	u, err := p.identity.User(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("person %s: %w", userID, err)
	}
	return u.Location(), nil
}

// recordNotifier tells people about the record's acts through the notification outbox.
type recordNotifier struct{ n *notify.Service }

func (r recordNotifier) MeetingToConfirm(ctx context.Context, userID string, m mentoring.Meeting) error {
	return r.n.MeetingToConfirm(ctx, userID, m.ProgrammeID, m.PairingID, m.ID, m.Revision, m.UpdatedBy)
}

func (r recordNotifier) AgreementChanged(ctx context.Context, userID string, v mentoring.AgreementVersion) error {
	return r.n.AgreementChanged(ctx, userID, v.ProgrammeID, v.PairingID, v.Version, v.By)
}

func (r recordNotifier) AgreementAcknowledged(ctx context.Context, userID string, v mentoring.AgreementVersion) error {
	by := ""
	if len(v.Acks) > 0 {
		by = v.Acks[len(v.Acks)-1].UserID
	}
	return r.n.AgreementAcknowledged(ctx, userID, v.ProgrammeID, v.PairingID, v.Version, by)
}

// meetingsForNotify lets the reminder scheduler ask the record about planned meetings.
type meetingsForNotify struct{ r *mentoring.Record }

func (s meetingsForNotify) PlannedBetween(ctx context.Context, from, to time.Time) ([]notify.Meeting, error) {
	ms, err := s.r.PlannedBetween(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]notify.Meeting, len(ms))
	for i, m := range ms {
		out[i] = notify.Meeting{ID: m.ID, ProgrammeID: m.ProgrammeID, PairingID: m.PairingID, Participants: m.Participants,
			StartAt: m.StartAt, Format: string(m.Format)}
	}
	return out, nil
}

func (s meetingsForNotify) StillPlanned(ctx context.Context, id string, startAt time.Time) (bool, error) {
	return s.r.MeetingPlanned(ctx, id, startAt)
}

// cadencesForNotify lets the scheduler and the sender ask the record which pairings are due
// for a meeting.
type cadencesForNotify struct{ r *mentoring.Record }

func (c cadencesForNotify) DueBetween(ctx context.Context, from, to time.Time) ([]notify.MeetingDue, error) {
	ds, err := c.r.MeetingsDueBetween(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]notify.MeetingDue, len(ds))
	for i, d := range ds {
		out[i] = notify.MeetingDue{PairingID: d.PairingID, ProgrammeID: d.ProgrammeID, MentorID: d.MentorID, MenteeIDs: d.MenteeIDs,
			Frequency: string(d.Frequency), DueAt: d.DueAt}
	}
	return out, nil
}

func (c cadencesForNotify) Nudged(ctx context.Context, pairingID string, dueAt time.Time) error {
	return c.r.MarkDueNudged(ctx, pairingID, dueAt)
}

func (c cadencesForNotify) StillDue(ctx context.Context, pairingID string, dueAt time.Time) (bool, error) {
	return c.r.StillDue(ctx, pairingID, dueAt)
}
