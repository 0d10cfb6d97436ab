package insightdb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/internal/mongodb"
)

// learnerDoc is a learner: its key fields on top, the rest as one embedded BSON document in
// binary form (FerretDB decodes a binary field at almost no cost, unlike many small fields).
type learnerDoc struct {
	ID          string        `bson:"_id"`
	ProgrammeID string        `bson:"programmeId"`
	UserID      string        `bson:"userId"`
	V           int64         `bson:"v"`
	State       []byte        `bson:"state"`
	Pend        pendingFields `bson:",inline"`
}

// pendingFields are the top-level fields of a source's pending changes that Ack and Claim
// compare: their number, whether they are acknowledged, and the writer's lease.
type pendingFields struct {
	PSeq  int64     `bson:"pseq"`
	Acked bool      `bson:"acked"`
	Lease time.Time `bson:"lease"`
}

func pendingOf(p *insight.Pending, lease time.Time) pendingFields {
	if p == nil {
		return pendingFields{Acked: true}
	}
	return pendingFields{PSeq: p.Seq, Acked: p.Acked, Lease: lease.UTC()}
}

// toPending is the pending changes with what the top-level fields say of them (a pending
// written before they existed is unacknowledged, without a lease).
func (f pendingFields) toPending(d *pendingDoc) (*insight.Pending, time.Time) {
	p := d.toPending()
	if p != nil && f.PSeq == p.Seq {
		p.Acked = f.Acked
		return p, f.Lease.UTC()
	}
	return p, time.Time{}
}

type learnerState struct {
	LastActive time.Time   `bson:"lastActive"`
	LastDay    string      `bson:"lastDay"`
	LastRole   string      `bson:"lastRole"`
	Weeks      []weekDoc   `bson:"weeks"`
	Items      []itemDoc   `bson:"items"`
	Seen       []seenDoc   `bson:"seen"`
	Pending    *pendingDoc `bson:"pending,omitempty"`
}

type weekDoc struct {
	Week    string `bson:"w"`
	Role    string `bson:"r"`
	Seconds int64  `bson:"s"`
}

type itemDoc struct {
	ID      string `bson:"id"`
	Done    bool   `bson:"d,omitempty"`
	Seconds int64  `bson:"s"`
	Bucket  int    `bson:"b"`
}

type seenDoc struct {
	ID string    `bson:"id"`
	At time.Time `bson:"at"`
}

type pendingDoc struct {
	Seq     int64       `bson:"seq"`
	Changes []changeDoc `bson:"changes"`
}

type changeDoc struct {
	Kind        string           `bson:"k"`
	ProgrammeID string           `bson:"p"`
	Key         string           `bson:"key,omitempty"`
	Counts      map[string]int64 `bson:"c"`
}

func fromPending(p *insight.Pending) *pendingDoc {
	if p == nil {
		return nil
	}
	d := &pendingDoc{Seq: p.Seq, Changes: make([]changeDoc, len(p.Changes))}
	for i, c := range p.Changes {
		d.Changes[i] = changeDoc{Kind: string(c.Target.Kind), ProgrammeID: c.Target.ProgrammeID, Key: c.Target.Key, Counts: c.Counts}
	}
	return d
}

func (d *pendingDoc) toPending() *insight.Pending {
	if d == nil {
		return nil
	}
	p := &insight.Pending{Seq: d.Seq, Changes: make([]insight.Change, len(d.Changes))}
	for i, c := range d.Changes {
		p.Changes[i] = insight.Change{Target: insight.Target{Kind: insight.TargetKind(c.Kind), ProgrammeID: c.ProgrammeID, Key: c.Key},
			Counts: insight.Counts(c.Counts)}
	}
	return p
}

func fromLearner(l insight.Learner) (learnerDoc, error) {
	st := learnerState{LastActive: l.LastActive.UTC(), LastDay: l.LastDay, LastRole: l.LastRole, Pending: fromPending(l.Pending)}
	for w, x := range l.Weeks {
		st.Weeks = append(st.Weeks, weekDoc{Week: w, Role: x.Role, Seconds: x.Seconds})
	}
	for id, x := range l.Items {
		st.Items = append(st.Items, itemDoc{ID: id, Done: x.Done, Seconds: x.Seconds, Bucket: x.Bucket})
	}
	for _, s := range l.Seen {
		st.Seen = append(st.Seen, seenDoc{ID: s.ID, At: s.At.UTC()})
	}
	b, err := bson.Marshal(st)
	if err != nil {
		return learnerDoc{}, fmt.Errorf("encode learner %s: %w", l.Key(), err)
	}
	return learnerDoc{ID: l.Key(), ProgrammeID: l.ProgrammeID, UserID: l.UserID, V: l.Version, State: b,
		Pend: pendingOf(l.Pending, l.Lease)}, nil
}

