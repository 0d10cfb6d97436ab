package mentoring

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// Limits on assignments.
const (
	MaxAssignmentItems = 20
	MaxAssignmentNote  = 1000
	MaxAssignmentTitle = 120
)

// NewAssignment is what a mentor assigns.
type NewAssignment struct {
	Items []learning.ItemRef
	// MenteeIDs, when empty, means every mentee of the pairing.
	MenteeIDs []string
	// Due is a local date, a local date-time or an RFC 3339 time (see ParseDue).
	Due   string
	Note  string
	Title string
	// RequestKey, when set (the request's Idempotency-Key), makes the assignment's ID a
	// function of the mentor, the pairing, the key and what is assigned, so that the same
	// request run again after a crash part-way (its copies or notifications half written)
	// completes the same assignment instead of creating a second one, while a different
	// request under a reused key is a different assignment.
	RequestKey string
}

// Assignment is one assignment as created: the per-mentee copies share everything but the
// mentee.
type Assignment struct {
	ID        string
	PairingID string
	MenteeIDs []string
	Copies    []MenteeAssignment
}

// Progress is a progress bar: done of total items, and the percentage (rounded down).
type Progress struct {
	Done, Total, Percent int
}

// AssignmentView is a mentee assignment with its live progress and due state.
type AssignmentView struct {
	MenteeAssignment
	// ItemDone says, item by item, whether the mentee has completed it.
	ItemDone []bool
	Progress Progress
	DueState DueState
}

// Assign gives content to one or every mentee of an active pairing; only the pairing's
// mentor may (ErrForbidden for anyone else who can see the pairing), except in mutual
// mentoring, where either side assigns to the other. Every item must exist in
// the programme and be published; the due date is read in the programme's time zone and must
// be in the future. Each mentee gets their own copy, and the Notifier hears of each.
func (s *Service) Assign(ctx context.Context, actor Actor, pairingID string, in NewAssignment) (Assignment, error) {
	p, err := s.Pairing(ctx, actor, pairingID)
	if err != nil {
		return Assignment{}, err
	}
	switch {
	case p.MentorID == actor.UserID:
	case p.Type == Mutual && p.HasMentee(actor.UserID):
		// Both sides of a mutual pairing are learners: each assigns to the other, and each
		// earns learner XP for completing what the other assigned.
		p.MentorID, p.MenteeIDs = actor.UserID, []string{p.MentorID}
	default:
		return Assignment{}, ErrForbidden
	}
	if p.Status != StatusActive {
		return Assignment{}, apperr.New(apperr.KindConflict, "pairing_not_active", "content can only be assigned in an active pairing")
	}
	loc, err := s.Directory.ProgrammeLocation(ctx, p.ProgrammeID)
	if err != nil {
		return Assignment{}, fmt.Errorf("assign: %w", err)
	}
	now := s.now()
	v, err := s.checkAssignment(ctx, p, loc, in, now)
	if err != nil {
		return Assignment{}, err
	}
	a := Assignment{ID: assignmentID(actor, p, in, v.items), PairingID: p.ID, MenteeIDs: v.mentees}
	for _, m := range v.mentees {
		a.Copies = append(a.Copies, MenteeAssignment{ID: a.ID + ":" + m, AssignmentID: a.ID, ProgrammeID: p.ProgrammeID,
			PairingID: p.ID, MentorID: p.MentorID, MenteeID: m, Title: v.title, Note: v.note, Items: v.items, DueAt: v.dueAt,
			DueLocal: v.dueLocal, Timezone: loc.String(), State: AssignmentOpen, CreatedAt: now})
	}
	if err := s.Store.InsertAssignments(ctx, a.Copies); err != nil {
		return Assignment{}, fmt.Errorf("assign: %w", err)
	}
	if err := s.tellAssigned(ctx, a.Copies); err != nil {
		return Assignment{}, err
	}
	return a, nil
}

// checkedAssignment is a NewAssignment after checking: the items as the catalogue knows
// them, the mentees it is for, the due instant and the trimmed texts.
type checkedAssignment struct {
	items       []AssignedItem
	mentees     []string
	dueAt       time.Time
	dueLocal    string
	note, title string
}

