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

type inviteDoc struct {
	ID          string    `bson:"_id"`
	ProgrammeID string    `bson:"programmeId"`
	Email       string    `bson:"email"`
	Name        string    `bson:"name,omitempty"`
	Department  string    `bson:"department,omitempty"`
	Languages   []string  `bson:"languages,omitempty"`
	Locale      string    `bson:"locale,omitempty"`
	Role        string    `bson:"role"`
	State       string    `bson:"state"`
	Generation  int       `bson:"generation"`
	Seed        string    `bson:"seed,omitempty"`
	TokenHash   string    `bson:"tokenHash"`
	InvitedBy   string    `bson:"invitedBy"`
	CreatedAt   time.Time `bson:"createdAt"`
	SentAt      time.Time `bson:"sentAt"`
	ExpiresAt   time.Time `bson:"expiresAt"`
	AcceptedBy  string    `bson:"acceptedBy"`
	AcceptedAt  time.Time `bson:"acceptedAt,omitempty"`
	RevokedAt   time.Time `bson:"revokedAt,omitempty"`
	Mail        mailDoc   `bson:"mail"`
}

type mailDoc struct {
	Status     string    `bson:"status"`
	Generation int       `bson:"generation"`
	At         time.Time `bson:"at"`
	Error      string    `bson:"error,omitempty"`
}

func fromInvite(i programme.Invite) inviteDoc {
	return inviteDoc{ID: i.ID, ProgrammeID: i.ProgrammeID, Email: i.Email, Name: i.Name, Department: i.Department, Languages: i.Languages,
		Locale: i.Locale, Role: string(i.Role), State: string(i.State), Generation: i.Generation, Seed: i.Seed, TokenHash: i.TokenHash,
		InvitedBy: i.InvitedBy, CreatedAt: i.CreatedAt.UTC(), SentAt: i.SentAt.UTC(), ExpiresAt: i.ExpiresAt.UTC(), AcceptedBy: i.AcceptedBy,
		AcceptedAt: i.AcceptedAt, RevokedAt: i.RevokedAt,
		Mail: mailDoc{Status: string(i.Mail.Status), Generation: i.Mail.Generation, At: i.Mail.At.UTC(), Error: i.Mail.Error}}
}

func (d inviteDoc) toInvite() programme.Invite {
	state := programme.InviteState(d.State)
	switch {
	case state == "" && d.AcceptedBy != "": // written before invitations had a state
		state = programme.InviteAccepted
	case state == "":
		state = programme.InvitePending
	}
	utc := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.UTC()
	}
	return programme.Invite{ID: d.ID, ProgrammeID: d.ProgrammeID, Email: d.Email, Name: d.Name, Department: d.Department,
		Languages: d.Languages, Locale: d.Locale, Role: programme.Role(d.Role), State: state, Generation: d.Generation, Seed: d.Seed,
		TokenHash: d.TokenHash, InvitedBy: d.InvitedBy, CreatedAt: utc(d.CreatedAt), SentAt: utc(d.SentAt), ExpiresAt: utc(d.ExpiresAt),
		AcceptedBy: d.AcceptedBy, AcceptedAt: utc(d.AcceptedAt), RevokedAt: utc(d.RevokedAt),
		Mail: programme.InviteMail{Status: programme.MailStatus(d.Mail.Status), Generation: d.Mail.Generation, At: utc(d.Mail.At), Error: d.Mail.Error}}
}

// InsertInvites implements programme.Store: unordered inserts in chunks of 200; a duplicate
// _id (the same person invited already) is reported, not an error.
func (s *Store) InsertInvites(ctx context.Context, invs []programme.Invite) (map[string]bool, error) {
	docs := make([]any, len(invs))
	for i, inv := range invs {
		docs[i] = fromInvite(inv)
	}
	dupAt, err := mongodb.InsertNew(ctx, s.db.Collection(invites), docs, 200)
	if err != nil {
		return nil, fmt.Errorf("insert invites: %w", err)
	}
	dup := map[string]bool{}
	for i := range dupAt {
		dup[invs[i].ID] = true
	}
	return dup, nil
}

// Invite implements programme.Store.
func (s *Store) Invite(ctx context.Context, id string) (programme.Invite, error) {
	var d inviteDoc
	err := s.db.Collection(invites).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return programme.Invite{}, programme.ErrInviteNotFound
	}
	if err != nil {
		return programme.Invite{}, fmt.Errorf("find invite: %w", err)
	}
	return d.toInvite(), nil
}

// InvitesByID implements programme.Store: _id lookups, 500 at a time.
func (s *Store) InvitesByID(ctx context.Context, ids []string) (map[string]programme.Invite, error) {
	out := map[string]programme.Invite{}
	for start := 0; start < len(ids); start += 500 {
		cur, err := s.db.Collection(invites).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids[start:min(start+500, len(ids))]}}}})
		if err != nil {
			return nil, fmt.Errorf("find invites: %w", err)
		}
		var docs []inviteDoc
		if err := cur.All(ctx, &docs); err != nil {
			return nil, fmt.Errorf("find invites: %w", err)
		}
		for _, d := range docs {
			out[d.ID] = d.toInvite()
		}
	}
	return out, nil
}

