// Package credentialdb keeps Open Badges issuer profiles, issued credentials, the
// revocation status-list counters and every public key that signed a credential in MongoDB.
package credentialdb

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/credential"
	"github.com/microlearn/microlearn/internal/mongodb"
)

// The collections.
const (
	Issuers     = "credential_issuers"
	Credentials = "credentials"
	Counters    = "credential_status_counters"
	Keys        = "credential_keys"
)

// Indexes lists the indexes the queries in this package need: one credential per earned
// badge (unique), a person's credentials, a programme's credentials in issue order and its
// revoked ones for the status list.
func Indexes() []mongodb.Index {
	return []mongodb.Index{
		{Collection: Credentials, Model: mongo.IndexModel{Keys: bson.D{{Key: "programmeId", Value: 1}, {Key: "userId", Value: 1}, {Key: "badgeId", Value: 1}},
			Options: options.Index().SetUnique(true)}},
		{Collection: Credentials, Model: mongo.IndexModel{Keys: bson.D{{Key: "userId", Value: 1}, {Key: "issuedAt", Value: -1}}}},
		{Collection: Credentials, Model: mongo.IndexModel{Keys: bson.D{{Key: "programmeId", Value: 1}, {Key: "issuedAt", Value: 1}, {Key: "_id", Value: 1}}}},
		{Collection: Credentials, Model: mongo.IndexModel{Keys: bson.D{{Key: "programmeId", Value: 1}, {Key: "revoked", Value: 1}}}},
	}
}

type issuerDoc struct {
	ID          string    `bson:"_id"` // programme ID
	Name        string    `bson:"name"`
	URL         string    `bson:"url,omitempty"`
	Email       string    `bson:"email,omitempty"`
	Description string    `bson:"description,omitempty"`
	ImageURL    string    `bson:"imageUrl,omitempty"`
	UpdatedAt   time.Time `bson:"updatedAt"`
}

type credentialDoc struct {
	ID           string     `bson:"_id"`
	ProgrammeID  string     `bson:"programmeId"`
	UserID       string     `bson:"userId"`
	BadgeID      string     `bson:"badgeId"`
	DID          string     `bson:"did,omitempty"`
	IdentityHash string     `bson:"identityHash,omitempty"`
	Salt         string     `bson:"salt,omitempty"`
	AwardedAt    time.Time  `bson:"awardedAt"`
	IssuedAt     time.Time  `bson:"issuedAt"`
	StatusIndex  int        `bson:"statusIndex"`
	JWT          string     `bson:"jwt"`
	KeyID        string     `bson:"keyId"`
	Revoked      bool       `bson:"revoked"`
	RevokedAt    *time.Time `bson:"revokedAt,omitempty"`
	RevokedBy    string     `bson:"revokedBy,omitempty"`
	Reason       string     `bson:"reason,omitempty"`
}

func fromCredential(c credential.Credential) credentialDoc {
	return credentialDoc{ID: c.ID, ProgrammeID: c.ProgrammeID, UserID: c.UserID, BadgeID: c.BadgeID, DID: c.Subject.DID,
		IdentityHash: c.Subject.IdentityHash, Salt: c.Subject.Salt, AwardedAt: c.AwardedAt.UTC(), IssuedAt: c.IssuedAt.UTC(),
		StatusIndex: c.StatusIndex, JWT: c.JWT, KeyID: c.KeyID, Revoked: c.Revoked, RevokedAt: c.RevokedAt, RevokedBy: c.RevokedBy, Reason: c.Reason}
}

func (d credentialDoc) toCredential() credential.Credential {
	c := credential.Credential{ID: d.ID, ProgrammeID: d.ProgrammeID, UserID: d.UserID, BadgeID: d.BadgeID,
		Subject:   credential.Subject{DID: d.DID, IdentityHash: d.IdentityHash, Salt: d.Salt},
		AwardedAt: d.AwardedAt.UTC(), IssuedAt: d.IssuedAt.UTC(), StatusIndex: d.StatusIndex, JWT: d.JWT, KeyID: d.KeyID,
		Revoked: d.Revoked, RevokedBy: d.RevokedBy, Reason: d.Reason}
	if d.RevokedAt != nil {
		t := d.RevokedAt.UTC()
		c.RevokedAt = &t
	}
	return c
}

type keyDoc struct {
	ID        string    `bson:"_id"`
	Public    []byte    `bson:"public"`
	CreatedAt time.Time `bson:"createdAt"`
}

// Store is the MongoDB credential.Store.
type Store struct{ db *mongo.Database }

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

// Issuer implements credential.Store.
func (s *Store) Issuer(ctx context.Context, programmeID string) (credential.Issuer, error) {
	var d issuerDoc
	err := s.db.Collection(Issuers).FindOne(ctx, byID(programmeID)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return credential.Issuer{}, credential.ErrIssuerNotFound
	}
	if err != nil {
		return credential.Issuer{}, fmt.Errorf("find issuer: %w", err)
	}
	return credential.Issuer{ProgrammeID: d.ID, Name: d.Name, URL: d.URL, Email: d.Email, Description: d.Description,
		ImageURL: d.ImageURL, UpdatedAt: d.UpdatedAt.UTC()}, nil
}

// SaveIssuer implements credential.Store.
func (s *Store) SaveIssuer(ctx context.Context, i credential.Issuer) error {
	_, err := s.db.Collection(Issuers).ReplaceOne(ctx, byID(i.ProgrammeID), issuerDoc{ID: i.ProgrammeID, Name: i.Name, URL: i.URL,
		Email: i.Email, Description: i.Description, ImageURL: i.ImageURL, UpdatedAt: i.UpdatedAt.UTC()}, options.Replace().SetUpsert(true))
	return err
}

