// Package learningdb keeps learning events in MongoDB: the small work queue the gamification
// service consumes them from, and the permanent log of processed events.
//
// Publishing is one insert (the queue document, keyed by event ID, holding the whole event),
// so a content progress write costs two commands in all. Everything else is written by the
// worker, batched:
//   - learning_queue: events not yet processed, each with the token of its publication. It
//     holds only pending work, so it stays small even on FerretDB, which scans collections.
//   - learning_claims: one lease per event, keyed by event ID, recording the publication
//     token it was claimed under, and the event itself. The lease outlives the event: once
//     the event has left the queue, a lease whose token differs from a queued document's
//     marks that document as a replay of an event already processed (or parked), which the
//     claim drops. A lease whose event left the queue other than by parking is the record
//     of a processed event, so Done is a single delete.
//   - learning_events: the permanent log of processed events: leases are moved there
//     (insert-only) when they are swept, 31 days after they ran out (content refuses events
//     older than 30 days). Published reads both.
//   - learning_dead: events that failed too often, parked for an operator.
package learningdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/tracing"
	"github.com/microlearn/microlearn/learning"
)

// Collection names.
const (
	Events = "learning_events"
	Queue  = "learning_queue"
	Claims = "learning_claims"
	Dead   = "learning_dead"
)

// MarkerRetention is how long the lease of a processed event is kept after it ran out, as
// the marker that makes the claim drop a replay of the event. Content refuses events older
// than 30 days; a replay can come no later than that after the event happened, and so no
// later than that after it was first processed.
const MarkerRetention = 31 * 24 * time.Hour

// Indexes lists the indexes the queries in this package need.
func Indexes() []mongodb.Index {
	return []mongodb.Index{
		{Collection: Events, Model: mongo.IndexModel{Keys: bson.D{{Key: "userId", Value: 1}, {Key: "occurredAt", Value: 1}}}},
		{Collection: Queue, Model: mongo.IndexModel{Keys: bson.D{{Key: "availableAt", Value: 1}}}},
		{Collection: Claims, Model: mongo.IndexModel{Keys: bson.D{{Key: "sweep", Value: 1}}}}, // SweepLeases
	}
}

// Store is the MongoDB learning.Publisher and gamification.Queue.
type Store struct {
	db *mongo.Database
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// OnPublish, when set, is called after an event was queued (the in-process worker uses
	// it to wake up at once).
	OnPublish func()

	// held remembers events leased by this store's claims or found leased by another live
	// worker, until their lease ends (or Done or Release), so that the next claims do not
	// try them again (an insert and a read each time).
	heldMu sync.Mutex
	held   map[string]time.Time
	// swept is the last sweep hour SweepLeases finished (under heldMu).
	swept time.Time
}

// stillHeld returns the events remembered as held by another worker at now, forgetting
// those whose lease has ended.
func (s *Store) stillHeld(now time.Time) []string {
	s.heldMu.Lock()
	defer s.heldMu.Unlock()
	var out []string
	for id, until := range s.held {
		switch {
		case !until.After(now):
			delete(s.held, id)
		case len(out) < 1000: // a longer $nin costs more than the retries it saves
			out = append(out, id)
		}
	}
	return out
}

func (s *Store) forgetHeld(ids ...string) {
	s.heldMu.Lock()
	defer s.heldMu.Unlock()
	for _, id := range ids {
		delete(s.held, id)
	}
}

func (s *Store) noteHeld(id string, until time.Time) {
	s.heldMu.Lock()
	defer s.heldMu.Unlock()
	if s.held == nil {
		s.held = map[string]time.Time{}
	}
	if len(s.held) < 10000 {
		s.held[id] = until
	}
}

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

