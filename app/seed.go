package app

import (
	"context"
	"fmt"
	"time"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
	"github.com/microlearn/microlearn/notify"
)

// SeedMentoring writes, in bulk, active pairings an owner confirmed and their assignments as
// the product leaves them, for building large data sets (bench/scale): what CreatePairing
// writes (the pairing and its guards, numbered within each mentor's capacity as read from
// their profile), the meeting-due entry the record adds on activation, the assignment copies
// Assign writes and the report subjects the watched stores touch (each pairing, each copy's
// mentee). It returns the assignment_received notifications Assign hands to notify, for the
// caller to enqueue with a.Notify.EnqueueAll (at most 1,000 at a time: notify's inbox check
// is an _id $in, searched by the index only up to 1,000 values) at the pace it chooses: the
// product enqueues them one assignment at a time, and the notify worker's claim reads the
// whole outbox on the embedded engine, so a burst costs it the square of its size. The
// mentors must hold no pairings yet (mentoringdb.SeedPairings). The product makes each with
// CreatePairing and Assign, one request each.
func (a *App) SeedMentoring(ctx context.Context, ps []mentoring.Pairing, as []mentoring.MenteeAssignment) ([]notify.Notification, error) {
	store := mentoringdb.New(a.DB.DB)
	capacity := map[string]int{}
	var due []mentoring.CadenceDue
	touched := map[string][]string{} // programme -> subjects
	zones := map[string]*time.Location{}
	for _, p := range ps {
		if _, ok := capacity[p.MentorID]; !ok && !p.Type.PeerRoles() {
			prof, err := a.Mentoring.Store.Profile(ctx, p.ProgrammeID, p.MentorID)
			if err != nil {
				return nil, fmt.Errorf("seed pairings: mentor %s: %w", p.MentorID, err)
			}
			capacity[p.MentorID] = prof.Capacity
		}
		loc, ok := zones[p.ProgrammeID]
		if !ok {
			var err error
			if loc, err = a.Mentoring.Directory.ProgrammeLocation(ctx, p.ProgrammeID); err != nil {
				return nil, fmt.Errorf("seed pairings: %w", err)
			}
			zones[p.ProgrammeID] = loc
		}
		if d, ok := mentoring.FirstCadenceDue(p, a.Now().UTC(), loc); ok {
			due = append(due, d)
		}
		touched[p.ProgrammeID] = append(touched[p.ProgrammeID], insight.PairingSubject(p.ID))
	}
	if err := store.SeedPairings(ctx, ps, capacity, due); err != nil {
		return nil, err
	}
	if err := store.SeedAssignments(ctx, as); err != nil {
		return nil, err
	}
	var ns []notify.Notification
	for _, c := range as {
		touched[c.ProgrammeID] = append(touched[c.ProgrammeID], insight.PersonSubject(c.ProgrammeID, c.MenteeID))
		ns = append(ns, notify.AssignmentReceivedNotification(toNotifyAssignment(c)))
	}
	for pid, ids := range touched {
		if err := a.Touches.Touch(ctx, pid, ids...); err != nil {
			return nil, fmt.Errorf("seed mentoring: %w", err)
		}
	}
	return ns, nil
}

// SeedRegistered does for accounts written in bulk (identitydb.SeedUsers) what a registration
// does after it stores the account (profileChanged): the reminder scheduler tracks their
// learning slots and streak time, here in one read and a few writes per 1,000 people
// (notify.Scheduler.TrackNew). Gamification's part of a profile change writes nothing for
// someone who has no player yet (it renames their players and board entries), so it is not
// repeated here; their players are seeded with their names (gamificationdb.SeedPlayers).
func (a *App) SeedRegistered(ctx context.Context, userIDs []string) error {
	if a.scheduler == nil {
		return nil
	}
	return a.scheduler.TrackNew(ctx, userIDs)
}
