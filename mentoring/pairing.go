package mentoring

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
)

// MaxGroupSize bounds the mentees of one group pairing.
const MaxGroupSize = 20

// NewPairing is a pairing an owner confirms or a mentee asks for.
type NewPairing struct {
	MentorID  string
	MenteeIDs []string
	Type      Type
	Agreement Agreement
	// RequireAcceptance, for an owner, creates the pairing as proposed: the mentor accepts
	// or declines. Mentee requests are always proposed.
	RequireAcceptance bool
	// TimeboxDays, for a flash pairing, is how long it lasts once active (default 14).
	TimeboxDays int
}

// ValidateAgreement checks an agreement; pointers are under prefix (e.g. "/agreement").
func ValidateAgreement(a *Agreement, prefix string) error {
	var f apperr.Fields
	switch a.MeetingFrequency {
	case "", Weekly, Fortnightly, Monthly, Quarterly, AsNeeded:
	default:
		f.Add(prefix+"/meetingFrequency", "must be weekly, fortnightly, monthly, quarterly or as-needed")
	}
	f.Check(len(a.Goals) <= 10, prefix+"/goals", "must list at most 10 goals")
	for i, g := range a.Goals {
		a.Goals[i] = strings.TrimSpace(g)
		n := utf8.RuneCountInString(a.Goals[i])
		f.Check(n >= 1 && n <= 300, fmt.Sprintf("%s/goals/%d", prefix, i), "must be 1 to 300 characters")
	}
	a.Boundaries = strings.TrimSpace(a.Boundaries)
	f.Check(utf8.RuneCountInString(a.Boundaries) <= 2000, prefix+"/boundaries", "must be at most 2000 characters")
	var start, end time.Time
	var err error
	if a.StartsOn != "" {
		start, err = time.Parse(time.DateOnly, a.StartsOn)
		f.Check(err == nil, prefix+"/startsOn", "must be a date YYYY-MM-DD")
	}
	if a.EndsOn != "" {
		end, err = time.Parse(time.DateOnly, a.EndsOn)
		f.Check(err == nil, prefix+"/endsOn", "must be a date YYYY-MM-DD")
	}
	if !start.IsZero() && !end.IsZero() {
		f.Check(!end.Before(start), prefix+"/endsOn", "must not be before startsOn")
	}
	return f.Err()
}