func (s *Store) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// EventDoc is the stored form of a learning event.
type EventDoc struct {
	ID            string        `bson:"_id"`
	Kind          string        `bson:"kind"`
	UserID        string        `bson:"userId"`
	ProgrammeID   string        `bson:"programmeId"`
	ItemKind      string        `bson:"itemKind,omitempty"`
	ItemID        string        `bson:"itemId,omitempty"`
	Domain        string        `bson:"domain,omitempty"`
	OccurredAt    time.Time     `bson:"occurredAt"`
	RecordedAt    time.Time     `bson:"recordedAt"`
	ScorePercent  int           `bson:"scorePercent,omitempty"`
	Passed        bool          `bson:"passed,omitempty"`
	Attempt       int           `bson:"attempt,omitempty"`
	Perfect       bool          `bson:"perfect,omitempty"`
	SecondsSpent  int           `bson:"secondsSpent,omitempty"`
	PairingID     string        `bson:"pairingId,omitempty"`
	DueAt         *time.Time    `bson:"dueAt,omitempty"`
	OnTime        bool          `bson:"onTime,omitempty"`
	Role          string        `bson:"role,omitempty"`
	CadenceMonths int           `bson:"cadenceMonths,omitempty"`
	Trace         string        `bson:"trace,omitempty"`
	Questions     []questionDoc `bson:"questions,omitempty"`
	// The time measures came later: events stored before carry neither, and are not
	// checked for plausible time.
	EstimatedSeconds int `bson:"estimatedSeconds,omitempty"`
	SecondsOnItem    int `bson:"secondsOnItem,omitempty"`
}

// traced stamps d with the publishing request's trace, when it has none.
func traced(ctx context.Context, d EventDoc) EventDoc {
	if d.Trace == "" {
		d.Trace = tracing.Inject(ctx)
	}
	return d
}

// questionDoc is one question result of a quiz attempt.
type questionDoc struct {
	Key     string `bson:"key"`
	Correct bool   `bson:"correct"`
}

func fromQuestions(qs []learning.QuestionResult) []questionDoc {
	if len(qs) == 0 {
		return nil
	}
	out := make([]questionDoc, len(qs))
	for i, q := range qs {
		out[i] = questionDoc{Key: q.Key, Correct: q.Correct}
	}
	return out
}

func toQuestions(qs []questionDoc) []learning.QuestionResult {
	if len(qs) == 0 {
		return nil
	}
	out := make([]learning.QuestionResult, len(qs))
	for i, q := range qs {
		out[i] = learning.QuestionResult{Key: q.Key, Correct: q.Correct}
	}
	return out
}

// FromEvent converts a domain event to its stored form.
func FromEvent(e learning.Event) EventDoc {
	return EventDoc{ID: e.ID, Kind: string(e.Kind), UserID: e.UserID, ProgrammeID: e.ProgrammeID, ItemKind: e.ItemKind,
		ItemID: e.ItemID, Domain: e.Domain, OccurredAt: e.OccurredAt.UTC(), RecordedAt: e.RecordedAt.UTC(),
		ScorePercent: e.ScorePercent, Passed: e.Passed, Attempt: e.Attempt, Perfect: e.Perfect,
		SecondsSpent: e.SecondsSpent, PairingID: e.PairingID, DueAt: e.DueAt, OnTime: e.OnTime,
		Role: e.Role, CadenceMonths: e.CadenceMonths, EstimatedSeconds: e.EstimatedSeconds, SecondsOnItem: e.SecondsOnItem, Trace: e.Trace,
		Questions: fromQuestions(e.Questions)}
}

// ToEvent converts the stored form back.
func (d EventDoc) ToEvent() learning.Event {
	return learning.Event{ID: d.ID, Kind: learning.Kind(d.Kind), UserID: d.UserID, ProgrammeID: d.ProgrammeID,
		ItemKind: d.ItemKind, ItemID: d.ItemID, Domain: d.Domain, OccurredAt: d.OccurredAt, RecordedAt: d.RecordedAt,
		ScorePercent: d.ScorePercent, Passed: d.Passed, Attempt: d.Attempt, Perfect: d.Perfect,
		SecondsSpent: d.SecondsSpent, PairingID: d.PairingID, DueAt: d.DueAt, OnTime: d.OnTime,
		Role: d.Role, CadenceMonths: d.CadenceMonths, EstimatedSeconds: d.EstimatedSeconds, SecondsOnItem: d.SecondsOnItem, Trace: d.Trace,
		Questions: toQuestions(d.Questions)}
}

// queueDoc is a pending event: the whole event (so a worker needs no second read) and its
// retry state. AvailableAt is when it may be claimed: when published, or the time of the
// next retry after a failure. Token is new for every publication, so a lease can tell the
// publication it was claimed under from a later replay. The event is kept as one BSON
// document in binary form: FerretDB decodes every queue document on each claim, and a
// binary field costs it next to nothing to decode, unlike a dozen top-level fields.
type queueDoc struct {
	ID          string    `bson:"_id"`
	AvailableAt time.Time `bson:"availableAt"`
	Token       string    `bson:"token"`
	// Attempts counts the failed attempts (lease takeovers are counted on the lease).
	Attempts  int    `bson:"attempts"`
	LastError string `bson:"lastError,omitempty"`
	Event     []byte `bson:"event"`
}

