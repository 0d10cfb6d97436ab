package insightdb

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/internal/mongodb"
)

// subjectDoc is a subject: what its queries compare on top (programme, at risk, kind, since;
// the due time and its slot), the rest in one binary field.
type subjectDoc struct {
	ID          string        `bson:"_id"`
	Kind        string        `bson:"kind"`
	ProgrammeID string        `bson:"programmeId,omitempty"`
	AtRisk      bool          `bson:"atRisk"`
	Since       time.Time     `bson:"since"`
	V           int64         `bson:"v"`
	DueAt       time.Time     `bson:"dueAt"`
	DueSlot     string        `bson:"dueSlot"`
	State       []byte        `bson:"state,omitempty"`
	Pend        pendingFields `bson:",inline"`
}

type subjectState struct {
	UserID       string           `bson:"userId,omitempty"`
	Role         string           `bson:"role,omitempty"`
	PairingID    string           `bson:"pairingId,omitempty"`
	PairingType  string           `bson:"pairingType,omitempty"`
	MentorID     string           `bson:"mentorId,omitempty"`
	MenteeIDs    []string         `bson:"menteeIds,omitempty"`
	Contribution map[string]int64 `bson:"contribution,omitempty"`
	Pending      *pendingDoc      `bson:"pending,omitempty"`
	Reasons      []reasonDoc      `bson:"reasons,omitempty"`
	EvaluatedAt  time.Time        `bson:"evaluatedAt"`
}

type reasonDoc struct {
	Code      string    `bson:"code"`
	Since     time.Time `bson:"since"`
	Days      int       `bson:"days,omitempty"`
	Count     int       `bson:"count,omitempty"`
	Streak    int       `bson:"streak,omitempty"`
	Threshold int       `bson:"threshold,omitempty"`
	UserIDs   []string  `bson:"userIds,omitempty"`
	Refs      []string  `bson:"refs,omitempty"`
}

// slot is the 10-minute bucket of t (UTC): the due index's equality key.
func slot(t time.Time) string {
	t = t.UTC().Truncate(slotLen)
	return t.Format(slotFormat)
}

// slotFormat writes a slot's start (UTC); slots sort as their times do.
const slotFormat = "200601021504"

func fromSubject(x insight.Subject) (subjectDoc, error) {
	st := subjectState{UserID: x.UserID, Role: x.Role, PairingID: x.PairingID, PairingType: x.PairingType, MentorID: x.MentorID,
		MenteeIDs: x.MenteeIDs, Contribution: x.Contribution, Pending: fromPending(x.Pending), EvaluatedAt: x.EvaluatedAt.UTC()}
	for _, r := range x.Reasons {
		st.Reasons = append(st.Reasons, reasonDoc{Code: r.Code, Since: r.Since.UTC(), Days: r.Days, Count: r.Count, Streak: r.Streak,
			Threshold: r.Threshold, UserIDs: r.UserIDs, Refs: r.Refs})
	}
	b, err := bson.Marshal(st)
	if err != nil {
		return subjectDoc{}, fmt.Errorf("encode subject %s: %w", x.ID, err)
	}
	return subjectDoc{ID: x.ID, Kind: string(x.Kind), ProgrammeID: x.ProgrammeID, AtRisk: x.AtRisk, Since: x.Since.UTC(), V: x.Version,
		DueAt: x.DueAt.UTC(), DueSlot: slot(x.DueAt), State: b, Pend: pendingOf(x.Pending, x.Lease)}, nil
}

func (d subjectDoc) toSubject() (insight.Subject, error) {
	var st subjectState
	if len(d.State) > 0 {
		if err := bson.Unmarshal(d.State, &st); err != nil {
			return insight.Subject{}, fmt.Errorf("decode subject %s: %w", d.ID, err)
		}
	}
	kind, programmeID, userID, pairingID, _ := insight.ParseSubject(d.ID)
	x := insight.Subject{ID: d.ID, Kind: kind, ProgrammeID: d.ProgrammeID, UserID: st.UserID, Role: st.Role, PairingID: st.PairingID,
		PairingType: st.PairingType, MentorID: st.MentorID, MenteeIDs: st.MenteeIDs, Version: d.V, Contribution: insight.Counts(st.Contribution),
		AtRisk: d.AtRisk, Since: d.Since.UTC(), DueAt: d.DueAt.UTC(), EvaluatedAt: st.EvaluatedAt.UTC()}
	x.Pending, x.Lease = d.Pend.toPending(st.Pending)
	if x.ProgrammeID == "" {
		x.ProgrammeID = programmeID
	}
	if x.UserID == "" {
		x.UserID = userID
	}
	if x.PairingID == "" {
		x.PairingID = pairingID
	}
	if x.Contribution == nil {
		x.Contribution = insight.Counts{}
	}
	for _, r := range st.Reasons {
		x.Reasons = append(x.Reasons, insight.Reason{Code: r.Code, Since: r.Since.UTC(), Days: r.Days, Count: r.Count, Streak: r.Streak,
			Threshold: r.Threshold, UserIDs: r.UserIDs, Refs: r.Refs})
	}
	return x, nil
}