// CreatePairing records a pairing in programmeID. An owner (or admin) confirms it: it is
// active at once, unless RequireAcceptance. A mentee asks for themselves when the programme
// allows self-selection: it is proposed, for the mentor to accept or decline. Mentors cannot
// create pairings (ErrForbidden). Activation takes one capacity slot per mentee and one place
// per mentee and type, each an insert guarded by a unique key: ErrMentorAtCapacity or
// ErrMenteeAlreadyPaired when taken, even when confirmations race.
func (s *Service) CreatePairing(ctx context.Context, actor Actor, programmeID string, in NewPairing) (Pairing, error) {
	origin, err := s.pairingOrigin(ctx, actor, programmeID)
	if err != nil {
		return Pairing{}, err
	}
	if origin == OriginSelfSelection {
		in.RequireAcceptance = true
	}
	if err := s.checkNewPairing(ctx, actor, programmeID, origin, &in); err != nil {
		return Pairing{}, err
	}
	mentor, err := s.mentorOf(ctx, programmeID, in.MentorID, in.Type)
	if err != nil {
		return Pairing{}, err
	}
	if origin == OriginSelfSelection && !mentor.Available {
		return Pairing{}, apperr.New(apperr.KindConflict, "mentor_unavailable", "this mentor is not taking new mentees")
	}
	now := s.now()
	p := Pairing{ID: newID(), ProgrammeID: programmeID, MentorID: in.MentorID, MenteeIDs: in.MenteeIDs, Type: in.Type,
		Status: StatusProposed, Agreement: in.Agreement, Origin: origin, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
	if in.Type == Flash {
		p.TimeboxDays = cmpOr(in.TimeboxDays, DefaultFlashDays)
	}
	if in.RequireAcceptance {
		return s.propose(ctx, p, mentor)
	}
	// Guards first, then the pairing document: a crash in between leaves guards held by a
	// pairing that does not exist, which reclaim() frees after ReclaimAfter.
	if err := s.acquire(ctx, p, mentor); err != nil {
		return Pairing{}, err
	}
	p.Status, p.ActivatedAt = StatusActive, &now
	p.TimeboxEndsAt = timeboxEnd(p, now)
	if err := s.Store.InsertPairing(ctx, p); err != nil {
		s.release(ctx, p)
		return Pairing{}, fmt.Errorf("create pairing: %w", err)
	}
	s.activated(ctx, p)
	return p, nil
}

// mentorOf returns the profile whose capacity a pairing of type t takes: the mentor's, which
// must exist (its capacity is what is taken). Peer types (reverse, mutual) take no capacity
// places, so their mentor needs no mentor profile: a junior may have only a mentee's.
func (s *Service) mentorOf(ctx context.Context, programmeID, mentorID string, t Type) (Profile, error) {
	if t.PeerRoles() {
		return Profile{ProgrammeID: programmeID, UserID: mentorID, Available: true}, nil
	}
	mentor, err := s.Store.Profile(ctx, programmeID, mentorID)
	if errors.Is(err, ErrProfileNotFound) {
		return Profile{}, apperr.New(apperr.KindUnprocessable, "mentor_without_profile",
			"the mentor has no mentoring profile yet, so their capacity is unknown")
	}
	if err != nil {
		return Profile{}, fmt.Errorf("create pairing: %w", err)
	}
	return mentor, nil
}

// capacityFor is how many slots of t's pool the mentor has.
func capacityFor(mentor Profile, t Type) int {
	if t == Flash {
		return mentor.FlashCapacity
	}
	return mentor.Capacity
}

// timeboxEnd is when flash pairing p, active from now, ends by itself (nil for other types).
func timeboxEnd(p Pairing, now time.Time) *time.Time {
	if p.Type != Flash {
		return nil
	}
	end := now.AddDate(0, 0, cmpOr(p.TimeboxDays, DefaultFlashDays))
	return &end
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// pairingOrigin says how a pairing the actor creates comes about: an owner's (or admin's)
// confirmation, or a mentee's request where the programme allows self-selection.
func (s *Service) pairingOrigin(ctx context.Context, actor Actor, programmeID string) (string, error) {
	switch {
	case actor.Oversees():
		return OriginOwner, nil
	case actor.Role == RoleMentee:
		set, err := s.Settings(ctx, programmeID)
		if err != nil {
			return "", err
		}
		if !set.AllowSelfSelection {
			return "", ErrSelfSelectionOff
		}
		return OriginSelfSelection, nil
	}
	return "", ErrForbidden
}

// checkNewPairing validates in, naming every invalid field at once: its type and number of
// mentees, what a mentee may ask for, the agreement, and the roles (the mentor must be a
// mentor of the programme, each mentee a mentee).
func (s *Service) checkNewPairing(ctx context.Context, actor Actor, programmeID, origin string, in *NewPairing) error {
	var f apperr.Fields
	if !in.Type.Valid() {
		f.Add("/type", "must be one-to-one, group, flash, reverse or mutual")
	}
	if in.Type == Group {
		f.Check(len(in.MenteeIDs) >= 2 && len(in.MenteeIDs) <= MaxGroupSize, "/menteeIds", fmt.Sprintf("a group has 2 to %d mentees", MaxGroupSize))
	} else {
		f.Check(len(in.MenteeIDs) == 1, "/menteeIds", "this type pairs exactly one mentee")
	}
	if in.Type == Flash {
		f.Check(in.TimeboxDays == 0 || in.TimeboxDays >= 1 && in.TimeboxDays <= MaxFlashDays, "/timeboxDays",
			fmt.Sprintf("must be 1 to %d days", MaxFlashDays))
	} else {
		f.Check(in.TimeboxDays == 0, "/timeboxDays", "only flash pairings are time-boxed")
	}
	if origin == OriginSelfSelection {
		f.Check(in.Type == OneToOne || in.Type == Flash, "/type", "mentees can ask for a one-to-one or a flash pairing")
		f.Check(len(in.MenteeIDs) == 1 && in.MenteeIDs[0] == actor.UserID, "/menteeIds", "a mentee can only ask for themselves")
	}
	if err := ValidateAgreement(&in.Agreement, "/agreement"); err != nil {
		var ve *apperr.ValidationError
		if errors.As(err, &ve) {
			for _, fe := range ve.Fields {
				f.Add(fe.Pointer, fe.Detail)
			}
		}
	}
	if err := s.checkRoles(ctx, programmeID, in, &f); err != nil {
		return err
	}
	return f.Err()
}

// checkRoles records in f whether the mentor is a mentor of the programme and each mentee
// (listed once) a mentee. It returns an error only when the directory could not answer.
func (s *Service) checkRoles(ctx context.Context, programmeID string, in *NewPairing, f *apperr.Fields) error {
	// Programme roles bind the pairing's roles, except in reverse and mutual mentoring where a
	// programme mentee may mentor and a programme mentor may be mentored.
	mentorOK := func(r string) bool { return r == RoleMentor }
	menteeOK := func(r string) bool { return r == RoleMentee }
	mentorWhy, menteeWhy := "is not a mentor of this programme", "is not a mentee of this programme"
	if in.Type.PeerRoles() {
		mentorOK = func(r string) bool { return r == RoleMentor || r == RoleMentee }
		menteeOK = mentorOK
		mentorWhy, menteeWhy = "is not a mentor or mentee of this programme", "is not a mentor or mentee of this programme"
	}
	role, err := s.Directory.MemberRole(ctx, programmeID, in.MentorID)
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("create pairing: %w", err)
	}
	f.Check(err == nil && mentorOK(role), "/mentorId", mentorWhy)
	seen := map[string]bool{}
	for i, m := range in.MenteeIDs {
		ptr := fmt.Sprintf("/menteeIds/%d", i)
		if seen[m] {
			f.Add(ptr, "is listed twice")
			continue
		}
		seen[m] = true
		if m == in.MentorID {
			f.Add(ptr, "is the mentor: nobody mentors themself")
			continue
		}
		role, err := s.Directory.MemberRole(ctx, programmeID, m)
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("create pairing: %w", err)
		}
		f.Check(err == nil && menteeOK(role), ptr, menteeWhy)
	}
	return nil
}

