package notify

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Meeting is a planned mentoring meeting, as the reminder scheduler sees it.
type Meeting struct {
	ID           string
	ProgrammeID  string
	PairingID    string
	Participants []string
	StartAt      time.Time
	Format       string
}

// Meetings tells the notification service about planned meetings. Mentoring implements it.
type Meetings interface {
	// PlannedBetween lists planned meetings starting in [from, to).
	PlannedBetween(ctx context.Context, from, to time.Time) ([]Meeting, error)
	// StillPlanned reports whether the meeting is still planned to start at startAt (false,
	// nil once it moved, was cancelled or is gone).
	StillPlanned(ctx context.Context, meetingID string, startAt time.Time) (bool, error)
}

// MeetingReminderBefore is how long before a planned meeting its participants are reminded.
const MeetingReminderBefore = time.Hour

// planMeetings enqueues a reminder to every participant of each planned meeting whose
// reminder time falls in [now, end). It expires when the meeting starts, so quiet hours
// that last past the start drop it; a rescheduled meeting gets a new one (the start is in
// the key) and the sender withholds the old.
func (s *Scheduler) planMeetings(ctx context.Context, now, end time.Time) error {
	ms, err := s.Meetings.PlannedBetween(ctx, now.Add(MeetingReminderBefore), end.Add(MeetingReminderBefore))
	if err != nil {
		return fmt.Errorf("planned meetings: %w", err)
	}
	for _, m := range ms {
		start := strconv.FormatInt(m.StartAt.Unix(), 10)
		for _, u := range m.Participants {
			r, err := s.Recipients.Recipient(ctx, u)
			if err != nil {
				continue // an unknown person gets nothing; the others still do
			}
			at := m.StartAt.Add(-MeetingReminderBefore)
			if err := s.Service.Enqueue(ctx, Notification{DedupKey: key(KindMeetingReminder, m.ID, u, start), UserID: u,
				Kind: KindMeetingReminder, ProgrammeID: m.ProgrammeID, NotBefore: at, ExpiresAt: m.StartAt,
				Refs: map[string]string{"programmeId": m.ProgrammeID, "pairingId": m.PairingID, "meetingId": m.ID, "startAt": start},
				Vars: map[string]string{"time": m.StartAt.In(r.Location()).Format("15:04"), "format": m.Format}}); err != nil {
				return err
			}
		}
	}
	return nil
}

// meetingGone reports why a meeting reminder no longer makes sense, or "".
func (s *Sender) meetingGone(ctx context.Context, refs map[string]string) (string, error) {
	if s.Meetings == nil {
		return "", nil
	}
	sec, err := strconv.ParseInt(refs["startAt"], 10, 64)
	if err != nil {
		return "the reminder names no start", nil
	}
	ok, err := s.Meetings.StillPlanned(ctx, refs["meetingId"], time.Unix(sec, 0))
	if err != nil {
		return "", fmt.Errorf("meetings: %w", err)
	}
	if !ok {
		return "the meeting moved or was cancelled", nil
	}
	return "", nil
}

// MeetingToConfirm tells userID that someone recorded or changed a meeting for them to
// confirm (mentoring); one notification per meeting revision.
func (s *Service) MeetingToConfirm(ctx context.Context, userID, programmeID, pairingID, meetingID string, revision int, by string) error {
	return s.Enqueue(ctx, Notification{DedupKey: key(KindMeetingToConfirm, meetingID, strconv.Itoa(revision), userID), UserID: userID,
		Kind: KindMeetingToConfirm, ProgrammeID: programmeID, Refs: map[string]string{"programmeId": programmeID, "pairingId": pairingID,
			"meetingId": meetingID}, Vars: s.personVar(ctx, by)})
}

// AgreementChanged tells userID that a version of their agreement waits for them.
func (s *Service) AgreementChanged(ctx context.Context, userID, programmeID, pairingID string, version int, by string) error {
	return s.Enqueue(ctx, Notification{DedupKey: key(KindAgreementChanged, pairingID, strconv.Itoa(version), userID), UserID: userID,
		Kind: KindAgreementChanged, ProgrammeID: programmeID, Refs: map[string]string{"programmeId": programmeID, "pairingId": pairingID,
			"version": strconv.Itoa(version)}, Vars: s.personVar(ctx, by)})
}

// AgreementAcknowledged tells userID that the other side acknowledged their change.
func (s *Service) AgreementAcknowledged(ctx context.Context, userID, programmeID, pairingID string, version int, by string) error {
	return s.Enqueue(ctx, Notification{DedupKey: key(KindAgreementAcknowledged, pairingID, strconv.Itoa(version), userID), UserID: userID,
		Kind: KindAgreementAcknowledged, ProgrammeID: programmeID, Refs: map[string]string{"programmeId": programmeID, "pairingId": pairingID,
			"version": strconv.Itoa(version)}, Vars: s.personVar(ctx, by)})
}

// personVar names a person for a template ({person}), when their name is known.
func (s *Service) personVar(ctx context.Context, userID string) map[string]string {
	vars := map[string]string{}
	if s.Recipients != nil && userID != "" {
		if r, err := s.Recipients.Recipient(ctx, userID); err == nil && r.DisplayName != "" {
			vars["person"] = r.DisplayName
		}
	}
	return vars
}
