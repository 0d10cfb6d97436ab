// Package notifydb keeps notifications in MongoDB: the outbox (pending work only, so that
// it stays small), the deliveries of in-flight notifications, the inbox (the history of
// everything sent), the dead letters, the per-user nudge counters and the devices.
package notifydb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/notify"
)

// Collection names.
const (
	Outbox     = "notify_outbox"
	Deliveries = "notify_deliveries"
	Inbox      = "notifications"
	Dead       = "notify_dead"
	Nudges     = "notify_nudges"
	Devices    = "notify_devices"
)

// Indexes lists the indexes the queries in this package need.
func Indexes() []mongodb.Index {
	ix := func(coll string, unique bool, keys ...string) mongodb.Index {
		d := bson.D{}
		for _, k := range keys {
			if k[0] == '-' {
				d = append(d, bson.E{Key: k[1:], Value: -1})
			} else {
				d = append(d, bson.E{Key: k, Value: 1})
			}
		}
		m := mongo.IndexModel{Keys: d}
		if unique {
			m.Options = options.Index().SetUnique(true)
		}
		return mongodb.Index{Collection: coll, Model: m}
	}
	return []mongodb.Index{
		ix(Outbox, true, "dedupKey"),                       // a producer retry enqueues once
		ix(Outbox, false, "dueAt"),                         // Claim
		ix(Deliveries, false, "notificationId"),            // Deliveries, Finish
		ix(Inbox, false, "userId", "shown", "-at", "-_id"), // Inbox page
		ix(Inbox, false, "userId", "shown", "read"),        // Unread, MarkAllRead
		ix(Devices, true, "userId", "installationId"),      // PutDevice, DeleteDevice
		ix(Devices, false, "tokenHash"),                    // one token, one device
		ix(Devices, false, "userId", "lastSeen"),           // Devices, eviction
		ix(Due, false, "bucket"),                           // the scheduler's round (DueIn)
		ix(Due, false, "userId"),                           // Track (DueOf)
		inboxSweep.Index(),                                 // PruneInbox
		deviceSweep.Index(),                                // PruneDevices
	}
}

// The janitor's prunes search the hour buckets of the time they prune by (an {at: {$lt}}
// delete would decode the whole collection on the embedded engine, issue 20).
var (
	inboxSweep  = mongodb.HourSweep{Collection: Inbox, Field: "at", Bucket: "atHour"}
	deviceSweep = mongodb.HourSweep{Collection: Devices, Field: "lastSeen", Bucket: "lastSeenHour"}
)

// Store is the MongoDB notify.Store.
type Store struct {
	db *mongo.Database
	// claimable is what Claim's last scan of the outbox found due, earliest first: Claim takes
	// them one by one before it scans again (see Claim).
	dueMu     sync.Mutex
	claimable []string
}

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

var _ notify.Store = (*Store)(nil)

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type pendingDoc struct {
	ID          string            `bson:"_id"`
	DedupKey    string            `bson:"dedupKey"`
	UserID      string            `bson:"userId"`
	Kind        string            `bson:"kind"`
	ProgrammeID string            `bson:"programmeId,omitempty"`
	Refs        map[string]string `bson:"refs,omitempty"`
	Vars        map[string]string `bson:"vars,omitempty"`
	CreatedAt   time.Time         `bson:"createdAt"`
	NotBefore   time.Time         `bson:"notBefore"`
	ExpiresAt   time.Time         `bson:"expiresAt"`
	DueAt       time.Time         `bson:"dueAt"`
	Lease       string            `bson:"lease"`
	Attempts    int               `bson:"attempts"`
	LastError   string            `bson:"lastError,omitempty"`
}

func fromPending(p notify.Pending) pendingDoc {
	return pendingDoc{ID: p.ID, DedupKey: p.DedupKey, UserID: p.UserID, Kind: string(p.Kind), ProgrammeID: p.ProgrammeID,
		Refs: p.Refs, Vars: p.Vars, CreatedAt: p.CreatedAt.UTC(), NotBefore: p.NotBefore.UTC(), ExpiresAt: p.ExpiresAt.UTC(),
		DueAt: p.DueAt.UTC(), Lease: p.Lease, Attempts: p.Attempts, LastError: p.LastError}
}

