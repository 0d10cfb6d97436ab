package evidencedb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/internal/mongodb"
)

// The xAPI statements (kept for the programme's list) and the forwarding outbox, which holds
// only statements still to forward (dead letters move to their own collection).
const (
	Statements = "evidence_xapi_statements"
	Outbox     = "evidence_xapi_outbox"
	DeadLRS    = "evidence_xapi_dead"
)

// XAPIIndexes lists the indexes of the statements and the outbox.
func XAPIIndexes() []mongodb.Index {
	return []mongodb.Index{
		ix(Statements, k("programmeId", 1, "stored", 1, "_id", 1), false), // Statements (a programme's pages)
		ix(Outbox, k("dueAt", 1), false),                                  // ClaimOutbox
	}
}

var _ evidence.StatementStore = (*Store)(nil)

type statementDoc struct {
	ID          string    `bson:"_id"`
	ProgrammeID string    `bson:"programmeId"`
	UserID      string    `bson:"userId"`
	Stored      time.Time `bson:"stored"`
	JSON        string    `bson:"json"`
}

func (d statementDoc) toStatement() evidence.StoredStatement {
	return evidence.StoredStatement{ID: d.ID, ProgrammeID: d.ProgrammeID, UserID: d.UserID, Stored: d.Stored, JSON: []byte(d.JSON)}
}

// InsertStatement implements evidence.StatementStore.
func (s *Store) InsertStatement(ctx context.Context, st evidence.StoredStatement) error {
	_, err := s.c(Statements).InsertOne(ctx, statementDoc{ID: st.ID, ProgrammeID: st.ProgrammeID, UserID: st.UserID,
		Stored: st.Stored.UTC().Truncate(time.Millisecond), JSON: string(st.JSON)})
	if err != nil && !mongodb.IsDuplicate(err) {
		return fmt.Errorf("insert statement: %w", err)
	}
	return nil
}

// Statements implements evidence.StatementStore.
func (s *Store) Statements(ctx context.Context, programmeID string, since time.Time, after *evidence.Cursor, limit int) ([]evidence.StoredStatement, error) {
	f := k("programmeId", programmeID)
	if !since.IsZero() {
		f = append(f, bson.E{Key: "stored", Value: k("$gte", since.UTC())})
	}
	if after != nil {
		f = append(f, bson.E{Key: "$or", Value: bson.A{
			k("stored", k("$gt", after.At.UTC())),
			k("stored", after.At.UTC(), "_id", k("$gt", after.ID)),
		}})
	}
	cur, err := s.c(Statements).Find(ctx, f, options.Find().SetSort(k("stored", 1, "_id", 1)).SetLimit(int64(limit)))
	docs, err := all[statementDoc](ctx, cur, err, "list statements")
	if err != nil {
		return nil, err
	}
	out := make([]evidence.StoredStatement, len(docs))
	for i, d := range docs {
		out[i] = d.toStatement()
	}
	return out, nil
}

// StatementsByID implements evidence.StatementStore.
func (s *Store) StatementsByID(ctx context.Context, ids []string) (map[string]evidence.StoredStatement, error) {
	cur, err := s.c(Statements).Find(ctx, k("_id", k("$in", ids)))
	docs, err := all[statementDoc](ctx, cur, err, "find statements")
	if err != nil {
		return nil, err
	}
	out := map[string]evidence.StoredStatement{}
	for _, d := range docs {
		out[d.ID] = d.toStatement()
	}
	return out, nil
}

type outboxDoc struct {
	ID        string    `bson:"_id"`
	DueAt     time.Time `bson:"dueAt"`
	Lease     string    `bson:"lease"`
	Attempts  int       `bson:"attempts"`
	LastError string    `bson:"lastError,omitempty"`
	CreatedAt time.Time `bson:"createdAt"`
}

// Enqueue implements evidence.StatementStore.
func (s *Store) Enqueue(ctx context.Context, id string, now time.Time) error {
	_, err := s.c(Outbox).InsertOne(ctx, outboxDoc{ID: id, DueAt: now.UTC(), CreatedAt: now.UTC()})
	if err != nil && !mongodb.IsDuplicate(err) {
		return fmt.Errorf("enqueue statement: %w", err)
	}
	return nil
}

// ClaimOutbox implements evidence.StatementStore: one findOneAndUpdate on dueAt <= now sets
// the lease and moves dueAt to its end.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, lease string, until time.Time) (evidence.OutboxItem, error) {
	var d outboxDoc
	err := s.c(Outbox).FindOneAndUpdate(ctx, k("dueAt", k("$lte", now.UTC())), k("$set", k("lease", lease, "dueAt", until.UTC())),
		options.FindOneAndUpdate().SetSort(k("dueAt", 1)).SetReturnDocument(options.After).
			SetComment("scan: the outbox holds only undelivered statements (FinishOutbox deletes them), so the embedded engine's scan is as large as the backlog")).Decode(&d)
	if mongodb.IsNotFound(err) {
		return evidence.OutboxItem{}, evidence.ErrNothingDue
	}
	if err != nil {
		return evidence.OutboxItem{}, fmt.Errorf("claim statement: %w", err)
	}
	return evidence.OutboxItem{ID: d.ID, Attempts: d.Attempts, Lease: d.Lease}, nil
}

// FinishOutbox implements evidence.StatementStore.
func (s *Store) FinishOutbox(ctx context.Context, id, lease string) error {
	if _, err := s.c(Outbox).DeleteOne(ctx, k("_id", id, "lease", lease)); err != nil {
		return fmt.Errorf("finish statement: %w", err)
	}
	return nil
}

// RetryOutbox implements evidence.StatementStore.
func (s *Store) RetryOutbox(ctx context.Context, id, lease string, dueAt time.Time, attempts int, lastError string) error {
	_, err := s.c(Outbox).UpdateOne(ctx, k("_id", id, "lease", lease),
		k("$set", k("dueAt", dueAt.UTC(), "lease", "", "attempts", attempts, "lastError", lastError)))
	if err != nil {
		return fmt.Errorf("retry statement: %w", err)
	}
	return nil
}

// DeadOutbox implements evidence.StatementStore: the dead letter first, then the outbox item.
func (s *Store) DeadOutbox(ctx context.Context, id, lease, reason string, now time.Time) error {
	_, err := s.c(DeadLRS).UpdateOne(ctx, k("_id", id), k("$set", k("reason", reason, "at", now.UTC())), options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("dead-letter statement: %w", err)
	}
	return s.FinishOutbox(ctx, id, lease)
}