// checkAssignment validates in against the pairing and the catalogue, naming every invalid
// field at once. The title defaults to the first item's.
func (s *Service) checkAssignment(ctx context.Context, p Pairing, loc *time.Location, in NewAssignment, now time.Time) (checkedAssignment, error) {
	var f apperr.Fields
	f.Check(len(in.Items) >= 1 && len(in.Items) <= MaxAssignmentItems, "/items", fmt.Sprintf("must list 1 to %d items", MaxAssignmentItems))
	var v checkedAssignment
	for i, ref := range in.Items {
		it, ok, err := s.checkItem(ctx, p.ProgrammeID, ref, v.items, fmt.Sprintf("/items/%d", i), &f)
		if err != nil {
			return checkedAssignment{}, err
		}
		if ok {
			v.items = append(v.items, it)
		}
	}
	v.mentees = in.MenteeIDs
	if len(v.mentees) == 0 {
		v.mentees = p.MenteeIDs
	}
	for i, m := range in.MenteeIDs {
		f.Check(p.HasMentee(m), fmt.Sprintf("/menteeIds/%d", i), "is not a mentee of this pairing")
		f.Check(!slices.Contains(in.MenteeIDs[:i], m), fmt.Sprintf("/menteeIds/%d", i), "is listed twice")
	}
	var ok bool
	v.dueAt, v.dueLocal, ok = ParseDue(strings.TrimSpace(in.Due), loc)
	switch {
	case !ok:
		f.Add("/due", "must be a date YYYY-MM-DD, a local time YYYY-MM-DDTHH:MM, or an RFC 3339 time")
	case !v.dueAt.After(now):
		f.Add("/due", "must be in the future (in the programme's time zone, "+loc.String()+")")
	}
	v.note, v.title = strings.TrimSpace(in.Note), strings.TrimSpace(in.Title)
	f.Check(utf8.RuneCountInString(v.note) <= MaxAssignmentNote, "/note", fmt.Sprintf("must be at most %d characters", MaxAssignmentNote))
	f.Check(utf8.RuneCountInString(v.title) <= MaxAssignmentTitle, "/title", fmt.Sprintf("must be at most %d characters", MaxAssignmentTitle))
	if err := f.Err(); err != nil {
		return checkedAssignment{}, err
	}
	if v.title == "" {
		v.title = v.items[0].Title
		if len(v.items) > 1 {
			v.title = fmt.Sprintf("%s and %d more", v.title, len(v.items)-1)
		}
	}
	return v, nil
}

// checkItem checks one assigned item (at JSON pointer ptr) against those before it and the
// catalogue. It returns false when the item is invalid (recorded in f), and an error only
// when the catalogue could not answer.
func (s *Service) checkItem(ctx context.Context, programmeID string, ref learning.ItemRef, before []AssignedItem, ptr string, f *apperr.Fields) (AssignedItem, bool, error) {
	switch ref.Kind {
	case learning.KindLesson, learning.KindQuiz, learning.KindChecklist, learning.KindPath:
	default:
		f.Add(ptr+"/kind", "must be lesson, quiz, checklist or path")
		return AssignedItem{}, false, nil
	}
	if ref.ID == "" || len(ref.ID) > 64 {
		f.Add(ptr+"/id", "must be an item id")
		return AssignedItem{}, false, nil
	}
	if slices.ContainsFunc(before, func(a AssignedItem) bool { return a.Ref == ref }) {
		f.Add(ptr, "is listed twice")
		return AssignedItem{}, false, nil
	}
	info, err := s.Catalog.Item(ctx, programmeID, ref)
	switch {
	case isNotFound(err):
		f.Add(ptr+"/id", "no such "+ref.Kind+" in this programme")
		return AssignedItem{}, false, nil
	case err != nil:
		return AssignedItem{}, false, fmt.Errorf("assign: look up %s %s: %w", ref.Kind, ref.ID, err)
	case !info.Published:
		f.Add(ptr+"/id", "this "+ref.Kind+" is not published")
		return AssignedItem{}, false, nil
	}
	return AssignedItem{Ref: ref, Title: info.Title}, true, nil
}