func (d pendingDoc) toPending() notify.Pending {
	return notify.Pending{ID: d.ID, DedupKey: d.DedupKey, UserID: d.UserID, Kind: notify.Kind(d.Kind), ProgrammeID: d.ProgrammeID,
		Refs: d.Refs, Vars: d.Vars, CreatedAt: d.CreatedAt, NotBefore: d.NotBefore, ExpiresAt: d.ExpiresAt, DueAt: d.DueAt,
		Lease: d.Lease, Attempts: d.Attempts, LastError: d.LastError}
}

// Enqueue implements notify.Store.
func (s *Store) Enqueue(ctx context.Context, p notify.Pending) (bool, error) {
	_, err := s.db.Collection(Outbox).InsertOne(ctx, fromPending(p))
	if mongodb.IsDuplicate(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("insert outbox item: %w", err)
	}
	return true, nil
}

// EnqueueMany implements notify.Store: unordered inserts in chunks of 100, duplicates
// skipped.
func (s *Store) EnqueueMany(ctx context.Context, ps []notify.Pending) ([]string, error) {
	docs := make([]any, len(ps))
	for i, p := range ps {
		docs[i] = fromPending(p)
	}
	dup, err := mongodb.InsertNew(ctx, s.db.Collection(Outbox), docs, 100)
	if err != nil {
		return nil, fmt.Errorf("insert outbox items: %w", err)
	}
	var created []string
	for i, p := range ps {
		if !dup[i] {
			created = append(created, p.ID)
		}
	}
	return created, nil
}

// FinishedAmong implements notify.Store.
func (s *Store) FinishedAmong(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	cur, err := s.db.Collection(Inbox).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find inbox entries: %w", err)
	}
	var found []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &found); err != nil {
		return nil, fmt.Errorf("find inbox entries: %w", err)
	}
	for _, f := range found {
		out[f.ID] = true
	}
	return out, nil
}

// ForgetMany implements notify.Store.
func (s *Store) ForgetMany(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.db.Collection(Outbox).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return fmt.Errorf("delete outbox items: %w", err)
	}
	return nil
}

// claimScan is how many due items one scan of the outbox finds for the claims after it.
const claimScan = 100

// Claim implements notify.Store. An item is taken by one atomic findOneAndUpdate by its
// _id, conditioned on its still being due, so that two senders never hold the same item. A
// lease that ran out makes the item due again, because taking the lease moved DueAt to its
// end. Which items are due comes from a scan of the outbox by dueAt (a range, which the
// embedded engine cannot search: it decodes the whole outbox), made once per claimScan
// claims: a burst of n pending notifications costs n/100 scans, not n (the square of the
// burst's size, when each claim scanned).
func (s *Store) Claim(ctx context.Context, now time.Time, lease string, until time.Time) (notify.Pending, error) {
	for {
		id, err := s.nextDue(ctx, now)
		if err != nil {
			return notify.Pending{}, err
		}
		var d pendingDoc
		err = s.db.Collection(Outbox).FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: id}, {Key: "dueAt", Value: bson.D{{Key: "$lte", Value: now.UTC()}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "lease", Value: lease}, {Key: "dueAt", Value: until.UTC()}}}},
			options.FindOneAndUpdate().SetReturnDocument(options.After),
		).Decode(&d)
		if mongodb.IsNotFound(err) {
			continue // another sender took it, or it was finished, since the scan
		}
		if err != nil {
			s.forgetDue()
			return notify.Pending{}, fmt.Errorf("claim outbox item: %w", err)
		}
		return d.toPending(), nil
	}
}