func (d queueDoc) eventDoc() (EventDoc, error) {
	var e EventDoc
	if err := bson.Unmarshal(d.Event, &e); err != nil {
		return EventDoc{}, fmt.Errorf("decode queued learning event %s: %w", d.ID, err)
	}
	return e, nil
}

func (d queueDoc) delivery() (learning.Delivery, error) {
	e, err := d.eventDoc()
	if err != nil {
		return learning.Delivery{}, err
	}
	return learning.Delivery{Event: e.ToEvent(), Attempts: d.Attempts}, nil
}

// Publish implements learning.Publisher with a single insert: the queue document, which
// holds the whole event, so the event is durable when Publish returns. Publishing an event
// that is already queued changes nothing (duplicate key); one that was processed (or parked)
// before is queued again and dropped by the claim, which finds its lease (see Claim).
func (s *Store) Publish(ctx context.Context, e learning.Event) error {
	inserted, err := s.enqueue(ctx, traced(ctx, FromEvent(e)))
	if err != nil {
		return fmt.Errorf("publish learning event: %w", err)
	}
	if inserted && s.OnPublish != nil {
		s.OnPublish()
	}
	return nil
}

// PublishMany implements learning.BatchPublisher: one unordered insert of the queue
// documents (events already queued are skipped, as Publish skips them).
func (s *Store) PublishMany(ctx context.Context, es []learning.Event) error {
	if len(es) == 0 {
		return nil
	}
	docs := make([]any, 0, len(es))
	for _, e := range es {
		d := traced(ctx, FromEvent(e))
		at := d.RecordedAt
		if at.IsZero() {
			at = s.now()
		}
		raw, err := bson.Marshal(d)
		if err != nil {
			return fmt.Errorf("publish learning events: %w", err)
		}
		docs = append(docs, queueDoc{ID: d.ID, AvailableAt: at, Token: newToken(), Event: raw})
	}
	_, err := s.db.Collection(Queue).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !allDuplicates(err) {
		return fmt.Errorf("publish learning events: %w", err)
	}
	if s.OnPublish != nil {
		s.OnPublish()
	}
	return nil
}

// enqueue inserts the queue document of doc; it reports false when the event is already
// queued.
func (s *Store) enqueue(ctx context.Context, doc EventDoc) (bool, error) {
	at := doc.RecordedAt
	if at.IsZero() {
		at = s.now()
	}
	raw, err := bson.Marshal(doc)
	if err != nil {
		return false, err
	}
	_, err = s.db.Collection(Queue).InsertOne(ctx, queueDoc{ID: doc.ID, AvailableAt: at, Token: newToken(), Event: raw})
	if mongodb.IsDuplicate(err) {
		return false, nil
	}
	return err == nil, err
}

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// claimDoc is the lease of an event (and, once the event left the queue, its marker).
type claimDoc struct {
	ID    string    `bson:"_id"` // the event ID
	Token string    `bson:"token"`
	Owner string    `bson:"owner"`
	Until time.Time `bson:"until"`
	// Sweep is the hour ("2006-01-02T15", UTC) in which the lease becomes old enough for
	// SweepLeases (Until plus MarkerRetention), kept with every change of Until: the sweep
	// reads the leases of the hours due, an index lookup on both engines, instead of a range
	// over every lease kept for 31 days (issue 20).
	Sweep string `bson:"sweep"`
	// Takeovers counts the leases lost by workers that did not finish (a release, which
	// gives the event back on purpose, is not counted).
	Takeovers int `bson:"takeovers"`
	// Event is the claimed event (as in queueDoc): once the event is done, the lease is its
	// record until it is swept into the log.
	Event []byte `bson:"event,omitempty"`
}

// leaseFields leaves the event out of reads that only need the lease.
var leaseFields = bson.D{{Key: "_id", Value: 1}, {Key: "token", Value: 1}, {Key: "owner", Value: 1}, {Key: "until", Value: 1}, {Key: "takeovers", Value: 1}}

