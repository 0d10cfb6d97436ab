package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/programme"
)

// The domains' stores, watched for the programme reports: after a write that changes what an
// evaluation reads (a membership, a pairing, an assignment, a meeting, a goal, the agreed
// cadence), the subjects it concerns are touched so that the reports follow within a sweeper
// round. The write is made first and its answer returned as it is; a touch that fails is
// logged (every subject is evaluated again within a day regardless, and `api reports
// recompute` rebuilds everything). Wrapping the stores here keeps the domains unaware of
// the reports.

type toucher struct {
	touches insight.Touches
	log     *slog.Logger
}

func (t toucher) touch(ctx context.Context, programmeID string, ids ...string) {
	if err := t.touches.Touch(context.WithoutCancel(ctx), programmeID, ids...); err != nil {
		t.log.Warn("reports: could not mark subjects for evaluation", "subjects", ids, "error", err.Error())
	}
}

func (a *App) toucher() toucher {
	return toucher{touches: a.Touches, log: a.Log.With("component", "insight")}
}

// watchedProgrammes touches members whose membership changes.
type watchedProgrammes struct {
	programme.Store
	t toucher
}

func (a *App) watchProgrammes(s programme.Store) programme.Store {
	return watchedProgrammes{s, a.toucher()}
}

func (w watchedProgrammes) CreateProgramme(ctx context.Context, p programme.Programme, owner programme.Membership) error {
	err := w.Store.CreateProgramme(ctx, p, owner)
	if err == nil {
		w.t.touch(ctx, p.ID, insight.PersonSubject(p.ID, owner.UserID))
	}
	return err
}

func (w watchedProgrammes) AddMember(ctx context.Context, m programme.Membership) error {
	err := w.Store.AddMember(ctx, m)
	if err == nil {
		w.t.touch(ctx, m.ProgrammeID, insight.PersonSubject(m.ProgrammeID, m.UserID))
	}
	return err
}

func (w watchedProgrammes) SetRole(ctx context.Context, programmeID, userID string, from, to programme.Role) (bool, error) {
	ok, err := w.Store.SetRole(ctx, programmeID, userID, from, to)
	if ok && err == nil {
		w.t.touch(ctx, programmeID, insight.PersonSubject(programmeID, userID))
	}
	return ok, err
}

func (w watchedProgrammes) RemoveMember(ctx context.Context, programmeID, userID string, role programme.Role) (bool, error) {
	ok, err := w.Store.RemoveMember(ctx, programmeID, userID, role)
	if ok && err == nil {
		w.t.touch(ctx, programmeID, insight.PersonSubject(programmeID, userID))
	}
	return ok, err
}

// watchedMentoring touches pairings that start or change status, and mentees given
// assignments.
type watchedMentoring struct {
	mentoring.Store
	t toucher
}

func (a *App) watchMentoring(s mentoring.Store) mentoring.Store {
	return watchedMentoring{s, a.toucher()}
}

func (w watchedMentoring) InsertPairing(ctx context.Context, p mentoring.Pairing) error {
	err := w.Store.InsertPairing(ctx, p)
	if err == nil {
		w.t.touch(ctx, p.ProgrammeID, insight.PairingSubject(p.ID))
	}
	return err
}

func (w watchedMentoring) SetPairingStatus(ctx context.Context, p mentoring.Pairing, from ...mentoring.Status) (mentoring.Pairing, error) {
	out, err := w.Store.SetPairingStatus(ctx, p, from...)
	if err == nil {
		w.t.touch(ctx, out.ProgrammeID, insight.PairingSubject(out.ID))
	}
	return out, err
}

func (w watchedMentoring) InsertAssignments(ctx context.Context, as []mentoring.MenteeAssignment) error {
	err := w.Store.InsertAssignments(ctx, as)
	if err == nil && len(as) > 0 {
		ids := make([]string, len(as))
		for i, x := range as {
			ids[i] = insight.PersonSubject(x.ProgrammeID, x.MenteeID)
		}
		w.t.touch(ctx, as[0].ProgrammeID, ids...)
	}
	return err
}

// watchedRecord touches pairings whose meetings, goals or agreed cadence change.
type watchedRecord struct {
	mentoring.RecordStore
	t toucher
}

func (a *App) watchRecord(s mentoring.RecordStore) mentoring.RecordStore {
	return watchedRecord{s, a.toucher()}
}

func (w watchedRecord) InsertMeeting(ctx context.Context, m mentoring.Meeting, actions []mentoring.Action) error {
	err := w.RecordStore.InsertMeeting(ctx, m, actions)
	if err == nil {
		w.t.touch(ctx, m.ProgrammeID, insight.PairingSubject(m.PairingID))
	}
	return err
}

func (w watchedRecord) UpdateMeeting(ctx context.Context, m mentoring.Meeting, prev int) error {
	err := w.RecordStore.UpdateMeeting(ctx, m, prev)
	if err == nil {
		w.t.touch(ctx, m.ProgrammeID, insight.PairingSubject(m.PairingID))
	}
	return err
}

func (w watchedRecord) InsertGoals(ctx context.Context, gs []mentoring.Goal, history []mentoring.GoalChange) error {
	err := w.RecordStore.InsertGoals(ctx, gs, history)
	if err == nil && len(gs) > 0 {
		w.t.touch(ctx, gs[0].ProgrammeID, insight.PairingSubject(gs[0].PairingID))
	}
	return err
}

func (w watchedRecord) UpdateGoal(ctx context.Context, g mentoring.Goal, prev int, change mentoring.GoalChange) error {
	err := w.RecordStore.UpdateGoal(ctx, g, prev, change)
	if err == nil {
		w.t.touch(ctx, g.ProgrammeID, insight.PairingSubject(g.PairingID))
	}
	return err
}

func (w watchedRecord) SetAgreedAgreement(ctx context.Context, pairingID string, ag mentoring.Agreement, version int, now time.Time) error {
	err := w.RecordStore.SetAgreedAgreement(ctx, pairingID, ag, version, now)
	if err == nil {
		w.t.touch(ctx, "", insight.PairingSubject(pairingID))
	}
	return err
}
