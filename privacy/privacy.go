// Package privacy carries out people's data-protection rights: erasure (UK GDPR / GDPR
// article 17) and access and portability (articles 15 and 20). Both run as durable jobs: a
// request writes a job, a worker claims it under a lease and works through the data one
// collection at a time, saving its place after each, so a crash resumes where it stopped.
//
// An erasure deletes what is only the person's and anonymises what is shared (a pairing's
// record, ledger and leaderboard rows keep their numbers under a tombstone ID), makes a
// second pass once every access token the person held has expired (so nothing sent in the
// meantime survives), then keeps only an audit record that names the tombstone, never the
// person. An export writes everything held about the person as JSON in a zip, kept for a
// limited time.
package privacy

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Kind is what a job does.
type Kind string

const (
	KindErase  Kind = "erase"
	KindExport Kind = "export"
)

// State is where a job is.
type State string

const (
	// StatePending: waiting for a worker (also between passes of an erasure).
	StatePending State = "pending"
	// StateDone: finished (an erasure is complete; an export's archive is ready).
	StateDone State = "done"
	// StateFailed: an export that failed too often (erasures never give up).
	StateFailed State = "failed"
)

// Person is whom a job is about. An erasure's job forgets the fields once it is done.
type Person struct {
	UserID string
	Email  string
	Name   string
	// Tombstone replaces the person's ID in the records that are kept.
	Tombstone string
}

// Job is one erasure or export.
type Job struct {
	ID     string
	Kind   Kind
	State  State
	Person Person
	// RequestedBy is who asked: the person themselves ("self") or an admin's user ID.
	RequestedBy string
	Reason      string
	// Pass counts an erasure's passes over the data (two: the second once every access
	// token has expired); Step is the next collection of the current pass.
	Pass, Step  int
	Attempts    int
	LastError   string
	CreatedAt   time.Time
	DueAt       time.Time
	CompletedAt time.Time
	// An export's archive: its size and until when it can be downloaded.
	Bytes     int64
	ExpiresAt time.Time
	// Lease is the claim of the worker running the job, until LeaseUntil.
	Lease      string
	LeaseUntil time.Time
}

// Errors.
var (
	ErrNotFound      = apperr.New(apperr.KindNotFound, "not_found", "no such job")
	ErrExportPending = apperr.New(apperr.KindConflict, "export_not_ready", "the export is still being prepared: ask again in a moment")
	ErrExportExpired = apperr.New(apperr.KindNotFound, "export_expired", "the export has expired: request a new one")
	ErrNothingDue    = errors.New("no privacy job is due")
)

// Store keeps the jobs.
type Store interface {
	// Insert adds a job; ok is false when a job with its ID exists (the existing one is
	// returned).
	Insert(ctx context.Context, j Job) (existing Job, ok bool, err error)
	// Replace swaps the job with ID j.ID for j when it is still in state from (an export
	// asked again); false when it changed meanwhile.
	Replace(ctx context.Context, j Job, from State) (bool, error)
	Get(ctx context.Context, id string) (Job, error)
	// Claim leases the job due first (DueAt <= now, pending) until until.
	Claim(ctx context.Context, now, until time.Time, lease string) (Job, error)
	// Save records the job's progress while its lease is held (false: lost).
	Save(ctx context.Context, j Job, lease string) (bool, error)
	// Expired returns export jobs whose archive expired before now.
	Expired(ctx context.Context, now time.Time, limit int) ([]Job, error)
	Delete(ctx context.Context, id string) error
}

// Data is the product's data, one collection ("step") at a time.
type Data interface {
	// Steps is how many collections there are (in the order an erasure visits them).
	Steps() int
	// StepName names step i (for logs and the archive).
	StepName(i int) string
	// Erase deletes or anonymises what step i holds about p; it may run more than once.
	Erase(ctx context.Context, i int, p Person, jobID string) (int, error)
	// Export writes what step i holds about p as JSON to w (nil: nothing); pairings are the
	// person's pairings, whose shared record is theirs too.
	Export(ctx context.Context, i int, p Person, pairings []string) ([]byte, error)
	// Pairings returns the IDs of the pairings p belongs to.
	Pairings(ctx context.Context, p Person) ([]string, error)
	// Attachments writes the files p uploaded into the archive.
	Attachments(ctx context.Context, p Person, add func(name string) (io.Writer, error)) error
}

// Archives keeps the export archives.
type Archives interface {
	Put(ctx context.Context, jobID string, write func(w io.Writer) error) (int64, error)
	Open(ctx context.Context, jobID string) (io.ReadCloser, error)
	Delete(ctx context.Context, jobID string) error
}
