package identitydb

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/internal/mongodb"
)

const sessions = "sessions"

func sessionIndexes() []mongodb.Index {
	return []mongodb.Index{
		// logout-all: {userId, revoked}
		{Collection: sessions, Model: mongo.IndexModel{Keys: bson.D{{Key: "userId", Value: 1}, {Key: "revoked", Value: 1}}}},
		// the sweeper (no TTL index: FerretDB 1.24 has none)
		sessionSweep.Index(),
	}
}

// sessionSweep deletes expired sessions by the hour bucket of expiresAt (an {expiresAt:
// {$lt: now}} delete would decode every session on the embedded engine, issue 20).
var sessionSweep = mongodb.HourSweep{Collection: sessions, Field: "expiresAt", Bucket: "expiresHour"}

// sessionDoc is a refresh-token family. It holds the hash of the current token and the seed
// the tokens are derived from (useless without the server's refresh secret), never a token.
type sessionDoc struct {
	ID           string    `bson:"_id"`
	UserID       string    `bson:"userId"`
	Seed         string    `bson:"seed"`
	Generation   int       `bson:"gen"`
	TokenHash    string    `bson:"tokenHash"`
	RotatedAt    time.Time `bson:"rotatedAt"`
	Revoked      bool      `bson:"revoked"`
	RevokedAt    time.Time `bson:"revokedAt,omitempty"`
	RevokeReason string    `bson:"revokeReason,omitempty"`
	CreatedAt    time.Time `bson:"createdAt"`
	LastUsedAt   time.Time `bson:"lastUsedAt"`
	ExpiresAt    time.Time `bson:"expiresAt"`
	ExpiresHour  string    `bson:"expiresHour"` // mongodb.HourOf(ExpiresAt), the sweep's bucket
}

func fromSession(s identity.Session) sessionDoc {
	return sessionDoc{ID: s.ID, UserID: s.UserID, Seed: base64.StdEncoding.EncodeToString(s.Seed), Generation: s.Generation,
		TokenHash: s.TokenHash, RotatedAt: s.RotatedAt, Revoked: s.Revoked, RevokedAt: s.RevokedAt, RevokeReason: s.RevokeReason,
		CreatedAt: s.CreatedAt, LastUsedAt: s.LastUsedAt, ExpiresAt: s.ExpiresAt, ExpiresHour: mongodb.HourOf(s.ExpiresAt)}
}

func (d sessionDoc) toSession() (identity.Session, error) {
	seed, err := base64.StdEncoding.DecodeString(d.Seed)
	if err != nil {
		return identity.Session{}, fmt.Errorf("session %s: bad seed", d.ID)
	}
	return identity.Session{ID: d.ID, UserID: d.UserID, Seed: seed, Generation: d.Generation, TokenHash: d.TokenHash,
		RotatedAt: d.RotatedAt.UTC(), Revoked: d.Revoked, RevokedAt: d.RevokedAt.UTC(), RevokeReason: d.RevokeReason,
		CreatedAt: d.CreatedAt.UTC(), LastUsedAt: d.LastUsedAt.UTC(), ExpiresAt: d.ExpiresAt.UTC()}, nil
}

// CreateSession implements identity.SessionStore.
func (s *Store) CreateSession(ctx context.Context, ss identity.Session) error {
	if _, err := s.db.Collection(sessions).InsertOne(ctx, fromSession(ss)); err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

// Session implements identity.SessionStore.
func (s *Store) Session(ctx context.Context, id string) (identity.Session, error) {
	var d sessionDoc
	err := s.db.Collection(sessions).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return identity.Session{}, identity.ErrSessionNotFound
	}
	if err != nil {
		return identity.Session{}, fmt.Errorf("find session: %w", err)
	}
	return d.toSession()
}

// AdvanceSession implements identity.SessionStore with one conditional update: of several
// concurrent refreshes of one token exactly one matches {gen: gen, revoked: false}.
func (s *Store) AdvanceSession(ctx context.Context, id string, gen int, tokenHash string, rotatedAt, expiresAt time.Time) (bool, error) {
	res, err := s.db.Collection(sessions).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "gen", Value: gen}, {Key: "revoked", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "gen", Value: gen + 1}, {Key: "tokenHash", Value: tokenHash},
			{Key: "rotatedAt", Value: rotatedAt}, {Key: "lastUsedAt", Value: rotatedAt}, {Key: "expiresAt", Value: expiresAt},
			{Key: "expiresHour", Value: mongodb.HourOf(expiresAt)}}}})
	if err != nil {
		return false, fmt.Errorf("advance session: %w", err)
	}
	return res.ModifiedCount == 1, nil
}

// RevokeSession implements identity.SessionStore.
func (s *Store) RevokeSession(ctx context.Context, id, reason string, at time.Time) error {
	_, err := s.db.Collection(sessions).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "revoked", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}, {Key: "revokedAt", Value: at}, {Key: "revokeReason", Value: reason}}}})
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// RevokeUserSessions implements identity.SessionStore.
func (s *Store) RevokeUserSessions(ctx context.Context, userID, reason string, at time.Time) ([]string, error) {
	filter := bson.D{{Key: "userId", Value: userID}, {Key: "revoked", Value: false}}
	cur, err := s.db.Collection(sessions).Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	if _, err := s.db.Collection(sessions).UpdateMany(ctx, filter,
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}, {Key: "revokedAt", Value: at}, {Key: "revokeReason", Value: reason}}}}); err != nil {
		return nil, fmt.Errorf("revoke sessions: %w", err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}

// DeleteExpiredSessions implements identity.SessionStore.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	n, err := sessionSweep.DeleteBefore(ctx, s.db, now)
	if err != nil {
		return n, fmt.Errorf("delete expired sessions: %w", err)
	}
	return n, nil
}
