package mentoring

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// GoalStatus is where a goal stands.
type GoalStatus string

// The goal statuses.
const (
	GoalNotStarted GoalStatus = "not_started"
	GoalInProgress GoalStatus = "in_progress"
	GoalAchieved   GoalStatus = "achieved"
	GoalDropped    GoalStatus = "dropped"
)

// Open reports whether a goal in status s is still being worked on.
func (s GoalStatus) Open() bool { return s == GoalNotStarted || s == GoalInProgress }

// Limits on goals.
const (
	MaxGoalStatement = 300
	MaxGoalMeasure   = 500
	MaxGoalTags      = 10
	MaxGoalLinks     = 20
	MaxGoalNote      = 500
	MaxGoalYearsOut  = 5
)

// GoalLink is a content item or an assignment whose completion moves a goal on. Kind is
// lesson, quiz, checklist, path or assignment (ID is then the assignment's ID).
type GoalLink struct {
	Kind string
	ID   string
}

// Key is the link as goals are looked up by when a learning event arrives ("lesson:ID").
func (l GoalLink) Key() string { return l.Kind + ":" + l.ID }

// Goal is a SMART goal of one person in a pairing: the mentee's, or the mentor's own
// development goal. Specific is the statement, Measure how it is measured, TargetDate
// (YYYY-MM-DD in the owner's zone, optional) when it is due, Tags the objectives it serves.
// Progress (0..100) moves by hand or as linked items are completed (it then never drops
// below the share of links completed); every change is kept as a GoalChange.
type Goal struct {
	ID          string
	ProgrammeID string
	PairingID   string
	OwnerID     string
	Specific    string
	Measure     string
	TargetDate  string
	Tags        []string
	Status      GoalStatus
	Progress    int
	Links       []GoalLink
	// LinksDone are the keys of the links completed so far.
	LinksDone  []string
	CreatedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	AchievedAt *time.Time
	Revision   int
	// Source is where a migrated goal came from ("agreement"); empty otherwise.
	Source string
}

// GoalChange is one entry of a goal's history: who changed it when, to what status and
// progress, and why (by hand, a linked item completed, created, migrated).
type GoalChange struct {
	GoalID   string
	Revision int
	At       time.Time
	By       string // empty when the system moved it (a linked item completed)
	Status   GoalStatus
	Progress int
	Reason   string // created, edited, link, migrated
	Note     string
}

// The reasons of a goal change.
const (
	ChangeCreated  = "created"
	ChangeEdited   = "edited"
	ChangeLink     = "link"
	ChangeMigrated = "migrated"
)

// GoalInput is a goal as written, or an edit (nil fields stay; Links replaces the list).
type GoalInput struct {
	OwnerID    *string
	Specific   *string
	Measure    *string
	TargetDate *string // "" clears it in an edit
	Tags       []string
	Status     *string
	Progress   *int
	Links      []GoalLinkInput
	SetLinks   bool
	Note       *string
	Revision   *int
}

// GoalLinkInput is a link as sent.
type GoalLinkInput struct{ Kind, ID string }

// mayManage reports whether actor may write goal owner's goals in p: everyone their own, and
// the mentor their mentees' (goals are often set together in a meeting).
func mayManage(actor Actor, p Pairing, ownerID string) bool {
	return actor.UserID == ownerID || (p.MentorID == actor.UserID && p.HasMentee(ownerID))
}

// SetGoal creates a goal in p for in.OwnerID (the actor when absent).
func (r *Record) SetGoal(ctx context.Context, actor Actor, p Pairing, in GoalInput) (Goal, error) {
	if err := writable(actor, p); err != nil {
		return Goal{}, err
	}
	now := r.now()
	g := Goal{ID: newID(), ProgrammeID: p.ProgrammeID, PairingID: p.ID, OwnerID: actor.UserID, Status: GoalNotStarted,
		Tags: []string{}, Links: []GoalLink{}, LinksDone: []string{}, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now, Revision: 1}
	var f apperr.Fields
	if in.OwnerID != nil {
		g.OwnerID = *in.OwnerID
		if SideOf(p, g.OwnerID) == SideNone {
			f.Add("/ownerId", "is not a member of this pairing")
		} else if !mayManage(actor, p, g.OwnerID) {
			f.Add("/ownerId", "you can set your own goals, and a mentor their mentees' goals")
		}
	}
	f.Check(in.Specific != nil, "/specific", "is required: what exactly will be achieved?")
	f.Check(in.Revision == nil, "/revision", "only an edit names the revision it read")
	if err := r.applyGoal(ctx, &f, p, &g, in); err != nil {
		return Goal{}, err
	}
	if err := f.Err(); err != nil {
		return Goal{}, err
	}
	change := GoalChange{GoalID: g.ID, Revision: 1, At: now, By: actor.UserID, Status: g.Status, Progress: g.Progress, Reason: ChangeCreated}
	if in.Note != nil {
		change.Note = *in.Note
	}
	if err := r.Store.InsertGoals(ctx, []Goal{g}, []GoalChange{change}); err != nil {
		return Goal{}, fmt.Errorf("set goal: %w", err)
	}
	if g.Status == GoalAchieved {
		if err := r.publish(ctx, r.goalEvent(p, g)); err != nil {
			return Goal{}, err
		}
	}
	return g, nil
}

