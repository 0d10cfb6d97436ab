// Package identitydb keeps users in MongoDB.
package identitydb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/internal/mongodb"
)

const users = "users"

// Indexes lists the indexes the queries in this package need.
func Indexes() []mongodb.Index {
	return append([]mongodb.Index{
		{Collection: users, Model: mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetUnique(true)}},
	}, sessionIndexes()...)
}

// Store is the MongoDB identity.Store.
type Store struct{ db *mongo.Database }

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

// userDoc is a user as stored. Collections and maps are omitted when empty (never null), so
// that dotted updates such as notificationPrefs.level_up always find an object or nothing.
type userDoc struct {
	ID                    string          `bson:"_id"`
	Email                 string          `bson:"email"`
	DisplayName           string          `bson:"displayName"`
	Timezone              string          `bson:"timezone"`
	TimezoneChangedAt     *time.Time      `bson:"timezoneChangedAt,omitempty"`
	Locale                string          `bson:"locale"`
	Admin                 bool            `bson:"admin"`
	LearningSlots         []string        `bson:"learningSlots,omitempty"`
	QuietHours            *quietHoursDoc  `bson:"quietHours,omitempty"`
	NotificationPrefs     map[string]bool `bson:"notificationPrefs,omitempty"`
	DailyXPGoal           int             `bson:"dailyXpGoal"`
	LeaderboardVisibility string          `bson:"leaderboardVisibility,omitempty"`
	PasswordHash          string          `bson:"passwordHash"`
	CreatedAt             time.Time       `bson:"createdAt"`
	UpdatedAt             time.Time       `bson:"updatedAt"`
}

type quietHoursDoc struct {
	Start string `bson:"start"`
	End   string `bson:"end"`
}

func fromUser(u identity.User, hash string) userDoc {
	d := userDoc{ID: u.ID, Email: u.Email, DisplayName: u.DisplayName, Timezone: u.Timezone, Locale: u.Locale,
		Admin: u.Admin, LearningSlots: u.LearningSlots, NotificationPrefs: u.NotificationPrefs, DailyXPGoal: u.DailyXPGoal,
		LeaderboardVisibility: u.LeaderboardVisibility, PasswordHash: hash, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if !u.TimezoneChangedAt.IsZero() {
		t := u.TimezoneChangedAt
		d.TimezoneChangedAt = &t
	}
	if u.QuietHours != nil {
		d.QuietHours = &quietHoursDoc{Start: u.QuietHours.Start, End: u.QuietHours.End}
	}
	return d
}

// toUser fills the defaults for documents written before a field existed.
func (d userDoc) toUser() identity.User {
	u := identity.User{ID: d.ID, Email: d.Email, DisplayName: d.DisplayName, Timezone: d.Timezone, Locale: d.Locale,
		Admin: d.Admin, LearningSlots: d.LearningSlots, NotificationPrefs: d.NotificationPrefs, DailyXPGoal: d.DailyXPGoal,
		LeaderboardVisibility: d.LeaderboardVisibility, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	if d.TimezoneChangedAt != nil {
		u.TimezoneChangedAt = d.TimezoneChangedAt.UTC()
	}
	if d.QuietHours != nil {
		u.QuietHours = &identity.QuietHours{Start: d.QuietHours.Start, End: d.QuietHours.End}
	}
	if u.LearningSlots == nil {
		u.LearningSlots = []string{}
	}
	if u.NotificationPrefs == nil {
		u.NotificationPrefs = map[string]bool{}
	}
	if u.DailyXPGoal == 0 {
		u.DailyXPGoal = identity.DefaultDailyXPGoal
	}
	if u.LeaderboardVisibility == "" {
		u.LeaderboardVisibility = identity.DefaultLeaderboardVisibility
	}
	if u.Locale == "" {
		u.Locale = identity.DefaultLocale
	}
	return u
}

// CreateUser implements identity.Store.
func (s *Store) CreateUser(ctx context.Context, u identity.User, hash string) error {
	_, err := s.db.Collection(users).InsertOne(ctx, fromUser(u, hash))
	if mongodb.IsDuplicate(err) {
		return identity.ErrEmailTaken
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

func (s *Store) one(ctx context.Context, filter bson.D) (userDoc, error) {
	var d userDoc
	err := s.db.Collection(users).FindOne(ctx, filter).Decode(&d)
	if mongodb.IsNotFound(err) {
		return d, identity.ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("find user: %w", err)
	}
	return d, nil
}

// UserByEmail implements identity.Store.
func (s *Store) UserByEmail(ctx context.Context, email string) (identity.User, string, error) {
	d, err := s.one(ctx, bson.D{{Key: "email", Value: email}})
	return d.toUser(), d.PasswordHash, err
}

// UserByID implements identity.Store.
func (s *Store) UserByID(ctx context.Context, id string) (identity.User, error) {
	d, err := s.one(ctx, bson.D{{Key: "_id", Value: id}})
	return d.toUser(), err
}

// SetAdmin implements identity.Store.
func (s *Store) SetAdmin(ctx context.Context, email string, admin bool) error {
	res, err := s.db.Collection(users).UpdateOne(ctx, bson.D{{Key: "email", Value: email}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "admin", Value: admin}}}})
	if err != nil {
		return fmt.Errorf("set admin: %w", err)
	}
	if res.MatchedCount == 0 {
		return identity.ErrNotFound
	}
	return nil
}

// UpdateProfile implements identity.Store: one findOneAndUpdate, so concurrent patches of
// different fields (or different notification kinds) do not overwrite each other.
func (s *Store) UpdateProfile(ctx context.Context, id string, c identity.ProfileChange) (identity.User, error) {
	var d userDoc
	err := s.db.Collection(users).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}}, profilePatch(c).update(),
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return identity.User{}, identity.ErrNotFound
	}
	if err != nil {
		return identity.User{}, fmt.Errorf("update profile: %w", err)
	}
	return d.toUser(), nil
}

