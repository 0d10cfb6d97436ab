package mentoringdb

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/mentoring"
)

// Collections of the mentoring record. Every hot read is an _id lookup or bounded by one
// pairing's or one person's documents through an indexed equality; exactly-once steps
// (confirmations, goal revisions, agreement versions and acknowledgements) are inserts on
// unique _ids.
const (
	Meetings      = "mentoring_meetings"
	Confirmations = "mentoring_meeting_confirmations"
	Actions       = "mentoring_actions"
	Notes         = "mentoring_notes"
	Goals         = "mentoring_goals"
	GoalHistory   = "mentoring_goal_history"
)

// RecordIndexes lists the indexes the record's queries need, next to the code that issues
// them (the agreement's in agreement.go).
func RecordIndexes() []mongodb.Index {
	return append(AgreementIndexes(), []mongodb.Index{
		ix(Meetings, k("pairingId", 1, "startAt", -1, "_id", -1), false),  // Meetings
		ix(Meetings, k("participants", 1, "startAt", 1, "_id", 1), false), // PersonMeetings (calendar)
		ix(Meetings, k("status", 1, "startAt", 1, "_id", 1), false),       // PlannedBetween (reminders)
		ix(Actions, k("meetingId", 1, "createdAt", 1), false),             // MeetingActions
		ix(Actions, k("ownerId", 1, "done", 1, "dueAt", 1, "_id", 1), false),
		ix(Actions, k("ownerId", 1, "dueAt", 1, "_id", 1), false), // OwnerActions without a filter on done
		ix(Notes, k("pairingId", 1, "createdAt", -1, "_id", -1), false),
		ix(Goals, k("pairingId", 1, "createdAt", 1, "_id", 1), false),
		ix(Goals, k("ownerId", 1, "createdAt", 1, "_id", 1), false),
		ix(Goals, k("ownerId", 1, "linkKeys", 1), false), // LinkedGoals
		ix(GoalHistory, k("goalId", 1, "revision", 1), true),
		ix(Pairings, k("agreement.goals", 1), false), // PairingsWithAgreementGoals (start-up)
	}...)
}

var _ mentoring.RecordStore = (*Store)(nil)

// ---- meetings

type confirmationDoc struct {
	ID        string    `bson:"_id"` // meetingId@revision
	MeetingID string    `bson:"meetingId"`
	Revision  int       `bson:"revision"`
	By        string    `bson:"by"`
	At        time.Time `bson:"at"`
	Status    string    `bson:"status"`
}

type meetingDoc struct {
	ID              string           `bson:"_id"`
	ProgrammeID     string           `bson:"programmeId"`
	PairingID       string           `bson:"pairingId"`
	Participants    []string         `bson:"participants"`
	Status          string           `bson:"status"`
	StartAt         time.Time        `bson:"startAt"`
	Timezone        string           `bson:"timezone"`
	DurationMinutes int              `bson:"durationMinutes"`
	Format          string           `bson:"format"`
	Place           string           `bson:"place,omitempty"`
	Objectives      []string         `bson:"objectives"`
	Topics          []string         `bson:"topics"`
	AttendeeIDs     []string         `bson:"attendeeIds"`
	CreatedBy       string           `bson:"createdBy"`
	UpdatedBy       string           `bson:"updatedBy"`
	CreatedAt       time.Time        `bson:"createdAt"`
	UpdatedAt       time.Time        `bson:"updatedAt"`
	Revision        int              `bson:"revision"`
	Locked          bool             `bson:"locked"`
	Confirmation    *confirmationDoc `bson:"confirmation,omitempty"`
}

func confirmationID(meetingID string, rev int) string { return meetingID + "@" + strconv.Itoa(rev) }

func fromConfirmation(c mentoring.Confirmation) *confirmationDoc {
	return &confirmationDoc{ID: confirmationID(c.MeetingID, c.Revision), MeetingID: c.MeetingID, Revision: c.Revision, By: c.By,
		At: c.At.UTC(), Status: string(c.Status)}
}