// nextDue pops the next item the last scan found due, scanning again when none is left;
// notify.ErrNothingDue when nothing is due.
func (s *Store) nextDue(ctx context.Context, now time.Time) (string, error) {
	s.dueMu.Lock()
	defer s.dueMu.Unlock()
	if len(s.claimable) == 0 {
		cur, err := s.db.Collection(Outbox).Find(ctx, bson.D{{Key: "dueAt", Value: bson.D{{Key: "$lte", Value: now.UTC()}}}},
			options.Find().SetSort(bson.D{{Key: "dueAt", Value: 1}}).SetLimit(claimScan).SetProjection(bson.D{{Key: "_id", Value: 1}}).
				SetComment("scan: the outbox holds only pending notifications (Finish deletes them), and one scan serves 100 claims"))
		if err != nil {
			return "", fmt.Errorf("find due outbox items: %w", err)
		}
		var ids []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(ctx, &ids); err != nil {
			return "", fmt.Errorf("find due outbox items: %w", err)
		}
		for _, d := range ids {
			s.claimable = append(s.claimable, d.ID)
		}
	}
	if len(s.claimable) == 0 {
		return "", notify.ErrNothingDue
	}
	id := s.claimable[0]
	s.claimable = s.claimable[1:]
	return id, nil
}

// forgetDue drops what the last scan found, so that the next claim scans afresh.
func (s *Store) forgetDue() {
	s.dueMu.Lock()
	s.claimable = nil
	s.dueMu.Unlock()
}

// Release implements notify.Store.
func (s *Store) Release(ctx context.Context, id, lease string, dueAt time.Time, attempts int, lastError string) error {
	_, err := s.db.Collection(Outbox).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "lease", Value: lease}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "lease", Value: ""}, {Key: "dueAt", Value: dueAt.UTC()},
			{Key: "attempts", Value: attempts}, {Key: "lastError", Value: lastError}}}})
	if err != nil {
		return fmt.Errorf("release outbox item: %w", err)
	}
	return nil
}

type entryDoc struct {
	ID          string            `bson:"_id"`
	UserID      string            `bson:"userId"`
	Kind        string            `bson:"kind"`
	ProgrammeID string            `bson:"programmeId,omitempty"`
	Title       string            `bson:"title"`
	Body        string            `bson:"body"`
	Link        string            `bson:"link"`
	Refs        map[string]string `bson:"refs,omitempty"`
	Status      string            `bson:"status"`
	Reason      string            `bson:"reason,omitempty"`
	MessageIDs  []string          `bson:"messageIds,omitempty"`
	Shown       bool              `bson:"shown"`
	Read        bool              `bson:"read"`
	ReadAt      *time.Time        `bson:"readAt,omitempty"`
	CreatedAt   time.Time         `bson:"createdAt"`
	At          time.Time         `bson:"at"`
	AtHour      string            `bson:"atHour"` // mongodb.HourOf(At), PruneInbox's bucket
}

func fromEntry(e notify.Entry) entryDoc {
	return entryDoc{ID: e.ID, UserID: e.UserID, Kind: string(e.Kind), ProgrammeID: e.ProgrammeID, Title: e.Title, Body: e.Body,
		Link: e.Link, Refs: e.Refs, Status: string(e.Status), Reason: e.Reason, MessageIDs: e.MessageIDs, Shown: e.Shown,
		Read: e.ReadAt != nil, ReadAt: e.ReadAt, CreatedAt: e.CreatedAt.UTC(), At: e.At.UTC(), AtHour: mongodb.HourOf(e.At)}
}

func (d entryDoc) toEntry() notify.Entry {
	return notify.Entry{ID: d.ID, UserID: d.UserID, Kind: notify.Kind(d.Kind), ProgrammeID: d.ProgrammeID, Title: d.Title,
		Body: d.Body, Link: d.Link, Refs: d.Refs, Status: notify.Status(d.Status), Reason: d.Reason, MessageIDs: d.MessageIDs,
		Shown: d.Shown, CreatedAt: d.CreatedAt, At: d.At, ReadAt: d.ReadAt}
}