// Invites implements programme.Store on (programmeId[, state], createdAt, _id), newest first.
func (s *Store) Invites(ctx context.Context, q programme.InviteQuery) ([]programme.Invite, error) {
	filter := bson.D{{Key: "programmeId", Value: q.ProgrammeID}}
	now := q.Now.UTC()
	switch q.Status {
	case programme.InvitePending:
		filter = append(filter, bson.E{Key: "state", Value: string(programme.InvitePending)}, bson.E{Key: "expiresAt", Value: bson.D{{Key: "$gt", Value: now}}})
	case programme.InviteExpired:
		filter = append(filter, bson.E{Key: "state", Value: string(programme.InvitePending)}, bson.E{Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: now}}})
	case programme.InviteAccepted, programme.InviteRevoked:
		filter = append(filter, bson.E{Key: "state", Value: string(q.Status)})
	}
	if q.After != nil {
		at := q.After.At.UTC()
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "createdAt", Value: bson.D{{Key: "$lt", Value: at}}}},
			bson.D{{Key: "createdAt", Value: at}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: q.After.ID}}}},
		}})
	}
	cur, err := s.db.Collection(invites).Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(q.Limit)))
	if err != nil {
		return nil, fmt.Errorf("list invites: %w", err)
	}
	var docs []inviteDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list invites: %w", err)
	}
	out := make([]programme.Invite, len(docs))
	for i, d := range docs {
		out[i] = d.toInvite()
	}
	return out, nil
}

// ReissueInvite implements programme.Store: one conditional update on (_id, generation).
func (s *Store) ReissueInvite(ctx context.Context, next programme.Invite, fromGen int) (bool, error) {
	d := fromInvite(next)
	res, err := s.db.Collection(invites).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: next.ID}, {Key: "generation", Value: fromGen}, {Key: "acceptedBy", Value: ""}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "email", Value: d.Email}, {Key: "name", Value: d.Name}, {Key: "department", Value: d.Department},
			{Key: "languages", Value: d.Languages}, {Key: "locale", Value: d.Locale}, {Key: "role", Value: d.Role}, {Key: "state", Value: d.State},
			{Key: "generation", Value: d.Generation}, {Key: "seed", Value: d.Seed}, {Key: "tokenHash", Value: d.TokenHash},
			{Key: "invitedBy", Value: d.InvitedBy}, {Key: "sentAt", Value: d.SentAt}, {Key: "expiresAt", Value: d.ExpiresAt}, {Key: "mail", Value: d.Mail}}},
			{Key: "$unset", Value: bson.D{{Key: "revokedAt", Value: ""}}}})
	if err != nil {
		return false, fmt.Errorf("reissue invite: %w", err)
	}
	return res.MatchedCount == 1, nil
}

// RevokeInvite implements programme.Store.
func (s *Store) RevokeInvite(ctx context.Context, programmeID, id string, at time.Time) (bool, error) {
	res, err := s.db.Collection(invites).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "programmeId", Value: programmeID}, {Key: "acceptedBy", Value: ""},
			{Key: "state", Value: bson.D{{Key: "$ne", Value: string(programme.InviteRevoked)}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: string(programme.InviteRevoked)}, {Key: "revokedAt", Value: at.UTC()}}}})
	if err != nil {
		return false, fmt.Errorf("revoke invite: %w", err)
	}
	return res.MatchedCount == 1, nil
}

// SetInviteMail implements programme.Store: conditional on no later generation.
func (s *Store) SetInviteMail(ctx context.Context, id string, m programme.InviteMail) error {
	_, err := s.db.Collection(invites).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "generation", Value: m.Generation}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "mail", Value: mailDoc{Status: string(m.Status), Generation: m.Generation, At: m.At.UTC(), Error: m.Error}}}}})
	if err != nil {
		return fmt.Errorf("record invite mail: %w", err)
	}
	return nil
}

// InviteByHash implements programme.Store.
func (s *Store) InviteByHash(ctx context.Context, tokenHash string) (programme.Invite, error) {
	var d inviteDoc
	err := s.db.Collection(invites).FindOne(ctx, bson.D{{Key: "tokenHash", Value: tokenHash}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return programme.Invite{}, programme.ErrInvalidJoin
	}
	if err != nil {
		return programme.Invite{}, fmt.Errorf("find invite: %w", err)
	}
	return d.toInvite(), nil
}

// AcceptInvite implements programme.Store: pending (and not revoked) to accepted, once.
func (s *Store) AcceptInvite(ctx context.Context, id, userID string, at time.Time) (bool, error) {
	res, err := s.db.Collection(invites).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "acceptedBy", Value: ""}, {Key: "state", Value: bson.D{{Key: "$ne", Value: string(programme.InviteRevoked)}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "acceptedBy", Value: userID}, {Key: "acceptedAt", Value: at.UTC()},
			{Key: "state", Value: string(programme.InviteAccepted)}}}})
	if err != nil {
		return false, fmt.Errorf("accept invite: %w", err)
	}
	return res.MatchedCount == 1, nil
}