// propose records p as proposed, for the mentor to accept; it takes no places yet. A request
// the mentor could not accept is refused now rather than left to fail at acceptance: a mentee
// who already holds a pairing of the type, a mentor with no place left. The mentor is told
// there is a request (push and inbox).
func (s *Service) propose(ctx context.Context, p Pairing, mentor Profile) (Pairing, error) {
	// Hints, not guards: acceptance takes the places for real, on unique keys.
	for _, m := range p.MenteeIDs {
		if _, err := s.Store.Place(ctx, p.ProgrammeID, m, p.Type); err == nil {
			return Pairing{}, ErrMenteeAlreadyPaired
		}
	}
	if !p.Type.PeerRoles() {
		left, err := s.placesLeft(ctx, p.ProgrammeID, mentor, p.Type)
		if err != nil {
			return Pairing{}, fmt.Errorf("create pairing: %w", err)
		}
		if left < len(p.MenteeIDs) {
			return Pairing{}, ErrMentorFull
		}
	}
	if err := s.Store.InsertPairing(ctx, p); err != nil {
		return Pairing{}, fmt.Errorf("create pairing: %w", err)
	}
	if s.MatchNotifier != nil {
		if err := s.MatchNotifier.PairingRequested(ctx, p); err != nil {
			s.log().WarnContext(ctx, "notify pairing request", "pairingId", p.ID, "error", err.Error())
		}
	}
	return p, nil
}

// placesLeft is how many more mentees mentor can take now in pairings of type t.
func (s *Service) placesLeft(ctx context.Context, programmeID string, mentor Profile, t Type) (int, error) {
	slots, err := s.Store.Slots(ctx, programmeID, mentor.UserID)
	if err != nil {
		return 0, err
	}
	taken := 0
	for _, sl := range slots {
		if sl.Pool == t.pool() {
			taken++
		}
	}
	return max(capacityFor(mentor, t)-taken, 0), nil
}