// Finish implements notify.Store. The inbox entry is written first and the outbox item
// deleted second: Enqueue checks the inbox after inserting, so a duplicate enqueued in
// between is always caught.
func (s *Store) Finish(ctx context.Context, e notify.Entry) error {
	if _, err := s.db.Collection(Inbox).InsertOne(ctx, fromEntry(e)); err != nil && !mongodb.IsDuplicate(err) {
		return fmt.Errorf("insert inbox entry: %w", err)
	}
	if _, err := s.db.Collection(Outbox).DeleteOne(ctx, bson.D{{Key: "_id", Value: e.ID}}); err != nil {
		return fmt.Errorf("delete outbox item: %w", err)
	}
	if _, err := s.db.Collection(Deliveries).DeleteMany(ctx, bson.D{{Key: "notificationId", Value: e.ID}}); err != nil {
		return fmt.Errorf("delete deliveries: %w", err)
	}
	return nil
}

type deadDoc struct {
	pendingDoc `bson:",inline"`
	Reason     string    `bson:"reason"`
	DeadAt     time.Time `bson:"deadAt"`
}

// DeadLetter implements notify.Store.
func (s *Store) DeadLetter(ctx context.Context, p notify.Pending, reason string, e notify.Entry) error {
	d := deadDoc{pendingDoc: fromPending(p), Reason: reason, DeadAt: e.At.UTC()}
	if _, err := s.db.Collection(Dead).InsertOne(ctx, d); err != nil && !mongodb.IsDuplicate(err) {
		return fmt.Errorf("insert dead letter: %w", err)
	}
	return s.Finish(ctx, e)
}

// Finished implements notify.Store.
func (s *Store) Finished(ctx context.Context, id string) (bool, error) {
	n, err := s.db.Collection(Inbox).CountDocuments(ctx, bson.D{{Key: "_id", Value: id}}, options.Count().SetLimit(1))
	if err != nil {
		return false, fmt.Errorf("find inbox entry: %w", err)
	}
	return n > 0, nil
}

// Forget implements notify.Store.
func (s *Store) Forget(ctx context.Context, id string) error {
	if _, err := s.db.Collection(Outbox).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete outbox item: %w", err)
	}
	return nil
}

type deliveryDoc struct {
	ID             string    `bson:"_id"`
	NotificationID string    `bson:"notificationId"`
	DeviceID       string    `bson:"deviceId"`
	MessageID      string    `bson:"messageId,omitempty"`
	Error          string    `bson:"error,omitempty"`
	At             time.Time `bson:"at"`
}

// RecordDelivery implements notify.Store: one insert keyed by (notification, device).
func (s *Store) RecordDelivery(ctx context.Context, d notify.Delivery) error {
	doc := deliveryDoc{ID: d.NotificationID + "/" + d.DeviceID, NotificationID: d.NotificationID, DeviceID: d.DeviceID,
		MessageID: d.MessageID, Error: d.Error, At: d.At.UTC()}
	if _, err := s.db.Collection(Deliveries).InsertOne(ctx, doc); err != nil && !mongodb.IsDuplicate(err) {
		return fmt.Errorf("insert delivery: %w", err)
	}
	return nil
}

// Deliveries implements notify.Store.
func (s *Store) Deliveries(ctx context.Context, notificationID string) (map[string]notify.Delivery, error) {
	cur, err := s.db.Collection(Deliveries).Find(ctx, bson.D{{Key: "notificationId", Value: notificationID}})
	if err != nil {
		return nil, fmt.Errorf("find deliveries: %w", err)
	}
	var docs []deliveryDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	out := make(map[string]notify.Delivery, len(docs))
	for _, d := range docs {
		out[d.DeviceID] = notify.Delivery{NotificationID: d.NotificationID, DeviceID: d.DeviceID, MessageID: d.MessageID, Error: d.Error, At: d.At}
	}
	return out, nil
}

type nudgeDoc struct {
	ID     string    `bson:"_id"`
	Day    string    `bson:"day"`
	N      int       `bson:"n"`
	IDs    []string  `bson:"ids"`
	LastAt time.Time `bson:"lastAt"`
}