// Claim implements gamification.Queue. A lease is a document in learning_claims keyed by the
// event ID: inserting it is the claim, atomic on every engine by the unique _id, and one
// insert command claims a whole batch. (Marking queue documents instead costs FerretDB one
// transaction per document.) A lease that has run out is taken over with a single-document
// findOneAndUpdate conditioned on it having run out, so exactly one worker wins it.
//
// Leases are kept after their event is done, so an insert that fails on a lease whose token
// is not the queued document's has found a replay of an event that left the queue
// (processed, or parked): the claim deletes that queue document and does not deliver it.
// This costs commands only when a lease already exists (replays, retries, contention).
func (s *Store) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, batch int) ([]learning.Delivery, error) {
	batch = min(max(batch, 1), 1000)
	filter := bson.D{{Key: "availableAt", Value: bson.D{{Key: "$lte", Value: now}}}}
	if held := s.stillHeld(now); len(held) > 0 {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$nin", Value: held}}})
	}
	cur, err := s.db.Collection(Queue).Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "availableAt", Value: 1}}).SetLimit(int64(4*batch)))
	if err != nil {
		return nil, fmt.Errorf("find due learning events: %w", err)
	}
	var due []queueDoc
	if err := cur.All(ctx, &due); err != nil {
		return nil, fmt.Errorf("find due learning events: %w", err)
	}
	var out []learning.Delivery
	for len(due) > 0 && len(out) < batch {
		chunk := due[:min(len(due), batch-len(out))]
		due = due[len(chunk):]
		won, err := s.claim(ctx, owner, now, lease, chunk)
		if err != nil {
			return nil, err
		}
		out = append(out, won...)
	}
	return out, nil
}

// claim leases the given queued events; it returns those this owner won, and drops replays
// of events that already left the queue.
func (s *Store) claim(ctx context.Context, owner string, now time.Time, lease time.Duration, docs []queueDoc) ([]learning.Delivery, error) {
	claims := make([]any, len(docs))
	for i, d := range docs {
		claims[i] = claimDoc{ID: d.ID, Token: d.Token, Owner: owner, Until: now.Add(lease), Sweep: sweepHour(now.Add(lease)), Event: d.Event}
	}
	_, err := s.db.Collection(Claims).InsertMany(ctx, claims, options.InsertMany().SetOrdered(false))
	dups := map[int]bool{}
	if err != nil {
		var ok bool
		if dups, ok = duplicates(err); !ok {
			return nil, fmt.Errorf("claim learning events: %w", err)
		}
	}
	takeovers := map[string]int{}
	if len(dups) > 0 {
		if takeovers, err = s.resolveHeld(ctx, owner, now, lease, docs, dups); err != nil {
			return nil, err
		}
	}
	var out []learning.Delivery
	for i, d := range docs {
		n, tookOver := takeovers[d.ID]
		if dups[i] && !tookOver {
			continue
		}
		dl, err := d.delivery()
		if err != nil {
			return nil, err
		}
		dl.Attempts = d.Attempts + 1 + n
		out = append(out, dl)
		s.noteHeld(d.ID, now.Add(lease))
	}
	return out, nil
}

// resolveHeld deals with the queued events (docs[i] for i in dups) whose lease insert found
// a lease: a lease of another publication means a replay, which is deleted from the queue;
// a live lease is remembered as held; a lease that ran out is taken over. It returns the
// takeover count of each lease this owner took over.
func (s *Store) resolveHeld(ctx context.Context, owner string, now time.Time, lease time.Duration, docs []queueDoc, dups map[int]bool) (map[string]int, error) {
	var held []string
	tokens := map[string]string{}
	events := map[string][]byte{}
	for i := range dups {
		held = append(held, docs[i].ID)
		tokens[docs[i].ID] = docs[i].Token
		events[docs[i].ID] = docs[i].Event
	}
	cur, err := s.db.Collection(Claims).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: held}}}}, options.Find().SetProjection(leaseFields))
	if err != nil {
		return nil, fmt.Errorf("find leases: %w", err)
	}
	var leases []claimDoc
	if err := cur.All(ctx, &leases); err != nil {
		return nil, fmt.Errorf("find leases: %w", err)
	}
	takeovers := map[string]int{}
	var replays []string
	for _, x := range leases {
		switch {
		case x.Token != tokens[x.ID]:
			// The event left the queue under an earlier publication: done or parked.
			replays = append(replays, x.ID)
			continue
		case x.Until.After(now):
			s.noteHeld(x.ID, x.Until) // held by a live worker: not tried again before it ends
			continue
		}
		n, won, err := s.takeOver(ctx, x, owner, now, lease, events[x.ID])
		if err != nil {
			return nil, err
		}
		if won {
			takeovers[x.ID] = n
		}
	}
	if len(replays) > 0 {
		if _, err := s.db.Collection(Queue).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: replays}}}}); err != nil {
			return nil, fmt.Errorf("drop replayed learning events: %w", err)
		}
	}
	return takeovers, nil
}