// acquire takes the mentee places and capacity slots for p, or none of them.
func (s *Service) acquire(ctx context.Context, p Pairing, mentor Profile) error {
	now := s.now()
	for _, pl := range placesOf(p, now) {
		err := s.Store.AcquirePlace(ctx, pl)
		if errors.Is(err, ErrMenteeAlreadyPaired) && s.reclaimPlace(ctx, pl) {
			err = s.Store.AcquirePlace(ctx, pl)
		}
		if errors.Is(err, ErrMenteeAlreadyPaired) && pl.MenteeID == p.MentorID {
			err = ErrMentorAlreadyPaired
		}
		if err != nil {
			s.releaseUnlessLive(ctx, p)
			return err
		}
	}
	if p.Type.PeerRoles() {
		return nil // peers take no capacity places
	}
	capacity := capacityFor(mentor, p.Type)
	for _, m := range p.MenteeIDs {
		sl := Slot{ProgrammeID: p.ProgrammeID, MentorID: p.MentorID, Pool: p.Type.pool(), PairingID: p.ID, MenteeID: m, CreatedAt: now}
		err := s.Store.AcquireSlot(ctx, sl, capacity)
		if errors.Is(err, ErrMentorAtCapacity) && s.reclaimSlots(ctx, p.ProgrammeID, p.MentorID) {
			err = s.Store.AcquireSlot(ctx, sl, capacity)
		}
		if err != nil {
			s.releaseUnlessLive(ctx, p)
			return err
		}
	}
	return nil
}

// placesOf are the unique places a live pairing holds: each mentee's place for its type; in
// reverse mentoring also the mentor's (one reverse mentee at a time), and in mutual mentoring
// both sides' (each person has one mutual partner at a time).
func placesOf(p Pairing, now time.Time) []Place {
	var out []Place
	for _, m := range p.MenteeIDs {
		out = append(out, Place{ProgrammeID: p.ProgrammeID, MenteeID: m, Type: p.Type, PairingID: p.ID, CreatedAt: now})
	}
	switch p.Type {
	case Reverse:
		out = append(out, Place{ProgrammeID: p.ProgrammeID, MenteeID: p.MentorID, Type: placeReverseMentor, PairingID: p.ID, CreatedAt: now})
	case Mutual:
		out = append(out, Place{ProgrammeID: p.ProgrammeID, MenteeID: p.MentorID, Type: Mutual, PairingID: p.ID, CreatedAt: now})
	}
	return out
}

// releaseUnlessLive gives back p's guards after a failed activation, unless p is live by now
// (a racing activation of the same pairing succeeded with the same, idempotent, guards).
func (s *Service) releaseUnlessLive(ctx context.Context, p Pairing) {
	cur, err := s.Store.Pairing(ctx, p.ID)
	if err == nil && cur.Status.Live() {
		return
	}
	if err != nil && !errors.Is(err, ErrPairingNotFound) {
		return // unsure: leave it to reclaim rather than free a live pairing's guards
	}
	s.release(ctx, p)
}

// release gives back whatever p holds. It runs on a fresh context: a request that was
// cancelled half-way must still not leak capacity.
func (s *Service) release(ctx context.Context, p Pairing) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.Store.ReleaseHeldBy(ctx, p.ID); err != nil {
		s.log().ErrorContext(ctx, "release pairing guards", "pairingId", p.ID, "error", err.Error())
	}
}

func (s *Service) reclaimAfter() time.Duration {
	if s.ReclaimAfter > 0 {
		return s.ReclaimAfter
	}
	return 2 * time.Minute
}

// stale reports whether a guard taken at createdAt for pairingID is held by a pairing that is
// not live (ended, or never written) and old enough that no activation is still in flight.
func (s *Service) stale(ctx context.Context, pairingID string, createdAt time.Time) bool {
	if s.now().Sub(createdAt) < s.reclaimAfter() {
		return false
	}
	p, err := s.Store.Pairing(ctx, pairingID)
	if errors.Is(err, ErrPairingNotFound) {
		return true
	}
	return err == nil && !p.Status.Live()
}

func (s *Service) reclaimPlace(ctx context.Context, want Place) bool {
	pl, err := s.Store.Place(ctx, want.ProgrammeID, want.MenteeID, want.Type)
	if err != nil || !s.stale(ctx, pl.PairingID, pl.CreatedAt) {
		return false
	}
	return s.Store.ReleasePlace(ctx, pl.ProgrammeID, pl.MenteeID, pl.Type, pl.PairingID) == nil
}