// ReserveNudge implements notify.Store with one small document per user: the local day,
// how many nudges went out that day, their notification IDs and when the last one went.
// Each step is one atomic update guarded by its filter, so two senders cannot both take
// the last slot; reserving twice for the same notification is recognised by its ID.
func (s *Store) ReserveNudge(ctx context.Context, userID, day, id string, now time.Time, rule notify.NudgeRule) (notify.NudgeVerdict, error) {
	c := s.db.Collection(Nudges)
	now = now.UTC()
	spaced := now.Add(-rule.Spacing)
	if rule.PerDay > 0 {
		// Same day, room left, spaced enough, not yet reserved for id.
		res, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: userID}, {Key: "day", Value: day},
			{Key: "n", Value: bson.D{{Key: "$lt", Value: rule.PerDay}}}, {Key: "lastAt", Value: bson.D{{Key: "$lte", Value: spaced}}},
			{Key: "ids", Value: bson.D{{Key: "$nin", Value: bson.A{id}}}}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}, {Key: "$push", Value: bson.D{{Key: "ids", Value: id}}},
				{Key: "$set", Value: bson.D{{Key: "lastAt", Value: now}}}})
		if err != nil {
			return notify.NudgeVerdict{}, fmt.Errorf("reserve nudge: %w", err)
		}
		if res.ModifiedCount == 1 {
			return notify.NudgeVerdict{OK: true}, nil
		}
		// A new day (or the first nudge ever): start the day's count, if spaced enough.
		res, err = c.UpdateOne(ctx, bson.D{{Key: "_id", Value: userID}, {Key: "day", Value: bson.D{{Key: "$ne", Value: day}}},
			{Key: "lastAt", Value: bson.D{{Key: "$lte", Value: spaced}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "day", Value: day}, {Key: "n", Value: 1}, {Key: "ids", Value: bson.A{id}}, {Key: "lastAt", Value: now}}}},
			options.UpdateOne().SetUpsert(true))
		switch {
		case mongodb.IsDuplicate(err): // the document exists and did not match: read why below
		case err != nil:
			return notify.NudgeVerdict{}, fmt.Errorf("reserve nudge: %w", err)
		case res.ModifiedCount == 1 || res.UpsertedCount == 1:
			return notify.NudgeVerdict{OK: true}, nil
		}
	}
	var d nudgeDoc
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: userID}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return notify.NudgeVerdict{Capped: true}, nil // PerDay is 0
	}
	if err != nil {
		return notify.NudgeVerdict{}, fmt.Errorf("read nudges: %w", err)
	}
	if d.Day == day {
		for _, x := range d.IDs {
			if x == id {
				return notify.NudgeVerdict{OK: true}, nil
			}
		}
		if d.N >= rule.PerDay {
			return notify.NudgeVerdict{Capped: true}, nil
		}
	}
	if rule.PerDay <= 0 {
		return notify.NudgeVerdict{Capped: true}, nil
	}
	if next := d.LastAt.Add(rule.Spacing); next.After(now) {
		return notify.NudgeVerdict{NotBefore: next}, nil
	}
	// The document changed between our update and this read: try again soon.
	return notify.NudgeVerdict{NotBefore: now.Add(time.Second)}, nil
}

type deviceDoc struct {
	ID             string    `bson:"_id"`
	UserID         string    `bson:"userId"`
	InstallationID string    `bson:"installationId"`
	Token          string    `bson:"token"`
	TokenHash      string    `bson:"tokenHash"`
	Platform       string    `bson:"platform"`
	AppVersion     string    `bson:"appVersion"`
	LastSeen       time.Time `bson:"lastSeen"`
	LastSeenHour   string    `bson:"lastSeenHour"` // mongodb.HourOf(LastSeen), PruneDevices' bucket
	CreatedAt      time.Time `bson:"createdAt"`
	UpdatedAt      time.Time `bson:"updatedAt"`
}

