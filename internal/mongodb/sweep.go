package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// HourFormat is the layout of a sweep bucket: the UTC hour of a time, "2006-01-02T15".
const HourFormat = "2006-01-02T15"

// HourOf is the sweep bucket of t.
func HourOf(t time.Time) string { return t.UTC().Format(HourFormat) }

// MaxIn is the most values one $in should hold: the embedded engine pushes an $in of at most
// 1,000 values down to its index (third_party/ferretdb/PATCHES.md); a longer one decodes
// the whole collection.
const MaxIn = 1000

// sweepLookback is how far behind its mark a sweep looks again: a document whose time lies
// up to about this much before the last swept hour when it is written (another process's
// clock, a write in flight while the hour was swept) is still found. The product writes the
// swept times as "now" or later (an entry's arrival, a device's last sight, an expiry), so
// this is for clocks and races only; each sweep reads the documents of these hours (and of
// the hour it sweeps up to) in Go, so it is kept short.
const sweepLookback = 2 * time.Hour

// An HourSweep deletes the documents of a collection whose time field is before a given
// time, the way a TTL index would, at a cost that follows what it deletes and the documents
// of the few hours it looks at, never the collection, on the embedded engine too (issue 20). A range filter such as {at: {$lt: t}} is never pushed down by the
// embedded engine, so such a delete decodes every document of the collection in Go while
// it holds the engine's one connection. Instead every document carries, next to its time
// field, the hour bucket of that time (HourOf, in the field Bucket, indexed), and the sweep
// reads {bucket: {$in: [the hours since its last run]}, field: {$lt: t}} (an index search of
// those hours only) and deletes what it found by _id, a page at a time. The same filter on
// MongoDB matches exactly what {field: {$lt: t}} matches.
//
// The last hour swept is remembered in the "meta" collection (_id "sweep:<collection>.<field>"),
// so a restarted process continues where the last one stopped. The first sweep of a
// database that has no mark yet reads the collection once: it fills in the bucket of the
// documents written before the bucket existed, and starts from the oldest document.
type HourSweep struct {
	Collection string
	// Field is the time field the retention is about (e.g. "at", "expiresAt").
	Field string
	// Bucket is the field holding HourOf(Field); every write of Field must write it too.
	Bucket string
}

// Index is the index the sweep searches.
func (sw HourSweep) Index() Index {
	return Index{Collection: sw.Collection, Model: mongo.IndexModel{Keys: bson.D{{Key: sw.Bucket, Value: 1}}}}
}

func (sw HourSweep) markID() string { return "sweep:" + sw.Collection + "." + sw.Field }

type sweepMark struct {
	ID      string `bson:"_id"`
	Through string `bson:"through"` // every document with Field before the end of this hour is deleted
}

// DeleteBefore deletes the documents whose Field is before before, and returns how many.
func (sw HourSweep) DeleteBefore(ctx context.Context, db *mongo.Database, before time.Time) (int64, error) {
	before = before.UTC()
	through, err := sw.mark(ctx, db, before)
	if err != nil {
		return 0, err
	}
	from := through.Add(time.Hour - sweepLookback)
	last := before.Truncate(time.Hour) // the hour of before: swept only up to before
	var hours []string
	for h := from; !h.After(last); h = h.Add(time.Hour) {
		hours = append(hours, HourOf(h))
	}
	// No hours (before lies behind the mark: a retention lengthened): nothing to send. An
	// empty $in is not pushed down; it would decode the whole collection.
	var n int64
	for i := 0; i < len(hours); i += MaxIn {
		m, err := sw.deleteHours(ctx, db.Collection(sw.Collection), hours[i:min(len(hours), i+MaxIn)], before)
		n += m
		if err != nil {
			return n, fmt.Errorf("sweep %s: %w", sw.Collection, err)
		}
	}
	done := last.Add(-time.Hour) // the last hour wholly before before
	if done.After(through) {
		// Moved only from the value read: a mark lowered meanwhile (another process's
		// backfill) is kept, and the next sweep starts from it.
		_, err := db.Collection(markers).UpdateOne(ctx, bson.D{{Key: "_id", Value: sw.markID()}, {Key: "through", Value: HourOf(through)}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "through", Value: HourOf(done)}}}})
		if err != nil {
			return n, fmt.Errorf("sweep %s: record the mark: %w", sw.Collection, err)
		}
	}
	return n, nil
}

// sweepPage bounds the documents one delete of a sweep names. The embedded engine deletes
// the documents a filter matched with one SQL statement naming each of them, and SQLite
// refuses a statement of more than 32,766 parameters ("too many SQL variables"): a plain
// delete that matches more (a first prune of a large collection, a retention shortened)
// fails every time it is tried. Reading the IDs a page at a time bounds each command too.
const sweepPage = 1000