// applyGoal validates in and applies it to g.
func (r *Record) applyGoal(ctx context.Context, f *apperr.Fields, p Pairing, g *Goal, in GoalInput) error {
	now := r.now()
	if in.Specific != nil {
		g.Specific = text(f, "/specific", *in.Specific, MaxGoalStatement, true)
	}
	if in.Measure != nil {
		g.Measure = text(f, "/measure", *in.Measure, MaxGoalMeasure, false)
	}
	if err := r.applyTargetDate(ctx, f, g, in, now); err != nil {
		return err
	}
	if in.Tags != nil {
		g.Tags = dedupe(texts(f, "/tags", in.Tags, MaxGoalTags, MaxTagLen))
		for i := range g.Tags {
			g.Tags[i] = NormalizeText(g.Tags[i])
		}
	}
	if in.SetLinks {
		if err := r.applyLinks(ctx, f, p, g, in.Links); err != nil {
			return err
		}
	}
	applyGoalProgress(f, g, in, now)
	if in.Note != nil {
		text(f, "/note", *in.Note, MaxGoalNote, false)
	}
	return nil
}

// applyTargetDate sets the goal's target date, a local date of its owner within the range
// a goal may have ("" clears it).
func (r *Record) applyTargetDate(ctx context.Context, f *apperr.Fields, g *Goal, in GoalInput, now time.Time) error {
	if in.TargetDate == nil {
		return nil
	}
	g.TargetDate = *in.TargetDate
	if g.TargetDate == "" {
		return nil
	}
	loc, err := r.location(ctx, g.OwnerID)
	if err != nil {
		return err
	}
	d, err := time.ParseInLocation(time.DateOnly, g.TargetDate, loc)
	today := now.In(loc)
	switch {
	case err != nil:
		f.Add("/targetDate", "must be a date YYYY-MM-DD")
	case d.Before(today.AddDate(-1, 0, -1)) || d.After(today.AddDate(MaxGoalYearsOut, 0, 0)):
		f.Add("/targetDate", fmt.Sprintf("must be within a year before and %d years after today", MaxGoalYearsOut))
	}
	return nil
}

// applyGoalProgress sets progress and status: progress never falls below what the linked
// items' completion gives, a goal with progress is in progress, and an achieved goal is at
// 100 from the moment it was achieved.
func applyGoalProgress(f *apperr.Fields, g *Goal, in GoalInput, now time.Time) {
	if in.Progress != nil {
		f.Check(*in.Progress >= 0 && *in.Progress <= 100, "/progress", "must be 0 to 100")
		g.Progress = min(max(*in.Progress, 0), 100)
	}
	g.Progress = max(g.Progress, linkProgress(*g))
	if in.Status != nil {
		g.Status = GoalStatus(*in.Status)
		switch g.Status {
		case GoalNotStarted, GoalInProgress, GoalAchieved, GoalDropped:
		default:
			f.Add("/status", "must be not_started, in_progress, achieved or dropped")
		}
	} else if g.Status == GoalNotStarted && g.Progress > 0 {
		g.Status = GoalInProgress
	}
	if g.Status == GoalAchieved && g.AchievedAt == nil {
		g.AchievedAt, g.Progress = &now, 100
	}
	if g.Status != GoalAchieved {
		g.AchievedAt = nil
	}
}