func decodeSubjects(ctx context.Context, cur *mongo.Cursor, err error, op string) ([]insight.Subject, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var docs []subjectDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out := make([]insight.Subject, 0, len(docs))
	for _, d := range docs {
		x, err := d.toSubject()
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// Subject implements insight.Store.
func (s *Store) Subject(ctx context.Context, id string) (insight.Subject, bool, error) {
	var d subjectDoc
	err := s.c(Subjects).FindOne(ctx, k("_id", id)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return insight.Subject{}, false, nil
	}
	if err != nil {
		return insight.Subject{}, false, fmt.Errorf("read subject: %w", err)
	}
	x, err := d.toSubject()
	return x, err == nil, err
}

// Subjects implements insight.Store.
func (s *Store) Subjects(ctx context.Context, ids []string) ([]insight.Subject, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cur, err := s.c(Subjects).Find(ctx, k("_id", k("$in", ids)))
	return decodeSubjects(ctx, cur, err, "read subjects")
}

// SaveSubject implements insight.Store.
func (s *Store) SaveSubject(ctx context.Context, x insight.Subject, prev int64) error {
	d, err := fromSubject(x)
	if err != nil {
		return err
	}
	return s.save(ctx, Subjects, "save subject", d.ID, prev, d)
}

// Touch implements insight.Store: one upsert per subject, all in one command.
func (s *Store) Touch(ctx context.Context, ids []string, programmeID string, at time.Time) error {
	for start := 0; start < len(ids); start += maxStatements {
		var models []mongo.WriteModel
		for _, id := range ids[start:min(start+maxStatements, len(ids))] {
			kind, _, _, _, ok := insight.ParseSubject(id)
			if !ok {
				continue
			}
			set := k("dueAt", at.UTC(), "dueSlot", slot(at))
			if programmeID != "" {
				set = append(set, bson.E{Key: "programmeId", Value: programmeID})
			}
			up := k("$set", set, "$inc", k("v", int64(1)), "$setOnInsert", k("kind", string(kind), "atRisk", false, "since", time.Time{}))
			models = append(models, mongo.NewUpdateOneModel().SetFilter(k("_id", id)).SetUpdate(up).SetUpsert(true))
		}
		if len(models) == 0 {
			continue
		}
		if _, err := s.c(Subjects).BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
			return fmt.Errorf("touch report subjects: %w", err)
		}
	}
	return nil
}

// AtRisk implements insight.Store: an equality on (programme, at risk[, kind]), which the
// index serves; only at-risk subjects are read, then ordered.
func (s *Store) AtRisk(ctx context.Context, programmeID string, kind insight.SubjectKind, after *insight.Cursor, limit int) ([]insight.Subject, error) {
	f := k("programmeId", programmeID, "atRisk", true)
	if kind != "" {
		f = append(f, bson.E{Key: "kind", Value: string(kind)})
	}
	if after != nil {
		f = append(f, bson.E{Key: "$or", Value: bson.A{k("since", k("$gt", after.At.UTC())), k("since", after.At.UTC(), "_id", k("$gt", after.ID))}})
	}
	cur, err := s.c(Subjects).Find(ctx, f, options.Find().SetSort(k("since", 1, "_id", 1)).SetLimit(int64(limit)))
	return decodeSubjects(ctx, cur, err, "read at-risk subjects")
}

// ProgrammeSubjects implements insight.Store: one equality on the indexed programme, its IDs
// streamed in batches (pages after an _id would be a range the embedded engine cannot
// search: each page decoded every subject of the programme again).
func (s *Store) ProgrammeSubjects(ctx context.Context, programmeID string) ([]string, error) {
	cur, err := s.c(Subjects).Find(ctx, k("programmeId", programmeID), options.Find().SetProjection(k("_id", 1)).SetBatchSize(1000))
	return ids(ctx, cur, err, "list a programme's report subjects")
}

// SubjectsNaming implements insight.Store: a scan, as the erasure's own (privacydb) is, that
// keeps the subjects whose bytes hold the user ID: the very documents the erasure deletes.
func (s *Store) SubjectsNaming(ctx context.Context, userID string) ([]string, error) {
	if userID == "" {
		return nil, nil
	}
	cur, err := s.c(Subjects).Find(ctx, bson.D{}, options.Find().SetComment("scan: an erasure finds the report subjects naming one person").SetBatchSize(500))
	if err != nil {
		return nil, fmt.Errorf("find the report subjects naming a person: %w", err)
	}
	defer cur.Close(ctx)
	var out []string
	for cur.Next(ctx) {
		if bytes.Contains(cur.Current, []byte(userID)) {
			id, _ := cur.Current.Lookup("_id").StringValueOK()
			out = append(out, id)
		}
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("find the report subjects naming a person: %w", err)
	}
	return out, nil
}

// EachSubject implements insight.Store: one scan for the operator's rebuild, streamed in
// batches (a page after an _id would be a range the embedded engine cannot search: every
// page would decode every subject again).
func (s *Store) EachSubject(ctx context.Context, fn func(insight.Subject) error) error {
	cur, err := s.c(Subjects).Find(ctx, bson.D{}, options.Find().SetBatchSize(500).SetComment("scan: the rebuild sums every subject, once"))
	if err != nil {
		return fmt.Errorf("list report subjects: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d subjectDoc
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("list report subjects: %w", err)
		}
		x, err := d.toSubject()
		if err != nil {
			return err
		}
		if err := fn(x); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("list report subjects: %w", err)
	}
	return nil
}

func ids(ctx context.Context, cur *mongo.Cursor, err error, op string) ([]string, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out, nil
}
