package mentoring

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// MeetingStatus is where a meeting stands.
type MeetingStatus string

// The meeting statuses: planned (in the diary), held (it took place and is logged) and
// cancelled (a planned meeting that will not happen).
const (
	MeetingPlanned   MeetingStatus = "planned"
	MeetingHeld      MeetingStatus = "held"
	MeetingCancelled MeetingStatus = "cancelled"
)

// MeetingFormat is how a meeting happens.
type MeetingFormat string

// The meeting formats.
const (
	FormatInPerson MeetingFormat = "in-person"
	FormatVideo    MeetingFormat = "video"
	FormatPhone    MeetingFormat = "phone"
	FormatChat     MeetingFormat = "chat"
)

// Limits on meetings.
const (
	MaxMeetingMinutes   = 24 * 60
	MaxMeetingTexts     = 20 // objectives, topics
	MaxMeetingTextLen   = 300
	MaxMeetingActions   = 20
	MaxActionTextLen    = 500
	MaxMeetingPlaceLen  = 300
	MaxMeetingsPastDays = 366 // a meeting may be logged up to a year after it happened
	MaxMeetingsAhead    = 2 * 366 * 24 * time.Hour
)

// Meeting is one meeting of a pairing, planned or held. StartAt is the instant; Timezone is
// the zone it was given in (the zone of the person who planned it unless they named one), so
// that it reads back as the local time they meant. Participants are the pairing's members
// when the meeting was made: whose calendars and reminders it is in. Attendees, for a held
// meeting, are those who were there (everyone, unless a group pairing says otherwise).
//
// Either side may plan or log a meeting, and edit it; the other side confirms it. Revision
// counts the edits; a confirmation names the revision it confirms, so an edit made after a
// confirmation is not covered by it. A held meeting confirmed by the other side is CPD
// evidence and is locked; Confirmed says whether the current revision is confirmed.
type Meeting struct {
	ID              string
	ProgrammeID     string
	PairingID       string
	Participants    []string
	Status          MeetingStatus
	StartAt         time.Time
	Timezone        string
	DurationMinutes int
	Format          MeetingFormat
	Place           string
	Objectives      []string
	Topics          []string
	AttendeeIDs     []string
	CreatedBy       string
	UpdatedBy       string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Revision        int
	// Confirmation is the latest confirmation, of Confirmation.Revision.
	Confirmation *Confirmation
}

