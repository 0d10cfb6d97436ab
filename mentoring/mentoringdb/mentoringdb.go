// Package mentoringdb keeps mentoring in MongoDB: profiles, the tag vocabulary, matching
// settings, pairings, the guard documents that make capacity and one-pairing-per-type hold
// under races (capacity slots and mentee places, each an insert on a unique key), and
// per-mentee assignments.
package mentoringdb

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
)

// Collections.
const (
	Profiles    = "mentoring_profiles"
	Tags        = "mentoring_tags"
	Settings    = "mentoring_settings"
	Places      = "mentoring_places"
	Slots       = "mentoring_slots"
	Pairings    = "mentoring_pairings"
	Assignments = "mentoring_assignments"
)

func ix(coll string, keys bson.D, unique bool) mongodb.Index {
	m := mongo.IndexModel{Keys: keys}
	if unique {
		m.Options = options.Index().SetUnique(true)
	}
	return mongodb.Index{Collection: coll, Model: m}
}

func k(pairs ...any) bson.D {
	d := bson.D{}
	for i := 0; i+1 < len(pairs); i += 2 {
		d = append(d, bson.E{Key: pairs[i].(string), Value: pairs[i+1]})
	}
	return d
}

// Indexes lists the indexes the queries in this package need. The guards need no extra
// unique index for their main rule: a slot's _id is programme:mentor:number and a place's _id
// is programme:mentee:type, and _id is always unique. The slots' holder key (pairing:mentee,
// always set) makes taking a slot idempotent for one pairing and mentee.
func Indexes() []mongodb.Index {
	return []mongodb.Index{
		ix(Profiles, k("programmeId", 1, "role", 1, "userId", 1), false),
		ix(Profiles, k("programmeId", 1, "userId", 1), false),
		ix(Profiles, k("programmeId", 1, "tags", 1), false),
		ix(Tags, k("programmeId", 1, "name", 1), false),
		ix(Places, k("programmeId", 1, "type", 1), false),
		ix(Places, k("pairingId", 1), false),
		ix(Slots, k("programmeId", 1, "mentorId", 1, "n", 1), false),
		ix(Slots, k("holder", 1), true),
		ix(Slots, k("pairingId", 1), false),
		ix(Pairings, k("programmeId", 1, "createdAt", -1, "_id", -1), false),
		ix(Pairings, k("programmeId", 1, "mentorId", 1, "createdAt", -1, "_id", -1), false),
		ix(Pairings, k("programmeId", 1, "menteeIds", 1, "createdAt", -1, "_id", -1), false),
		ix(Pairings, k("flashDue", 1), false),                          // DueFlashPairings: only live flash pairings carry it
		ix(Pairings, k("flashLive", 1, "flashDue", 1), false),          // DueFlashPairings on the embedded engine
		ix(Pairings, k("mentorId", 1, "status", 1), false),             // LivePairingsOf (GET /v1/me/mentees)
		ix(Pairings, k("menteeIds", 1, "type", 1, "status", 1), false), // LivePairingsOf, mutual partners
		ix(Assignments, k("menteeId", 1, "dueAt", 1, "_id", 1), false),
		ix(Assignments, k("menteeId", 1, "state", 1, "dueAt", 1, "_id", 1), false),
		ix(Assignments, k("pairingId", 1, "dueAt", 1), false),
		ix(Assignments, k("state", 1, "dueAt", 1, "_id", 1), false),
		ix(Assignments, k(dueHours.Bucket, 1, "state", 1), false), // DueBetween on the embedded engine
	}
}

// Store is the MongoDB mentoring.Store.
type Store struct {
	db *mongo.Database
	// dueBackfilled: this process saw dueHours' backfill done (DueBetween).
	dueBackfilled atomic.Bool
	// changesBackfilled: the same for updatedHours (ChangedSince).
	changesBackfilled atomic.Bool
	// flashBackfilled: this process saw flashLive's backfill done (DueFlashPairings).
	flashBackfilled atomic.Bool
}

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

var _ mentoring.Store = (*Store)(nil)

func (s *Store) c(name string) *mongo.Collection { return s.db.Collection(name) }