// takeOver takes over the run-out lease x for owner, conditioned on it still being run out,
// so that exactly one worker wins it. It returns the lease's takeover count and whether
// this owner won.
func (s *Store) takeOver(ctx context.Context, x claimDoc, owner string, now time.Time, lease time.Duration, event []byte) (int, bool, error) {
	var won claimDoc
	err := s.db.Collection(Claims).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: x.ID}, {Key: "token", Value: x.Token}, {Key: "until", Value: bson.D{{Key: "$lte", Value: now}}}},
		// The event is set too: a lease made before leases held their events must
		// hold it once the event is done (it is the event's record until swept).
		bson.D{{Key: "$set", Value: bson.D{{Key: "owner", Value: owner}, {Key: "until", Value: now.Add(lease)}, {Key: "sweep", Value: sweepHour(now.Add(lease))},
			{Key: "event", Value: event}}},
			{Key: "$inc", Value: bson.D{{Key: "takeovers", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&won)
	if mongodb.IsNotFound(err) {
		return 0, false, nil // another worker took it over first
	}
	if err != nil {
		return 0, false, fmt.Errorf("take over lease: %w", err)
	}
	return won.Takeovers, true, nil
}

// Done implements gamification.Queue with one delete: the events leave the queue. Their
// leases stay, holding the events: they are the markers that make a later claim drop a
// replay, and the record of the processed events until SweepLeases moves them into the log.
func (s *Store) Done(ctx context.Context, ds []learning.Delivery, now time.Time) error {
	if len(ds) == 0 {
		return nil
	}
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.Event.ID
	}
	if _, err := s.db.Collection(Queue).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return fmt.Errorf("dequeue learning events: %w", err)
	}
	s.forgetHeld(ids...)
	return nil
}

// SweepLeases moves leases that ran out more than MarkerRetention ago out of
// learning_claims: by then a replay of their event is refused by content. The events of
// those that record a processed event go into the log first (an insert that skips entries
// already there, so a sweep interrupted between the two writes is simply done again). A
// lease whose event is still queued (no worker ran for that long; without the lease the
// event is claimed afresh) or parked is not a processed event and is only deleted. It
// returns how many leases it removed.
//
// It reads only the leases whose sweep hour has come (Sweep), from the hour after the last
// one it finished (the last 90 days after a start; leases due earlier than that when the
// process starts, and leases written before sweep hours existed, stay until swept by hand).
func (s *Store) SweepLeases(ctx context.Context, now time.Time) (int, error) {
	swept := 0
	old := bson.E{Key: "until", Value: bson.D{{Key: "$lt", Value: now.Add(-MarkerRetention)}}}
	s.heldMu.Lock()
	from := s.swept.Add(time.Hour)
	if s.swept.IsZero() {
		from = now.Add(-sweepBack)
	}
	s.heldMu.Unlock()
	var hours bson.A
	for h := from.UTC().Truncate(time.Hour); !h.After(now); h = h.Add(time.Hour) {
		hours = append(hours, h.Format(sweepHourLayout))
	}
	// At most 500 hours per read (after a start, the last 90 days take five).
	for len(hours) > 500 {
		n, err := s.sweepHours(ctx, hours[:500], old)
		swept += n
		if err != nil {
			return swept, err
		}
		hours = hours[500:]
	}
	n, err := s.sweepHours(ctx, hours, old)
	swept += n
	if err == nil {
		// Hours before the current one are done: nothing in them is younger than now.
		s.heldMu.Lock()
		s.swept = now.UTC().Truncate(time.Hour).Add(-time.Hour)
		s.heldMu.Unlock()
	}
	return swept, err
}

// sweepBack is how far back SweepLeases looks after a start.
const sweepBack = 90 * 24 * time.Hour

