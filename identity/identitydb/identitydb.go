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
	return []mongodb.Index{
		{Collection: users, Model: mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetUnique(true)}},
	}
}

// Store is the MongoDB identity.Store.
type Store struct{ db *mongo.Database }

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

type userDoc struct {
	ID           string    `bson:"_id"`
	Email        string    `bson:"email"`
	DisplayName  string    `bson:"displayName"`
	Timezone     string    `bson:"timezone"`
	Locale       string    `bson:"locale"`
	Admin        bool      `bson:"admin"`
	DailyXPGoal  int       `bson:"dailyXpGoal"`
	PasswordHash string    `bson:"passwordHash"`
	CreatedAt    time.Time `bson:"createdAt"`
	UpdatedAt    time.Time `bson:"updatedAt"`
}

func fromUser(u identity.User, hash string) userDoc {
	return userDoc{ID: u.ID, Email: u.Email, DisplayName: u.DisplayName, Timezone: u.Timezone, Locale: u.Locale,
		Admin: u.Admin, DailyXPGoal: u.DailyXPGoal, PasswordHash: hash, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func (d userDoc) toUser() identity.User {
	return identity.User{ID: d.ID, Email: d.Email, DisplayName: d.DisplayName, Timezone: d.Timezone, Locale: d.Locale,
		Admin: d.Admin, DailyXPGoal: d.DailyXPGoal, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
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
