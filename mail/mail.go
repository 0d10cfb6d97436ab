// Package mail holds the email the product sends: the kinds of message and their texts in
// English, German and French, the durable outbox producers enqueue into, and the sender that
// claims messages with a lease, has the producer fill them in at the moment of sending and
// hands them to a Transport (SMTP, in mail/smtp). It mirrors notify's outbox (docs/decisions.md,
// "Mail: an outbox like notifications"). It imports only the standard library and internal/;
// storage lives in mail/maildb.
//
// An outbox item holds no address, no text and no secret: only the kind and the producer's
// references (for an invitation, its id and generation). The producer's Handler resolves them
// when the message goes out, so a revoked invitation is never mailed, a resent one is mailed
// with its newest link, and the join token never rests in the database.
package mail

import (
	"context"
	"errors"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Sentinel errors.
var (
	// ErrNothingDue is returned by Store.Claim when no message is due.
	ErrNothingDue = apperr.New(apperr.KindNotFound, "nothing_due", "no message is due")
	// ErrGone is returned by a Handler when the message is no longer wanted (the invitation
	// was revoked, accepted or resent since): the item is dropped without a trace.
	ErrGone = errors.New("mail: the message is no longer wanted")
	// ErrNotYet is returned by a Handler when what the message is about is not written yet
	// (the producer enqueues first and writes second): the item waits and is tried again,
	// and dropped when it is still missing after Sender.Grace.
	ErrNotYet = errors.New("mail: what the message is about does not exist yet")
	// ErrPermanent marks a transport error that retrying cannot fix (a 5xx reply, an invalid
	// address); transports wrap their error with it.
	ErrPermanent = errors.New("mail: permanent delivery failure")
)

// Kind is what a message is about.
type Kind string

// The kinds of message.
const (
	KindInvitation Kind = "invitation"
)

// Message is what a producer enqueues.
type Message struct {
	// DedupKey identifies the message, so that a producer that retries enqueues it once
	// (for example "invitation:<inviteId>:<generation>"). Required.
	DedupKey string
	Kind     Kind
	// Refs are the producer's references; its Handler reads them when the message goes out.
	Refs map[string]string
}

// Pending is a message in the outbox.
type Pending struct {
	ID        string
	DedupKey  string
	Kind      Kind
	Refs      map[string]string
	CreatedAt time.Time
	// DueAt is when a sender may next claim it: now, a retry time, or the end of a lease.
	// Lease is the token of the sender holding it ("" when free).
	DueAt     time.Time
	Lease     string
	Attempts  int
	LastError string
}

// Status is how a message ended.
type Status string

// The statuses of a finished message.
const (
	// StatusSent: the SMTP server accepted it.
	StatusSent Status = "sent"
	// StatusFailed: refused for good, or retries exhausted.
	StatusFailed Status = "failed"
)

// Record is what remains of a finished message: no address and no text.
type Record struct {
	ID        string
	Kind      Kind
	Refs      map[string]string
	Status    Status
	Reason    string
	Attempts  int
	MessageID string
	At        time.Time
}

// Content is what a Handler fills a message in with.
type Content struct {
	To     string
	ToName string
	// Locale is a BCP 47 tag ("de", "fr-CA"); the text is in its language when we have it,
	// else English.
	Locale string
	// Vars fill the kind's templates.
	Vars map[string]string
}

// Letter is a message ready for the transport.
type Letter struct {
	To, ToName string
	Subject    string
	Text, HTML string
	// MessageID is derived from the outbox id, so that a message sent twice (the window a
	// crash leaves, see docs/decisions.md) carries the same Message-ID both times.
	MessageID string
}

// Handler fills in and follows up the messages of one kind; the producer implements it.
type Handler interface {
	// Resolve returns the message's content; ErrGone when it is no longer wanted, ErrNotYet
	// when what it is about is not written yet.
	Resolve(ctx context.Context, p Pending) (Content, error)
	// Finished is told how the message ended (errors are logged: the outcome is recorded).
	Finished(ctx context.Context, p Pending, r Record) error
}

// Store keeps the outbox and the records of finished messages.
type Store interface {
	// EnqueueMany inserts the items that are not pending yet (duplicates are skipped) and
	// returns the IDs it inserted.
	EnqueueMany(ctx context.Context, ps []Pending) ([]string, error)
	// FinishedAmong returns which of ids have a record.
	FinishedAmong(ctx context.Context, ids []string) (map[string]bool, error)
	// Claim leases the item due earliest (DueAt <= now) until until; ErrNothingDue when
	// none is due.
	Claim(ctx context.Context, now time.Time, lease string, until time.Time) (Pending, error)
	// Release gives a leased item back, due again at dueAt, with the attempt count and last
	// error recorded; nothing happens when the lease is no longer held.
	Release(ctx context.Context, id, lease string, dueAt time.Time, attempts int, lastError string) error
	// Finish writes r, then removes the outbox item (in that order: see Service.EnqueueAll).
	Finish(ctx context.Context, r Record) error
	// Forget removes outbox items without a record.
	Forget(ctx context.Context, ids ...string) error
	// PruneRecords removes records finished before before; it returns how many.
	PruneRecords(ctx context.Context, before time.Time) (int, error)
}