// assignmentID is a new random ID, or, for a request sent with an Idempotency-Key, a
// function of the mentor, the pairing, the key and what is assigned (see RequestKey).
func assignmentID(actor Actor, p Pairing, in NewAssignment, items []AssignedItem) string {
	if in.RequestKey == "" {
		return newID()
	}
	h := sha256.New()
	for _, part := range []string{actor.UserID, p.ID, in.RequestKey, in.Due, in.Note, in.Title, strings.Join(in.MenteeIDs, ",")} {
		h.Write([]byte(part + "\x00"))
	}
	for _, it := range items {
		h.Write([]byte(it.Ref.Kind + ":" + it.Ref.ID + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// tellAssigned tells each mentee about their copy. Notifications are keyed by the copy, so
// a re-run enqueues only those still missing. One that cannot be enqueued fails the request
// (the copies stay): the client's retry with the same Idempotency-Key completes the same
// assignment and tells the mentees.
func (s *Service) tellAssigned(ctx context.Context, copies []MenteeAssignment) error {
	if s.Notifier == nil {
		return nil
	}
	var firstErr error
	for _, c := range copies {
		if err := s.Notifier.AssignmentReceived(ctx, c); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return fmt.Errorf("assign: tell the mentees: %w", firstErr)
	}
	return nil
}

// views adds live progress to mentee assignments, asking the CompletionReader once per mentee.
func (s *Service) views(ctx context.Context, as []MenteeAssignment) ([]AssignmentView, error) {
	byMentee := map[string][]learning.ItemRef{}
	for _, a := range as {
		for _, it := range a.Items {
			if !slices.Contains(byMentee[a.MenteeID], it.Ref) {
				byMentee[a.MenteeID] = append(byMentee[a.MenteeID], it.Ref)
			}
		}
	}
	done, err := s.Completions.CompletedMany(ctx, byMentee)
	if err != nil {
		return nil, fmt.Errorf("assignment progress: %w", err)
	}
	now := s.now()
	out := make([]AssignmentView, len(as))
	for i, a := range as {
		v := AssignmentView{MenteeAssignment: a, ItemDone: make([]bool, len(a.Items))}
		for j, it := range a.Items {
			v.ItemDone[j] = done[a.MenteeID][it.Ref]
			if v.ItemDone[j] {
				v.Progress.Done++
			}
		}
		v.Progress.Total = len(a.Items)
		if v.Progress.Total > 0 {
			v.Progress.Percent = 100 * v.Progress.Done / v.Progress.Total
		}
		loc, err := time.LoadLocation(a.Timezone)
		if err != nil {
			loc = time.UTC
		}
		completed := a.State == AssignmentCompleted || (v.Progress.Total > 0 && v.Progress.Done == v.Progress.Total)
		v.DueState = dueState(a.DueAt, now, loc, completed, a.CompletedAt)
		out[i] = v
	}
	return out, nil
}

// MyAssignments lists the user's assignments, soonest due first, with progress; state ""
// lists open and completed ones. next is the position after this page, nil at the end.
func (s *Service) MyAssignments(ctx context.Context, userID string, state AssignmentState, after *Cursor, limit int) (views []AssignmentView, next *Cursor, err error) {
	switch state {
	case "", AssignmentOpen, AssignmentCompleted:
	default:
		return nil, nil, apperr.Invalid("/state", "must be open, completed or all")
	}
	as, err := s.Store.MenteeAssignments(ctx, AssignmentQuery{MenteeID: userID, State: state, After: after, Limit: limit + 1})
	if err != nil {
		return nil, nil, fmt.Errorf("my assignments: %w", err)
	}
	if len(as) > limit {
		as = as[:limit]
		last := as[len(as)-1]
		next = &Cursor{At: last.DueAt, ID: last.ID}
	}
	views, err = s.views(ctx, as)
	return views, next, err
}

// MenteeProgress is one mentee's progress on what their mentor assigned in a pairing.
type MenteeProgress struct {
	MenteeID    string
	Assignments []AssignmentView
	// Totals over the assignments: items done of all items, completed and overdue counts.
	Items     Progress
	Completed int
	Overdue   int
}

// PairingProgress is the mentor's view of each mentee's progress in a pairing: the pairing's
// mentor and owners see it; its mentees get ErrForbidden; others ErrPairingNotFound.
func (s *Service) PairingProgress(ctx context.Context, actor Actor, pairingID string) (Pairing, []MenteeProgress, error) {
	p, err := s.Pairing(ctx, actor, pairingID)
	if err != nil {
		return Pairing{}, nil, err
	}
	if !actor.Oversees() && p.MentorID != actor.UserID {
		return Pairing{}, nil, ErrForbidden
	}
	as, err := s.Store.PairingAssignments(ctx, pairingID)
	if err != nil {
		return Pairing{}, nil, fmt.Errorf("pairing progress: %w", err)
	}
	views, err := s.views(ctx, as)
	if err != nil {
		return Pairing{}, nil, err
	}
	out := make([]MenteeProgress, len(p.MenteeIDs))
	ix := map[string]int{}
	for i, m := range p.MenteeIDs {
		out[i] = MenteeProgress{MenteeID: m, Assignments: []AssignmentView{}}
		ix[m] = i
	}
	for _, v := range views {
		i, ok := ix[v.MenteeID]
		if !ok {
			continue
		}
		mp := &out[i]
		mp.Assignments = append(mp.Assignments, v)
		mp.Items.Done += v.Progress.Done
		mp.Items.Total += v.Progress.Total
		switch v.DueState {
		case DueCompleted, DueCompletedLate:
			mp.Completed++
		case DueOverdue:
			mp.Overdue++
		}
	}
	for i := range out {
		if out[i].Items.Total > 0 {
			out[i].Items.Percent = 100 * out[i].Items.Done / out[i].Items.Total
		}
	}
	return p, out, nil
}

// completionKinds are the learning events that can complete an assigned item.
func completes(e learning.Event) bool {
	switch e.Kind {
	case learning.LessonCompleted, learning.ChecklistCompleted, learning.PathCompleted:
		return true
	case learning.QuizAttempted:
		return e.Passed
	}
	return false
}

// AssignmentCompletedEventID is the deterministic ID of the event that says userID completed
// assignmentID, so that publishing it twice stores it once.
func AssignmentCompletedEventID(assignmentID, userID string) string {
	return "assignment-completed:" + assignmentID + ":" + userID
}

// ObserveLearningEvent implements learning.Observer. For an event that completes an item, it
// checks the user's open assignments: each one whose items are now all completed (per the
// CompletionReader) yields an assignment_completed learning event with a deterministic ID,
// published before the assignment is marked completed with a conditional update. So a
// redelivered event, or two events racing to complete the same assignment, publish one event
// and notify once; a crash between the two writes is repaired by the next observation.
// Every open assignment of the user is checked, not only those listing the item, so that a
// lesson completing an assigned path counts too.
func (s *Service) ObserveLearningEvent(ctx context.Context, e learning.Event) error {
	if !completes(e) || e.UserID == "" {
		return nil
	}
	all, err := s.assignmentsOf(ctx, e.UserID)
	if err != nil {
		return fmt.Errorf("observe learning event: %w", err)
	}
	open := slices.DeleteFunc(slices.Clone(all), func(a MenteeAssignment) bool {
		return a.State != AssignmentOpen || (e.ProgrammeID != "" && a.ProgrammeID != e.ProgrammeID)
	})
	if len(open) == 0 {
		return nil
	}
	views, err := s.views(ctx, open)
	if err != nil {
		return fmt.Errorf("observe learning event: %w", err)
	}
	var errs []error
	for _, v := range views {
		if v.Progress.Total == 0 || v.Progress.Done < v.Progress.Total {
			continue
		}
		if err := s.complete(ctx, v.MenteeAssignment, e); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Service) complete(ctx context.Context, a MenteeAssignment, trigger learning.Event) error {
	at := trigger.OccurredAt
	if at.IsZero() {
		at = s.now()
	}
	at = at.UTC()
	onTime := !at.After(a.DueAt)
	due := a.DueAt
	ev := learning.Event{ID: AssignmentCompletedEventID(a.AssignmentID, a.MenteeID), Kind: learning.AssignmentCompleted,
		UserID: a.MenteeID, ProgrammeID: a.ProgrammeID, ItemKind: "assignment", ItemID: a.AssignmentID,
		OccurredAt: at, RecordedAt: s.now(), PairingID: a.PairingID, DueAt: &due, OnTime: onTime}
	if err := s.Publisher.Publish(ctx, ev); err != nil {
		return fmt.Errorf("publish assignment completed: %w", err)
	}
	done, err := s.Store.CompleteAssignment(ctx, a.ID, at, onTime)
	if err != nil {
		return fmt.Errorf("mark assignment completed: %w", err)
	}
	if done && s.Notifier != nil {
		a.State, a.CompletedAt, a.OnTime = AssignmentCompleted, &at, onTime
		if err := s.Notifier.AssignmentCompleted(ctx, a); err != nil {
			s.log().WarnContext(ctx, "notify assignment completed", "assignmentId", a.AssignmentID, "error", err.Error())
		}
	}
	return nil
}

// AssignmentOpen reports whether the per-mentee assignment is still open (false when it is
// completed or gone), so a due reminder planned earlier can be withheld.
func (s *Service) AssignmentOpen(ctx context.Context, menteeAssignmentID string) (bool, error) {
	a, err := s.Store.MenteeAssignment(ctx, menteeAssignmentID)
	if errors.Is(err, ErrAssignmentNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return a.State == AssignmentOpen, nil
}

// DueBetween lists open mentee assignments due in [from, to), soonest first: the reminder
// scheduler's query. A zero from includes everything overdue before to.
func (s *Service) DueBetween(ctx context.Context, from, to time.Time) ([]MenteeAssignment, error) {
	var out []MenteeAssignment
	var after *Cursor
	for {
		page, err := s.Store.DueBetween(ctx, from, to, after, 500)
		if err != nil {
			return nil, fmt.Errorf("due between: %w", err)
		}
		out = append(out, page...)
		if len(page) < 500 {
			return out, nil
		}
		last := page[len(page)-1]
		after = &Cursor{At: last.DueAt, ID: last.ID}
	}
}

// AssignmentsContaining returns userID's assignments in programmeID that include the item,
// for progress bars.
func (s *Service) AssignmentsContaining(ctx context.Context, programmeID, userID string, ref learning.ItemRef) ([]MenteeAssignment, error) {
	as, err := s.assignmentsOf(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("assignments containing: %w", err)
	}
	var out []MenteeAssignment
	for _, a := range as {
		if a.ProgrammeID != programmeID {
			continue
		}
		for _, it := range a.Items {
			if it.Ref == ref {
				out = append(out, a)
				break
			}
		}
	}
	return out, nil
}

// PairingWithAssignments returns a pairing and the distinct ids of its assignments (one id
// per assignment, shared by the mentees of a group pairing).
func (s *Service) PairingWithAssignments(ctx context.Context, pairingID string) (Pairing, []string, error) {
	p, err := s.Store.Pairing(ctx, pairingID)
	if err != nil {
		return Pairing{}, nil, err
	}
	as, err := s.Store.PairingAssignments(ctx, pairingID)
	if err != nil {
		return Pairing{}, nil, fmt.Errorf("pairing assignments: %w", err)
	}
	var ids []string
	seen := map[string]bool{}
	for _, a := range as {
		if !seen[a.AssignmentID] {
			seen[a.AssignmentID] = true
			ids = append(ids, a.AssignmentID)
		}
	}
	return p, ids, nil
}

// assignmentsOf returns every assignment of a mentee (up to 500, soonest due first), read
// once per learning.WithMemo context: the gamification worker asks for them twice per event
// (progress bars and assignment completion) and several events of one person often share a
// batch.
func (s *Service) assignmentsOf(ctx context.Context, userID string) ([]MenteeAssignment, error) {
	return learning.Remember(ctx, "mentoring.assignments:"+userID, func() ([]MenteeAssignment, error) {
		return s.Store.MenteeAssignments(ctx, AssignmentQuery{MenteeID: userID, Limit: 500})
	})
}