// sweepHours sweeps, page by page, the old leases whose sweep hour is one of hours.
func (s *Store) sweepHours(ctx context.Context, hours bson.A, old bson.E) (int, error) {
	const page = 500
	swept := 0
	due := bson.E{Key: "sweep", Value: bson.D{{Key: "$in", Value: hours}}}
	for {
		cur, err := s.db.Collection(Claims).Find(ctx, bson.D{due, old}, options.Find().SetLimit(page))
		if err != nil {
			return swept, fmt.Errorf("sweep leases: %w", err)
		}
		var leases []claimDoc
		if err := cur.All(ctx, &leases); err != nil {
			return swept, fmt.Errorf("sweep leases: %w", err)
		}
		n, err := s.sweep(ctx, leases, old)
		swept += n
		if err != nil || len(leases) < page {
			return swept, err
		}
	}
}

const sweepHourLayout = "2006-01-02T15"

// sweepHour is the Sweep of a lease that runs out at until.
func sweepHour(until time.Time) string {
	return until.Add(MarkerRetention).UTC().Format(sweepHourLayout)
}

// sweep logs the processed events of one page of old leases, drops the replays queued
// behind them and deletes the leases that are still old.
func (s *Store) sweep(ctx context.Context, leases []claimDoc, old bson.E) (int, error) {
	if len(leases) == 0 {
		return 0, nil // an empty $in is not searched: the delete would decode every lease
	}
	ids := make([]string, len(leases))
	for i, l := range leases {
		ids[i] = l.ID
	}
	pending, err := s.pendingTokens(ctx, ids)
	if err != nil {
		return 0, err
	}
	var logged []any
	var replays, replayTokens []string
	for _, l := range leases {
		tok, ok := pending[l.ID]
		if ok && tok != l.Token {
			// A replay of this processed event waits in the queue: without the lease it
			// would be claimed as new, so it goes with it.
			replays, replayTokens = append(replays, l.ID), append(replayTokens, tok)
		}
		if (ok && tok == l.Token) || len(l.Event) == 0 {
			continue
		}
		var d EventDoc
		if err := bson.Unmarshal(l.Event, &d); err != nil {
			return 0, fmt.Errorf("sweep leases: decode %s: %w", l.ID, err)
		}
		logged = append(logged, d)
	}
	if len(logged) > 0 {
		_, err := s.db.Collection(Events).InsertMany(ctx, logged, options.InsertMany().SetOrdered(false))
		if err != nil && !allDuplicates(err) {
			return 0, fmt.Errorf("log learning events: %w", err)
		}
	}
	if len(replays) > 0 {
		if _, err := s.db.Collection(Queue).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: replays}}},
			{Key: "token", Value: bson.D{{Key: "$in", Value: replayTokens}}}}); err != nil {
			return 0, fmt.Errorf("sweep leases: drop replays: %w", err)
		}
	}
	// Still old at delete time: a lease a worker took over meanwhile stays.
	res, err := s.db.Collection(Claims).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, old})
	if err != nil {
		return 0, fmt.Errorf("sweep leases: %w", err)
	}
	return int(res.DeletedCount), nil
}

// pendingTokens returns the publication token of each of the events ids that is still
// queued or parked. A lease is not a processed event's record when the same publication
// (same token) is still queued or parked; a queued document with another token is a replay.
func (s *Store) pendingTokens(ctx context.Context, ids []string) (map[string]string, error) {
	pending := map[string]string{}
	for _, coll := range []string{Queue, Dead} {
		cur, err := s.db.Collection(coll).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
			options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "token", Value: 1}}))
		if err != nil {
			return nil, fmt.Errorf("sweep leases: %w", err)
		}
		var rows []struct {
			ID    string `bson:"_id"`
			Token string `bson:"token"`
		}
		if err := cur.All(ctx, &rows); err != nil {
			return nil, fmt.Errorf("sweep leases: %w", err)
		}
		for _, r := range rows {
			pending[r.ID] = r.Token
		}
	}
	return pending, nil
}

// allDuplicates reports whether every error of a bulk insert is a duplicate key.
func allDuplicates(err error) bool {
	_, ok := duplicates(err)
	return ok
}

// duplicates returns the positions of a bulk insert's duplicate-key failures, and whether
// every failure was one.
func duplicates(err error) (map[int]bool, bool) {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return nil, false
	}
	out := map[int]bool{}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 {
			return nil, false
		}
		out[we.Index] = true
	}
	return out, true
}

