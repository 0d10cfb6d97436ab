// Package programmedb keeps programmes and memberships in MongoDB.
package programmedb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/programme"
)

const (
	programmes  = "programmes"
	memberships = "memberships"
	invites     = "invites"
	joinCodes   = "joinCodes"
)

// Indexes lists the indexes the queries in this package need.
func Indexes() []mongodb.Index {
	return []mongodb.Index{
		{Collection: memberships, Model: mongo.IndexModel{Keys: bson.D{{Key: "programmeId", Value: 1}, {Key: "userId", Value: 1}}, Options: options.Index().SetUnique(true)}},
		{Collection: memberships, Model: mongo.IndexModel{Keys: bson.D{{Key: "userId", Value: 1}}}},
		// MembersWithRole (mentoring's roster): both equalities searched, not the whole programme.
		{Collection: memberships, Model: mongo.IndexModel{Keys: bson.D{{Key: "programmeId", Value: 1}, {Key: "role", Value: 1}}}},
		{Collection: invites, Model: mongo.IndexModel{Keys: bson.D{{Key: "tokenHash", Value: 1}}, Options: options.Index().SetUnique(true)}},
		// Invites (list): by programme, newest first, and by programme and state.
		{Collection: invites, Model: mongo.IndexModel{Keys: bson.D{{Key: "programmeId", Value: 1}, {Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}}},
		{Collection: invites, Model: mongo.IndexModel{Keys: bson.D{{Key: "programmeId", Value: 1}, {Key: "state", Value: 1}, {Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}}},
		{Collection: joinCodes, Model: mongo.IndexModel{Keys: bson.D{{Key: "codeHash", Value: 1}}, Options: options.Index().SetUnique(true)}},
		{Collection: joinCodes, Model: mongo.IndexModel{Keys: bson.D{{Key: "programmeId", Value: 1}, {Key: "createdAt", Value: -1}}}},
	}
}

// Store is the MongoDB programme.Store.
type Store struct{ db *mongo.Database }

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

type programmeDoc struct {
	ID          string    `bson:"_id"`
	Name        string    `bson:"name"`
	Description string    `bson:"description"`
	Timezone    string    `bson:"timezone"`
	StartsOn    string    `bson:"startsOn,omitempty"`
	EndsOn      string    `bson:"endsOn,omitempty"`
	CreatedBy   string    `bson:"createdBy"`
	CreatedAt   time.Time `bson:"createdAt"`
	UpdatedAt   time.Time `bson:"updatedAt"`
	// OwnerCount counts owner memberships. It is decremented before an owner is demoted or
	// removed, conditionally on staying >= 1, which keeps every programme owned without
	// transactions; it may run low after a crash (refusing a demotion), never high.
	OwnerCount int `bson:"ownerCount"`
}

type membershipDoc struct {
	ID          string    `bson:"_id"` // programmeId + ":" + userId
	ProgrammeID string    `bson:"programmeId"`
	UserID      string    `bson:"userId"`
	Role        string    `bson:"role"`
	JoinedAt    time.Time `bson:"joinedAt"`
	Department  string    `bson:"department,omitempty"`
	Languages   []string  `bson:"languages,omitempty"`
}

func fromProgramme(p programme.Programme) programmeDoc {
	return programmeDoc{ID: p.ID, Name: p.Name, Description: p.Description, Timezone: p.Timezone, StartsOn: p.StartsOn,
		EndsOn: p.EndsOn, CreatedBy: p.CreatedBy, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func (d programmeDoc) toProgramme() programme.Programme {
	return programme.Programme{ID: d.ID, Name: d.Name, Description: d.Description, Timezone: d.Timezone, StartsOn: d.StartsOn,
		EndsOn: d.EndsOn, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

func fromMembership(m programme.Membership) membershipDoc {
	return membershipDoc{ID: m.ProgrammeID + ":" + m.UserID, ProgrammeID: m.ProgrammeID, UserID: m.UserID, Role: string(m.Role),
		JoinedAt: m.JoinedAt, Department: m.Department, Languages: m.Languages}
}

func (d membershipDoc) toMembership() programme.Membership {
	return programme.Membership{ProgrammeID: d.ProgrammeID, UserID: d.UserID, Role: programme.Role(d.Role), JoinedAt: d.JoinedAt,
		Department: d.Department, Languages: d.Languages}
}

// CreateProgramme implements programme.Store. The owner membership is written first: a
// crash between the two writes leaves a membership pointing at nothing (harmless, and
// invisible because listing joins on existing programmes) rather than an ownerless programme.
func (s *Store) CreateProgramme(ctx context.Context, p programme.Programme, owner programme.Membership) error {
	if _, err := s.db.Collection(memberships).InsertOne(ctx, fromMembership(owner)); err != nil {
		return fmt.Errorf("insert owner membership: %w", err)
	}
	d := fromProgramme(p)
	d.OwnerCount = 1
	if _, err := s.db.Collection(programmes).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("insert programme: %w", err)
	}
	return nil
}

// Programme implements programme.Store.
func (s *Store) Programme(ctx context.Context, id string) (programme.Programme, error) {
	var d programmeDoc
	err := s.db.Collection(programmes).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return programme.Programme{}, programme.ErrNotFound
	}
	if err != nil {
		return programme.Programme{}, fmt.Errorf("find programme: %w", err)
	}
	return d.toProgramme(), nil
}

// ProgrammesOf implements programme.Store.
func (s *Store) ProgrammesOf(ctx context.Context, userID string) ([]programme.Programme, []programme.Role, error) {
	cur, err := s.db.Collection(memberships).Find(ctx, bson.D{{Key: "userId", Value: userID}})
	if err != nil {
		return nil, nil, fmt.Errorf("list memberships: %w", err)
	}
	var ms []membershipDoc
	if err := cur.All(ctx, &ms); err != nil {
		return nil, nil, fmt.Errorf("list memberships: %w", err)
	}
	if len(ms) == 0 {
		return nil, nil, nil
	}
	ids := make([]string, len(ms))
	role := map[string]programme.Role{}
	for i, m := range ms {
		ids[i] = m.ProgrammeID
		role[m.ProgrammeID] = programme.Role(m.Role)
	}
	cur, err = s.db.Collection(programmes).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetSort(bson.D{{Key: "name", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, nil, fmt.Errorf("list programmes: %w", err)
	}
	var docs []programmeDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, nil, fmt.Errorf("list programmes: %w", err)
	}
	ps := make([]programme.Programme, len(docs))
	rs := make([]programme.Role, len(docs))
	for i, d := range docs {
		ps[i], rs[i] = d.toProgramme(), role[d.ID]
	}
	return ps, rs, nil
}

// Membership implements programme.Store.
func (s *Store) Membership(ctx context.Context, programmeID, userID string) (programme.Membership, error) {
	var d membershipDoc
	err := s.db.Collection(memberships).FindOne(ctx, bson.D{{Key: "_id", Value: programmeID + ":" + userID}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return programme.Membership{}, programme.ErrNotMember
	}
	if err != nil {
		return programme.Membership{}, fmt.Errorf("find membership: %w", err)
	}
	return d.toMembership(), nil
}

// AddMember implements programme.Store.
func (s *Store) AddMember(ctx context.Context, m programme.Membership) error {
	_, err := s.db.Collection(memberships).InsertOne(ctx, fromMembership(m))
	if mongodb.IsDuplicate(err) {
		return programme.ErrAlreadyMember
	}
	if err != nil {
		return fmt.Errorf("add member: %w", err)
	}
	return nil
}