func (s *Service) reclaimSlots(ctx context.Context, programmeID, mentorID string) bool {
	slots, err := s.Store.Slots(ctx, programmeID, mentorID)
	if err != nil {
		return false
	}
	freed := false
	for _, sl := range slots {
		if s.stale(ctx, sl.PairingID, sl.CreatedAt) && s.Store.ReleaseSlot(ctx, sl.ID, sl.PairingID) == nil {
			freed = true
		}
	}
	return freed
}

// Pairing returns a pairing actor may see: owners and admins see every pairing of their
// programme, mentors and mentees only their own (ErrPairingNotFound otherwise). actor.Role
// must be the actor's role in the pairing's programme (see PairingProgramme).
func (s *Service) Pairing(ctx context.Context, actor Actor, id string) (Pairing, error) {
	p, err := s.Store.Pairing(ctx, id)
	if err != nil {
		return Pairing{}, err
	}
	if !actor.Oversees() && p.MentorID != actor.UserID && !p.HasMentee(actor.UserID) {
		return Pairing{}, ErrPairingNotFound
	}
	return p, nil
}

// PairingProgramme returns the programme a pairing belongs to, so that the API can
// authorize the caller on it before acting; ErrPairingNotFound when absent.
func (s *Service) PairingProgramme(ctx context.Context, id string) (string, error) {
	p, err := s.Store.Pairing(ctx, id)
	if err != nil {
		return "", err
	}
	return p.ProgrammeID, nil
}

// Pairings lists a programme's pairings as actor may see them: owners all (optionally of one
// mentor or mentee), a mentor their own, a mentee their own.
func (s *Service) Pairings(ctx context.Context, actor Actor, q PairingQuery) ([]Pairing, error) {
	switch {
	case actor.Oversees():
	case actor.Role == RoleMentor:
		if q.MentorID != "" && q.MentorID != actor.UserID {
			return []Pairing{}, nil
		}
		q.MentorID = actor.UserID
	case actor.Role == RoleMentee:
		if q.MenteeID != "" && q.MenteeID != actor.UserID {
			return []Pairing{}, nil
		}
		q.MenteeID = actor.UserID
	default:
		return nil, ErrForbidden
	}
	if q.Status != "" && q.Status != StatusProposed && !q.Status.Live() && q.Status != StatusEnded {
		return nil, apperr.Invalid("/status", "must be proposed, active, paused or ended")
	}
	return s.Store.Pairings(ctx, q)
}

// Accept activates a proposed pairing: its mentor (or an owner) accepts. It takes capacity
// and mentee places as CreatePairing does.
func (s *Service) Accept(ctx context.Context, actor Actor, id string) (Pairing, error) {
	p, err := s.Pairing(ctx, actor, id)
	if err != nil {
		return Pairing{}, err
	}
	if !actor.Oversees() && p.MentorID != actor.UserID {
		return Pairing{}, ErrForbidden
	}
	if p.Status == StatusActive {
		return p, nil
	}
	if p.Status != StatusProposed {
		return Pairing{}, ErrStatusConflict
	}
	mentor, err := s.mentorOf(ctx, p.ProgrammeID, p.MentorID, p.Type)
	if err != nil {
		return Pairing{}, fmt.Errorf("accept pairing: %w", err)
	}
	if err := s.acquire(ctx, p, mentor); err != nil {
		return Pairing{}, err
	}
	now := s.now()
	next := p
	next.Status, next.UpdatedAt, next.ActivatedAt = StatusActive, now, &now
	next.TimeboxEndsAt = timeboxEnd(p, now)
	out, err := s.Store.SetPairingStatus(ctx, next, StatusProposed)
	if err != nil {
		// Declined or accepted meanwhile: the guards are ours to give back only if the
		// pairing did not become live (a racing Accept holds the very same guards).
		cur, rerr := s.Store.Pairing(ctx, id)
		if rerr == nil && cur.Status == StatusActive {
			return cur, nil
		}
		if rerr == nil && !cur.Status.Live() {
			s.release(ctx, p)
		}
		return Pairing{}, err
	}
	s.activated(ctx, out)
	return out, nil
}

