package programmedb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/programme"
)

// UpdateProgramme implements programme.Store.
func (s *Store) UpdateProgramme(ctx context.Context, p programme.Programme) error {
	res, err := s.db.Collection(programmes).UpdateOne(ctx, bson.D{{Key: "_id", Value: p.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "name", Value: p.Name}, {Key: "description", Value: p.Description},
			{Key: "timezone", Value: p.Timezone}, {Key: "startsOn", Value: p.StartsOn}, {Key: "endsOn", Value: p.EndsOn},
			{Key: "updatedAt", Value: p.UpdatedAt}}}})
	if err != nil {
		return fmt.Errorf("update programme: %w", err)
	}
	if res.MatchedCount == 0 {
		return programme.ErrNotFound
	}
	return nil
}

// Members implements programme.Store: {programmeId, userId > after} in userId order, on the
// unique (programmeId, userId) index.
func (s *Store) Members(ctx context.Context, programmeID string, roles []programme.Role, self, after string, limit int) ([]programme.Membership, error) {
	filter := bson.D{{Key: "programmeId", Value: programmeID}}
	if after != "" {
		filter = append(filter, bson.E{Key: "userId", Value: bson.D{{Key: "$gt", Value: after}}})
	}
	if len(roles) > 0 {
		rs := make([]string, len(roles))
		for i, r := range roles {
			rs[i] = string(r)
		}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "role", Value: bson.D{{Key: "$in", Value: rs}}}},
			bson.D{{Key: "userId", Value: self}},
		}})
	}
	cur, err := s.db.Collection(memberships).Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "userId", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	var docs []membershipDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	out := make([]programme.Membership, len(docs))
	for i, d := range docs {
		out[i] = d.toMembership()
	}
	return out, nil
}

// SetRole implements programme.Store.
func (s *Store) SetRole(ctx context.Context, programmeID, userID string, from, to programme.Role) (bool, error) {
	res, err := s.db.Collection(memberships).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: programmeID + ":" + userID}, {Key: "role", Value: string(from)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "role", Value: string(to)}}}})
	if err != nil {
		return false, fmt.Errorf("set role: %w", err)
	}
	return res.MatchedCount == 1, nil
}

// RemoveMember implements programme.Store.
func (s *Store) RemoveMember(ctx context.Context, programmeID, userID string, role programme.Role) (bool, error) {
	res, err := s.db.Collection(memberships).DeleteOne(ctx,
		bson.D{{Key: "_id", Value: programmeID + ":" + userID}, {Key: "role", Value: string(role)}})
	if err != nil {
		return false, fmt.Errorf("remove member: %w", err)
	}
	return res.DeletedCount == 1, nil
}

// ReleaseOwner implements programme.Store.
func (s *Store) ReleaseOwner(ctx context.Context, programmeID string) (bool, error) {
	res, err := s.db.Collection(programmes).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: programmeID}, {Key: "ownerCount", Value: bson.D{{Key: "$gt", Value: 1}}}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "ownerCount", Value: -1}}}})
	if err != nil {
		return false, fmt.Errorf("release owner: %w", err)
	}
	return res.MatchedCount == 1, nil
}

// AdjustOwners implements programme.Store.
func (s *Store) AdjustOwners(ctx context.Context, programmeID string, delta int) error {
	if _, err := s.db.Collection(programmes).UpdateOne(ctx, bson.D{{Key: "_id", Value: programmeID}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "ownerCount", Value: delta}}}}); err != nil {
		return fmt.Errorf("adjust owners: %w", err)
	}
	return nil
}

type joinCodeDoc struct {
	ID          string    `bson:"_id"`
	ProgrammeID string    `bson:"programmeId"`
	Role        string    `bson:"role"`
	Label       string    `bson:"label"`
	CodeHash    string    `bson:"codeHash"`
	CreatedBy   string    `bson:"createdBy"`
	CreatedAt   time.Time `bson:"createdAt"`
	ExpiresAt   time.Time `bson:"expiresAt"`
	Revoked     bool      `bson:"revoked"`
	Uses        int       `bson:"uses"`
}

func (d joinCodeDoc) toJoinCode() programme.JoinCode {
	return programme.JoinCode{ID: d.ID, ProgrammeID: d.ProgrammeID, Role: programme.Role(d.Role), Label: d.Label, CodeHash: d.CodeHash,
		CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC(), ExpiresAt: d.ExpiresAt.UTC(), Revoked: d.Revoked, Uses: d.Uses}
}

// CreateJoinCode implements programme.Store.
func (s *Store) CreateJoinCode(ctx context.Context, jc programme.JoinCode) error {
	_, err := s.db.Collection(joinCodes).InsertOne(ctx, joinCodeDoc{ID: jc.ID, ProgrammeID: jc.ProgrammeID, Role: string(jc.Role),
		Label: jc.Label, CodeHash: jc.CodeHash, CreatedBy: jc.CreatedBy, CreatedAt: jc.CreatedAt, ExpiresAt: jc.ExpiresAt})
	if err != nil {
		return fmt.Errorf("insert join code: %w", err)
	}
	return nil
}

// JoinCodes implements programme.Store (at most 100, newest first).
func (s *Store) JoinCodes(ctx context.Context, programmeID string) ([]programme.JoinCode, error) {
	cur, err := s.db.Collection(joinCodes).Find(ctx, bson.D{{Key: "programmeId", Value: programmeID}},
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(100))
	if err != nil {
		return nil, fmt.Errorf("list join codes: %w", err)
	}
	var docs []joinCodeDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list join codes: %w", err)
	}
	out := make([]programme.JoinCode, len(docs))
	for i, d := range docs {
		out[i] = d.toJoinCode()
	}
	return out, nil
}

// JoinCodeByHash implements programme.Store.
func (s *Store) JoinCodeByHash(ctx context.Context, codeHash string) (programme.JoinCode, error) {
	var d joinCodeDoc
	err := s.db.Collection(joinCodes).FindOne(ctx, bson.D{{Key: "codeHash", Value: codeHash}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return programme.JoinCode{}, programme.ErrJoinCodeNotFound
	}
	if err != nil {
		return programme.JoinCode{}, fmt.Errorf("find join code: %w", err)
	}
	return d.toJoinCode(), nil
}

// RevokeJoinCode implements programme.Store.
func (s *Store) RevokeJoinCode(ctx context.Context, programmeID, id string) error {
	res, err := s.db.Collection(joinCodes).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "programmeId", Value: programmeID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	if err != nil {
		return fmt.Errorf("revoke join code: %w", err)
	}
	if res.MatchedCount == 0 {
		return programme.ErrJoinCodeNotFound
	}
	return nil
}

// CountJoinCodeUse implements programme.Store.
func (s *Store) CountJoinCodeUse(ctx context.Context, id string) error {
	if _, err := s.db.Collection(joinCodes).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "uses", Value: 1}}}}); err != nil {
		return fmt.Errorf("count join code use: %w", err)
	}
	return nil
}
