package evidence

import (
	"context"
	"fmt"
	"time"

	"github.com/microlearn/microlearn/evidence/xapi"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// StoredStatement is an xAPI statement as kept: its JSON bytes (made once, so a resend is
// byte for byte the same), with what the programme's list pages by.
type StoredStatement struct {
	ID          string
	ProgrammeID string
	UserID      string
	Stored      time.Time
	JSON        []byte
}

// OutboxItem is a statement waiting to be forwarded to the LRS.
type OutboxItem struct {
	ID       string
	Attempts int
	Lease    string
}

// ErrNothingDue is returned by ClaimOutbox when nothing waits.
var ErrNothingDue = apperr.New(apperr.KindNotFound, "nothing_due", "no statement waits to be forwarded")

// StatementStore keeps the statements and the forwarding outbox.
type StatementStore interface {
	// InsertStatement stores s; a statement already stored under its ID is kept as it is.
	InsertStatement(ctx context.Context, s StoredStatement) error
	// Statements lists a programme's statements stored at or after since, in (stored, id)
	// order after the cursor.
	Statements(ctx context.Context, programmeID string, since time.Time, after *Cursor, limit int) ([]StoredStatement, error)
	// StatementsByID returns the stored statements among ids.
	StatementsByID(ctx context.Context, ids []string) (map[string]StoredStatement, error)
	// Enqueue puts a statement in the outbox, due at once; one already there stays.
	Enqueue(ctx context.Context, id string, now time.Time) error
	// ClaimOutbox leases the item due earliest until until; ErrNothingDue when none is due.
	ClaimOutbox(ctx context.Context, now time.Time, lease string, until time.Time) (OutboxItem, error)
	// FinishOutbox removes a forwarded item, if lease still holds it.
	FinishOutbox(ctx context.Context, id, lease string) error
	// RetryOutbox makes a leased item due again at dueAt, counting the attempt.
	RetryOutbox(ctx context.Context, id, lease string, dueAt time.Time, attempts int, lastError string) error
	// DeadOutbox moves an item the LRS refuses for good to the dead letters, with the reason.
	DeadOutbox(ctx context.Context, id, lease, reason string, now time.Time) error
}

// Recorder turns learning events and check-in answers into xAPI statements, stores them for
// the programme's statement list and, when an LRS is configured, queues them for forwarding.
// Every write is keyed by the deterministic statement ID, so repeating it changes nothing.
type Recorder struct {
	IRIs     xapi.IRIs
	Store    StatementStore
	Pairings Pairings
	Catalog  Catalog
	// Forward queues every new statement for the LRS.
	Forward bool
	Now     func() time.Time
}

// LearningEvent implements LearningSink.
func (r *Recorder) LearningEvent(ctx context.Context, e learning.Event) error {
	if e.ProgrammeID == "" || e.UserID == "" {
		return nil // global-library activity belongs to no programme: no actor account to name
	}
	sub := xapi.Subject{}
	if r.Catalog != nil && (e.ItemKind == learning.KindLesson || e.ItemKind == learning.KindQuiz || e.ItemKind == learning.KindChecklist) {
		if it, err := r.Catalog.Item(ctx, learning.ItemRef{Kind: e.ItemKind, ID: e.ItemID}); err == nil {
			sub.Title = it.Title
		} else if apperr.KindOf(err) != apperr.KindNotFound {
			return err
		}
	}
	if e.PairingID != "" {
		team, err := r.team(ctx, e.PairingID)
		if err != nil {
			return err
		}
		sub.Team = team
	}
	s, ok := r.IRIs.FromEvent(e, sub)
	if !ok {
		return nil
	}
	return r.keep(ctx, e.ProgrammeID, e.UserID, s)
}

// CheckinCompleted implements StatementSink.
func (r *Recorder) CheckinCompleted(ctx context.Context, a Answer, c CheckIn, p Pairing) error {
	s := r.IRIs.FromCheckin(xapi.CheckinRatings{CheckinID: c.ID, ProgrammeID: c.ProgrammeID, UserID: c.UserID, Role: c.Side, Label: c.Label,
		Ratings: a.Ratings, Relationship: a.Relationship, AnsweredAt: a.AnsweredAt, Team: &xapi.Team{PairingID: p.ID, Members: p.Members()}})
	return r.keep(ctx, c.ProgrammeID, c.UserID, s)
}

func (r *Recorder) team(ctx context.Context, pairingID string) (*xapi.Team, error) {
	p, err := r.Pairings.Pairing(ctx, pairingID)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &xapi.Team{PairingID: p.ID, Members: p.Members()}, nil
}

func (r *Recorder) keep(ctx context.Context, programmeID, userID string, s xapi.Statement) error {
	b, err := xapi.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode statement: %w", err)
	}
	now := r.Now().UTC()
	if err := r.Store.InsertStatement(ctx, StoredStatement{ID: s.ID, ProgrammeID: programmeID, UserID: userID, Stored: now, JSON: b}); err != nil {
		return err
	}
	if r.Forward {
		return r.Store.Enqueue(ctx, s.ID, now)
	}
	return nil
}

// ProgrammeStatements pages a programme's statements for its owners, stored at or after since.
func (r *Recorder) ProgrammeStatements(ctx context.Context, actor Actor, programmeID string, since time.Time, after *Cursor, limit int) ([]StoredStatement, error) {
	if !actor.Oversees() {
		return nil, ErrForbidden
	}
	return r.Store.Statements(ctx, programmeID, since, after, limit)
}