// activated tells Activated, if wired, that p has just become active.
func (s *Service) activated(ctx context.Context, p Pairing) {
	if s.Activated != nil && p.Status == StatusActive {
		s.Activated(ctx, p)
	}
}

// Decline ends a proposed pairing: its mentor (or an owner) declines, or the mentee who
// asked withdraws.
func (s *Service) Decline(ctx context.Context, actor Actor, id, reason string) (Pairing, error) {
	p, err := s.Pairing(ctx, actor, id)
	if err != nil {
		return Pairing{}, err
	}
	if !actor.Oversees() && p.MentorID != actor.UserID && !(p.Origin == OriginSelfSelection && p.HasMentee(actor.UserID)) {
		return Pairing{}, ErrForbidden
	}
	if reason == "" {
		reason = "declined"
	}
	return s.transition(ctx, p, StatusEnded, reason, StatusProposed)
}

// SetStatus moves a pairing: pause (active → paused) and resume (paused → active) by its
// mentor or an owner; end (proposed, active or paused → ended) by any party or an owner.
// Ending releases the mentor's capacity and the mentees' places. Asking for the status it
// already has changes nothing.
func (s *Service) SetStatus(ctx context.Context, actor Actor, id string, to Status, reason string) (Pairing, error) {
	p, err := s.Pairing(ctx, actor, id)
	if err != nil {
		return Pairing{}, err
	}
	if utf8.RuneCountInString(reason) > MaxNoteLen {
		return Pairing{}, apperr.Invalid("/reason", fmt.Sprintf("must be at most %d characters", MaxNoteLen))
	}
	if p.Status == to {
		return p, nil
	}
	isMentor := p.MentorID == actor.UserID || actor.Oversees()
	switch to {
	case StatusPaused:
		if !isMentor {
			return Pairing{}, ErrForbidden
		}
		return s.transition(ctx, p, to, reason, StatusActive)
	case StatusActive:
		if !isMentor {
			return Pairing{}, ErrForbidden
		}
		if p.Status == StatusProposed {
			return s.Accept(ctx, actor, id)
		}
		return s.transition(ctx, p, to, reason, StatusPaused)
	case StatusEnded:
		return s.transition(ctx, p, to, reason, StatusProposed, StatusActive, StatusPaused)
	}
	return Pairing{}, apperr.Invalid("/status", "must be active, paused or ended")
}

func (s *Service) transition(ctx context.Context, p Pairing, to Status, reason string, from ...Status) (Pairing, error) {
	now := s.now()
	next := p
	next.Status, next.UpdatedAt = to, now
	if to == StatusEnded {
		next.EndedAt, next.EndReason = &now, strings.TrimSpace(reason)
		if next.EndReason == "" {
			next.EndReason = "ended"
		}
	}
	out, err := s.Store.SetPairingStatus(ctx, next, from...)
	if err != nil {
		return Pairing{}, err
	}
	if to == StatusEnded {
		s.release(ctx, out)
	}
	s.activated(ctx, out)
	return out, nil
}

// EndDueFlash ends every live flash pairing whose time box ran out by now; it returns how
// many it ended. The notification of the ending is the pairing's status; a pairing ended
// meanwhile by someone else is skipped.
func (s *Service) EndDueFlash(ctx context.Context) (int, error) {
	n := 0
	for {
		due, err := s.Store.DueFlashPairings(ctx, s.now(), 100)
		if err != nil {
			return n, fmt.Errorf("end due flash pairings: %w", err)
		}
		for _, p := range due {
			if _, err := s.transition(ctx, p, StatusEnded, EndReasonTimebox, StatusActive, StatusPaused); err != nil && !errors.Is(err, ErrStatusConflict) {
				return n, err
			}
			n++
		}
		if len(due) < 100 {
			return n, nil
		}
	}
}

// FlashMeetingHeld ends flash pairing p because its one conversation took place (its meeting
// is confirmed as held); other types, and pairings already ended, are left as they are.
func (s *Service) FlashMeetingHeld(ctx context.Context, p Pairing) error {
	if p.Type != Flash {
		return nil
	}
	_, err := s.transition(ctx, p, StatusEnded, EndReasonFlashHeld, StatusActive, StatusPaused)
	if errors.Is(err, ErrStatusConflict) {
		return nil
	}
	return err
}