// applyLinks validates links: content items of the programme, assignments of the pairing
// given to the goal's owner.
func (r *Record) applyLinks(ctx context.Context, f *apperr.Fields, p Pairing, g *Goal, links []GoalLinkInput) error {
	f.Check(len(links) <= MaxGoalLinks, "/links", fmt.Sprintf("must list at most %d links", MaxGoalLinks))
	out := []GoalLink{}
	for i, l := range links {
		ok, err := r.checkLink(ctx, f, fmt.Sprintf("/links/%d", i), p, g, GoalLink(l), out)
		if err != nil {
			return err
		}
		if ok {
			out = append(out, GoalLink(l))
		}
	}
	g.Links = out
	keys := make([]string, len(out))
	for i, l := range out {
		keys[i] = l.Key()
	}
	g.LinksDone = slices.DeleteFunc(g.LinksDone, func(k string) bool { return !slices.Contains(keys, k) })
	return r.markLinkedItemsDone(ctx, g, out)
}

// checkLink checks one link of g (at ptr): an item of the programme's catalogue or an
// assignment of the pairing given to the goal's owner, not listed before (in out). A linked
// assignment already completed counts as done.
func (r *Record) checkLink(ctx context.Context, f *apperr.Fields, ptr string, p Pairing, g *Goal, link GoalLink, out []GoalLink) (bool, error) {
	if link.ID == "" || len(link.ID) > 64 {
		f.Add(ptr+"/id", "must be an item or assignment id")
		return false, nil
	}
	if slices.Contains(out, link) {
		f.Add(ptr, "is listed twice")
		return false, nil
	}
	switch link.Kind {
	case learning.KindLesson, learning.KindQuiz, learning.KindChecklist, learning.KindPath:
		if r.Pairings.Catalog == nil {
			f.Add(ptr+"/id", "no content catalogue is wired")
			return false, nil
		}
		_, err := r.Pairings.Catalog.Item(ctx, p.ProgrammeID, learning.ItemRef{Kind: link.Kind, ID: link.ID})
		if isNotFound(err) {
			f.Add(ptr+"/id", "no such "+link.Kind+" in this programme")
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("goal link: %w", err)
		}
	case "assignment":
		a, err := r.Pairings.Store.MenteeAssignment(ctx, link.ID+":"+g.OwnerID)
		if errors.Is(err, ErrAssignmentNotFound) || (err == nil && a.PairingID != p.ID) {
			f.Add(ptr+"/id", "is not an assignment of this pairing given to the goal's owner")
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("goal link: %w", err)
		}
		if a.State == AssignmentCompleted && !slices.Contains(g.LinksDone, link.Key()) {
			g.LinksDone = append(g.LinksDone, link.Key())
		}
	default:
		f.Add(ptr+"/kind", "must be lesson, quiz, checklist, path or assignment")
		return false, nil
	}
	return true, nil
}

// markLinkedItemsDone counts as done the linked content items the goal's owner has completed.
func (r *Record) markLinkedItemsDone(ctx context.Context, g *Goal, links []GoalLink) error {
	if r.Pairings.Completions == nil {
		return nil
	}
	var refs []learning.ItemRef
	for _, l := range links {
		if l.Kind != "assignment" {
			refs = append(refs, learning.ItemRef{Kind: l.Kind, ID: l.ID})
		}
	}
	if len(refs) == 0 {
		return nil
	}
	done, err := r.Pairings.Completions.Completed(ctx, g.OwnerID, refs)
	if err != nil {
		return fmt.Errorf("goal links: %w", err)
	}
	for ref, ok := range done {
		k := GoalLink{Kind: ref.Kind, ID: ref.ID}.Key()
		if ok && !slices.Contains(g.LinksDone, k) {
			g.LinksDone = append(g.LinksDone, k)
		}
	}
	return nil
}

// linkProgress is the share of g's links completed, in whole percent.
func linkProgress(g Goal) int {
	if len(g.Links) == 0 {
		return 0
	}
	return 100 * len(g.LinksDone) / len(g.Links)
}

// GoalOf loads a goal and its pairing, for the API to authorize on; ErrGoalNotFound when
// absent.
func (r *Record) GoalOf(ctx context.Context, id string) (Goal, Pairing, error) {
	g, err := r.Store.Goal(ctx, id)
	if err != nil {
		return Goal{}, Pairing{}, err
	}
	p, err := r.Pairing(ctx, g.PairingID)
	if err != nil {
		return Goal{}, Pairing{}, fmt.Errorf("goal's pairing: %w", err)
	}
	return g, p, nil
}

// ReadGoal returns g if actor may read p's record (goals are shared with the pairing and its
// programme's owners); ErrGoalNotFound otherwise.
func (r *Record) ReadGoal(actor Actor, p Pairing, g Goal) (Goal, error) {
	if readable(actor, p) != nil {
		return Goal{}, ErrGoalNotFound
	}
	return g, nil
}