func (d deviceDoc) toDevice() notify.Device {
	return notify.Device{ID: d.ID, UserID: d.UserID, InstallationID: d.InstallationID, Token: d.Token, TokenHash: d.TokenHash,
		Platform: notify.Platform(d.Platform), AppVersion: d.AppVersion, LastSeen: d.LastSeen, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// PutDevice implements notify.Store.
func (s *Store) PutDevice(ctx context.Context, dev notify.Device) (notify.Device, bool, error) {
	c := s.db.Collection(Devices)
	filter := bson.D{{Key: "userId", Value: dev.UserID}, {Key: "installationId", Value: dev.InstallationID}}
	update := bson.D{
		{Key: "$set", Value: bson.D{{Key: "token", Value: dev.Token}, {Key: "tokenHash", Value: dev.TokenHash},
			{Key: "platform", Value: string(dev.Platform)}, {Key: "appVersion", Value: dev.AppVersion},
			{Key: "lastSeen", Value: dev.LastSeen.UTC()}, {Key: "lastSeenHour", Value: mongodb.HourOf(dev.LastSeen)},
			{Key: "updatedAt", Value: dev.UpdatedAt.UTC()}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "_id", Value: newID()}, {Key: "createdAt", Value: dev.CreatedAt.UTC()}}},
	}
	var res *mongo.UpdateResult
	var err error
	for try := 0; try < 2; try++ { // two first registrations racing: the loser updates
		res, err = c.UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
		if !mongodb.IsDuplicate(err) {
			break
		}
	}
	if err != nil {
		return notify.Device{}, false, fmt.Errorf("upsert device: %w", err)
	}
	var d deviceDoc
	if err := c.FindOne(ctx, filter).Decode(&d); err != nil {
		return notify.Device{}, false, fmt.Errorf("read device: %w", err)
	}
	// One token, one device: when an installation changes hands (sign out, sign in as
	// someone else), the previous holder must stop receiving its pushes.
	if _, err := c.DeleteMany(ctx, bson.D{{Key: "tokenHash", Value: d.TokenHash}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: d.ID}}}}); err != nil {
		return notify.Device{}, false, fmt.Errorf("remove other holders of the token: %w", err)
	}
	if err := s.evict(ctx, dev.UserID); err != nil {
		return notify.Device{}, false, err
	}
	return d.toDevice(), res.UpsertedCount == 1, nil
}

// evict removes the user's devices beyond MaxDevices, least recently seen first.
func (s *Store) evict(ctx context.Context, userID string) error {
	c := s.db.Collection(Devices)
	cur, err := c.Find(ctx, bson.D{{Key: "userId", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "lastSeen", Value: -1}, {Key: "_id", Value: -1}}).SetSkip(notify.MaxDevices).
			SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return fmt.Errorf("find devices to evict: %w", err)
	}
	var extra []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &extra); err != nil {
		return fmt.Errorf("read devices to evict: %w", err)
	}
	if len(extra) == 0 {
		return nil
	}
	ids := make(bson.A, 0, len(extra))
	for _, e := range extra {
		ids = append(ids, e.ID)
	}
	if _, err := c.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return fmt.Errorf("evict devices: %w", err)
	}
	return nil
}

// DeleteDevice implements notify.Store.
func (s *Store) DeleteDevice(ctx context.Context, userID, installationID string) error {
	res, err := s.db.Collection(Devices).DeleteOne(ctx, bson.D{{Key: "userId", Value: userID}, {Key: "installationId", Value: installationID}})
	if err != nil {
		return fmt.Errorf("delete device: %w", err)
	}
	if res.DeletedCount == 0 {
		return notify.ErrDeviceNotFound
	}
	return nil
}

// RemoveDevice implements notify.Store.
func (s *Store) RemoveDevice(ctx context.Context, id string) error {
	if _, err := s.db.Collection(Devices).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("remove device: %w", err)
	}
	return nil
}