// deleteHours deletes the documents of the hours whose Field is before before, a page of
// IDs at a time: a find of the hours' documents (an index search), then a delete by _id.
func (sw HourSweep) deleteHours(ctx context.Context, coll *mongo.Collection, hours []string, before time.Time) (int64, error) {
	old := bson.E{Key: sw.Field, Value: bson.D{{Key: "$lt", Value: before}}}
	var n int64
	for {
		cur, err := coll.Find(ctx, bson.D{{Key: sw.Bucket, Value: bson.D{{Key: "$in", Value: hours}}}, old},
			options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}).SetLimit(sweepPage))
		if err != nil {
			return n, err
		}
		var docs []bson.Raw
		if err := cur.All(ctx, &docs); err != nil {
			return n, err
		}
		if len(docs) == 0 {
			return n, nil
		}
		ids := make(bson.A, len(docs))
		for i, d := range docs {
			ids[i] = d.Lookup("_id")
		}
		res, err := coll.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, old})
		if err != nil {
			return n, err
		}
		n += res.DeletedCount
		if len(docs) < sweepPage {
			return n, nil
		}
	}
}

// mark returns the last hour swept, making the mark (after the backfill) if there is none.
func (sw HourSweep) mark(ctx context.Context, db *mongo.Database, before time.Time) (time.Time, error) {
	var m sweepMark
	err := db.Collection(markers).FindOne(ctx, bson.D{{Key: "_id", Value: sw.markID()}}).Decode(&m)
	if err == nil {
		t, perr := time.Parse(HourFormat, m.Through)
		if perr != nil {
			return time.Time{}, fmt.Errorf("sweep %s: bad mark %q", sw.Collection, m.Through)
		}
		return t, nil
	}
	if !IsNotFound(err) {
		return time.Time{}, fmt.Errorf("sweep %s: read the mark: %w", sw.Collection, err)
	}
	oldest, err := sw.Backfill(ctx, db)
	if err != nil {
		return time.Time{}, err
	}
	through := before.Truncate(time.Hour).Add(-time.Hour)
	if !oldest.IsZero() && oldest.Truncate(time.Hour).Add(-time.Hour).Before(through) {
		through = oldest.Truncate(time.Hour).Add(-time.Hour)
	}
	// $min: of two processes making the mark at once, the lower one wins.
	_, err = db.Collection(markers).UpdateOne(ctx, bson.D{{Key: "_id", Value: sw.markID()}},
		bson.D{{Key: "$min", Value: bson.D{{Key: "through", Value: HourOf(through)}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return time.Time{}, fmt.Errorf("sweep %s: make the mark: %w", sw.Collection, err)
	}
	return sw.mark(ctx, db, before)
}

// backfillChunk bounds one backfill update (the embedded engine rewrites each document in
// its own transaction, holding its one connection for the whole command).
const backfillChunk = 500

// Backfill writes the bucket of every document that lacks it (written before the bucket
// existed) and returns the oldest Field of all documents (zero if there are none), where
// the first sweep starts. It reads the whole collection once (the bucket and the time of
// each document), so it runs once per database: when the sweep finds no mark.
func (sw HourSweep) Backfill(ctx context.Context, db *mongo.Database) (time.Time, error) {
	coll := db.Collection(sw.Collection)
	cur, err := coll.Find(ctx, bson.D{},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: sw.Field, Value: 1}, {Key: sw.Bucket, Value: 1}}).
			SetComment("scan: the sweep's one-time start (the oldest document, and the bucket "+sw.Bucket+" of documents written before it existed)"))
	if err != nil {
		return time.Time{}, fmt.Errorf("sweep %s: backfill: %w", sw.Collection, err)
	}
	var docs []bson.Raw
	if err := cur.All(ctx, &docs); err != nil {
		return time.Time{}, fmt.Errorf("sweep %s: backfill: %w", sw.Collection, err)
	}
	byHour := map[string][]bson.RawValue{}
	var order []string
	var oldest time.Time
	for _, d := range docs {
		t, ok := d.Lookup(sw.Field).DateTimeOK()
		if !ok {
			continue // no time, nothing the sweep would ever delete
		}
		at := time.UnixMilli(t).UTC()
		if oldest.IsZero() || at.Before(oldest) {
			oldest = at
		}
		if _, err := d.LookupErr(sw.Bucket); err == nil {
			continue
		}
		h := HourOf(at)
		if _, seen := byHour[h]; !seen {
			order = append(order, h)
		}
		byHour[h] = append(byHour[h], d.Lookup("_id"))
	}
	for _, h := range order {
		ids := byHour[h]
		for i := 0; i < len(ids); i += backfillChunk {
			chunk := ids[i:min(len(ids), i+backfillChunk)]
			if _, err := coll.UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: chunk}}}},
				bson.D{{Key: "$set", Value: bson.D{{Key: sw.Bucket, Value: h}}}}); err != nil {
				return time.Time{}, fmt.Errorf("sweep %s: backfill %s: %w", sw.Collection, h, err)
			}
		}
	}
	return oldest, nil
}