func all[T any](ctx context.Context, cur *mongo.Cursor, err error, what string) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out := []T{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// ---- profiles

type profileDoc struct {
	ID                   string    `bson:"_id"`
	ProgrammeID          string    `bson:"programmeId"`
	UserID               string    `bson:"userId"`
	Role                 string    `bson:"role"`
	Department           string    `bson:"department"`
	Location             string    `bson:"location"`
	Languages            []string  `bson:"languages"`
	Skills               []string  `bson:"skills,omitempty"`
	Capacity             int       `bson:"capacity"`
	FlashCapacity        *int      `bson:"flashCapacity,omitempty"`
	Available            bool      `bson:"available"`
	AvailabilityNote     string    `bson:"availabilityNote,omitempty"`
	Objectives           []string  `bson:"objectives,omitempty"`
	DepartmentPreference string    `bson:"departmentPreference,omitempty"`
	Tags                 []string  `bson:"tags"`
	UpdatedAt            time.Time `bson:"updatedAt"`
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func fromProfile(p mentoring.Profile) profileDoc {
	var flash *int
	if p.Role == mentoring.RoleMentor {
		flash = &p.FlashCapacity
	}
	return profileDoc{ID: p.ProgrammeID + ":" + p.UserID, ProgrammeID: p.ProgrammeID, UserID: p.UserID, Role: p.Role,
		Department: p.Department, Location: p.Location, Languages: nonNil(p.Languages), Skills: p.Skills, Capacity: p.Capacity, FlashCapacity: flash,
		Available: p.Available, AvailabilityNote: p.AvailabilityNote, Objectives: p.Objectives,
		DepartmentPreference: string(p.DepartmentPreference), Tags: nonNil(p.Tags), UpdatedAt: p.UpdatedAt}
}

func (d profileDoc) toProfile() mentoring.Profile {
	tags := slices.Clone(d.Tags)
	slices.Sort(tags)
	flash := 0
	switch {
	case d.FlashCapacity != nil:
		flash = *d.FlashCapacity
	case d.Role == mentoring.RoleMentor: // a profile saved before flash capacity existed
		flash = mentoring.DefaultFlashCapacity
	}
	return mentoring.Profile{ProgrammeID: d.ProgrammeID, UserID: d.UserID, Role: d.Role, Department: d.Department,
		Location: d.Location, Languages: nonNil(d.Languages), Skills: d.Skills, Capacity: d.Capacity, FlashCapacity: flash, Available: d.Available,
		AvailabilityNote: d.AvailabilityNote, Objectives: d.Objectives,
		DepartmentPreference: mentoring.DepartmentPreference(d.DepartmentPreference), Tags: nonNil(slices.Compact(tags)), UpdatedAt: d.UpdatedAt}
}

// PutProfile implements mentoring.Store.
func (s *Store) PutProfile(ctx context.Context, p mentoring.Profile) error {
	d := fromProfile(p)
	_, err := s.c(Profiles).ReplaceOne(ctx, k("_id", d.ID), d, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("put profile: %w", err)
	}
	return nil
}

// Profile implements mentoring.Store.
func (s *Store) Profile(ctx context.Context, programmeID, userID string) (mentoring.Profile, error) {
	var d profileDoc
	err := s.c(Profiles).FindOne(ctx, k("_id", programmeID+":"+userID)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return mentoring.Profile{}, mentoring.ErrProfileNotFound
	}
	if err != nil {
		return mentoring.Profile{}, fmt.Errorf("find profile: %w", err)
	}
	return d.toProfile(), nil
}

func profileFilter(programmeID, role string) bson.D {
	f := k("programmeId", programmeID)
	if role != "" {
		f = append(f, bson.E{Key: "role", Value: role})
	}
	return f
}

// Profiles implements mentoring.Store.
func (s *Store) Profiles(ctx context.Context, programmeID, role string) ([]mentoring.Profile, error) {
	cur, err := s.c(Profiles).Find(ctx, profileFilter(programmeID, role))
	docs, err := all[profileDoc](ctx, cur, err, "list profiles")
	if err != nil {
		return nil, err
	}
	out := make([]mentoring.Profile, len(docs))
	for i, d := range docs {
		out[i] = d.toProfile()
	}
	return out, nil
}

// ProfilesPage implements mentoring.Store.
func (s *Store) ProfilesPage(ctx context.Context, programmeID, role, afterUserID string, limit int) ([]mentoring.Profile, error) {
	f := profileFilter(programmeID, role)
	if afterUserID != "" {
		f = append(f, bson.E{Key: "userId", Value: k("$gt", afterUserID)})
	}
	cur, err := s.c(Profiles).Find(ctx, f, options.Find().SetSort(k("userId", 1)).SetLimit(int64(limit)))
	docs, err := all[profileDoc](ctx, cur, err, "list profiles")
	if err != nil {
		return nil, err
	}
	out := make([]mentoring.Profile, len(docs))
	for i, d := range docs {
		out[i] = d.toProfile()
	}
	return out, nil
}

// RetagProfiles implements mentoring.Store: add the new tag, then pull the old one (two
// updates, since one update cannot both $addToSet and $pull the same array). Rerunning it is
// harmless.
func (s *Store) RetagProfiles(ctx context.Context, programmeID, from, into string) error {
	f := k("programmeId", programmeID, "tags", from)
	if _, err := s.c(Profiles).UpdateMany(ctx, f, k("$addToSet", k("tags", into))); err != nil {
		return fmt.Errorf("retag profiles: %w", err)
	}
	if _, err := s.c(Profiles).UpdateMany(ctx, f, k("$pull", k("tags", from))); err != nil {
		return fmt.Errorf("retag profiles: %w", err)
	}
	return nil
}

// ---- tags

type tagDoc struct {
	ID          string    `bson:"_id"`
	ProgrammeID string    `bson:"programmeId"`
	Name        string    `bson:"name"`
	Synonyms    []string  `bson:"synonyms"`
	CreatedAt   time.Time `bson:"createdAt"`
}

// Tags implements mentoring.Store.
func (s *Store) Tags(ctx context.Context, programmeID string) ([]mentoring.Tag, error) {
	cur, err := s.c(Tags).Find(ctx, k("programmeId", programmeID), options.Find().SetSort(k("name", 1)))
	docs, err := all[tagDoc](ctx, cur, err, "list tags")
	if err != nil {
		return nil, err
	}
	out := make([]mentoring.Tag, len(docs))
	for i, d := range docs {
		syn := nonNil(slices.Clone(d.Synonyms))
		slices.Sort(syn)
		out[i] = mentoring.Tag{ProgrammeID: d.ProgrammeID, Name: d.Name, Synonyms: slices.Compact(syn), CreatedAt: d.CreatedAt}
	}
	return out, nil
}

func (s *Store) upsertTag(ctx context.Context, programmeID, name string, now time.Time, extra bson.D) error {
	update := k("$setOnInsert", k("programmeId", programmeID, "name", name, "createdAt", now))
	if len(extra) > 0 {
		update = append(update, extra...)
	} else {
		update[0].Value = append(update[0].Value.(bson.D), bson.E{Key: "synonyms", Value: []string{}})
	}
	_, err := s.c(Tags).UpdateOne(ctx, k("_id", programmeID+":"+name), update, options.UpdateOne().SetUpsert(true))
	if err != nil && !mongodb.IsDuplicate(err) { // two racing upserts: the other one created it
		return fmt.Errorf("upsert tag: %w", err)
	}
	return nil
}

// EnsureTags implements mentoring.Store.
func (s *Store) EnsureTags(ctx context.Context, programmeID string, names []string, now time.Time) error {
	for _, n := range names {
		if err := s.upsertTag(ctx, programmeID, n, now, nil); err != nil {
			return err
		}
	}
	return nil
}

// AddSynonyms implements mentoring.Store, one $addToSet per synonym.
func (s *Store) AddSynonyms(ctx context.Context, programmeID, name string, synonyms []string, now time.Time) error {
	if err := s.upsertTag(ctx, programmeID, name, now, nil); err != nil {
		return err
	}
	for _, syn := range synonyms {
		if _, err := s.c(Tags).UpdateOne(ctx, k("_id", programmeID+":"+name), k("$addToSet", k("synonyms", syn))); err != nil {
			return fmt.Errorf("add synonym: %w", err)
		}
	}
	return nil
}

// DeleteTags implements mentoring.Store.
func (s *Store) DeleteTags(ctx context.Context, programmeID string, names []string) error {
	ids := make([]string, len(names))
	for i, n := range names {
		ids[i] = programmeID + ":" + n
	}
	if _, err := s.c(Tags).DeleteMany(ctx, k("_id", k("$in", ids))); err != nil {
		return fmt.Errorf("delete tags: %w", err)
	}
	return nil
}

// ---- settings

type pairRefDoc struct {
	MentorID string `bson:"mentorId"`
	MenteeID string `bson:"menteeId"`
}

type weightsDoc struct {
	Overlap    float64 `bson:"overlap"`
	Capacity   float64 `bson:"capacity"`
	Department float64 `bson:"department"`
	Location   float64 `bson:"location"`
	Language   float64 `bson:"language"`
}

type settingsDoc struct {
	ID                    string       `bson:"_id"`
	Weights               weightsDoc   `bson:"weights"`
	MustHave              []string     `bson:"mustHave"`
	ExcludeSameDepartment bool         `bson:"excludeSameDepartment"`
	ExcludedPairs         []pairRefDoc `bson:"excludedPairs"`
	AllowSelfSelection    bool         `bson:"allowSelfSelection"`
	UpdatedAt             time.Time    `bson:"updatedAt"`
}

// Settings implements mentoring.Store.
func (s *Store) Settings(ctx context.Context, programmeID string) (mentoring.Settings, bool, error) {
	var d settingsDoc
	err := s.c(Settings).FindOne(ctx, k("_id", programmeID)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return mentoring.Settings{}, false, nil
	}
	if err != nil {
		return mentoring.Settings{}, false, fmt.Errorf("find settings: %w", err)
	}
	out := mentoring.Settings{ProgrammeID: d.ID, Weights: mentoring.Weights(d.Weights), MustHave: []mentoring.Criterion{},
		ExcludeSameDepartment: d.ExcludeSameDepartment, ExcludedPairs: []mentoring.PairRef{},
		AllowSelfSelection: d.AllowSelfSelection, UpdatedAt: d.UpdatedAt}
	for _, c := range d.MustHave {
		out.MustHave = append(out.MustHave, mentoring.Criterion(c))
	}
	for _, p := range d.ExcludedPairs {
		out.ExcludedPairs = append(out.ExcludedPairs, mentoring.PairRef(p))
	}
	return out, true, nil
}

// PutSettings implements mentoring.Store.
func (s *Store) PutSettings(ctx context.Context, set mentoring.Settings) error {
	d := settingsDoc{ID: set.ProgrammeID, Weights: weightsDoc(set.Weights), MustHave: []string{},
		ExcludeSameDepartment: set.ExcludeSameDepartment, ExcludedPairs: []pairRefDoc{},
		AllowSelfSelection: set.AllowSelfSelection, UpdatedAt: set.UpdatedAt}
	for _, c := range set.MustHave {
		d.MustHave = append(d.MustHave, string(c))
	}
	for _, p := range set.ExcludedPairs {
		d.ExcludedPairs = append(d.ExcludedPairs, pairRefDoc(p))
	}
	if _, err := s.c(Settings).ReplaceOne(ctx, k("_id", d.ID), d, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("put settings: %w", err)
	}
	return nil
}

// ---- guards

type placeDoc struct {
	ID          string    `bson:"_id"` // programmeId:menteeId:type
	ProgrammeID string    `bson:"programmeId"`
	MenteeID    string    `bson:"menteeId"`
	Type        string    `bson:"type"`
	PairingID   string    `bson:"pairingId"`
	CreatedAt   time.Time `bson:"createdAt"`
}

func placeID(programmeID, menteeID string, t mentoring.Type) string {
	return programmeID + ":" + menteeID + ":" + string(t)
}

func (d placeDoc) toPlace() mentoring.Place {
	return mentoring.Place{ProgrammeID: d.ProgrammeID, MenteeID: d.MenteeID, Type: mentoring.Type(d.Type), PairingID: d.PairingID, CreatedAt: d.CreatedAt}
}

// AcquirePlace implements mentoring.Store: one insert on the place's _id. Taking a place the
// same pairing already holds succeeds (an activation retried or racing with itself).
func (s *Store) AcquirePlace(ctx context.Context, pl mentoring.Place) error {
	d := placeDoc{ID: placeID(pl.ProgrammeID, pl.MenteeID, pl.Type), ProgrammeID: pl.ProgrammeID, MenteeID: pl.MenteeID,
		Type: string(pl.Type), PairingID: pl.PairingID, CreatedAt: pl.CreatedAt}
	_, err := s.c(Places).InsertOne(ctx, d)
	if mongodb.IsDuplicate(err) {
		cur, rerr := s.Place(ctx, pl.ProgrammeID, pl.MenteeID, pl.Type)
		if rerr == nil && cur.PairingID == pl.PairingID {
			return nil
		}
		return mentoring.ErrMenteeAlreadyPaired
	}
	if err != nil {
		return fmt.Errorf("acquire mentee place: %w", err)
	}
	return nil
}

// Place implements mentoring.Store.
func (s *Store) Place(ctx context.Context, programmeID, menteeID string, t mentoring.Type) (mentoring.Place, error) {
	var d placeDoc
	err := s.c(Places).FindOne(ctx, k("_id", placeID(programmeID, menteeID, t))).Decode(&d)
	if mongodb.IsNotFound(err) {
		return mentoring.Place{}, mentoring.ErrPairingNotFound
	}
	if err != nil {
		return mentoring.Place{}, fmt.Errorf("find mentee place: %w", err)
	}
	return d.toPlace(), nil
}

// MenteePlaces implements mentoring.Store: the place of each type, by _id.
func (s *Store) MenteePlaces(ctx context.Context, programmeID, menteeID string) ([]mentoring.Place, error) {
	types := mentoring.Types()
	ids := make([]string, len(types))
	for i, t := range types {
		ids[i] = placeID(programmeID, menteeID, t)
	}
	cur, err := s.c(Places).Find(ctx, k("_id", k("$in", ids)))
	docs, err := all[placeDoc](ctx, cur, err, "list the mentee's places")
	if err != nil {
		return nil, err
	}
	out := make([]mentoring.Place, len(docs))
	for i, d := range docs {
		out[i] = d.toPlace()
	}
	return out, nil
}

// Places implements mentoring.Store.
func (s *Store) Places(ctx context.Context, programmeID string, t mentoring.Type) ([]mentoring.Place, error) {
	cur, err := s.c(Places).Find(ctx, k("programmeId", programmeID, "type", string(t)))
	docs, err := all[placeDoc](ctx, cur, err, "list mentee places")
	if err != nil {
		return nil, err
	}
	out := make([]mentoring.Place, len(docs))
	for i, d := range docs {
		out[i] = d.toPlace()
	}
	return out, nil
}

// ReleasePlace implements mentoring.Store.
func (s *Store) ReleasePlace(ctx context.Context, programmeID, menteeID string, t mentoring.Type, pairingID string) error {
	_, err := s.c(Places).DeleteOne(ctx, k("_id", placeID(programmeID, menteeID, t), "pairingId", pairingID))
	if err != nil {
		return fmt.Errorf("release mentee place: %w", err)
	}
	return nil
}

type slotDoc struct {
	ID          string    `bson:"_id"` // programmeId:mentorId:n, or programmeId:mentorId:pool:n
	ProgrammeID string    `bson:"programmeId"`
	MentorID    string    `bson:"mentorId"`
	Pool        string    `bson:"pool,omitempty"`
	N           int       `bson:"n"`
	PairingID   string    `bson:"pairingId"`
	MenteeID    string    `bson:"menteeId"`
	Holder      string    `bson:"holder"` // pairingId:menteeId, unique
	CreatedAt   time.Time `bson:"createdAt"`
}

func (d slotDoc) toSlot() mentoring.Slot {
	return mentoring.Slot{ID: d.ID, ProgrammeID: d.ProgrammeID, MentorID: d.MentorID, Pool: d.Pool, N: d.N, PairingID: d.PairingID,
		MenteeID: d.MenteeID, CreatedAt: d.CreatedAt}
}

// AcquireSlot implements mentoring.Store. The read of taken slots only chooses which numbers
// to try; each try is an insert on the unique _id programme:mentor:n, so two callers can
// never both hold number n, and a mentor never holds more than capacity slots taken below
// capacity. The unique holder key makes a retry by the same pairing and mentee a no-op.
func (s *Store) AcquireSlot(ctx context.Context, sl mentoring.Slot, capacity int) error {
	taken, err := s.Slots(ctx, sl.ProgrammeID, sl.MentorID)
	if err != nil {
		return err
	}
	used := map[int]bool{}
	for _, t := range taken {
		if t.PairingID == sl.PairingID && t.MenteeID == sl.MenteeID {
			return nil
		}
		if t.Pool == sl.Pool {
			used[t.N] = true
		}
	}
	holder := sl.PairingID + ":" + sl.MenteeID
	prefix := sl.ProgrammeID + ":" + sl.MentorID + ":"
	if sl.Pool != "" {
		prefix += sl.Pool + ":"
	}
	for n := range capacity {
		if used[n] {
			continue
		}
		d := slotDoc{ID: prefix + strconv.Itoa(n), ProgrammeID: sl.ProgrammeID,
			MentorID: sl.MentorID, Pool: sl.Pool, N: n, PairingID: sl.PairingID, MenteeID: sl.MenteeID, Holder: holder, CreatedAt: sl.CreatedAt}
		_, err := s.c(Slots).InsertOne(ctx, d)
		if err == nil {
			return nil
		}
		if !mongodb.IsDuplicate(err) {
			return fmt.Errorf("acquire capacity slot: %w", err)
		}
		n, cerr := s.c(Slots).CountDocuments(ctx, k("holder", holder))
		if cerr == nil && n > 0 {
			return nil // this pairing and mentee took a slot in a racing call
		}
	}
	return mentoring.ErrMentorAtCapacity
}

// Slots implements mentoring.Store.
func (s *Store) Slots(ctx context.Context, programmeID, mentorID string) ([]mentoring.Slot, error) {
	cur, err := s.c(Slots).Find(ctx, k("programmeId", programmeID, "mentorId", mentorID), options.Find().SetSort(k("n", 1)))
	return slotsOf(ctx, cur, err)
}

func slotsOf(ctx context.Context, cur *mongo.Cursor, err error) ([]mentoring.Slot, error) {
	docs, err := all[slotDoc](ctx, cur, err, "list capacity slots")
	if err != nil {
		return nil, err
	}
	out := make([]mentoring.Slot, len(docs))
	for i, d := range docs {
		out[i] = d.toSlot()
	}
	return out, nil
}

// MentorsSlots implements mentoring.Store: {programmeId, mentorId: {$in}}, the first two keys
// of the slots index.
func (s *Store) MentorsSlots(ctx context.Context, programmeID string, mentorIDs []string) ([]mentoring.Slot, error) {
	if len(mentorIDs) == 0 {
		return nil, nil
	}
	cur, err := s.c(Slots).Find(ctx, k("programmeId", programmeID, "mentorId", k("$in", mentorIDs)))
	return slotsOf(ctx, cur, err)
}

// ProgrammeSlots implements mentoring.Store.
func (s *Store) ProgrammeSlots(ctx context.Context, programmeID string) ([]mentoring.Slot, error) {
	cur, err := s.c(Slots).Find(ctx, k("programmeId", programmeID))
	return slotsOf(ctx, cur, err)
}

// ReleaseSlot implements mentoring.Store.
func (s *Store) ReleaseSlot(ctx context.Context, slotID, pairingID string) error {
	if _, err := s.c(Slots).DeleteOne(ctx, k("_id", slotID, "pairingId", pairingID)); err != nil {
		return fmt.Errorf("release capacity slot: %w", err)
	}
	return nil
}

// ReleaseHeldBy implements mentoring.Store.
func (s *Store) ReleaseHeldBy(ctx context.Context, pairingID string) error {
	if _, err := s.c(Places).DeleteMany(ctx, k("pairingId", pairingID)); err != nil {
		return fmt.Errorf("release mentee places: %w", err)
	}
	if _, err := s.c(Slots).DeleteMany(ctx, k("pairingId", pairingID)); err != nil {
		return fmt.Errorf("release capacity slots: %w", err)
	}
	return nil
}

// ---- pairings

type agreementDoc struct {
	MeetingFrequency string   `bson:"meetingFrequency,omitempty"`
	Goals            []string `bson:"goals"`
	Boundaries       string   `bson:"boundaries,omitempty"`
	StartsOn         string   `bson:"startsOn,omitempty"`
	EndsOn           string   `bson:"endsOn,omitempty"`
}

type pairingDoc struct {
	ID          string       `bson:"_id"`
	ProgrammeID string       `bson:"programmeId"`
	MentorID    string       `bson:"mentorId"`
	MenteeIDs   []string     `bson:"menteeIds"`
	Type        string       `bson:"type"`
	Status      string       `bson:"status"`
	Agreement   agreementDoc `bson:"agreement"`
	Origin      string       `bson:"origin"`
	CreatedBy   string       `bson:"createdBy"`
	CreatedAt   time.Time    `bson:"createdAt"`
	UpdatedAt   time.Time    `bson:"updatedAt"`
	UpdatedHour string       `bson:"updatedHour"` // mongodb.HourOf(UpdatedAt): ChangedSince's bucket
	ActivatedAt *time.Time   `bson:"activatedAt,omitempty"`
	EndedAt     *time.Time   `bson:"endedAt,omitempty"`
	EndReason   string       `bson:"endReason,omitempty"`
	TimeboxDays int          `bson:"timeboxDays,omitempty"`
	// TimeboxEndsAt stays for the record; FlashDue is the same instant, present only while
	// the flash pairing is live, so that the due index holds only what may still be due.
	TimeboxEndsAt *time.Time `bson:"timeboxEndsAt,omitempty"`
	FlashDue      *time.Time `bson:"flashDue,omitempty"`
	FlashLive     bool       `bson:"flashLive,omitempty"` // with FlashDue: DueFlashPairings' equality
}

func fromAgreement(a mentoring.Agreement) agreementDoc {
	return agreementDoc{MeetingFrequency: string(a.MeetingFrequency), Goals: nonNil(a.Goals), Boundaries: a.Boundaries,
		StartsOn: a.StartsOn, EndsOn: a.EndsOn}
}

func fromPairing(p mentoring.Pairing) pairingDoc {
	d := pairingDoc{ID: p.ID, ProgrammeID: p.ProgrammeID, MentorID: p.MentorID, MenteeIDs: p.MenteeIDs, Type: string(p.Type),
		Status: string(p.Status), Agreement: fromAgreement(p.Agreement), Origin: p.Origin, CreatedBy: p.CreatedBy,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, UpdatedHour: mongodb.HourOf(p.UpdatedAt), ActivatedAt: p.ActivatedAt, EndedAt: p.EndedAt,
		EndReason: p.EndReason, TimeboxDays: p.TimeboxDays, TimeboxEndsAt: p.TimeboxEndsAt}
	if p.Status.Live() {
		d.FlashDue, d.FlashLive = p.TimeboxEndsAt, p.TimeboxEndsAt != nil
	}
	return d
}

func (d pairingDoc) toPairing() mentoring.Pairing {
	return mentoring.Pairing{ID: d.ID, ProgrammeID: d.ProgrammeID, MentorID: d.MentorID, MenteeIDs: nonNil(d.MenteeIDs),
		Type: mentoring.Type(d.Type), Status: mentoring.Status(d.Status),
		Agreement: mentoring.Agreement{MeetingFrequency: mentoring.Frequency(d.Agreement.MeetingFrequency),
			Goals: nonNil(d.Agreement.Goals), Boundaries: d.Agreement.Boundaries, StartsOn: d.Agreement.StartsOn, EndsOn: d.Agreement.EndsOn},
		Origin: d.Origin, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
		ActivatedAt: d.ActivatedAt, EndedAt: d.EndedAt, EndReason: d.EndReason, TimeboxDays: d.TimeboxDays, TimeboxEndsAt: d.TimeboxEndsAt}
}

// InsertPairing implements mentoring.Store.
func (s *Store) InsertPairing(ctx context.Context, p mentoring.Pairing) error {
	if _, err := s.c(Pairings).InsertOne(ctx, fromPairing(p)); err != nil {
		return fmt.Errorf("insert pairing: %w", err)
	}
	return nil
}

// Pairing implements mentoring.Store.
func (s *Store) Pairing(ctx context.Context, id string) (mentoring.Pairing, error) {
	var d pairingDoc
	err := s.c(Pairings).FindOne(ctx, k("_id", id)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return mentoring.Pairing{}, mentoring.ErrPairingNotFound
	}
	if err != nil {
		return mentoring.Pairing{}, fmt.Errorf("find pairing: %w", err)
	}
	return d.toPairing(), nil
}

func statusStrings(ss []mentoring.Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// SetPairingStatus implements mentoring.Store: one findOneAndUpdate whose filter names the
// statuses the move is allowed from.
func (s *Store) SetPairingStatus(ctx context.Context, p mentoring.Pairing, from ...mentoring.Status) (mentoring.Pairing, error) {
	set := k("status", string(p.Status), "updatedAt", p.UpdatedAt, updatedHours.Bucket, mongodb.HourOf(p.UpdatedAt))
	if p.ActivatedAt != nil {
		set = append(set, bson.E{Key: "activatedAt", Value: *p.ActivatedAt})
	}
	if p.EndedAt != nil {
		set = append(set, bson.E{Key: "endedAt", Value: *p.EndedAt}, bson.E{Key: "endReason", Value: p.EndReason})
	}
	update := bson.D{}
	if p.TimeboxEndsAt != nil {
		set = append(set, bson.E{Key: "timeboxEndsAt", Value: *p.TimeboxEndsAt})
		if p.Status.Live() {
			set = append(set, bson.E{Key: "flashDue", Value: *p.TimeboxEndsAt}, bson.E{Key: "flashLive", Value: true})
		}
	}
	update = append(update, bson.E{Key: "$set", Value: set})
	if !p.Status.Live() {
		update = append(update, bson.E{Key: "$unset", Value: k("flashDue", "", "flashLive", "")})
	}
	var d pairingDoc
	err := s.c(Pairings).FindOneAndUpdate(ctx, k("_id", p.ID, "status", k("$in", statusStrings(from))), update,
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if mongodb.IsNotFound(err) {
		if _, err := s.Pairing(ctx, p.ID); err != nil {
			return mentoring.Pairing{}, err
		}
		return mentoring.Pairing{}, mentoring.ErrStatusConflict
	}
	if err != nil {
		return mentoring.Pairing{}, fmt.Errorf("set pairing status: %w", err)
	}
	return d.toPairing(), nil
}

// LivePairingsOf implements mentoring.Store: two reads bounded by the caller's own pairings.
func (s *Store) LivePairingsOf(ctx context.Context, userID string) ([]mentoring.Pairing, error) {
	live := k("$in", bson.A{string(mentoring.StatusActive), string(mentoring.StatusPaused)})
	var out []mentoring.Pairing
	for _, filter := range []bson.D{k("mentorId", userID, "status", live), k("menteeIds", userID, "type", string(mentoring.Mutual), "status", live)} {
		cur, err := s.c(Pairings).Find(ctx, filter)
		docs, err := all[pairingDoc](ctx, cur, err, "list live pairings")
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			out = append(out, d.toPairing())
		}
	}
	return out, nil
}

// AssignmentsOfPairings implements mentoring.Store: one read on the pairingId index.
func (s *Store) AssignmentsOfPairings(ctx context.Context, pairingIDs []string) ([]mentoring.MenteeAssignment, error) {
	if len(pairingIDs) == 0 {
		return nil, nil
	}
	cur, err := s.c(Assignments).Find(ctx, k("pairingId", k("$in", pairingIDs)), options.Find().SetSort(k("dueAt", 1, "_id", 1)))
	return assignmentsOf(ctx, cur, err)
}

// NextMeetings implements mentoring.Store: one read of the pairings' planned meetings to come
// (the record's meetings collection, on its pairingId index).
func (s *Store) NextMeetings(ctx context.Context, pairingIDs []string, from time.Time) (map[string]mentoring.MeetingRef, error) {
	out := map[string]mentoring.MeetingRef{}
	if len(pairingIDs) == 0 {
		return out, nil
	}
	cur, err := s.c(Meetings).Find(ctx, k("pairingId", k("$in", pairingIDs), "status", string(mentoring.MeetingPlanned), "startAt", k("$gte", from)),
		options.Find().SetSort(k("startAt", 1)).SetProjection(k("_id", 1, "pairingId", 1, "startAt", 1, "timezone", 1)))
	type ref struct {
		ID        string    `bson:"_id"`
		PairingID string    `bson:"pairingId"`
		StartAt   time.Time `bson:"startAt"`
		Timezone  string    `bson:"timezone"`
	}
	docs, err := all[ref](ctx, cur, err, "list next meetings")
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if _, ok := out[d.PairingID]; !ok {
			out[d.PairingID] = mentoring.MeetingRef{ID: d.ID, PairingID: d.PairingID, StartAt: d.StartAt.UTC(), Timezone: d.Timezone}
		}
	}
	return out, nil
}

// Pairings implements mentoring.Store: newest first, keyset-paginated on (createdAt, _id).
func (s *Store) Pairings(ctx context.Context, q mentoring.PairingQuery) ([]mentoring.Pairing, error) {
	f := k("programmeId", q.ProgrammeID)
	if q.MentorID != "" {
		f = append(f, bson.E{Key: "mentorId", Value: q.MentorID})
	}
	if q.MenteeID != "" {
		f = append(f, bson.E{Key: "menteeIds", Value: q.MenteeID})
	}
	if q.Status != "" {
		f = append(f, bson.E{Key: "status", Value: string(q.Status)})
	}
	if q.After != nil {
		f = append(f, bson.E{Key: "$or", Value: bson.A{
			k("createdAt", k("$lt", q.After.At)),
			k("createdAt", q.After.At, "_id", k("$lt", q.After.ID)),
		}})
	}
	opts := options.Find().SetSort(k("createdAt", -1, "_id", -1))
	if q.Limit > 0 {
		opts.SetLimit(int64(q.Limit))
	}
	cur, err := s.c(Pairings).Find(ctx, f, opts)
	return pairingsOf(ctx, cur, err, "list pairings")
}

// pairingsOf decodes a find of pairings.
func pairingsOf(ctx context.Context, cur *mongo.Cursor, err error, op string) ([]mentoring.Pairing, error) {
	docs, err := all[pairingDoc](ctx, cur, err, op)
	if err != nil {
		return nil, err
	}
	out := make([]mentoring.Pairing, len(docs))
	for i, d := range docs {
		out[i] = d.toPairing()
	}
	return out, nil
}

// ---- assignments

type itemDoc struct {
	Kind  string `bson:"kind"`
	ID    string `bson:"id"`
	Title string `bson:"title"`
}

type assignmentDoc struct {
	ID           string     `bson:"_id"` // assignmentId:menteeId
	AssignmentID string     `bson:"assignmentId"`
	ProgrammeID  string     `bson:"programmeId"`
	PairingID    string     `bson:"pairingId"`
	MentorID     string     `bson:"mentorId"`
	MenteeID     string     `bson:"menteeId"`
	Title        string     `bson:"title"`
	Note         string     `bson:"note"`
	Items        []itemDoc  `bson:"items"`
	DueAt        time.Time  `bson:"dueAt"`
	DueHour      string     `bson:"dueHour"` // mongodb.HourOf(DueAt): DueBetween's bucket
	DueLocal     string     `bson:"dueLocal"`
	Timezone     string     `bson:"timezone"`
	State        string     `bson:"state"`
	CompletedAt  *time.Time `bson:"completedAt,omitempty"`
	OnTime       bool       `bson:"onTime"`
	CreatedAt    time.Time  `bson:"createdAt"`
}

func fromAssignment(a mentoring.MenteeAssignment) assignmentDoc {
	d := assignmentDoc{ID: a.ID, AssignmentID: a.AssignmentID, ProgrammeID: a.ProgrammeID, PairingID: a.PairingID,
		MentorID: a.MentorID, MenteeID: a.MenteeID, Title: a.Title, Note: a.Note, DueAt: a.DueAt.UTC(), DueHour: mongodb.HourOf(a.DueAt), DueLocal: a.DueLocal,
		Timezone: a.Timezone, State: string(a.State), CompletedAt: a.CompletedAt, OnTime: a.OnTime, CreatedAt: a.CreatedAt}
	for _, it := range a.Items {
		d.Items = append(d.Items, itemDoc{Kind: it.Ref.Kind, ID: it.Ref.ID, Title: it.Title})
	}
	return d
}

func (d assignmentDoc) toAssignment() mentoring.MenteeAssignment {
	a := mentoring.MenteeAssignment{ID: d.ID, AssignmentID: d.AssignmentID, ProgrammeID: d.ProgrammeID, PairingID: d.PairingID,
		MentorID: d.MentorID, MenteeID: d.MenteeID, Title: d.Title, Note: d.Note, DueAt: d.DueAt, DueLocal: d.DueLocal,
		Timezone: d.Timezone, State: mentoring.AssignmentState(d.State), CompletedAt: d.CompletedAt, OnTime: d.OnTime,
		CreatedAt: d.CreatedAt, Items: []mentoring.AssignedItem{}}
	for _, it := range d.Items {
		a.Items = append(a.Items, mentoring.AssignedItem{Ref: learning.ItemRef{Kind: it.Kind, ID: it.ID}, Title: it.Title})
	}
	return a
}

func assignmentsOf(ctx context.Context, cur *mongo.Cursor, err error) ([]mentoring.MenteeAssignment, error) {
	docs, err := all[assignmentDoc](ctx, cur, err, "list assignments")
	if err != nil {
		return nil, err
	}
	out := make([]mentoring.MenteeAssignment, len(docs))
	for i, d := range docs {
		out[i] = d.toAssignment()
	}
	return out, nil
}

// InsertAssignments implements mentoring.Store.
func (s *Store) InsertAssignments(ctx context.Context, as []mentoring.MenteeAssignment) error {
	docs := make([]any, len(as))
	for i, a := range as {
		docs[i] = fromAssignment(a)
	}
	_, err := s.c(Assignments).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !mongodb.OnlyDuplicates(err) {
		return fmt.Errorf("insert assignments: %w", err)
	}
	return nil
}

func afterDue(f bson.D, after *mentoring.Cursor) bson.D {
	if after == nil {
		return f
	}
	return append(f, bson.E{Key: "$or", Value: bson.A{
		k("dueAt", k("$gt", after.At)),
		k("dueAt", after.At, "_id", k("$gt", after.ID)),
	}})
}

// MenteeAssignments implements mentoring.Store.
func (s *Store) MenteeAssignments(ctx context.Context, q mentoring.AssignmentQuery) ([]mentoring.MenteeAssignment, error) {
	f := k("menteeId", q.MenteeID)
	if q.State != "" {
		f = append(f, bson.E{Key: "state", Value: string(q.State)})
	}
	opts := options.Find().SetSort(k("dueAt", 1, "_id", 1))
	if q.Limit > 0 {
		opts.SetLimit(int64(q.Limit))
	}
	cur, err := s.c(Assignments).Find(ctx, afterDue(f, q.After), opts)
	return assignmentsOf(ctx, cur, err)
}

// MenteeAssignment implements mentoring.Store.
func (s *Store) MenteeAssignment(ctx context.Context, id string) (mentoring.MenteeAssignment, error) {
	var d assignmentDoc
	err := s.c(Assignments).FindOne(ctx, k("_id", id)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return mentoring.MenteeAssignment{}, mentoring.ErrAssignmentNotFound
	}
	if err != nil {
		return mentoring.MenteeAssignment{}, fmt.Errorf("find assignment: %w", err)
	}
	return d.toAssignment(), nil
}

// PairingAssignments implements mentoring.Store.
func (s *Store) PairingAssignments(ctx context.Context, pairingID string) ([]mentoring.MenteeAssignment, error) {
	cur, err := s.c(Assignments).Find(ctx, k("pairingId", pairingID), options.Find().SetSort(k("dueAt", 1, "_id", 1)))
	return assignmentsOf(ctx, cur, err)
}

// CompleteAssignment implements mentoring.Store: a conditional update from open, so that of
// several observers only one sees done.
func (s *Store) CompleteAssignment(ctx context.Context, id string, at time.Time, onTime bool) (bool, error) {
	res, err := s.c(Assignments).UpdateOne(ctx, k("_id", id, "state", string(mentoring.AssignmentOpen)),
		k("$set", k("state", string(mentoring.AssignmentCompleted), "completedAt", at.UTC(), "onTime", onTime)))
	if err != nil {
		return false, fmt.Errorf("complete assignment: %w", err)
	}
	return res.ModifiedCount == 1, nil
}

// dueHours is the hour bucket of an assignment's due time, which DueBetween searches.
var dueHours = mongodb.HourSweep{Collection: Assignments, Field: "dueAt", Bucket: "dueHour"}

// maxDueHours bounds the hours DueBetween lists in one $in (the embedded engine searches
// an index for at most 1,000 values); a longer window is a range query.
const maxDueHours = 1000

// DueBetween implements mentoring.Store. The reminder scheduler asks it every round for the
// next 48 hours and the past week: a dueAt range, which the embedded engine cannot search
// ({state: open} matches most assignments), so the filter also names the window's hour
// buckets, an index search of those hours only (issue 20); on MongoDB it matches exactly
// what the range matches. Assignments written before the bucket existed get it once
// (EnsureBackfilled).
func (s *Store) DueBetween(ctx context.Context, from, to time.Time, after *mentoring.Cursor, limit int) ([]mentoring.MenteeAssignment, error) {
	f := k("state", string(mentoring.AssignmentOpen), "dueAt", k("$gte", from.UTC(), "$lt", to.UTC()))
	if hours, ok := mongodb.HoursBetween(from, to, maxDueHours); ok {
		if len(hours) == 0 {
			return nil, nil // an empty window
		}
		if !s.dueBackfilled.Load() {
			if err := dueHours.EnsureBackfilled(ctx, s.db); err != nil {
				return nil, err
			}
			s.dueBackfilled.Store(true)
		}
		f = append(k(dueHours.Bucket, k("$in", hours)), f...)
	}
	cur, err := s.c(Assignments).Find(ctx, afterDue(f, after), options.Find().SetSort(k("dueAt", 1, "_id", 1)).SetLimit(int64(limit)))
	return assignmentsOf(ctx, cur, err)
}
