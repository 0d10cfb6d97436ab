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

// Visibility says who reads a note.
type Visibility string

// The visibilities. Owners of the programme never read a private or pairing note; they see
// that it exists and when (for reports), never what it says.
const (
	VisibilityPrivate Visibility = "private" // its author only
	VisibilityPairing Visibility = "pairing" // the pairing's members
	VisibilityOwners  Visibility = "owners"  // the pairing's members and the programme's owners
)

// NoteKind is a plain note or a structured reflection.
type NoteKind string

// The note kinds.
const (
	KindNote       NoteKind = "note"
	KindReflection NoteKind = "reflection"
)

// Limits on notes, in characters (documented in openapi.yaml).
const (
	MaxNoteBody       = 5000
	MaxReflectionText = 2000
)

// Reflection is the structure of a reflective note: what the author learned, how they will
// apply it, and which of the four learning domains (learning.Domains()) it touched.
type Reflection struct {
	Learned string
	Apply   string
	Domains []string
}

// Note is a note or reflection one person wrote in a pairing, on the pairing as a whole or
// on one of its meetings.
type Note struct {
	ID          string
	ProgrammeID string
	PairingID   string
	MeetingID   string // empty: about the pairing
	AuthorID    string
	Kind        NoteKind
	Visibility  Visibility
	Body        string
	Reflection  *Reflection
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// NoteView is a note as one reader sees it: Redacted notes (a private or pairing note shown
// to an owner) carry who, what kind, when, and nothing of what was written.
type NoteView struct {
	Note
	Redacted bool
}

// NoteInput is a note as written, or an edit of one (nil fields stay).
type NoteInput struct {
	MeetingID  *string
	Kind       *string
	Visibility *string
	Body       *string
	Learned    *string
	Apply      *string
	Domains    []string
}

// WriteNote stores a note or reflection by actor in p, optionally on one of p's meetings. A
// reflection earns its author XP once per subject (a meeting, or the pairing in a week).
func (r *Record) WriteNote(ctx context.Context, actor Actor, p Pairing, in NoteInput) (Note, error) {
	if err := writable(actor, p); err != nil {
		return Note{}, err
	}
	now := r.now()
	n := Note{ID: newID(), ProgrammeID: p.ProgrammeID, PairingID: p.ID, AuthorID: actor.UserID, Kind: KindNote,
		Visibility: VisibilityPrivate, CreatedAt: now, UpdatedAt: now}
	var f apperr.Fields
	if in.Kind != nil {
		n.Kind = NoteKind(*in.Kind)
	}
	if in.MeetingID != nil && *in.MeetingID != "" {
		m, err := r.Store.Meeting(ctx, *in.MeetingID)
		switch {
		case errors.Is(err, ErrMeetingNotFound) || (err == nil && m.PairingID != p.ID):
			f.Add("/meetingId", "is not a meeting of this pairing")
		case err != nil:
			return Note{}, fmt.Errorf("write note: %w", err)
		default:
			n.MeetingID = m.ID
		}
	}
	applyNote(&f, &n, in)
	if err := f.Err(); err != nil {
		return Note{}, err
	}
	if err := r.Store.InsertNote(ctx, n); err != nil {
		return Note{}, fmt.Errorf("write note: %w", err)
	}
	if n.Kind == KindReflection {
		if err := r.publish(ctx, r.reflectionEvent(p, n)); err != nil {
			return Note{}, err
		}
	}
	return n, nil
}

// applyNote validates in and applies it to n.
func applyNote(f *apperr.Fields, n *Note, in NoteInput) {
	switch n.Kind {
	case KindNote, KindReflection:
	default:
		f.Add("/kind", "must be note or reflection")
	}
	if in.Visibility != nil {
		n.Visibility = Visibility(*in.Visibility)
		switch n.Visibility {
		case VisibilityPrivate, VisibilityPairing, VisibilityOwners:
		default:
			f.Add("/visibility", "must be private, pairing or owners")
		}
	}
	if in.Body != nil {
		n.Body = text(f, "/body", *in.Body, MaxNoteBody, false)
	}
	if n.Kind == KindNote {
		f.Check(n.Body != "", "/body", "is required")
		f.Check(in.Learned == nil && in.Apply == nil && in.Domains == nil, "/kind", "only a reflection has learned, apply and domains")
		n.Reflection = nil
		return
	}
	rf := Reflection{}
	if n.Reflection != nil {
		rf = *n.Reflection
		rf.Domains = slices.Clone(rf.Domains)
	}
	if in.Learned != nil {
		rf.Learned = text(f, "/learned", *in.Learned, MaxReflectionText, false)
	}
	if in.Apply != nil {
		rf.Apply = text(f, "/apply", *in.Apply, MaxReflectionText, false)
	}
	f.Check(rf.Learned != "", "/learned", "is required: what did you learn?")
	f.Check(rf.Apply != "", "/apply", "is required: how will you apply it?")
	if in.Domains != nil {
		rf.Domains = dedupe(in.Domains)
		f.Check(len(in.Domains) <= len(learning.Domains()), "/domains", "must list each learning domain at most once")
		for i, d := range in.Domains {
			f.Check(learning.ValidDomain(d), fmt.Sprintf("/domains/%d", i), "must be cognitive, skill-based, affective or social-networks")
		}
	}
	f.Check(len(rf.Domains) >= 1, "/domains", "must name at least one learning domain")
	n.Reflection = &rf
}

// ReflectionEventID is the deterministic ID of the event for authorID's reflection on subject.
func ReflectionEventID(subject, authorID string) string {
	return "reflection:" + subject + ":" + authorID
}

// reflectionSubject is what a reflection is about, for earning once: its meeting, or the
// pairing in the author's ISO week.
func reflectionSubject(n Note) string {
	if n.MeetingID != "" {
		return "meeting:" + n.MeetingID
	}
	y, w := n.CreatedAt.ISOWeek()
	return fmt.Sprintf("pairing:%s:%d-W%02d", n.PairingID, y, w)
}

func (r *Record) reflectionEvent(p Pairing, n Note) learning.Event {
	subject := reflectionSubject(n)
	return learning.Event{ID: ReflectionEventID(subject, n.AuthorID), Kind: learning.ReflectionWritten, UserID: n.AuthorID,
		ProgrammeID: p.ProgrammeID, ItemKind: "reflection", ItemID: subject, PairingID: p.ID,
		Role: string(SideOf(p, n.AuthorID)), OccurredAt: n.CreatedAt, RecordedAt: n.CreatedAt}
}

// canRead reports whether actor reads n in full.
func canRead(actor Actor, p Pairing, n Note) bool {
	switch {
	case n.AuthorID == actor.UserID:
		return true
	case n.Visibility == VisibilityPrivate:
		return false
	case SideOf(p, actor.UserID) != SideNone:
		return true
	}
	return n.Visibility == VisibilityOwners && actor.Oversees()
}

// viewNote returns n as actor sees it, and whether actor sees it at all.
func viewNote(actor Actor, p Pairing, n Note) (NoteView, bool) {
	if canRead(actor, p, n) {
		return NoteView{Note: n}, true
	}
	if !actor.Oversees() || SideOf(p, actor.UserID) != SideNone {
		return NoteView{}, false // members never learn of each other's private notes
	}
	return NoteView{Note: Note{ID: n.ID, ProgrammeID: n.ProgrammeID, PairingID: n.PairingID, MeetingID: n.MeetingID,
		AuthorID: n.AuthorID, Kind: n.Kind, Visibility: n.Visibility, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt}, Redacted: true}, true
}

// NoteOf loads a note and its pairing, for the API to authorize on; ErrNoteNotFound when absent.
func (r *Record) NoteOf(ctx context.Context, id string) (Note, Pairing, error) {
	n, err := r.Store.Note(ctx, id)
	if err != nil {
		return Note{}, Pairing{}, err
	}
	p, err := r.Pairing(ctx, n.PairingID)
	if err != nil {
		return Note{}, Pairing{}, fmt.Errorf("note's pairing: %w", err)
	}
	return n, p, nil
}

// ReadNote returns n if actor may read it in full; ErrNoteNotFound otherwise (an owner learns
// of a private note from the list, never by reading it).
func (r *Record) ReadNote(actor Actor, p Pairing, n Note) (Note, error) {
	if readable(actor, p) != nil || !canRead(actor, p, n) {
		return Note{}, ErrNoteNotFound
	}
	return n, nil
}

// Notes lists p's notes as actor sees them, newest first: members their own and every shared
// note; owners the notes shared with them in full and the others redacted.
func (r *Record) Notes(ctx context.Context, actor Actor, p Pairing, q NoteQuery) ([]NoteView, *Cursor, error) {
	if err := readable(actor, p); err != nil {
		return nil, nil, err
	}
	switch q.Kind {
	case "", KindNote, KindReflection:
	default:
		return nil, nil, apperr.Invalid("/kind", "must be note or reflection")
	}
	limit := q.Limit
	q.PairingID, q.Reader, q.Limit = p.ID, actor.UserID, limit+1
	q.AllPrivate = actor.Oversees() && SideOf(p, actor.UserID) == SideNone
	ns, err := r.Store.Notes(ctx, q)
	if err != nil {
		return nil, nil, fmt.Errorf("list notes: %w", err)
	}
	var next *Cursor
	if len(ns) > limit {
		ns = ns[:limit]
		last := ns[len(ns)-1]
		next = &Cursor{At: last.CreatedAt, ID: last.ID}
	}
	out := make([]NoteView, 0, len(ns))
	for _, n := range ns {
		if v, ok := viewNote(actor, p, n); ok {
			out = append(out, v)
		}
	}
	return out, next, nil
}

// EditNote changes a note; only its author may, while the pairing may change. Turning a note
// into a reflection earns as writing one does.
func (r *Record) EditNote(ctx context.Context, actor Actor, p Pairing, n Note, in NoteInput) (Note, error) {
	if n.AuthorID != actor.UserID {
		if canRead(actor, p, n) {
			return Note{}, apperr.New(apperr.KindForbidden, "not_note_author", "only its author changes a note")
		}
		return Note{}, ErrNoteNotFound
	}
	if err := writable(actor, p); err != nil {
		return Note{}, err
	}
	var f apperr.Fields
	f.Check(in.MeetingID == nil, "/meetingId", "a note stays on what it was written about")
	wasReflection := n.Kind == KindReflection
	if in.Kind != nil {
		n.Kind = NoteKind(*in.Kind)
	}
	applyNote(&f, &n, in)
	if err := f.Err(); err != nil {
		return Note{}, err
	}
	n.UpdatedAt = r.now()
	if err := r.Store.UpdateNote(ctx, n); err != nil {
		return Note{}, fmt.Errorf("edit note: %w", err)
	}
	if n.Kind == KindReflection && !wasReflection {
		if err := r.publish(ctx, r.reflectionEvent(p, n)); err != nil {
			return Note{}, err
		}
	}
	return n, nil
}

// DeleteNote erases a note; only its author may (also after the pairing ended: what you
// wrote is yours to erase).
func (r *Record) DeleteNote(ctx context.Context, actor Actor, p Pairing, n Note) error {
	if n.AuthorID != actor.UserID {
		if readable(actor, p) == nil && canRead(actor, p, n) {
			return apperr.New(apperr.KindForbidden, "not_note_author", "only its author deletes a note")
		}
		return ErrNoteNotFound
	}
	return r.Store.DeleteNote(ctx, n.ID)
}