func (d *confirmationDoc) toConfirmation() *mentoring.Confirmation {
	if d == nil {
		return nil
	}
	return &mentoring.Confirmation{MeetingID: d.MeetingID, Revision: d.Revision, By: d.By, At: d.At, Status: mentoring.MeetingStatus(d.Status)}
}

func fromMeeting(m mentoring.Meeting) meetingDoc {
	d := meetingDoc{ID: m.ID, ProgrammeID: m.ProgrammeID, PairingID: m.PairingID, Participants: nonNil(m.Participants),
		Status: string(m.Status), StartAt: m.StartAt.UTC(), Timezone: m.Timezone, DurationMinutes: m.DurationMinutes,
		Format: string(m.Format), Place: m.Place, Objectives: nonNil(m.Objectives), Topics: nonNil(m.Topics),
		AttendeeIDs: nonNil(m.AttendeeIDs), CreatedBy: m.CreatedBy, UpdatedBy: m.UpdatedBy, CreatedAt: m.CreatedAt.UTC(),
		UpdatedAt: m.UpdatedAt.UTC(), Revision: m.Revision}
	if m.Confirmation != nil {
		d.Confirmation = fromConfirmation(*m.Confirmation)
		d.Locked = m.Evidence()
	}
	return d
}

func (d meetingDoc) toMeeting() mentoring.Meeting {
	return mentoring.Meeting{ID: d.ID, ProgrammeID: d.ProgrammeID, PairingID: d.PairingID, Participants: nonNil(d.Participants),
		Status: mentoring.MeetingStatus(d.Status), StartAt: d.StartAt, Timezone: d.Timezone, DurationMinutes: d.DurationMinutes,
		Format: mentoring.MeetingFormat(d.Format), Place: d.Place, Objectives: nonNil(d.Objectives), Topics: nonNil(d.Topics),
		AttendeeIDs: nonNil(d.AttendeeIDs), CreatedBy: d.CreatedBy, UpdatedBy: d.UpdatedBy, CreatedAt: d.CreatedAt,
		UpdatedAt: d.UpdatedAt, Revision: d.Revision, Confirmation: d.Confirmation.toConfirmation()}
}

func meetingsOf(ctx context.Context, cur *mongo.Cursor, err error) ([]mentoring.Meeting, error) {
	docs, err := all[meetingDoc](ctx, cur, err, "list meetings")
	if err != nil {
		return nil, err
	}
	out := make([]mentoring.Meeting, len(docs))
	for i, d := range docs {
		out[i] = d.toMeeting()
	}
	return out, nil
}

// InsertMeeting implements mentoring.RecordStore: the actions first, then the meeting.
func (s *Store) InsertMeeting(ctx context.Context, m mentoring.Meeting, actions []mentoring.Action) error {
	if err := s.InsertActions(ctx, actions); err != nil {
		return err
	}
	if _, err := s.c(Meetings).InsertOne(ctx, fromMeeting(m)); err != nil {
		return fmt.Errorf("insert meeting: %w", err)
	}
	return nil
}

// Meeting implements mentoring.RecordStore.
func (s *Store) Meeting(ctx context.Context, id string) (mentoring.Meeting, error) {
	var d meetingDoc
	err := s.c(Meetings).FindOne(ctx, k("_id", id)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return mentoring.Meeting{}, mentoring.ErrMeetingNotFound
	}
	if err != nil {
		return mentoring.Meeting{}, fmt.Errorf("find meeting: %w", err)
	}
	return d.toMeeting(), nil
}