func (d learnerDoc) toLearner() (insight.Learner, error) {
	var st learnerState
	if err := bson.Unmarshal(d.State, &st); err != nil {
		return insight.Learner{}, fmt.Errorf("decode learner %s: %w", d.ID, err)
	}
	l := insight.Learner{ProgrammeID: d.ProgrammeID, UserID: d.UserID, Version: d.V, LastActive: st.LastActive.UTC(),
		LastDay: st.LastDay, LastRole: st.LastRole, Weeks: map[string]insight.LearnerWeek{}, Items: map[string]insight.LearnerItem{}}
	l.Pending, l.Lease = d.Pend.toPending(st.Pending)
	for _, w := range st.Weeks {
		l.Weeks[w.Week] = insight.LearnerWeek{Role: w.Role, Seconds: w.Seconds}
	}
	for _, it := range st.Items {
		l.Items[it.ID] = insight.LearnerItem{Done: it.Done, Seconds: it.Seconds, Bucket: it.Bucket}
	}
	for _, s := range st.Seen {
		l.Seen = append(l.Seen, insight.SeenEvent{ID: s.ID, At: s.At.UTC()})
	}
	return l, nil
}

// Learner implements insight.Store.
func (s *Store) Learner(ctx context.Context, key string) (insight.Learner, bool, error) {
	var d learnerDoc
	err := s.c(Learners).FindOne(ctx, k("_id", key)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return insight.Learner{}, false, nil
	}
	if err != nil {
		return insight.Learner{}, false, fmt.Errorf("read learner: %w", err)
	}
	l, err := d.toLearner()
	return l, err == nil, err
}

// Learners implements insight.Store: one read by _id $in (the sweeper's batch of members).
func (s *Store) Learners(ctx context.Context, keys []string) ([]insight.Learner, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	cur, err := s.c(Learners).Find(ctx, k("_id", k("$in", keys)))
	if err != nil {
		return nil, fmt.Errorf("read learners: %w", err)
	}
	var docs []learnerDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read learners: %w", err)
	}
	out := make([]insight.Learner, 0, len(docs))
	for _, d := range docs {
		l, err := d.toLearner()
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// LearnersOf implements insight.Store: an equality on the indexed user ID.
func (s *Store) LearnersOf(ctx context.Context, userID string) ([]string, error) {
	cur, err := s.c(Learners).Find(ctx, k("userId", userID), options.Find().SetProjection(k("_id", 1)))
	return ids(ctx, cur, err, "list a person's learners")
}

// SaveLearner implements insight.Store.
func (s *Store) SaveLearner(ctx context.Context, l insight.Learner, prev int64) error {
	d, err := fromLearner(l)
	if err != nil {
		return err
	}
	return s.save(ctx, Learners, "save learner", d.ID, prev, d)
}

// save inserts doc (prev 0) or replaces it where the stored version is prev: a
// compare-and-swap, insight.ErrConflict when it does not match.
func (s *Store) save(ctx context.Context, coll, op, id string, prev int64, doc any) error {
	if prev == 0 {
		_, err := s.c(coll).InsertOne(ctx, doc)
		return wrap(err, op)
	}
	r, err := s.c(coll).ReplaceOne(ctx, k("_id", id, "v", prev), doc)
	if err != nil {
		return wrap(err, op)
	}
	if r.MatchedCount == 0 {
		return fmt.Errorf("%s %s: %w", op, id, insight.ErrConflict)
	}
	return nil
}

// PutLearners implements insight.Store: inserts, a thousand to a command, into the emptied
// collection; a learner a straggling live write created meanwhile is replaced.
func (s *Store) PutLearners(ctx context.Context, ls []insight.Learner) error {
	docs := make([]any, len(ls))
	for i, l := range ls {
		d, err := fromLearner(l)
		if err != nil {
			return err
		}
		docs[i] = d
	}
	dup, err := mongodb.InsertNew(ctx, s.c(Learners), docs, 1000)
	if err != nil {
		return fmt.Errorf("write rebuilt learners: %w", err)
	}
	for i := range dup {
		d := docs[i].(learnerDoc)
		if _, err := s.c(Learners).ReplaceOne(ctx, k("_id", d.ID), d); err != nil {
			return fmt.Errorf("write rebuilt learner %s: %w", d.ID, err)
		}
	}
	return nil
}
