package notifydb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/notify"
)

// The scheduler's due index (notify/due.go): one document per (person, daily moment), found
// by the 10-minute bucket of when it next falls.
const (
	Due  = "notify_due"
	Meta = "notify_meta"
)

type dueDoc struct {
	ID     string    `bson:"_id"`
	UserID string    `bson:"userId"`
	Moment string    `bson:"moment"`
	Next   time.Time `bson:"next"`
	Bucket string    `bson:"bucket"`
}

func (d dueDoc) toDue() notify.Due {
	return notify.Due{ID: d.ID, UserID: d.UserID, Moment: d.Moment, Next: d.Next.UTC(), Bucket: d.Bucket}
}

// PutDue implements notify.Store: upserts by _id, at most 50 statements per command (FerretDB
// 1.24 hangs on updates of more than 100 existing documents in one command).
func (s *Store) PutDue(ctx context.Context, ds []notify.Due) error {
	for i := 0; i < len(ds); i += 50 {
		var models []mongo.WriteModel
		for _, d := range ds[i:min(len(ds), i+50)] {
			models = append(models, mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: d.ID}}).
				SetReplacement(dueDoc{ID: d.ID, UserID: d.UserID, Moment: d.Moment, Next: d.Next.UTC(), Bucket: d.Bucket}).SetUpsert(true))
		}
		if _, err := s.db.Collection(Due).BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
			return fmt.Errorf("write due index: %w", err)
		}
	}
	return nil
}

// DeleteDue implements notify.Store.
func (s *Store) DeleteDue(ctx context.Context, ids []string) error {
	for i := 0; i < len(ids); i += 500 {
		if _, err := s.db.Collection(Due).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids[i:min(len(ids), i+500)]}}}}); err != nil {
			return fmt.Errorf("delete from due index: %w", err)
		}
	}
	return nil
}

// DueIn implements notify.Store: {bucket: {$in}}, served by the bucket index.
func (s *Store) DueIn(ctx context.Context, buckets []string) ([]notify.Due, error) {
	if len(buckets) == 0 {
		return nil, nil
	}
	return s.due(ctx, bson.D{{Key: "bucket", Value: bson.D{{Key: "$in", Value: buckets}}}})
}

// DueOf implements notify.Store.
func (s *Store) DueOf(ctx context.Context, userID string) ([]notify.Due, error) {
	return s.due(ctx, bson.D{{Key: "userId", Value: userID}})
}

func (s *Store) due(ctx context.Context, filter bson.D) ([]notify.Due, error) {
	cur, err := s.db.Collection(Due).Find(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("read due index: %w", err)
	}
	var docs []dueDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read due index: %w", err)
	}
	out := make([]notify.Due, len(docs))
	for i, d := range docs {
		out[i] = d.toDue()
	}
	return out, nil
}

const dueRoundID = "scheduler-round"

// DueRound implements notify.Store.
func (s *Store) DueRound(ctx context.Context) (time.Time, error) {
	var d struct {
		At time.Time `bson:"at"`
	}
	err := s.db.Collection(Meta).FindOne(ctx, bson.D{{Key: "_id", Value: dueRoundID}}).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read scheduler round: %w", err)
	}
	return d.At.UTC(), nil
}

// SetDueRound implements notify.Store.
func (s *Store) SetDueRound(ctx context.Context, at time.Time) error {
	_, err := s.db.Collection(Meta).UpdateOne(ctx, bson.D{{Key: "_id", Value: dueRoundID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "at", Value: at.UTC()}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("record scheduler round: %w", err)
	}
	return nil
}