// Location returns the meeting's zone.
func (m Meeting) Location() *time.Location {
	if loc, err := time.LoadLocation(m.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// StartLocal is the start as a wall-clock time in the meeting's zone.
func (m Meeting) StartLocal() string { return m.StartAt.In(m.Location()).Format("2006-01-02T15:04") }

// EndAt is when the meeting ends.
func (m Meeting) EndAt() time.Time {
	return m.StartAt.Add(time.Duration(m.DurationMinutes) * time.Minute)
}

// Confirmed reports whether the meeting's current revision is confirmed by the other side.
func (m Meeting) Confirmed() bool {
	return m.Confirmation != nil && m.Confirmation.Revision == m.Revision
}

// Evidence reports whether the meeting counts as CPD evidence: held, and confirmed.
func (m Meeting) Evidence() bool { return m.Status == MeetingHeld && m.Confirmed() }

// Confirmation is the other side's word on one revision of a meeting: that they agree to the
// plan, or for a held meeting that it took place as recorded.
type Confirmation struct {
	MeetingID string
	Revision  int
	By        string
	At        time.Time
	Status    MeetingStatus // the status confirmed
}

// MeetingInput is a meeting as a person plans, logs or edits it. In an edit (PATCH) nil
// fields stay as they are.
type MeetingInput struct {
	// Start is a wall-clock time "2026-10-05T14:00" in Timezone (or the person's own zone),
	// or an RFC 3339 time with an offset.
	Start           *string
	Timezone        *string
	DurationMinutes *int
	Format          *string
	Place           *string
	Objectives      []string
	Topics          []string
	AttendeeIDs     []string
	// Status is planned or held (cancelled only in an edit); when creating without one it
	// follows from the start: held when it is past, planned when it is to come.
	Status  *string
	Actions []ActionInput
	// Revision, in an edit, is the revision the person read: a different stored revision
	// is ErrMeetingChanged.
	Revision *int
}

// MeetingView is a meeting with its actions.
type MeetingView struct {
	Meeting
	Actions []Action
}

// PlanMeeting plans (a start to come) or logs (a start past) a meeting of pairing p with its
// actions. actor must be a party of p, and p active or paused. The other side is told there
// is a meeting to confirm.
func (r *Record) PlanMeeting(ctx context.Context, actor Actor, p Pairing, in MeetingInput) (MeetingView, error) {
	if err := writable(actor, p); err != nil {
		return MeetingView{}, err
	}
	now := r.now()
	m := Meeting{ID: newID(), ProgrammeID: p.ProgrammeID, PairingID: p.ID, Participants: p.Members(),
		DurationMinutes: 60, Format: FormatInPerson, CreatedBy: actor.UserID, UpdatedBy: actor.UserID,
		CreatedAt: now, UpdatedAt: now, Revision: 1}
	var f apperr.Fields
	if in.Start == nil {
		f.Add("/start", "is required")
	}
	if in.Revision != nil {
		f.Add("/revision", "only an edit names the revision it read")
	}
	if err := r.applyMeeting(ctx, &f, actor, p, &m, in, true); err != nil {
		return MeetingView{}, err
	}
	actions := r.newActions(ctx, &f, actor, p, m, in.Actions, "/actions")
	if err := f.Err(); err != nil {
		return MeetingView{}, err
	}
	if err := r.Store.InsertMeeting(ctx, m, actions); err != nil {
		return MeetingView{}, fmt.Errorf("plan meeting: %w", err)
	}
	r.tellOtherSide(ctx, p, m)
	r.refreshDueQuietly(ctx, p)
	return MeetingView{Meeting: m, Actions: actions}, nil
}

// applyMeeting validates in and applies it to m (a new meeting when creating).
func (r *Record) applyMeeting(ctx context.Context, f *apperr.Fields, actor Actor, p Pairing, m *Meeting, in MeetingInput, creating bool) error {
	now := r.now()
	if err := r.applyMeetingStart(ctx, f, actor, m, in, now); err != nil {
		return err
	}
	applyMeetingDetails(f, m, in)
	applyMeetingStatus(f, p, m, in, creating, now)
	return nil
}

// applyMeetingStart sets the meeting's zone and start from in, checking the start is a real
// local time within the range a meeting may have.
func (r *Record) applyMeetingStart(ctx context.Context, f *apperr.Fields, actor Actor, m *Meeting, in MeetingInput, now time.Time) error {
	if in.Timezone == nil && in.Start == nil {
		return nil
	}
	tz := m.Timezone
	if in.Timezone != nil {
		tz = *in.Timezone
	}
	loc, err := r.zoneFor(ctx, f, "/timezone", tz, actor.UserID)
	if err != nil {
		return err
	}
	start := m.StartLocal()
	if in.Start != nil {
		start = *in.Start
	}
	at, ok := ParseLocal(start, loc)
	switch {
	case !ok:
		f.Add("/start", "must be a local time YYYY-MM-DDTHH:MM that exists in "+loc.String()+", or an RFC 3339 time with an offset")
	case at.Before(now.AddDate(0, 0, -MaxMeetingsPastDays)):
		f.Add("/start", fmt.Sprintf("must be at most %d days ago", MaxMeetingsPastDays))
	case at.After(now.Add(MaxMeetingsAhead)):
		f.Add("/start", "must be at most two years ahead")
	}
	m.StartAt, m.Timezone = at, loc.String()
	return nil
}

// applyMeetingDetails sets what the meeting is (duration, format, place, objectives, topics,
// attendance) from in, checking each field.
func applyMeetingDetails(f *apperr.Fields, m *Meeting, in MeetingInput) {
	if in.DurationMinutes != nil {
		m.DurationMinutes = *in.DurationMinutes
		f.Check(m.DurationMinutes >= 1 && m.DurationMinutes <= MaxMeetingMinutes, "/durationMinutes",
			fmt.Sprintf("must be 1 to %d minutes (at most a day)", MaxMeetingMinutes))
	}
	if in.Format != nil {
		m.Format = MeetingFormat(*in.Format)
		switch m.Format {
		case FormatInPerson, FormatVideo, FormatPhone, FormatChat:
		default:
			f.Add("/format", "must be in-person, video, phone or chat")
		}
	}
	if in.Place != nil {
		m.Place = text(f, "/place", *in.Place, MaxMeetingPlaceLen, false)
	}
	if in.Objectives != nil {
		m.Objectives = texts(f, "/objectives", in.Objectives, MaxMeetingTexts, MaxMeetingTextLen)
	}
	if in.Topics != nil {
		m.Topics = texts(f, "/topics", in.Topics, MaxMeetingTexts, MaxMeetingTextLen)
	}
	if in.AttendeeIDs != nil {
		m.AttendeeIDs = dedupe(in.AttendeeIDs)
		for i, id := range in.AttendeeIDs {
			f.Check(slices.Contains(m.Participants, id), fmt.Sprintf("/attendeeIds/%d", i), "is not a member of this pairing")
		}
	}
}

// applyMeetingStatus moves the meeting to the status in asks for (a new one is planned or
// held by its start), checking the move is allowed.
func applyMeetingStatus(f *apperr.Fields, p Pairing, m *Meeting, in MeetingInput, creating bool, now time.Time) {
	status := m.Status
	if in.Status != nil {
		status = MeetingStatus(*in.Status)
	} else if creating {
		status = MeetingPlanned
		if !m.StartAt.IsZero() && !m.StartAt.After(now) {
			status = MeetingHeld
		}
	}
	switch status {
	case MeetingPlanned:
		f.Check(m.Status != MeetingHeld, "/status", "a held meeting cannot become planned again")
		f.Check(m.StartAt.IsZero() || m.StartAt.After(now), "/start", "a planned meeting must start in the future")
		f.Check(in.AttendeeIDs == nil, "/attendeeIds", "attendance is recorded when the meeting is held")
	case MeetingHeld:
		f.Check(m.StartAt.IsZero() || !m.StartAt.After(now.Add(5*time.Minute)), "/start", "a held meeting must have started already")
		if len(m.AttendeeIDs) == 0 {
			m.AttendeeIDs = slices.Clone(m.Participants)
		}
		f.Check(attendedBothSides(p, m.AttendeeIDs), "/attendeeIds", "must include the mentor and at least one mentee")
	case MeetingCancelled:
		f.Check(!creating, "/status", "must be planned or held")
		f.Check(m.Status == MeetingPlanned || m.Status == MeetingCancelled, "/status", "only a planned meeting can be cancelled")
	default:
		f.Add("/status", "must be planned, held or cancelled")
	}
	m.Status = status
}

func attendedBothSides(p Pairing, attendees []string) bool {
	mentor, mentee := false, false
	for _, id := range attendees {
		switch SideOf(p, id) {
		case SideMentor:
			mentor = true
		case SideMentee:
			mentee = true
		}
	}
	return mentor && mentee
}

// MeetingOf loads a meeting and its pairing, for the API to authorize on the pairing's
// programme; ErrMeetingNotFound when absent.
func (r *Record) MeetingOf(ctx context.Context, id string) (Meeting, Pairing, error) {
	m, err := r.Store.Meeting(ctx, id)
	if err != nil {
		return Meeting{}, Pairing{}, err
	}
	p, err := r.Pairing(ctx, m.PairingID)
	if err != nil {
		return Meeting{}, Pairing{}, fmt.Errorf("meeting's pairing: %w", err)
	}
	return m, p, nil
}

// MeetingReadable is the one rule on who reaches a meeting, whichever surface asks (the API
// and the console call the methods below, which all apply it): the members of its pairing
// and whoever oversees its programme. Anyone else, and a meeting that is not p's, is told
// the meeting does not exist (ErrMeetingNotFound): not that its pairing does, not that it
// is someone else's.
func MeetingReadable(actor Actor, p Pairing, m Meeting) error {
	if m.PairingID != p.ID || readable(actor, p) != nil {
		return ErrMeetingNotFound
	}
	return nil
}

// meetingWritable is MeetingReadable, then writable: a party of a pairing whose record may
// still change.
func meetingWritable(actor Actor, p Pairing, m Meeting) error {
	if err := MeetingReadable(actor, p, m); err != nil {
		return err
	}
	return writable(actor, p)
}

// MeetingView returns m with its actions, if actor may read p's record.
func (r *Record) MeetingView(ctx context.Context, actor Actor, p Pairing, m Meeting) (MeetingView, error) {
	if err := MeetingReadable(actor, p, m); err != nil {
		return MeetingView{}, err
	}
	as, err := r.Store.MeetingActions(ctx, []string{m.ID})
	if err != nil {
		return MeetingView{}, fmt.Errorf("meeting actions: %w", err)
	}
	return MeetingView{Meeting: m, Actions: nonNilActions(as[m.ID])}, nil
}

func nonNilActions(as []Action) []Action {
	if as == nil {
		return []Action{}
	}
	return as
}

// Meetings lists p's meetings, newest start first, with their actions; next is the position
// after this page (nil at the end).
func (r *Record) Meetings(ctx context.Context, actor Actor, p Pairing, q MeetingQuery) (views []MeetingView, next *Cursor, err error) {
	if err := readable(actor, p); err != nil {
		return nil, nil, err
	}
	switch q.Status {
	case "", MeetingPlanned, MeetingHeld, MeetingCancelled:
	default:
		return nil, nil, apperr.Invalid("/status", "must be planned, held or cancelled")
	}
	limit := q.Limit
	q.PairingID, q.Limit = p.ID, limit+1
	ms, err := r.Store.Meetings(ctx, q)
	if err != nil {
		return nil, nil, fmt.Errorf("list meetings: %w", err)
	}
	if len(ms) > limit {
		ms = ms[:limit]
		last := ms[len(ms)-1]
		next = &Cursor{At: last.StartAt, ID: last.ID}
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	as := map[string][]Action{}
	if len(ids) > 0 {
		if as, err = r.Store.MeetingActions(ctx, ids); err != nil {
			return nil, nil, fmt.Errorf("list meetings: %w", err)
		}
	}
	views = make([]MeetingView, len(ms))
	for i, m := range ms {
		views[i] = MeetingView{Meeting: m, Actions: nonNilActions(as[m.ID])}
	}
	return views, next, nil
}

// EditMeeting changes a meeting (merge semantics: nil fields stay): reschedule, record it as
// held with topics and attendance, or cancel it. Either party may; the edit is a new revision
// that the other side confirms. A held meeting that is confirmed no longer changes.
func (r *Record) EditMeeting(ctx context.Context, actor Actor, p Pairing, m Meeting, in MeetingInput) (MeetingView, error) {
	if err := meetingWritable(actor, p, m); err != nil {
		return MeetingView{}, err
	}
	if m.Evidence() {
		return MeetingView{}, ErrMeetingConfirmed
	}
	if in.Revision != nil && *in.Revision != m.Revision {
		return MeetingView{}, ErrMeetingChanged
	}
	prev := m.Revision
	next := m
	next.Objectives, next.Topics, next.AttendeeIDs = slices.Clone(m.Objectives), slices.Clone(m.Topics), slices.Clone(m.AttendeeIDs)
	var f apperr.Fields
	if in.Actions != nil {
		f.Add("/actions", "add actions with POST /v1/meetings/{meetingId}/actions")
	}
	if err := r.applyMeeting(ctx, &f, actor, p, &next, in, false); err != nil {
		return MeetingView{}, err
	}
	if err := f.Err(); err != nil {
		return MeetingView{}, err
	}
	next.Revision, next.UpdatedBy, next.UpdatedAt = prev+1, actor.UserID, r.now()
	if err := r.Store.UpdateMeeting(ctx, next, prev); err != nil {
		return MeetingView{}, err
	}
	if next.Status != MeetingCancelled {
		r.tellOtherSide(ctx, p, next)
	}
	if in.Start != nil || in.Timezone != nil || in.Status != nil { // what moves the due instant
		r.refreshDueQuietly(ctx, p)
	}
	return r.MeetingView(ctx, actor, p, next)
}

// ConfirmMeeting is the other side's confirmation of the meeting's current revision (or of
// revision, when given, which must be the current one): for a planned meeting that they
// agree to it, for a held one that it took place as recorded, which makes it CPD evidence
// and earns its attendees XP. The side that made the latest change cannot confirm it
// (a 422 naming updatedBy). Confirmations race on a unique key: exactly one is stored;
// the same person confirming again gets the same answer, anyone else ErrAlreadyConfirmed.
func (r *Record) ConfirmMeeting(ctx context.Context, actor Actor, p Pairing, m Meeting, revision *int) (MeetingView, error) {
	if err := meetingWritable(actor, p, m); err != nil {
		return MeetingView{}, err
	}
	if revision != nil && *revision != m.Revision {
		return MeetingView{}, ErrMeetingChanged
	}
	var f apperr.Fields
	switch {
	case m.Status == MeetingCancelled:
		f.Add("/status", "a cancelled meeting cannot be confirmed")
	case SideOf(p, actor.UserID) == SideOf(p, m.UpdatedBy):
		f.Add("/updatedBy", "the other side confirms: you (or your side) made the latest change to this meeting")
	case m.Status == MeetingHeld && !slices.Contains(m.AttendeeIDs, actor.UserID):
		f.Add("/attendeeIds", "only someone who attended can confirm that the meeting was held")
	}
	if err := f.Err(); err != nil {
		return MeetingView{}, err
	}
	c := Confirmation{MeetingID: m.ID, Revision: m.Revision, By: actor.UserID, At: r.now(), Status: m.Status}
	stored, inserted, err := r.Store.InsertConfirmation(ctx, c)
	if err != nil {
		return MeetingView{}, fmt.Errorf("confirm meeting: %w", err)
	}
	if !inserted && stored.By != actor.UserID {
		return MeetingView{}, ErrAlreadyConfirmed
	}
	// This person's confirmation is stored (now, or by their earlier try): make the meeting
	// say so and publish what it earns. Both are idempotent, so a retry after a crash here
	// completes them.
	c = stored
	if err := r.Store.SetConfirmation(ctx, c, c.Status == MeetingHeld); err != nil {
		return MeetingView{}, err
	}
	m.Confirmation = &c
	if m.Status == MeetingHeld {
		if err := r.publish(ctx, r.meetingEvents(p, m)...); err != nil {
			return MeetingView{}, err
		}
		if err := r.publishCadence(ctx, p, m); err != nil {
			return MeetingView{}, err
		}
		// A flash pairing is one focused conversation: once it is confirmed as held, the
		// pairing has done its work and ends by itself (issue 11).
		if err := r.flashHeld(ctx, p); err != nil {
			return MeetingView{}, err
		}
	}
	return r.MeetingView(ctx, actor, p, m)
}

// MeetingConfirmedEventID is the deterministic ID of the event that says userID took part in
// confirmed meeting meetingID.
func MeetingConfirmedEventID(meetingID, userID string) string {
	return "meeting-confirmed:" + meetingID + ":" + userID
}

// meetingEvents are the learning events of a confirmed held meeting, one per attendee.
func (r *Record) meetingEvents(p Pairing, m Meeting) []learning.Event {
	out := make([]learning.Event, 0, len(m.AttendeeIDs))
	for _, id := range m.AttendeeIDs {
		out = append(out, learning.Event{ID: MeetingConfirmedEventID(m.ID, id), Kind: learning.MeetingConfirmed, UserID: id,
			ProgrammeID: p.ProgrammeID, ItemKind: "meeting", ItemID: m.ID, PairingID: p.ID, Role: string(SideOf(p, id)),
			OccurredAt: m.Confirmation.At, RecordedAt: m.Confirmation.At})
	}
	return out
}

// tellOtherSide tells the members of the other side that there is a meeting to confirm.
func (r *Record) tellOtherSide(ctx context.Context, p Pairing, m Meeting) {
	if r.Notifier == nil {
		return
	}
	side := SideOf(p, m.UpdatedBy)
	for _, id := range m.Participants {
		if s := SideOf(p, id); s == SideNone || s == side {
			continue
		}
		if err := r.Notifier.MeetingToConfirm(ctx, id, m); err != nil {
			r.log().WarnContext(ctx, "notify meeting to confirm", "meetingId", m.ID, "error", err.Error())
		}
	}
}

// MeetingPlanned reports whether meeting id is still planned to start at startAt, so that a
// reminder planned earlier is withheld once the meeting moved or was cancelled.
func (r *Record) MeetingPlanned(ctx context.Context, id string, startAt time.Time) (bool, error) {
	m, err := r.Store.Meeting(ctx, id)
	if errors.Is(err, ErrMeetingNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return m.Status == MeetingPlanned && m.StartAt.Equal(startAt), nil
}

// PlannedBetween lists planned meetings starting in [from, to), soonest first: the reminder
// scheduler's query.
func (r *Record) PlannedBetween(ctx context.Context, from, to time.Time) ([]Meeting, error) {
	var out []Meeting
	var after *Cursor
	for {
		page, err := r.Store.PlannedBetween(ctx, from, to, after, 500)
		if err != nil {
			return nil, fmt.Errorf("planned meetings: %w", err)
		}
		out = append(out, page...)
		if len(page) < 500 {
			return out, nil
		}
		last := page[len(page)-1]
		after = &Cursor{At: last.StartAt, ID: last.ID}
	}
}

// flashHeld ends a flash pairing whose meeting was confirmed as held.
func (r *Record) flashHeld(ctx context.Context, p Pairing) error {
	if r.Pairings == nil {
		return nil
	}
	return r.Pairings.FlashMeetingHeld(ctx, p)
}