// Release implements gamification.Queue: the event waits until `at` (or is parked for good)
// and its lease ends then, if this owner still holds it. The lease is not deleted: should
// another worker have finished the event meanwhile (after taking over from this one, or
// before this one took over), it is that event's marker. Its takeover count is lowered by
// the one the next claim's takeover adds, since a release is no lost lease.
func (s *Store) Release(ctx context.Context, id, owner string, at time.Time, reason string, dead bool) error {
	s.forgetHeld(id) // due again at `at`, whoever held it
	res, err := s.db.Collection(Claims).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "owner", Value: owner}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: at}, {Key: "sweep", Value: sweepHour(at)}, {Key: "owner", Value: ""}}},
			{Key: "$inc", Value: bson.D{{Key: "takeovers", Value: -1}}}})
	if err != nil {
		return fmt.Errorf("release learning event: %w", err)
	}
	if res.MatchedCount == 0 {
		return nil // another worker took the event over
	}
	q := s.db.Collection(Queue)
	if dead {
		var d queueDoc
		err := q.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		if mongodb.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("park learning event: %w", err)
		}
		d.LastError = reason
		if _, err := s.db.Collection(Dead).InsertOne(ctx, d); err != nil && !mongodb.IsDuplicate(err) {
			return fmt.Errorf("park learning event: %w", err)
		}
		_, err = q.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
		return err
	}
	_, err = q.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "availableAt", Value: at}, {Key: "lastError", Value: reason}}},
		{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}}})
	if err != nil {
		return fmt.Errorf("release learning event: %w", err)
	}
	return nil
}

// Redeliver queues a processed event again, as a client replaying it or an at-least-once
// transport may. The claim finds the event's lease and drops it unprocessed, so it changes
// nothing; within MarkerRetention of its processing, that is.
func (s *Store) Redeliver(ctx context.Context, id string) error {
	var d EventDoc
	err := s.db.Collection(Events).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if mongodb.IsNotFound(err) { // not swept into the log yet: its lease holds it
		var l claimDoc
		if err = s.db.Collection(Claims).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&l); err == nil {
			err = bson.Unmarshal(l.Event, &d)
		}
	}
	if err != nil {
		return fmt.Errorf("redeliver learning event: %w", err)
	}
	if _, err := s.enqueue(ctx, d); err != nil {
		return fmt.Errorf("redeliver learning event: %w", err)
	}
	return nil
}

// Published returns the events published for userID (every user when empty) that are
// queued, parked or processed, each once. It reads the queue and the parked events first:
// an event leaves them only after its lease holds it, so none is missed while a worker
// moves it. A lease holds a processed event when its token is not that of the same ID
// queued or parked (an in-flight or parked event's lease has their token); the log holds
// processed events whose leases were swept. Where an ID is both queued and processed (a
// replay, possibly with other content, waiting for a claim to drop it), the processed
// event is returned.
func (s *Store) Published(ctx context.Context, userID string) ([]learning.Event, error) {
	index := map[string]int{}
	var out []learning.Event
	put := func(d EventDoc, override bool) {
		if userID != "" && d.UserID != userID {
			return
		}
		if i, ok := index[d.ID]; ok {
			if override {
				out[i] = d.ToEvent()
			}
			return
		}
		index[d.ID] = len(out)
		out = append(out, d.ToEvent())
	}
	tokens := map[string]string{}
	for _, coll := range []string{Queue, Dead} {
		cur, err := s.db.Collection(coll).Find(ctx, bson.D{}, options.Find().SetComment(scanPublished))
		if err != nil {
			return nil, fmt.Errorf("read published learning events: %w", err)
		}
		var docs []queueDoc
		if err := cur.All(ctx, &docs); err != nil {
			return nil, fmt.Errorf("read published learning events: %w", err)
		}
		for _, q := range docs {
			d, err := q.eventDoc()
			if err != nil {
				return nil, err
			}
			tokens[q.ID] = q.Token
			put(d, false)
		}
	}
	cur, err := s.db.Collection(Claims).Find(ctx, bson.D{}, options.Find().SetComment(scanPublished))
	if err != nil {
		return nil, fmt.Errorf("read published learning events: %w", err)
	}
	var leases []claimDoc
	if err := cur.All(ctx, &leases); err != nil {
		return nil, fmt.Errorf("read published learning events: %w", err)
	}
	for _, l := range leases {
		if len(l.Event) == 0 || tokens[l.ID] == l.Token {
			continue
		}
		var d EventDoc
		if err := bson.Unmarshal(l.Event, &d); err != nil {
			return nil, fmt.Errorf("read published learning events: decode %s: %w", l.ID, err)
		}
		put(d, true)
	}
	filter := bson.D{}
	if userID != "" {
		filter = bson.D{{Key: "userId", Value: userID}}
	}
	cur, err = s.db.Collection(Events).Find(ctx, filter, options.Find().SetComment(scanPublished))
	if err != nil {
		return nil, fmt.Errorf("read published learning events: %w", err)
	}
	var logged []EventDoc
	if err := cur.All(ctx, &logged); err != nil {
		return nil, fmt.Errorf("read published learning events: %w", err)
	}
	for _, d := range logged {
		put(d, true)
	}
	return out, nil
}