// Goals lists p's goals (one owner's when q.OwnerID is set), oldest first.
func (r *Record) Goals(ctx context.Context, actor Actor, p Pairing, q GoalQuery) ([]Goal, *Cursor, error) {
	if err := readable(actor, p); err != nil {
		return nil, nil, err
	}
	q.PairingID = p.ID
	return r.goals(ctx, q)
}

// MyGoals lists userID's goals across their pairings, oldest first.
func (r *Record) MyGoals(ctx context.Context, userID string, q GoalQuery) ([]Goal, *Cursor, error) {
	q.PairingID, q.OwnerID = "", userID
	return r.goals(ctx, q)
}

func (r *Record) goals(ctx context.Context, q GoalQuery) ([]Goal, *Cursor, error) {
	switch q.Status {
	case "", GoalNotStarted, GoalInProgress, GoalAchieved, GoalDropped:
	default:
		return nil, nil, apperr.Invalid("/status", "must be not_started, in_progress, achieved or dropped")
	}
	limit := q.Limit
	q.Limit = limit + 1
	gs, err := r.Store.Goals(ctx, q)
	if err != nil {
		return nil, nil, fmt.Errorf("list goals: %w", err)
	}
	var next *Cursor
	if len(gs) > limit {
		gs = gs[:limit]
		last := gs[len(gs)-1]
		next = &Cursor{At: last.CreatedAt, ID: last.ID}
	}
	return gs, next, nil
}

// EditGoal changes a goal: its statement, measure, target, tags, links, status or progress.
// Its owner may, and the pairing's mentor for a mentee's goal. Each edit is a new revision
// with a history entry; two edits racing on one revision: one wins, the other gets
// ErrGoalChanged. Achieving a goal earns its owner XP once.
func (r *Record) EditGoal(ctx context.Context, actor Actor, p Pairing, g Goal, in GoalInput) (Goal, error) {
	if err := writable(actor, p); err != nil {
		return Goal{}, err
	}
	if !mayManage(actor, p, g.OwnerID) {
		return Goal{}, apperr.New(apperr.KindForbidden, "not_goal_owner", "only the goal's owner (or a mentee's mentor) changes it")
	}
	if in.Revision != nil && *in.Revision != g.Revision {
		return Goal{}, ErrGoalChanged
	}
	var f apperr.Fields
	f.Check(in.OwnerID == nil, "/ownerId", "a goal stays with its owner")
	prev := g.Revision
	was := g.Status
	next := g
	next.Tags, next.Links, next.LinksDone = slices.Clone(g.Tags), slices.Clone(g.Links), slices.Clone(g.LinksDone)
	if err := r.applyGoal(ctx, &f, p, &next, in); err != nil {
		return Goal{}, err
	}
	if err := f.Err(); err != nil {
		return Goal{}, err
	}
	now := r.now()
	next.Revision, next.UpdatedAt = prev+1, now
	change := GoalChange{GoalID: g.ID, Revision: next.Revision, At: now, By: actor.UserID, Status: next.Status,
		Progress: next.Progress, Reason: ChangeEdited}
	if in.Note != nil {
		change.Note = *in.Note
	}
	if err := r.Store.UpdateGoal(ctx, next, prev, change); err != nil {
		return Goal{}, err
	}
	if next.Status == GoalAchieved && was != GoalAchieved {
		if err := r.publish(ctx, r.goalEvent(p, next)); err != nil {
			return Goal{}, err
		}
	}
	return next, nil
}

// GoalHistory lists a goal's changes, oldest first, after revision afterRev.
func (r *Record) GoalHistory(ctx context.Context, actor Actor, p Pairing, g Goal, afterRev, limit int) ([]GoalChange, int, error) {
	if readable(actor, p) != nil {
		return nil, 0, ErrGoalNotFound
	}
	cs, err := r.Store.GoalHistory(ctx, g.ID, afterRev, limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("goal history: %w", err)
	}
	next := 0
	if len(cs) > limit {
		cs = cs[:limit]
		next = cs[len(cs)-1].Revision
	}
	return cs, next, nil
}

// GoalAchievedEventID is the deterministic ID of the event that says goal goalID was achieved.
func GoalAchievedEventID(goalID string) string { return "goal-achieved:" + goalID }