// Devices implements notify.Store.
func (s *Store) Devices(ctx context.Context, userID string) ([]notify.Device, error) {
	cur, err := s.db.Collection(Devices).Find(ctx, bson.D{{Key: "userId", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "lastSeen", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(notify.MaxDevices))
	if err != nil {
		return nil, fmt.Errorf("find devices: %w", err)
	}
	var docs []deviceDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read devices: %w", err)
	}
	out := make([]notify.Device, len(docs))
	for i, d := range docs {
		out[i] = d.toDevice()
	}
	return out, nil
}

// PruneDevices implements notify.Store.
func (s *Store) PruneDevices(ctx context.Context, before time.Time) (int, error) {
	n, err := deviceSweep.DeleteBefore(ctx, s.db, before)
	if err != nil {
		return int(n), fmt.Errorf("prune devices: %w", err)
	}
	return int(n), nil
}

// Inbox implements notify.Store: keyset pagination on (at, _id), newest first.
func (s *Store) Inbox(ctx context.Context, userID string, after *notify.Cursor, limit int) ([]notify.Entry, error) {
	filter := bson.D{{Key: "userId", Value: userID}, {Key: "shown", Value: true}}
	if after != nil {
		at := after.At.UTC()
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: at}}}},
			bson.D{{Key: "at", Value: at}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: after.ID}}}},
		}})
	}
	cur, err := s.db.Collection(Inbox).Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("find inbox: %w", err)
	}
	var docs []entryDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read inbox: %w", err)
	}
	out := make([]notify.Entry, len(docs))
	for i, d := range docs {
		out[i] = d.toEntry()
	}
	return out, nil
}

// Unread implements notify.Store.
func (s *Store) Unread(ctx context.Context, userID string) (int, error) {
	n, err := s.db.Collection(Inbox).CountDocuments(ctx, bson.D{{Key: "userId", Value: userID}, {Key: "shown", Value: true}, {Key: "read", Value: false}})
	if err != nil {
		return 0, fmt.Errorf("count unread: %w", err)
	}
	return int(n), nil
}

// MarkRead implements notify.Store.
func (s *Store) MarkRead(ctx context.Context, userID, id string, at *time.Time) (notify.Entry, error) {
	set := bson.D{{Key: "read", Value: at != nil}}
	update := bson.D{}
	if at != nil {
		set = append(set, bson.E{Key: "readAt", Value: at.UTC()})
	} else {
		update = append(update, bson.E{Key: "$unset", Value: bson.D{{Key: "readAt", Value: ""}}})
	}
	update = append(update, bson.E{Key: "$set", Value: set})
	var d entryDoc
	err := s.db.Collection(Inbox).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "userId", Value: userID}, {Key: "shown", Value: true}}, update,
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return notify.Entry{}, notify.ErrNotFound
	}
	if err != nil {
		return notify.Entry{}, fmt.Errorf("mark read: %w", err)
	}
	return d.toEntry(), nil
}

// MarkAllRead implements notify.Store.
func (s *Store) MarkAllRead(ctx context.Context, userID string, at time.Time) (int, error) {
	res, err := s.db.Collection(Inbox).UpdateMany(ctx,
		bson.D{{Key: "userId", Value: userID}, {Key: "shown", Value: true}, {Key: "read", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "read", Value: true}, {Key: "readAt", Value: at.UTC()}}}})
	if err != nil {
		return 0, fmt.Errorf("mark all read: %w", err)
	}
	return int(res.ModifiedCount), nil
}

// PruneInbox implements notify.Store.
func (s *Store) PruneInbox(ctx context.Context, before time.Time) (int, error) {
	n, err := inboxSweep.DeleteBefore(ctx, s.db, before)
	if err != nil {
		return int(n), fmt.Errorf("prune inbox: %w", err)
	}
	return int(n), nil
}

// SeedInbox inserts finished notifications straight into the inbox in bulk (unordered;
// entries already there are skipped), for building large data sets (bench/scale). The
// product files each notification with Finish.
func (s *Store) SeedInbox(ctx context.Context, es []notify.Entry) error {
	const batch = 1000
	for i := 0; i < len(es); i += batch {
		docs := make([]any, 0, batch)
		for _, e := range es[i:min(len(es), i+batch)] {
			docs = append(docs, fromEntry(e))
		}
		_, err := s.db.Collection(Inbox).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
		if err != nil && !mongodb.OnlyDuplicates(err) {
			return fmt.Errorf("seed inbox: %w", err)
		}
	}
	return nil
}