// NextStatusIndex implements credential.Store: one atomic increment of the programme's
// counter document, so that no two credentials share a place.
func (s *Store) NextStatusIndex(ctx context.Context, programmeID string) (int, error) {
	var d struct {
		Next int `bson:"next"`
	}
	err := s.db.Collection(Counters).FindOneAndUpdate(ctx, byID(programmeID), bson.D{{Key: "$inc", Value: bson.D{{Key: "next", Value: 1}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return 0, err
	}
	return d.Next - 1, nil
}

// InsertCredential implements credential.Store.
func (s *Store) InsertCredential(ctx context.Context, c credential.Credential) (credential.Credential, error) {
	_, err := s.db.Collection(Credentials).InsertOne(ctx, fromCredential(c))
	if mongodb.IsDuplicate(err) {
		stored, ferr := s.CredentialFor(ctx, c.ProgrammeID, c.UserID, c.BadgeID)
		if ferr != nil {
			return credential.Credential{}, ferr
		}
		return stored, credential.ErrConflict
	}
	if err != nil {
		return credential.Credential{}, err
	}
	return c, nil
}

func (s *Store) one(ctx context.Context, filter bson.D) (credential.Credential, error) {
	var d credentialDoc
	err := s.db.Collection(Credentials).FindOne(ctx, filter).Decode(&d)
	if mongodb.IsNotFound(err) {
		return credential.Credential{}, credential.ErrNotFound
	}
	if err != nil {
		return credential.Credential{}, fmt.Errorf("find credential: %w", err)
	}
	return d.toCredential(), nil
}

// Credential implements credential.Store.
func (s *Store) Credential(ctx context.Context, id string) (credential.Credential, error) {
	return s.one(ctx, byID(id))
}

// CredentialFor implements credential.Store.
func (s *Store) CredentialFor(ctx context.Context, programmeID, userID, badgeID string) (credential.Credential, error) {
	return s.one(ctx, bson.D{{Key: "programmeId", Value: programmeID}, {Key: "userId", Value: userID}, {Key: "badgeId", Value: badgeID}})
}

func (s *Store) many(ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder) ([]credential.Credential, error) {
	cur, err := s.db.Collection(Credentials).Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("find credentials: %w", err)
	}
	var docs []credentialDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	out := make([]credential.Credential, len(docs))
	for i, d := range docs {
		out[i] = d.toCredential()
	}
	return out, nil
}

// CredentialsOf implements credential.Store.
func (s *Store) CredentialsOf(ctx context.Context, userID string) ([]credential.Credential, error) {
	return s.many(ctx, bson.D{{Key: "userId", Value: userID}}, options.Find().SetSort(bson.D{{Key: "issuedAt", Value: -1}}).SetLimit(1000))
}

// CredentialsIn implements credential.Store.
func (s *Store) CredentialsIn(ctx context.Context, programmeID string, after credential.Cursor, limit int) ([]credential.Credential, error) {
	f := bson.D{{Key: "programmeId", Value: programmeID}}
	if after.ID != "" {
		f = append(f, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "issuedAt", Value: bson.D{{Key: "$gt", Value: after.IssuedAt.UTC()}}}},
			bson.D{{Key: "issuedAt", Value: after.IssuedAt.UTC()}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: after.ID}}}},
		}})
	}
	return s.many(ctx, f, options.Find().SetSort(bson.D{{Key: "issuedAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

// RevokedIndexes implements credential.Store.
func (s *Store) RevokedIndexes(ctx context.Context, programmeID string) ([]int, error) {
	cs, err := s.many(ctx, bson.D{{Key: "programmeId", Value: programmeID}, {Key: "revoked", Value: true}},
		options.Find().SetProjection(bson.D{{Key: "statusIndex", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := make([]int, len(cs))
	for i, c := range cs {
		out[i] = c.StatusIndex
	}
	return out, nil
}

// Revoke implements credential.Store: a conditional update, so of two owners revoking at
// once one succeeds and the other is told it already is.
func (s *Store) Revoke(ctx context.Context, id, by, reason string, at time.Time) (bool, error) {
	res, err := s.db.Collection(Credentials).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "revoked", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}, {Key: "revokedAt", Value: at.UTC()}, {Key: "revokedBy", Value: by},
			{Key: "reason", Value: reason}}}})
	if err != nil {
		return false, err
	}
	return res.ModifiedCount == 1, nil
}

// PutKey implements credential.Store: insert once; a key never changes.
func (s *Store) PutKey(ctx context.Context, k credential.Key) error {
	_, err := s.db.Collection(Keys).InsertOne(ctx, keyDoc{ID: k.ID, Public: k.Public, CreatedAt: k.CreatedAt.UTC()})
	if mongodb.IsDuplicate(err) {
		return nil
	}
	return err
}

// Keys implements credential.Store. The collection holds one small document per key
// rotation that signed something.
func (s *Store) Keys(ctx context.Context) ([]credential.Key, error) {
	cur, err := s.db.Collection(Keys).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}}).
		SetComment("scan: one small document per signing key; the service keeps them in memory"))
	if err != nil {
		return nil, err
	}
	var docs []keyDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]credential.Key, 0, len(docs))
	for _, d := range docs {
		if len(d.Public) == ed25519.PublicKeySize {
			out = append(out, credential.Key{ID: d.ID, Public: ed25519.PublicKey(d.Public), CreatedAt: d.CreatedAt.UTC()})
		}
	}
	return out, nil
}