func (r *Record) goalEvent(p Pairing, g Goal) learning.Event {
	at := r.now()
	if g.AchievedAt != nil {
		at = *g.AchievedAt
	}
	return learning.Event{ID: GoalAchievedEventID(g.ID), Kind: learning.GoalAchieved, UserID: g.OwnerID, ProgrammeID: g.ProgrammeID,
		ItemKind: "goal", ItemID: g.ID, PairingID: g.PairingID, Role: string(SideOf(p, g.OwnerID)), OccurredAt: at, RecordedAt: at}
}

// ObserveLearningEvent implements learning.Observer: a lesson, quiz, checklist or path
// completed, or an assignment completed, moves on the person's open goals that link it.
// Progress only grows with links, so a redelivered event changes nothing.
func (r *Record) ObserveLearningEvent(ctx context.Context, e learning.Event) error {
	if e.UserID == "" {
		return nil
	}
	var key string
	switch {
	case e.Kind == learning.AssignmentCompleted:
		key = GoalLink{Kind: "assignment", ID: e.ItemID}.Key()
	case completes(e) && e.ItemID != "":
		kind := e.ItemKind
		if kind == "" {
			kind = map[learning.Kind]string{learning.LessonCompleted: learning.KindLesson, learning.QuizAttempted: learning.KindQuiz,
				learning.ChecklistCompleted: learning.KindChecklist, learning.PathCompleted: learning.KindPath}[e.Kind]
		}
		key = GoalLink{Kind: kind, ID: e.ItemID}.Key()
	default:
		return nil
	}
	gs, err := r.Store.LinkedGoals(ctx, e.UserID, key)
	if err != nil {
		return fmt.Errorf("goals linking %s: %w", key, err)
	}
	var errs []error
	for _, g := range gs {
		if err := r.linkDone(ctx, g, key); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// linkDone records that g's link key is completed, retrying once when an edit raced it.
func (r *Record) linkDone(ctx context.Context, g Goal, key string) error {
	for attempt := 0; ; attempt++ {
		if slices.Contains(g.LinksDone, key) || !g.Status.Open() {
			return nil
		}
		prev := g.Revision
		next := g
		next.LinksDone = append(slices.Clone(g.LinksDone), key)
		next.Progress = max(g.Progress, linkProgress(next))
		if next.Status == GoalNotStarted && next.Progress > 0 {
			next.Status = GoalInProgress
		}
		next.Revision, next.UpdatedAt = prev+1, r.now()
		change := GoalChange{GoalID: g.ID, Revision: next.Revision, At: next.UpdatedAt, Status: next.Status,
			Progress: next.Progress, Reason: ChangeLink, Note: key}
		err := r.Store.UpdateGoal(ctx, next, prev, change)
		if !errors.Is(err, ErrGoalChanged) || attempt > 0 {
			return err
		}
		if g, err = r.Store.Goal(ctx, g.ID); err != nil {
			return err
		}
	}
}

// MigrateAgreementGoals turns the plain goal strings of p's agreement into goals of each of
// p's mentees (IDs derived from the pairing, the mentee and the text, so running it again
// stores nothing twice), then empties the agreement's list. Start-up runs it over every
// pairing that still has goal strings.
func (r *Record) MigrateAgreementGoals(ctx context.Context, p Pairing) error {
	if len(p.Agreement.Goals) == 0 {
		return nil
	}
	at := p.CreatedAt
	var gs []Goal
	var hs []GoalChange
	for _, mentee := range p.MenteeIDs {
		for i, s := range p.Agreement.Goals {
			h := sha256.Sum256([]byte(p.ID + "\x00" + mentee + "\x00" + fmt.Sprint(i) + "\x00" + s))
			id := hex.EncodeToString(h[:12])
			gs = append(gs, Goal{ID: id, ProgrammeID: p.ProgrammeID, PairingID: p.ID, OwnerID: mentee, Specific: s,
				Status: GoalNotStarted, Tags: []string{}, Links: []GoalLink{}, LinksDone: []string{}, CreatedBy: p.CreatedBy,
				CreatedAt: at.Add(time.Duration(i) * time.Millisecond), UpdatedAt: at, Revision: 1, Source: "agreement"})
			hs = append(hs, GoalChange{GoalID: id, Revision: 1, At: at, By: p.CreatedBy, Status: GoalNotStarted, Reason: ChangeMigrated})
		}
	}
	if err := r.Store.InsertGoals(ctx, gs, hs); err != nil {
		return fmt.Errorf("migrate agreement goals of %s: %w", p.ID, err)
	}
	return r.Store.ClearAgreementGoals(ctx, p.ID, p.Agreement.Goals)
}