// patch collects the $set and $unset of one update.
type patch struct{ set, unset bson.D }

func (p *patch) put(key string, v any) { p.set = append(p.set, bson.E{Key: key, Value: v}) }
func (p *patch) drop(key string)       { p.unset = append(p.unset, bson.E{Key: key, Value: ""}) }

func (p patch) update() bson.D {
	update := bson.D{{Key: "$set", Value: p.set}}
	if len(p.unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: p.unset})
	}
	return update
}

// profilePatch sets the paths c changes and unsets those it clears, and no others.
func profilePatch(c identity.ProfileChange) patch {
	var p patch
	p.put("updatedAt", c.UpdatedAt)
	if c.DisplayName != nil {
		p.put("displayName", *c.DisplayName)
	}
	if c.Timezone != nil {
		p.put("timezone", *c.Timezone)
	}
	if !c.TimezoneChangedAt.IsZero() {
		p.put("timezoneChangedAt", c.TimezoneChangedAt)
	}
	if c.Locale != nil {
		p.put("locale", *c.Locale)
	}
	switch {
	case !c.SetLearningSlots:
	case len(c.LearningSlots) == 0:
		p.drop("learningSlots")
	default:
		p.put("learningSlots", c.LearningSlots)
	}
	switch {
	case !c.SetQuietHours:
	case c.QuietHours == nil:
		p.drop("quietHours")
	default:
		p.put("quietHours", quietHoursDoc{Start: c.QuietHours.Start, End: c.QuietHours.End})
	}
	p.notificationPrefs(c)
	if c.DailyXPGoal != nil {
		p.put("dailyXpGoal", *c.DailyXPGoal)
	}
	if c.LeaderboardVisibility != nil {
		p.put("leaderboardVisibility", *c.LeaderboardVisibility)
	}
	return p
}

// notificationPrefs replaces the whole map with the explicit values of the change
// (ResetNotificationPrefs), or sets and unsets the kinds it names. Kinds are validated
// against identity.NotificationKinds(), so a key can never hold a dot or a dollar.
func (p *patch) notificationPrefs(c identity.ProfileChange) {
	if c.ResetNotificationPrefs {
		m := bson.D{}
		for _, k := range identity.NotificationKinds() {
			if v, ok := c.NotificationPrefs[k]; ok && v != nil {
				m = append(m, bson.E{Key: k, Value: *v})
			}
		}
		if len(m) == 0 {
			p.drop("notificationPrefs")
		} else {
			p.put("notificationPrefs", m)
		}
		return
	}
	for _, k := range identity.NotificationKinds() {
		v, ok := c.NotificationPrefs[k]
		switch {
		case !ok:
		case v == nil:
			p.drop("notificationPrefs." + k)
		default:
			p.put("notificationPrefs."+k, *v)
		}
	}
}

// UsersByIDs implements identity.Store.
func (s *Store) UsersByIDs(ctx context.Context, ids []string) ([]identity.User, error) {
	cur, err := s.db.Collection(users).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	var docs []userDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	out := make([]identity.User, len(docs))
	for i, d := range docs {
		out[i] = d.toUser()
	}
	return out, nil
}

// UsersPage implements identity.Store (paged by _id, which needs no other index).
func (s *Store) UsersPage(ctx context.Context, afterID string, limit int) ([]identity.User, error) {
	filter := bson.D{}
	if afterID != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: afterID}}})
	}
	cur, err := s.db.Collection(users).Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("users page: %w", err)
	}
	var docs []userDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("users page: %w", err)
	}
	out := make([]identity.User, len(docs))
	for i, d := range docs {
		out[i] = d.toUser()
	}
	return out, nil
}
