package mentoringdb

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/mentoring"
)

// Agreement versions and their acknowledgements: one document per version
// (_id pairing@version) and one per acknowledgement (_id pairing@version:person), both
// read by one indexed equality on the pairing.
const (
	AgreementVersions = "mentoring_agreement_versions"
	AgreementAcks     = "mentoring_agreement_acks"
)

// AgreementIndexes lists the indexes of the agreement's queries.
func AgreementIndexes() []mongodb.Index {
	return []mongodb.Index{
		ix(AgreementVersions, k("pairingId", 1, "version", 1), true),
		ix(AgreementAcks, k("pairingId", 1, "version", 1), false),
		ix(FeedTokens, k("userId", 1), true),
		ix(CadenceDue, k("day", 1), false),            // CadenceDueOn (cadence_due.go)
		ix(Pairings, k("status", 1, "_id", 1), false), // ActivePairingsAfter (the backfill, cadence_due.go)
	}
}

type agreementChangeDoc struct {
	Field string `bson:"field"`
	From  string `bson:"from"`
	To    string `bson:"to"`
}

type agreementVersionDoc struct {
	ID        string               `bson:"_id"`
	PairingID string               `bson:"pairingId"`
	Version   int                  `bson:"version"`
	Agreement agreementDoc         `bson:"agreement"`
	Changes   []agreementChangeDoc `bson:"changes"`
	By        string               `bson:"by"`
	Side      string               `bson:"side"`
	At        time.Time            `bson:"at"`
	Awaiting  []string             `bson:"awaiting"`
}

type agreementAckDoc struct {
	ID        string    `bson:"_id"`
	PairingID string    `bson:"pairingId"`
	Version   int       `bson:"version"`
	UserID    string    `bson:"userId"`
	At        time.Time `bson:"at"`
}

func versionID(pairingID string, v int) string { return pairingID + "@" + strconv.Itoa(v) }

func fromAgreementVersion(v mentoring.AgreementVersion) agreementVersionDoc {
	d := agreementVersionDoc{ID: versionID(v.PairingID, v.Version), PairingID: v.PairingID, Version: v.Version,
		Agreement: fromAgreement(v.Agreement), Changes: []agreementChangeDoc{}, By: v.By, Side: string(v.Side), At: v.At.UTC(),
		Awaiting: nonNil(v.Awaiting)}
	for _, c := range v.Changes {
		d.Changes = append(d.Changes, agreementChangeDoc(c))
	}
	return d
}

// AgreementVersions implements mentoring.RecordStore: two queries, each bounded by the pairing.
func (s *Store) AgreementVersions(ctx context.Context, pairingID string) ([]mentoring.AgreementVersion, error) {
	cur, err := s.c(AgreementVersions).Find(ctx, k("pairingId", pairingID), options.Find().SetSort(k("version", 1)))
	docs, err := all[agreementVersionDoc](ctx, cur, err, "agreement versions")
	if err != nil || len(docs) == 0 {
		return nil, err
	}
	cur, err = s.c(AgreementAcks).Find(ctx, k("pairingId", pairingID), options.Find().SetSort(k("at", 1)))
	acks, err := all[agreementAckDoc](ctx, cur, err, "agreement acknowledgements")
	if err != nil {
		return nil, err
	}
	byVersion := map[int][]mentoring.Acknowledgement{}
	for _, a := range acks {
		byVersion[a.Version] = append(byVersion[a.Version], mentoring.Acknowledgement{UserID: a.UserID, At: a.At})
	}
	out := make([]mentoring.AgreementVersion, len(docs))
	for i, d := range docs {
		v := mentoring.AgreementVersion{PairingID: d.PairingID, Version: d.Version, By: d.By, Side: mentoring.Side(d.Side), At: d.At,
			Awaiting: nonNil(d.Awaiting), Acks: byVersion[d.Version], Changes: []mentoring.AgreementChange{},
			Agreement: mentoring.Agreement{MeetingFrequency: mentoring.Frequency(d.Agreement.MeetingFrequency), Goals: []string{},
				Boundaries: d.Agreement.Boundaries, StartsOn: d.Agreement.StartsOn, EndsOn: d.Agreement.EndsOn}}
		if v.Acks == nil {
			v.Acks = []mentoring.Acknowledgement{}
		}
		for _, c := range d.Changes {
			v.Changes = append(v.Changes, mentoring.AgreementChange(c))
		}
		out[i] = v
	}
	return out, nil
}