// scanPublished marks Published's reads as the whole-collection reads they are (tests and
// operator tools only; see mongotest's index check).
const scanPublished = "scan: Published lists every event (tests and operator tools)"

// RequeueDead puts parked events back in the queue (all of them when ids is empty), due at
// once with their failure count reset, and returns how many. Each keeps its publication
// token, so its kept lease, which has run out, is taken over as for any retry. The queue
// insert comes before the parked copy is deleted, so an interruption loses nothing (the
// command run again finds the event queued and only deletes the parked copy).
func (s *Store) RequeueDead(ctx context.Context, ids []string) (int, error) {
	filter := bson.D{}
	if len(ids) > 0 {
		filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}
	}
	cur, err := s.db.Collection(Dead).Find(ctx, filter, options.Find().SetComment("scan: an operator requeues the parked events"))
	if err != nil {
		return 0, fmt.Errorf("requeue parked learning events: %w", err)
	}
	var docs []queueDoc
	if err := cur.All(ctx, &docs); err != nil {
		return 0, fmt.Errorf("requeue parked learning events: %w", err)
	}
	now := s.now()
	n := 0
	for _, d := range docs {
		d.AvailableAt, d.Attempts = now, 0
		if _, err := s.db.Collection(Queue).InsertOne(ctx, d); err != nil && !mongodb.IsDuplicate(err) {
			return n, fmt.Errorf("requeue parked learning event %s: %w", d.ID, err)
		}
		if _, err := s.db.Collection(Dead).DeleteOne(ctx, bson.D{{Key: "_id", Value: d.ID}}); err != nil {
			return n, fmt.Errorf("requeue parked learning event %s: %w", d.ID, err)
		}
		s.forgetHeld(d.ID)
		n++
	}
	if n > 0 && s.OnPublish != nil {
		s.OnPublish()
	}
	return n, nil
}

// Pending returns how many events wait in the queue (claimed or not) and how many are parked.
func (s *Store) Pending(ctx context.Context) (queued, dead int64, err error) {
	count := options.Count().SetComment("scan: the operator's queue status counts what waits")
	if queued, err = s.db.Collection(Queue).CountDocuments(ctx, bson.D{}, count); err != nil {
		return 0, 0, err
	}
	dead, err = s.db.Collection(Dead).CountDocuments(ctx, bson.D{}, count)
	return queued, dead, err
}

// SeedProcessed records events as processed long ago, in bulk, for building large data sets
// (bench/scale): an event whose lease would still be kept at now (it ran out less than
// MarkerRetention before now) becomes a kept lease holding it, an older one an entry of the
// log, exactly where the worker and SweepLeases would have left them. Events already there
// are skipped.
func (s *Store) SeedProcessed(ctx context.Context, events []learning.Event, now time.Time) error {
	const batch = 1000
	var leases, logged []any
	flush := func(force bool) error {
		for coll, docs := range map[string]*[]any{Claims: &leases, Events: &logged} {
			if len(*docs) == 0 || (!force && len(*docs) < batch) {
				continue
			}
			_, err := s.db.Collection(coll).InsertMany(ctx, *docs, options.InsertMany().SetOrdered(false))
			if err != nil && !mongodb.OnlyDuplicates(err) {
				return fmt.Errorf("seed processed learning events: %w", err)
			}
			*docs = (*docs)[:0]
		}
		return nil
	}
	for _, e := range events {
		d := FromEvent(e)
		until := e.RecordedAt.Add(time.Minute)
		if now.Sub(until) >= MarkerRetention {
			logged = append(logged, d)
		} else {
			b, err := bson.Marshal(d)
			if err != nil {
				return fmt.Errorf("seed processed learning events: %w", err)
			}
			leases = append(leases, claimDoc{ID: e.ID, Token: newToken(), Owner: "seed", Until: until, Sweep: sweepHour(until), Event: b})
		}
		if err := flush(false); err != nil {
			return err
		}
	}
	return flush(true)
}
