package mentoring

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Action is something agreed at a meeting: who does it (OwnerID, a member of the pairing)
// and by when. DueAt is read in the owner's zone (a date means by the end of that day), so
// "by Friday" is the owner's Friday. The owner lists their actions across pairings and ticks
// them off.
type Action struct {
	ID          string
	MeetingID   string
	PairingID   string
	ProgrammeID string
	OwnerID     string
	Text        string
	DueAt       time.Time
	DueLocal    string
	Timezone    string
	Done        bool
	DoneAt      *time.Time
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ActionInput is an action as agreed, or an edit of one (nil fields stay).
type ActionInput struct {
	Text    *string
	OwnerID *string
	// Due is a date, a local date-time or an RFC 3339 time, read in the owner's zone.
	Due  *string
	Done *bool
}

// newActions validates and builds the actions of meeting m (ptr prefixes the pointers).
func (r *Record) newActions(ctx context.Context, f *apperr.Fields, actor Actor, p Pairing, m Meeting, in []ActionInput, ptr string) []Action {
	f.Check(len(in) <= MaxMeetingActions, ptr, fmt.Sprintf("must list at most %d actions", MaxMeetingActions))
	now := r.now()
	out := make([]Action, 0, len(in))
	for i, a := range in {
		at := fmt.Sprintf("%s/%d", ptr, i)
		act := Action{ID: newID(), MeetingID: m.ID, PairingID: p.ID, ProgrammeID: p.ProgrammeID, CreatedBy: actor.UserID,
			CreatedAt: now, UpdatedAt: now}
		if a.Done != nil {
			f.Add(at+"/done", "a new action is open; its owner ticks it off")
		}
		if !r.applyAction(ctx, f, at, p, &act, a, true) {
			continue
		}
		out = append(out, act)
	}
	return out
}

// applyAction validates in and applies it to a; it reports whether a is valid so far.
func (r *Record) applyAction(ctx context.Context, f *apperr.Fields, ptr string, p Pairing, a *Action, in ActionInput, creating bool) bool {
	before := f.Len()
	if in.Text != nil || creating {
		s := ""
		if in.Text != nil {
			s = *in.Text
		}
		a.Text = text(f, ptr+"/text", s, MaxActionTextLen, true)
	}
	if in.OwnerID != nil || creating {
		if in.OwnerID == nil || SideOf(p, *in.OwnerID) == SideNone {
			f.Add(ptr+"/ownerId", "must be a member of this pairing")
		} else {
			a.OwnerID = *in.OwnerID
		}
	}
	if in.Due != nil || creating || (in.OwnerID != nil && a.DueLocal != "") {
		due := a.DueLocal
		if in.Due != nil {
			due = strings.TrimSpace(*in.Due)
		}
		loc, err := r.location(ctx, a.OwnerID)
		if err != nil {
			loc = time.UTC
		}
		at, local, ok := ParseDue(due, loc)
		switch {
		case due == "":
			f.Add(ptr+"/due", "is required: by when")
		case !ok:
			f.Add(ptr+"/due", "must be a date YYYY-MM-DD, a local time YYYY-MM-DDTHH:MM, or an RFC 3339 time")
		case at.Before(r.now().AddDate(0, 0, -MaxMeetingsPastDays)) || at.After(r.now().Add(MaxMeetingsAhead)):
			f.Add(ptr+"/due", "must be within a year before and two years after today")
		default:
			a.DueAt, a.DueLocal, a.Timezone = at, local, loc.String()
		}
	}
	return f.Len() == before
}

// AddActions adds actions to a meeting of p (either party, while p may change).
func (r *Record) AddActions(ctx context.Context, actor Actor, p Pairing, m Meeting, in []ActionInput) ([]Action, error) {
	if err := meetingWritable(actor, p, m); err != nil {
		return nil, err
	}
	var f apperr.Fields
	f.Check(len(in) >= 1, "/actions", "must list at least one action")
	as := r.newActions(ctx, &f, actor, p, m, in, "/actions")
	if err := f.Err(); err != nil {
		return nil, err
	}
	if err := r.Store.InsertActions(ctx, as); err != nil {
		return nil, fmt.Errorf("add actions: %w", err)
	}
	return as, nil
}

// ActionOf loads an action and its pairing, for the API to authorize on; ErrActionNotFound
// when absent.
func (r *Record) ActionOf(ctx context.Context, id string) (Action, Pairing, error) {
	a, err := r.Store.Action(ctx, id)
	if err != nil {
		return Action{}, Pairing{}, err
	}
	p, err := r.Pairing(ctx, a.PairingID)
	if err != nil {
		return Action{}, Pairing{}, fmt.Errorf("action's pairing: %w", err)
	}
	return a, p, nil
}

// EditAction ticks an action off (or on again: its owner only) or changes its text, owner or
// due date (its owner or whoever agreed it).
func (r *Record) EditAction(ctx context.Context, actor Actor, p Pairing, a Action, in ActionInput) (Action, error) {
	if err := writable(actor, p); err != nil {
		if err == ErrPairingNotFound {
			return Action{}, ErrActionNotFound
		}
		return Action{}, err
	}
	var f apperr.Fields
	if in.Done != nil && actor.UserID != a.OwnerID {
		return Action{}, apperr.New(apperr.KindForbidden, "not_action_owner", "only the action's owner ticks it off")
	}
	if (in.Text != nil || in.OwnerID != nil || in.Due != nil) && actor.UserID != a.OwnerID && actor.UserID != a.CreatedBy {
		return Action{}, apperr.New(apperr.KindForbidden, "not_action_owner", "only the action's owner or whoever agreed it changes it")
	}
	r.applyAction(ctx, &f, "", p, &a, in, false)
	if err := f.Err(); err != nil {
		return Action{}, err
	}
	now := r.now()
	if in.Done != nil && *in.Done != a.Done {
		a.Done = *in.Done
		a.DoneAt = nil
		if a.Done {
			a.DoneAt = &now
		}
	}
	a.UpdatedAt = now
	if err := r.Store.UpdateAction(ctx, a); err != nil {
		return Action{}, fmt.Errorf("edit action: %w", err)
	}
	return a, nil
}

// MyActions lists userID's actions across their pairings, soonest due first; done nil lists
// open and done ones.
func (r *Record) MyActions(ctx context.Context, userID string, done *bool, after *Cursor, limit int) ([]Action, *Cursor, error) {
	as, err := r.Store.OwnerActions(ctx, ActionQuery{OwnerID: userID, Done: done, After: after, Limit: limit + 1})
	if err != nil {
		return nil, nil, fmt.Errorf("my actions: %w", err)
	}
	var next *Cursor
	if len(as) > limit {
		as = as[:limit]
		last := as[len(as)-1]
		next = &Cursor{At: last.DueAt, ID: last.ID}
	}
	return as, next, nil
}