// InsertAgreementVersion implements mentoring.RecordStore.
func (s *Store) InsertAgreementVersion(ctx context.Context, first *mentoring.AgreementVersion, v mentoring.AgreementVersion) error {
	if first != nil {
		if _, err := s.c(AgreementVersions).InsertOne(ctx, fromAgreementVersion(*first)); err != nil && !mongodb.IsDuplicate(err) {
			return fmt.Errorf("insert agreement version 1: %w", err)
		}
	}
	_, err := s.c(AgreementVersions).InsertOne(ctx, fromAgreementVersion(v))
	if mongodb.IsDuplicate(err) {
		return mentoring.ErrVersionConflict
	}
	if err != nil {
		return fmt.Errorf("insert agreement version: %w", err)
	}
	return nil
}

// InsertAgreementAck implements mentoring.RecordStore.
func (s *Store) InsertAgreementAck(ctx context.Context, pairingID string, version int, a mentoring.Acknowledgement) error {
	d := agreementAckDoc{ID: versionID(pairingID, version) + ":" + a.UserID, PairingID: pairingID, Version: version, UserID: a.UserID, At: a.At.UTC()}
	if _, err := s.c(AgreementAcks).InsertOne(ctx, d); err != nil && !mongodb.IsDuplicate(err) {
		return fmt.Errorf("insert agreement acknowledgement: %w", err)
	}
	return nil
}

// SetAgreedAgreement implements mentoring.RecordStore: one conditional update, so a version
// never replaces a later one in force.
func (s *Store) SetAgreedAgreement(ctx context.Context, pairingID string, a mentoring.Agreement, version int, now time.Time) error {
	f := k("_id", pairingID, "status", k("$ne", string(mentoring.StatusEnded)),
		"$or", bson.A{k("agreementVersion", k("$exists", false)), k("agreementVersion", k("$lt", version))})
	if _, err := s.c(Pairings).UpdateOne(ctx, f, k("$set", k("agreement", fromAgreement(a), "agreementVersion", version, "updatedAt", now.UTC(), updatedHours.Bucket, mongodb.HourOf(now)))); err != nil {
		return fmt.Errorf("set agreement in force: %w", err)
	}
	return nil
}

// FeedTokens holds calendar feed tokens: _id is the token's SHA-256 hash (the feed's one
// lookup), userId unique (one token a person).
const FeedTokens = "mentoring_feed_tokens"

type feedTokenDoc struct {
	ID        string    `bson:"_id"`
	UserID    string    `bson:"userId"`
	CreatedAt time.Time `bson:"createdAt"`
}

var _ mentoring.FeedStore = (*Store)(nil)

// PutFeedToken implements mentoring.FeedStore: the old token goes, then the new one is
// inserted (a racing second request loses on the unique userId and tries once more).
func (s *Store) PutFeedToken(ctx context.Context, userID, hash string, at time.Time) error {
	for attempt := 0; ; attempt++ {
		if err := s.DeleteFeedToken(ctx, userID); err != nil {
			return err
		}
		_, err := s.c(FeedTokens).InsertOne(ctx, feedTokenDoc{ID: hash, UserID: userID, CreatedAt: at.UTC()})
		if err == nil || !mongodb.IsDuplicate(err) || attempt > 0 {
			if err != nil {
				return fmt.Errorf("put feed token: %w", err)
			}
			return nil
		}
	}
}

// FeedTokenUser implements mentoring.FeedStore.
func (s *Store) FeedTokenUser(ctx context.Context, hash string) (string, error) {
	var d feedTokenDoc
	err := s.c(FeedTokens).FindOne(ctx, k("_id", hash)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return "", mentoring.ErrFeedToken
	}
	if err != nil {
		return "", fmt.Errorf("find feed token: %w", err)
	}
	return d.UserID, nil
}

// DeleteFeedToken implements mentoring.FeedStore.
func (s *Store) DeleteFeedToken(ctx context.Context, userID string) error {
	if _, err := s.c(FeedTokens).DeleteMany(ctx, k("userId", userID)); err != nil {
		return fmt.Errorf("delete feed token: %w", err)
	}
	return nil
}