// UpdateMeeting implements mentoring.RecordStore: one replace guarded by the revision read
// and the lock, so an edit and a confirmation of the same revision never both take.
func (s *Store) UpdateMeeting(ctx context.Context, m mentoring.Meeting, prev int) error {
	d := fromMeeting(m)
	res, err := s.c(Meetings).ReplaceOne(ctx, k("_id", m.ID, "revision", prev, "locked", false), d)
	if err != nil {
		return fmt.Errorf("update meeting: %w", err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	cur, err := s.Meeting(ctx, m.ID)
	if err != nil {
		return err
	}
	if cur.Evidence() {
		return mentoring.ErrMeetingConfirmed
	}
	return mentoring.ErrMeetingChanged
}

func startRange(f bson.D, from, to time.Time) bson.D {
	r := bson.D{}
	if !from.IsZero() {
		r = append(r, bson.E{Key: "$gte", Value: from.UTC()})
	}
	if !to.IsZero() {
		r = append(r, bson.E{Key: "$lt", Value: to.UTC()})
	}
	if len(r) > 0 {
		f = append(f, bson.E{Key: "startAt", Value: r})
	}
	return f
}

// Meetings implements mentoring.RecordStore: one pairing's meetings, keyset-paginated on
// (startAt, _id) descending.
func (s *Store) Meetings(ctx context.Context, q mentoring.MeetingQuery) ([]mentoring.Meeting, error) {
	f := startRange(k("pairingId", q.PairingID), q.From, q.To)
	if q.Status != "" {
		f = append(f, bson.E{Key: "status", Value: string(q.Status)})
	}
	if q.After != nil {
		f = append(f, bson.E{Key: "$or", Value: bson.A{
			k("startAt", k("$lt", q.After.At)),
			k("startAt", q.After.At, "_id", k("$lt", q.After.ID)),
		}})
	}
	opts := options.Find().SetSort(k("startAt", -1, "_id", -1))
	if q.Limit > 0 {
		opts.SetLimit(int64(q.Limit))
	}
	cur, err := s.c(Meetings).Find(ctx, f, opts)
	return meetingsOf(ctx, cur, err)
}

// PersonMeetings implements mentoring.RecordStore.
func (s *Store) PersonMeetings(ctx context.Context, userID string, from, to time.Time, limit int) ([]mentoring.Meeting, error) {
	f := startRange(k("participants", userID), from, to)
	cur, err := s.c(Meetings).Find(ctx, f, options.Find().SetSort(k("startAt", 1, "_id", 1)).SetLimit(int64(limit)))
	return meetingsOf(ctx, cur, err)
}

// PlannedBetween implements mentoring.RecordStore.
func (s *Store) PlannedBetween(ctx context.Context, from, to time.Time, after *mentoring.Cursor, limit int) ([]mentoring.Meeting, error) {
	f := startRange(k("status", string(mentoring.MeetingPlanned)), from, to)
	if after != nil {
		f = append(f, bson.E{Key: "$or", Value: bson.A{
			k("startAt", k("$gt", after.At)),
			k("startAt", after.At, "_id", k("$gt", after.ID)),
		}})
	}
	cur, err := s.c(Meetings).Find(ctx, f, options.Find().SetSort(k("startAt", 1, "_id", 1)).SetLimit(int64(limit)))
	return meetingsOf(ctx, cur, err)
}

// InsertConfirmation implements mentoring.RecordStore: one insert on meetingId@revision.
func (s *Store) InsertConfirmation(ctx context.Context, c mentoring.Confirmation) (mentoring.Confirmation, bool, error) {
	d := fromConfirmation(c)
	_, err := s.c(Confirmations).InsertOne(ctx, d)
	if err == nil {
		return c, true, nil
	}
	if !mongodb.IsDuplicate(err) {
		return mentoring.Confirmation{}, false, fmt.Errorf("insert confirmation: %w", err)
	}
	var cur confirmationDoc
	if err := s.c(Confirmations).FindOne(ctx, k("_id", d.ID)).Decode(&cur); err != nil {
		return mentoring.Confirmation{}, false, fmt.Errorf("find confirmation: %w", err)
	}
	return *cur.toConfirmation(), false, nil
}

// SetConfirmation implements mentoring.RecordStore: the meeting takes the confirmation only
// at the revision it confirms.
func (s *Store) SetConfirmation(ctx context.Context, c mentoring.Confirmation, lock bool) error {
	res, err := s.c(Meetings).UpdateOne(ctx, k("_id", c.MeetingID, "revision", c.Revision),
		k("$set", k("confirmation", fromConfirmation(c), "locked", lock)))
	if err != nil {
		return fmt.Errorf("set confirmation: %w", err)
	}
	if res.MatchedCount == 0 {
		return mentoring.ErrMeetingChanged
	}
	return nil
}

// ---- actions

type actionDoc struct {
	ID          string     `bson:"_id"`
	MeetingID   string     `bson:"meetingId"`
	PairingID   string     `bson:"pairingId"`
	ProgrammeID string     `bson:"programmeId"`
	OwnerID     string     `bson:"ownerId"`
	Text        string     `bson:"text"`
	DueAt       time.Time  `bson:"dueAt"`
	DueLocal    string     `bson:"dueLocal"`
	Timezone    string     `bson:"timezone"`
	Done        bool       `bson:"done"`
	DoneAt      *time.Time `bson:"doneAt,omitempty"`
	CreatedBy   string     `bson:"createdBy"`
	CreatedAt   time.Time  `bson:"createdAt"`
	UpdatedAt   time.Time  `bson:"updatedAt"`
}

func fromAction(a mentoring.Action) actionDoc {
	return actionDoc{ID: a.ID, MeetingID: a.MeetingID, PairingID: a.PairingID, ProgrammeID: a.ProgrammeID, OwnerID: a.OwnerID,
		Text: a.Text, DueAt: a.DueAt.UTC(), DueLocal: a.DueLocal, Timezone: a.Timezone, Done: a.Done, DoneAt: a.DoneAt,
		CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()}
}

func (d actionDoc) toAction() mentoring.Action {
	return mentoring.Action{ID: d.ID, MeetingID: d.MeetingID, PairingID: d.PairingID, ProgrammeID: d.ProgrammeID, OwnerID: d.OwnerID,
		Text: d.Text, DueAt: d.DueAt, DueLocal: d.DueLocal, Timezone: d.Timezone, Done: d.Done, DoneAt: d.DoneAt,
		CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

func actionsOf(ctx context.Context, cur *mongo.Cursor, err error) ([]mentoring.Action, error) {
	docs, err := all[actionDoc](ctx, cur, err, "list actions")
	if err != nil {
		return nil, err
	}
	out := make([]mentoring.Action, len(docs))
	for i, d := range docs {
		out[i] = d.toAction()
	}
	return out, nil
}

// InsertActions implements mentoring.RecordStore.
func (s *Store) InsertActions(ctx context.Context, as []mentoring.Action) error {
	if len(as) == 0 {
		return nil
	}
	docs := make([]any, len(as))
	for i, a := range as {
		docs[i] = fromAction(a)
	}
	_, err := s.c(Actions).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !mongodb.OnlyDuplicates(err) {
		return fmt.Errorf("insert actions: %w", err)
	}
	return nil
}

// Action implements mentoring.RecordStore.
func (s *Store) Action(ctx context.Context, id string) (mentoring.Action, error) {
	var d actionDoc
	err := s.c(Actions).FindOne(ctx, k("_id", id)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return mentoring.Action{}, mentoring.ErrActionNotFound
	}
	if err != nil {
		return mentoring.Action{}, fmt.Errorf("find action: %w", err)
	}
	return d.toAction(), nil
}

// UpdateAction implements mentoring.RecordStore.
func (s *Store) UpdateAction(ctx context.Context, a mentoring.Action) error {
	if _, err := s.c(Actions).ReplaceOne(ctx, k("_id", a.ID), fromAction(a)); err != nil {
		return fmt.Errorf("update action: %w", err)
	}
	return nil
}

// MeetingActions implements mentoring.RecordStore.
func (s *Store) MeetingActions(ctx context.Context, meetingIDs []string) (map[string][]mentoring.Action, error) {
	f := k("meetingId", k("$in", meetingIDs))
	if len(meetingIDs) == 1 {
		f = k("meetingId", meetingIDs[0])
	}
	cur, err := s.c(Actions).Find(ctx, f, options.Find().SetSort(k("createdAt", 1, "_id", 1)))
	as, err := actionsOf(ctx, cur, err)
	if err != nil {
		return nil, err
	}
	out := map[string][]mentoring.Action{}
	for _, a := range as {
		out[a.MeetingID] = append(out[a.MeetingID], a)
	}
	return out, nil
}

// OwnerActions implements mentoring.RecordStore: keyset-paginated on (dueAt, _id).
func (s *Store) OwnerActions(ctx context.Context, q mentoring.ActionQuery) ([]mentoring.Action, error) {
	f := k("ownerId", q.OwnerID)
	if q.Done != nil {
		f = append(f, bson.E{Key: "done", Value: *q.Done})
	}
	cur, err := s.c(Actions).Find(ctx, afterDue(f, q.After), options.Find().SetSort(k("dueAt", 1, "_id", 1)).SetLimit(int64(q.Limit)))
	return actionsOf(ctx, cur, err)
}

// ---- notes

type reflectionDoc struct {
	Learned string   `bson:"learned"`
	Apply   string   `bson:"apply"`
	Domains []string `bson:"domains"`
}

type noteDoc struct {
	ID          string         `bson:"_id"`
	ProgrammeID string         `bson:"programmeId"`
	PairingID   string         `bson:"pairingId"`
	MeetingID   string         `bson:"meetingId"`
	AuthorID    string         `bson:"authorId"`
	Kind        string         `bson:"kind"`
	Visibility  string         `bson:"visibility"`
	Body        string         `bson:"body"`
	Reflection  *reflectionDoc `bson:"reflection,omitempty"`
	CreatedAt   time.Time      `bson:"createdAt"`
	UpdatedAt   time.Time      `bson:"updatedAt"`
}

func fromNote(n mentoring.Note) noteDoc {
	d := noteDoc{ID: n.ID, ProgrammeID: n.ProgrammeID, PairingID: n.PairingID, MeetingID: n.MeetingID, AuthorID: n.AuthorID,
		Kind: string(n.Kind), Visibility: string(n.Visibility), Body: n.Body, CreatedAt: n.CreatedAt.UTC(), UpdatedAt: n.UpdatedAt.UTC()}
	if n.Reflection != nil {
		d.Reflection = &reflectionDoc{Learned: n.Reflection.Learned, Apply: n.Reflection.Apply, Domains: nonNil(n.Reflection.Domains)}
	}
	return d
}

func (d noteDoc) toNote() mentoring.Note {
	n := mentoring.Note{ID: d.ID, ProgrammeID: d.ProgrammeID, PairingID: d.PairingID, MeetingID: d.MeetingID, AuthorID: d.AuthorID,
		Kind: mentoring.NoteKind(d.Kind), Visibility: mentoring.Visibility(d.Visibility), Body: d.Body, CreatedAt: d.CreatedAt,
		UpdatedAt: d.UpdatedAt}
	if d.Reflection != nil {
		n.Reflection = &mentoring.Reflection{Learned: d.Reflection.Learned, Apply: d.Reflection.Apply, Domains: nonNil(d.Reflection.Domains)}
	}
	return n
}

// InsertNote implements mentoring.RecordStore.
func (s *Store) InsertNote(ctx context.Context, n mentoring.Note) error {
	if _, err := s.c(Notes).InsertOne(ctx, fromNote(n)); err != nil {
		return fmt.Errorf("insert note: %w", err)
	}
	return nil
}

// Note implements mentoring.RecordStore.
func (s *Store) Note(ctx context.Context, id string) (mentoring.Note, error) {
	var d noteDoc
	err := s.c(Notes).FindOne(ctx, k("_id", id)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return mentoring.Note{}, mentoring.ErrNoteNotFound
	}
	if err != nil {
		return mentoring.Note{}, fmt.Errorf("find note: %w", err)
	}
	return d.toNote(), nil
}

// UpdateNote implements mentoring.RecordStore.
func (s *Store) UpdateNote(ctx context.Context, n mentoring.Note) error {
	if _, err := s.c(Notes).ReplaceOne(ctx, k("_id", n.ID), fromNote(n)); err != nil {
		return fmt.Errorf("update note: %w", err)
	}
	return nil
}

// DeleteNote implements mentoring.RecordStore.
func (s *Store) DeleteNote(ctx context.Context, id string) error {
	res, err := s.c(Notes).DeleteOne(ctx, k("_id", id))
	if err != nil {
		return fmt.Errorf("delete note: %w", err)
	}
	if res.DeletedCount == 0 {
		return mentoring.ErrNoteNotFound
	}
	return nil
}

// Notes implements mentoring.RecordStore: one pairing's notes, keyset-paginated on
// (createdAt, _id) descending; a reader's query leaves out other people's private notes in
// the database, so they never leave it.
func (s *Store) Notes(ctx context.Context, q mentoring.NoteQuery) ([]mentoring.Note, error) {
	f := k("pairingId", q.PairingID)
	if !q.AllPrivate {
		f = append(f, bson.E{Key: "$or", Value: bson.A{
			k("visibility", k("$ne", string(mentoring.VisibilityPrivate))),
			k("authorId", q.Reader),
		}})
	}
	if q.MeetingID != "" {
		f = append(f, bson.E{Key: "meetingId", Value: q.MeetingID})
	}
	if q.Kind != "" {
		f = append(f, bson.E{Key: "kind", Value: string(q.Kind)})
	}
	if q.After != nil {
		f = append(f, bson.E{Key: "$and", Value: bson.A{k("$or", bson.A{
			k("createdAt", k("$lt", q.After.At)),
			k("createdAt", q.After.At, "_id", k("$lt", q.After.ID)),
		})}})
	}
	cur, err := s.c(Notes).Find(ctx, f, options.Find().SetSort(k("createdAt", -1, "_id", -1)).SetLimit(int64(q.Limit)))
	docs, err := all[noteDoc](ctx, cur, err, "list notes")
	if err != nil {
		return nil, err
	}
	out := make([]mentoring.Note, len(docs))
	for i, d := range docs {
		out[i] = d.toNote()
	}
	return out, nil
}

// ---- goals

type goalLinkDoc struct {
	Kind string `bson:"kind"`
	ID   string `bson:"id"`
}

type goalDoc struct {
	ID          string        `bson:"_id"`
	ProgrammeID string        `bson:"programmeId"`
	PairingID   string        `bson:"pairingId"`
	OwnerID     string        `bson:"ownerId"`
	Specific    string        `bson:"specific"`
	Measure     string        `bson:"measure"`
	TargetDate  string        `bson:"targetDate,omitempty"`
	Tags        []string      `bson:"tags"`
	Status      string        `bson:"status"`
	Progress    int           `bson:"progress"`
	Links       []goalLinkDoc `bson:"links"`
	LinkKeys    []string      `bson:"linkKeys"`
	LinksDone   []string      `bson:"linksDone"`
	CreatedBy   string        `bson:"createdBy"`
	CreatedAt   time.Time     `bson:"createdAt"`
	UpdatedAt   time.Time     `bson:"updatedAt"`
	AchievedAt  *time.Time    `bson:"achievedAt,omitempty"`
	Revision    int           `bson:"revision"`
	Source      string        `bson:"source,omitempty"`
	// LastChange is the latest history entry (see UpdateGoal).
	LastChange *goalChangeDoc `bson:"lastChange,omitempty"`
}

func fromGoal(g mentoring.Goal) goalDoc {
	d := goalDoc{ID: g.ID, ProgrammeID: g.ProgrammeID, PairingID: g.PairingID, OwnerID: g.OwnerID, Specific: g.Specific,
		Measure: g.Measure, TargetDate: g.TargetDate, Tags: nonNil(g.Tags), Status: string(g.Status), Progress: g.Progress,
		Links: []goalLinkDoc{}, LinkKeys: []string{}, LinksDone: nonNil(g.LinksDone), CreatedBy: g.CreatedBy,
		CreatedAt: g.CreatedAt.UTC(), UpdatedAt: g.UpdatedAt.UTC(), AchievedAt: g.AchievedAt, Revision: g.Revision, Source: g.Source}
	for _, l := range g.Links {
		d.Links = append(d.Links, goalLinkDoc{Kind: l.Kind, ID: l.ID})
		d.LinkKeys = append(d.LinkKeys, l.Key())
	}
	return d
}

func (d goalDoc) toGoal() mentoring.Goal {
	g := mentoring.Goal{ID: d.ID, ProgrammeID: d.ProgrammeID, PairingID: d.PairingID, OwnerID: d.OwnerID, Specific: d.Specific,
		Measure: d.Measure, TargetDate: d.TargetDate, Tags: nonNil(d.Tags), Status: mentoring.GoalStatus(d.Status),
		Progress: d.Progress, Links: []mentoring.GoalLink{}, LinksDone: nonNil(d.LinksDone), CreatedBy: d.CreatedBy,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, AchievedAt: d.AchievedAt, Revision: d.Revision, Source: d.Source}
	for _, l := range d.Links {
		g.Links = append(g.Links, mentoring.GoalLink{Kind: l.Kind, ID: l.ID})
	}
	return g
}

type goalChangeDoc struct {
	ID       string    `bson:"_id"` // goalId@revision
	GoalID   string    `bson:"goalId"`
	Revision int       `bson:"revision"`
	At       time.Time `bson:"at"`
	By       string    `bson:"by,omitempty"`
	Status   string    `bson:"status"`
	Progress int       `bson:"progress"`
	Reason   string    `bson:"reason"`
	Note     string    `bson:"note,omitempty"`
}

func fromGoalChange(c mentoring.GoalChange) goalChangeDoc {
	return goalChangeDoc{ID: c.GoalID + "@" + strconv.Itoa(c.Revision), GoalID: c.GoalID, Revision: c.Revision, At: c.At.UTC(),
		By: c.By, Status: string(c.Status), Progress: c.Progress, Reason: c.Reason, Note: c.Note}
}

// InsertGoals implements mentoring.RecordStore: history first, then the goals (duplicates of
// either are a re-run and are skipped).
func (s *Store) InsertGoals(ctx context.Context, gs []mentoring.Goal, history []mentoring.GoalChange) error {
	if len(gs) == 0 {
		return nil
	}
	hs := make([]any, len(history))
	for i, c := range history {
		hs[i] = fromGoalChange(c)
	}
	if len(hs) > 0 {
		if _, err := s.c(GoalHistory).InsertMany(ctx, hs, options.InsertMany().SetOrdered(false)); err != nil && !mongodb.OnlyDuplicates(err) {
			return fmt.Errorf("insert goal history: %w", err)
		}
	}
	docs := make([]any, len(gs))
	for i, g := range gs {
		d := fromGoal(g)
		if i < len(history) && history[i].GoalID == g.ID {
			last := fromGoalChange(history[i])
			d.LastChange = &last
		}
		docs[i] = d
	}
	if _, err := s.c(Goals).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil && !mongodb.OnlyDuplicates(err) {
		return fmt.Errorf("insert goals: %w", err)
	}
	return nil
}

// Goal implements mentoring.RecordStore.
func (s *Store) Goal(ctx context.Context, id string) (mentoring.Goal, error) {
	var d goalDoc
	err := s.c(Goals).FindOne(ctx, k("_id", id)).Decode(&d)
	if mongodb.IsNotFound(err) {
		return mentoring.Goal{}, mentoring.ErrGoalNotFound
	}
	if err != nil {
		return mentoring.Goal{}, fmt.Errorf("find goal: %w", err)
	}
	return d.toGoal(), nil
}

// UpdateGoal implements mentoring.RecordStore: one replace guarded by the revision read (of
// two edits of one revision exactly one matches), then the history entry, keyed goal@revision.
// The goal document carries its latest change as well, so a writer that died between the two
// writes loses no history: the next update writes the missing entry (and so does nobody
// twice: the key is unique).
func (s *Store) UpdateGoal(ctx context.Context, g mentoring.Goal, prev int, change mentoring.GoalChange) error {
	d := fromGoal(g)
	last := fromGoalChange(change)
	d.LastChange = &last
	var before goalDoc
	err := s.c(Goals).FindOneAndReplace(ctx, k("_id", g.ID, "revision", prev), d).Decode(&before)
	if mongodb.IsNotFound(err) {
		return mentoring.ErrGoalChanged
	}
	if err != nil {
		return fmt.Errorf("update goal: %w", err)
	}
	entries := []any{last}
	if before.LastChange != nil {
		entries = append([]any{*before.LastChange}, entries...)
	}
	if _, err := s.c(GoalHistory).InsertMany(ctx, entries, options.InsertMany().SetOrdered(false)); err != nil && !mongodb.OnlyDuplicates(err) {
		return fmt.Errorf("insert goal history: %w", err)
	}
	return nil
}

func goalsOf(ctx context.Context, cur *mongo.Cursor, err error) ([]mentoring.Goal, error) {
	docs, err := all[goalDoc](ctx, cur, err, "list goals")
	if err != nil {
		return nil, err
	}
	out := make([]mentoring.Goal, len(docs))
	for i, d := range docs {
		out[i] = d.toGoal()
	}
	return out, nil
}

// Goals implements mentoring.RecordStore: keyset-paginated on (createdAt, _id).
func (s *Store) Goals(ctx context.Context, q mentoring.GoalQuery) ([]mentoring.Goal, error) {
	var f bson.D
	if q.PairingID != "" {
		f = k("pairingId", q.PairingID)
		if q.OwnerID != "" {
			f = append(f, bson.E{Key: "ownerId", Value: q.OwnerID})
		}
	} else {
		f = k("ownerId", q.OwnerID)
	}
	if q.Status != "" {
		f = append(f, bson.E{Key: "status", Value: string(q.Status)})
	}
	if q.After != nil {
		f = append(f, bson.E{Key: "$or", Value: bson.A{
			k("createdAt", k("$gt", q.After.At)),
			k("createdAt", q.After.At, "_id", k("$gt", q.After.ID)),
		}})
	}
	cur, err := s.c(Goals).Find(ctx, f, options.Find().SetSort(k("createdAt", 1, "_id", 1)).SetLimit(int64(q.Limit)))
	return goalsOf(ctx, cur, err)
}

// LinkedGoals implements mentoring.RecordStore.
func (s *Store) LinkedGoals(ctx context.Context, ownerID, linkKey string) ([]mentoring.Goal, error) {
	cur, err := s.c(Goals).Find(ctx, k("ownerId", ownerID, "linkKeys", linkKey,
		"status", k("$in", bson.A{string(mentoring.GoalNotStarted), string(mentoring.GoalInProgress)})))
	return goalsOf(ctx, cur, err)
}

// GoalHistory implements mentoring.RecordStore.
func (s *Store) GoalHistory(ctx context.Context, goalID string, afterRev, limit int) ([]mentoring.GoalChange, error) {
	cur, err := s.c(GoalHistory).Find(ctx, k("goalId", goalID, "revision", k("$gt", afterRev)),
		options.Find().SetSort(k("revision", 1)).SetLimit(int64(limit)))
	docs, err := all[goalChangeDoc](ctx, cur, err, "goal history")
	if err != nil {
		return nil, err
	}
	out := make([]mentoring.GoalChange, len(docs))
	for i, d := range docs {
		out[i] = mentoring.GoalChange{GoalID: d.GoalID, Revision: d.Revision, At: d.At, By: d.By, Status: mentoring.GoalStatus(d.Status),
			Progress: d.Progress, Reason: d.Reason, Note: d.Note}
	}
	return out, nil
}

// PairingsWithAgreementGoals implements mentoring.RecordStore.
func (s *Store) PairingsWithAgreementGoals(ctx context.Context, afterID string, limit int) ([]mentoring.Pairing, error) {
	// Always a range on _id (from "" on the first page), so that each page is an index
	// range scan: the existence test cannot bound an index.
	f := k("_id", k("$gt", afterID), "agreement.goals.0", k("$exists", true))
	cur, err := s.c(Pairings).Find(ctx, f, options.Find().SetSort(k("_id", 1)).SetLimit(int64(limit)))
	return pairingsOf(ctx, cur, err, "pairings with agreement goals")
}

// ClearAgreementGoals implements mentoring.RecordStore.
func (s *Store) ClearAgreementGoals(ctx context.Context, pairingID string, goals []string) error {
	if _, err := s.c(Pairings).UpdateOne(ctx, k("_id", pairingID, "agreement.goals", goals),
		k("$set", k("agreement.goals", []string{}))); err != nil {
		return fmt.Errorf("clear agreement goals: %w", err)
	}
	return nil
}
