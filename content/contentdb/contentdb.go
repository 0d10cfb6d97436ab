// Package contentdb keeps content items, their versions, and people's activity on them in
// MongoDB.
package contentdb

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/learning"
)

// The collections.
const (
	Items    = "content_items"
	Versions = "content_versions"
	// Attempts holds one document per (user, quiz, attempt number): the reservation that
	// makes an attempt number unique (content.Store.ReserveAttempt).
	Attempts = "content_attempts"
	Activity = "content_activity"
)

// Indexes lists the indexes the queries in this package need.
func Indexes() []mongodb.Index {
	asc := func(keys ...string) bson.D {
		d := bson.D{}
		for _, k := range keys {
			d = append(d, bson.E{Key: k, Value: 1})
		}
		return d
	}
	return []mongodb.Index{
		// Library listings: programmeId $in, optional filters, ordered by (sortKey, _id).
		{Collection: Items, Model: mongo.IndexModel{Keys: asc("programmeId", "sortKey", "_id")}},
		{Collection: Items, Model: mongo.IndexModel{Keys: asc("programmeId", "kind", "status", "sortKey", "_id")}},
		{Collection: Items, Model: mongo.IndexModel{Keys: asc("programmeId", "tags", "sortKey", "_id")}},
		{Collection: Items, Model: mongo.IndexModel{Keys: asc("programmeId", "kind", "key")}},
		{Collection: Versions, Model: mongo.IndexModel{Keys: asc("itemId", "version"), Options: options.Index().SetUnique(true)}},
		{Collection: Activity, Model: mongo.IndexModel{Keys: asc("userId", "itemId")}},
		// Pull sync (changes.go).
		{Collection: Activity, Model: mongo.IndexModel{Keys: asc("userId", "recordedAt", "_id")}},
		{Collection: Items, Model: mongo.IndexModel{Keys: asc("programmeId", "updatedAt", "_id")}},
	}
}

// Store is the MongoDB content.Store.
type Store struct{ db *mongo.Database }

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

type blockDoc struct {
	Type            string     `bson:"type"`
	Markdown        string     `bson:"markdown,omitempty"`
	URL             string     `bson:"url,omitempty"`
	MediaID         string     `bson:"mediaId,omitempty"`
	Alt             string     `bson:"alt,omitempty"`
	Caption         string     `bson:"caption,omitempty"`
	Title           string     `bson:"title,omitempty"`
	DurationSeconds int        `bson:"durationSeconds,omitempty"`
	StartsAt        *time.Time `bson:"startsAt,omitempty"`
}

type optionDoc struct {
	Key     string `bson:"key"`
	Text    string `bson:"text"`
	Correct bool   `bson:"correct"`
}

type questionDoc struct {
	Key         string      `bson:"key"`
	Type        string      `bson:"type"`
	Prompt      string      `bson:"prompt"`
	Options     []optionDoc `bson:"options"`
	Explanation string      `bson:"explanation"`
}

type checkDoc struct {
	Key      string `bson:"key"`
	Text     string `bson:"text"`
	Required bool   `bson:"required"`
}

type refDoc struct {
	Kind string `bson:"kind"`
	ID   string `bson:"id"`
}

type itemDoc struct {
	ID               string     `bson:"_id"`
	ItemID           string     `bson:"itemId,omitempty"` // versions only
	Kind             string     `bson:"kind"`
	ProgrammeID      string     `bson:"programmeId"`
	Title            string     `bson:"title"`
	SortKey          string     `bson:"sortKey"`
	Summary          string     `bson:"summary"`
	Tags             []string   `bson:"tags"`
	Domain           string     `bson:"domain"`
	DeclaredMinutes  int        `bson:"declaredMinutes"`
	EstimatedMinutes int        `bson:"estimatedMinutes"`
	Locale           string     `bson:"locale"`
	Status           string     `bson:"status"`
	Version          int        `bson:"version"`
	AuthorID         string     `bson:"authorId"`
	CreatedAt        time.Time  `bson:"createdAt"`
	UpdatedAt        time.Time  `bson:"updatedAt"`
	PublishedAt      *time.Time `bson:"publishedAt,omitempty"`
	PackID           string     `bson:"packId,omitempty"`
	Key              string     `bson:"key,omitempty"`
	ContentHash      string     `bson:"contentHash"`

	Blocks      []blockDoc    `bson:"blocks,omitempty"`
	Questions   []questionDoc `bson:"questions,omitempty"`
	PassPercent int           `bson:"passPercent,omitempty"`
	MaxAttempts int           `bson:"maxAttempts,omitempty"`
	HideAnswers bool          `bson:"hideAnswers,omitempty"`
	Checks      []checkDoc    `bson:"checks,omitempty"`
	PathItems   []refDoc      `bson:"pathItems,omitempty"`
}

func fromItem(it content.Item) itemDoc {
	d := itemDoc{ID: it.ID, Kind: string(it.Kind), ProgrammeID: it.ProgrammeID, Title: it.Title, SortKey: content.SortKey(it.Title),
		Summary: it.Summary, Tags: it.Tags, Domain: string(it.Domain), DeclaredMinutes: it.DeclaredMinutes,
		EstimatedMinutes: it.EstimatedMinutes, Locale: it.Locale, Status: string(it.Status), Version: it.Version,
		AuthorID: it.AuthorID, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, PublishedAt: it.PublishedAt,
		PackID: it.PackID, Key: it.Key, ContentHash: it.ContentHash}
	if d.Tags == nil {
		d.Tags = []string{}
	}
	switch {
	case it.Lesson != nil:
		for _, b := range it.Lesson.Blocks {
			d.Blocks = append(d.Blocks, blockDoc{Type: string(b.Type), Markdown: b.Markdown, URL: b.URL, MediaID: b.MediaID, Alt: b.Alt, Caption: b.Caption,
				Title: b.Title, DurationSeconds: b.DurationSeconds, StartsAt: b.StartsAt})
		}
	case it.Quiz != nil:
		d.PassPercent, d.MaxAttempts, d.HideAnswers = it.Quiz.PassPercent, it.Quiz.MaxAttempts, it.Quiz.HideAnswers
		for _, q := range it.Quiz.Questions {
			qd := questionDoc{Key: q.Key, Type: string(q.Type), Prompt: q.Prompt, Explanation: q.Explanation}
			for _, o := range q.Options {
				qd.Options = append(qd.Options, optionDoc{Key: o.Key, Text: o.Text, Correct: o.Correct})
			}
			d.Questions = append(d.Questions, qd)
		}
	case it.Checklist != nil:
		for _, c := range it.Checklist.Items {
			d.Checks = append(d.Checks, checkDoc{Key: c.Key, Text: c.Text, Required: c.Required})
		}
	case it.Path != nil:
		for _, r := range it.Path.Items {
			d.PathItems = append(d.PathItems, refDoc{Kind: r.Kind, ID: r.ID})
		}
	}
	return d
}

func (d itemDoc) toItem() content.Item {
	it := content.Item{ID: d.ID, Kind: content.Kind(d.Kind), ProgrammeID: d.ProgrammeID, Title: d.Title, Summary: d.Summary,
		Tags: d.Tags, Domain: content.Domain(d.Domain), DeclaredMinutes: d.DeclaredMinutes, EstimatedMinutes: d.EstimatedMinutes,
		Locale: d.Locale, Status: content.Status(d.Status), Version: d.Version, AuthorID: d.AuthorID, CreatedAt: d.CreatedAt,
		UpdatedAt: d.UpdatedAt, PublishedAt: d.PublishedAt, PackID: d.PackID, Key: d.Key, ContentHash: d.ContentHash}
	if d.ItemID != "" {
		it.ID = d.ItemID
	}
	if it.Tags == nil {
		it.Tags = []string{}
	}
	switch it.Kind {
	case content.KindLesson:
		l := &content.Lesson{}
		for _, b := range d.Blocks {
			l.Blocks = append(l.Blocks, content.Block{Type: content.BlockType(b.Type), Markdown: b.Markdown, URL: b.URL, MediaID: b.MediaID, Alt: b.Alt,
				Caption: b.Caption, Title: b.Title, DurationSeconds: b.DurationSeconds, StartsAt: b.StartsAt})
		}
		it.Lesson = l
	case content.KindQuiz:
		q := &content.Quiz{PassPercent: d.PassPercent, MaxAttempts: d.MaxAttempts, HideAnswers: d.HideAnswers}
		for _, qd := range d.Questions {
			qu := content.Question{Key: qd.Key, Type: content.QuestionType(qd.Type), Prompt: qd.Prompt, Explanation: qd.Explanation}
			for _, o := range qd.Options {
				qu.Options = append(qu.Options, content.Option{Key: o.Key, Text: o.Text, Correct: o.Correct})
			}
			q.Questions = append(q.Questions, qu)
		}
		it.Quiz = q
	case content.KindChecklist:
		c := &content.Checklist{}
		for _, cd := range d.Checks {
			c.Items = append(c.Items, content.ChecklistItem{Key: cd.Key, Text: cd.Text, Required: cd.Required})
		}
		it.Checklist = c
	case content.KindPath:
		p := &content.Path{}
		for _, r := range d.PathItems {
			p.Items = append(p.Items, learning.ItemRef{Kind: r.Kind, ID: r.ID})
		}
		it.Path = p
	}
	return it
}

func versionID(id string, v int) string { return fmt.Sprintf("%s@%d", id, v) }

// CreateItem implements content.Store.
func (s *Store) CreateItem(ctx context.Context, it content.Item) error {
	_, err := s.db.Collection(Items).InsertOne(ctx, fromItem(it))
	if mongodb.IsDuplicate(err) {
		return content.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert item: %w", err)
	}
	return nil
}

// ReplaceItem implements content.Store: a compare-and-set on the version.
func (s *Store) ReplaceItem(ctx context.Context, it content.Item, prevVersion int) error {
	res, err := s.db.Collection(Items).ReplaceOne(ctx, bson.D{{Key: "_id", Value: it.ID}, {Key: "version", Value: prevVersion}}, fromItem(it))
	if err != nil {
		return fmt.Errorf("replace item: %w", err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	if _, err := s.Item(ctx, it.ID); err != nil {
		return err
	}
	return content.ErrConflict
}

// SaveVersion implements content.Store.
func (s *Store) SaveVersion(ctx context.Context, it content.Item) error {
	d := fromItem(it)
	d.ID, d.ItemID = versionID(it.ID, it.Version), it.ID
	_, err := s.db.Collection(Versions).InsertOne(ctx, d)
	if err != nil && !mongodb.IsDuplicate(err) {
		return fmt.Errorf("insert version: %w", err)
	}
	return nil
}

// Item implements content.Store.
func (s *Store) Item(ctx context.Context, id string) (content.Item, error) {
	var d itemDoc
	err := s.db.Collection(Items).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return content.Item{}, content.ErrNotFound
	}
	if err != nil {
		return content.Item{}, fmt.Errorf("find item: %w", err)
	}
	return d.toItem(), nil
}

// ItemVersion implements content.Store.
func (s *Store) ItemVersion(ctx context.Context, id string, version int) (content.Item, error) {
	var d itemDoc
	err := s.db.Collection(Versions).FindOne(ctx, bson.D{{Key: "_id", Value: versionID(id, version)}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return content.Item{}, content.ErrVersionNotFound
	}
	if err != nil {
		return content.Item{}, fmt.Errorf("find version: %w", err)
	}
	return d.toItem(), nil
}

func (s *Store) find(ctx context.Context, filter any, opts ...options.Lister[options.FindOptions]) ([]content.Item, error) {
	cur, err := s.db.Collection(Items).Find(ctx, filter, opts...)
	if err != nil {
		return nil, fmt.Errorf("find items: %w", err)
	}
	var docs []itemDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("find items: %w", err)
	}
	out := make([]content.Item, len(docs))
	for i, d := range docs {
		out[i] = d.toItem()
	}
	return out, nil
}

// ItemByKey implements content.Store.
func (s *Store) ItemByKey(ctx context.Context, programmeID string, kind content.Kind, key string) (content.Item, error) {
	var d itemDoc
	err := s.db.Collection(Items).FindOne(ctx, bson.D{{Key: "programmeId", Value: programmeID}, {Key: "kind", Value: string(kind)},
		{Key: "key", Value: key}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return content.Item{}, content.ErrNotFound
	}
	if err != nil {
		return content.Item{}, fmt.Errorf("find item by key: %w", err)
	}
	return d.toItem(), nil
}

// Items implements content.Store.
func (s *Store) Items(ctx context.Context, ids []string) ([]content.Item, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
}

// ListItems implements content.Store. The title search is a case-insensitive regular
// expression built from the quoted text, so nothing a client types is a pattern.
func (s *Store) ListItems(ctx context.Context, f content.ListFilter) ([]content.Item, error) {
	own := bson.D{{Key: "programmeId", Value: f.ProgrammeID}}
	if len(f.Statuses) > 0 {
		st := make(bson.A, len(f.Statuses))
		for i, x := range f.Statuses {
			st[i] = string(x)
		}
		own = append(own, bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: st}}})
	}
	and := bson.A{own}
	// The libraries read, also as a top-level key: the embedded engine pushes down only
	// top-level equalities, so without it every list decoded every programme's items.
	libraries := bson.E{Key: "programmeId", Value: f.ProgrammeID}
	if f.IncludeGlobal && f.ProgrammeID != "" {
		global := bson.D{{Key: "programmeId", Value: ""}, {Key: "status", Value: string(content.StatusPublished)}}
		if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, content.StatusPublished) {
			global = nil
		}
		if global != nil {
			and = bson.A{bson.D{{Key: "$or", Value: bson.A{own, global}}}}
			libraries.Value = bson.D{{Key: "$in", Value: bson.A{f.ProgrammeID, ""}}}
		}
	}
	if f.Kind != "" {
		and = append(and, bson.D{{Key: "kind", Value: string(f.Kind)}})
	}
	if f.Domain != "" {
		and = append(and, bson.D{{Key: "domain", Value: string(f.Domain)}})
	}
	if f.Tag != "" {
		and = append(and, bson.D{{Key: "tags", Value: f.Tag}})
	}
	if f.TitleContains != "" {
		and = append(and, bson.D{{Key: "title", Value: bson.D{{Key: "$regex", Value: regexp.QuoteMeta(f.TitleContains)}, {Key: "$options", Value: "i"}}}})
	}
	if f.After.ID != "" {
		and = append(and, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "sortKey", Value: bson.D{{Key: "$gt", Value: f.After.SortKey}}}},
			bson.D{{Key: "sortKey", Value: f.After.SortKey}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: f.After.ID}}}},
		}}})
	}
	return s.find(ctx, bson.D{libraries, {Key: "$and", Value: and}},
		options.Find().SetSort(bson.D{{Key: "sortKey", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(f.Limit)))
}

// CountPublished implements content.Store.
func (s *Store) CountPublished(ctx context.Context, programmeID string, kinds []content.Kind) (int, error) {
	ks := make(bson.A, len(kinds))
	for i, k := range kinds {
		ks[i] = string(k)
	}
	n, err := s.db.Collection(Items).CountDocuments(ctx, bson.D{
		{Key: "programmeId", Value: bson.D{{Key: "$in", Value: bson.A{programmeID, ""}}}},
		{Key: "kind", Value: bson.D{{Key: "$in", Value: ks}}},
		{Key: "status", Value: string(content.StatusPublished)},
	})
	if err != nil {
		return 0, fmt.Errorf("count published items: %w", err)
	}
	return int(n), nil
}

// PublishedPaths implements content.Store.
func (s *Store) PublishedPaths(ctx context.Context, programmeID string) ([]content.Item, error) {
	return s.find(ctx, bson.D{
		{Key: "programmeId", Value: bson.D{{Key: "$in", Value: bson.A{programmeID, ""}}}},
		{Key: "kind", Value: string(content.KindPath)},
		{Key: "status", Value: string(content.StatusPublished)},
	})
}

type answerDoc struct {
	QuestionKey string   `bson:"q"`
	OptionKeys  []string `bson:"o"`
}

type resultDoc struct {
	QuestionKey string `bson:"q"`
	Correct     bool   `bson:"c"`
}

type activityDoc struct {
	ID            string      `bson:"_id"` // userId + ":" + eventId
	UserID        string      `bson:"userId"`
	EventID       string      `bson:"eventId"`
	Type          string      `bson:"type"`
	ItemID        string      `bson:"itemId"`
	ItemKind      string      `bson:"itemKind"`
	ProgrammeID   string      `bson:"programmeId"`
	ItemVersion   int         `bson:"itemVersion"`
	OccurredAt    time.Time   `bson:"occurredAt"`
	RecordedAt    time.Time   `bson:"recordedAt"`
	SecondsSpent  int         `bson:"secondsSpent"`
	Completes     bool        `bson:"completes,omitempty"`
	LessonState   string      `bson:"lessonState,omitempty"`
	Answers       []answerDoc `bson:"answers,omitempty"`
	Attempt       int         `bson:"attempt,omitempty"`
	ScorePercent  int         `bson:"scorePercent,omitempty"`
	Passed        bool        `bson:"passed,omitempty"`
	Results       []resultDoc `bson:"results,omitempty"`
	ChecklistItem string      `bson:"checklistItem,omitempty"`
	Ticked        bool        `bson:"ticked,omitempty"`
	TickedItems   []string    `bson:"tickedItems,omitempty"`
	Complete      bool        `bson:"complete,omitempty"`
}

func fromActivity(a content.Activity) activityDoc {
	d := activityDoc{ID: a.UserID + ":" + a.EventID, UserID: a.UserID, EventID: a.EventID, Type: string(a.Type), ItemID: a.ItemID,
		ItemKind: string(a.ItemKind), ProgrammeID: a.ProgrammeID, ItemVersion: a.ItemVersion, OccurredAt: a.OccurredAt.UTC(),
		RecordedAt: a.RecordedAt.UTC(), SecondsSpent: a.SecondsSpent, Completes: a.Completes, LessonState: string(a.LessonState),
		Attempt: a.Attempt, ScorePercent: a.ScorePercent, Passed: a.Passed, ChecklistItem: a.ChecklistItem, Ticked: a.Ticked,
		TickedItems: a.TickedItems, Complete: a.Complete}
	for _, x := range a.Answers {
		d.Answers = append(d.Answers, answerDoc{QuestionKey: x.QuestionKey, OptionKeys: x.OptionKeys})
	}
	for _, r := range a.Results {
		d.Results = append(d.Results, resultDoc{QuestionKey: r.QuestionKey, Correct: r.Correct})
	}
	return d
}

func (d activityDoc) toActivity() content.Activity {
	a := content.Activity{UserID: d.UserID, EventID: d.EventID, Type: content.ActivityType(d.Type), ItemID: d.ItemID,
		ItemKind: content.Kind(d.ItemKind), ProgrammeID: d.ProgrammeID, ItemVersion: d.ItemVersion, OccurredAt: d.OccurredAt,
		RecordedAt: d.RecordedAt, SecondsSpent: d.SecondsSpent, Completes: d.Completes, LessonState: content.LessonState(d.LessonState),
		Attempt: d.Attempt, ScorePercent: d.ScorePercent, Passed: d.Passed, ChecklistItem: d.ChecklistItem, Ticked: d.Ticked,
		TickedItems: d.TickedItems, Complete: d.Complete}
	for _, x := range d.Answers {
		a.Answers = append(a.Answers, content.Answer{QuestionKey: x.QuestionKey, OptionKeys: x.OptionKeys})
	}
	for _, r := range d.Results {
		a.Results = append(a.Results, content.QuestionResult{QuestionKey: r.QuestionKey, Correct: r.Correct})
	}
	return a
}

// InsertActivity implements content.Store: one insert keyed by (user, event ID); the key
// makes a replayed event a duplicate, whichever process or goroutine sees it.
func (s *Store) InsertActivity(ctx context.Context, a content.Activity) (content.Activity, error) {
	d := fromActivity(a)
	_, err := s.db.Collection(Activity).InsertOne(ctx, d)
	if err == nil {
		return a, nil
	}
	if !mongodb.IsDuplicate(err) {
		return content.Activity{}, fmt.Errorf("insert activity: %w", err)
	}
	var stored activityDoc
	if err := s.db.Collection(Activity).FindOne(ctx, bson.D{{Key: "_id", Value: d.ID}}).Decode(&stored); err != nil {
		return content.Activity{}, fmt.Errorf("find duplicate activity: %w", err)
	}
	return stored.toActivity(), content.ErrDuplicateActivity
}

// InsertActivities implements content.Store: one unordered insert; the activities whose
// (user, event ID) key was taken are read back in one query.
func (s *Store) InsertActivities(ctx context.Context, acts []content.Activity) (map[int]content.Activity, error) {
	if len(acts) == 0 {
		return nil, nil
	}
	docs := make([]any, len(acts))
	for i, a := range acts {
		docs[i] = fromActivity(a)
	}
	_, err := s.db.Collection(Activity).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || !mongodb.OnlyDuplicates(err) {
		return nil, fmt.Errorf("insert activities: %w", err)
	}
	taken := map[string]int{}
	var ids []string
	for _, we := range bwe.WriteErrors {
		id := docs[we.Index].(activityDoc).ID
		taken[id] = we.Index
		ids = append(ids, id)
	}
	stored, err := s.activities(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, err
	}
	out := make(map[int]content.Activity, len(stored))
	for _, a := range stored {
		out[taken[a.UserID+":"+a.EventID]] = a
	}
	return out, nil
}

// Activities implements content.Store.
func (s *Store) Activities(ctx context.Context, userID string, itemIDs []string) ([]content.Activity, error) {
	filter := bson.D{{Key: "userId", Value: userID}}
	if itemIDs != nil {
		filter = append(filter, bson.E{Key: "itemId", Value: bson.D{{Key: "$in", Value: itemIDs}}})
	}
	return s.activities(ctx, filter)
}

// ActivitiesOf implements content.Store: {userId: {$in}, itemId: {$in}}, both keys of the
// (userId, itemId) index.
func (s *Store) ActivitiesOf(ctx context.Context, userIDs, itemIDs []string) ([]content.Activity, error) {
	if len(userIDs) == 0 || len(itemIDs) == 0 {
		return nil, nil
	}
	return s.activities(ctx, bson.D{{Key: "userId", Value: bson.D{{Key: "$in", Value: userIDs}}},
		{Key: "itemId", Value: bson.D{{Key: "$in", Value: itemIDs}}}})
}

func (s *Store) activities(ctx context.Context, filter bson.D) ([]content.Activity, error) {
	cur, err := s.db.Collection(Activity).Find(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("find activities: %w", err)
	}
	var docs []activityDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("find activities: %w", err)
	}
	out := make([]content.Activity, len(docs))
	for i, d := range docs {
		out[i] = d.toActivity()
	}
	return out, nil
}

// SeedActivities inserts activity records in bulk (unordered; records already stored are
// skipped), for building large data sets (bench/scale). The product records activity one
// event at a time with InsertActivity.
func (s *Store) SeedActivities(ctx context.Context, acts []content.Activity) error {
	for i := 0; i < len(acts); i += seedBatch {
		docs := make([]any, 0, seedBatch)
		for _, a := range acts[i:min(len(acts), i+seedBatch)] {
			docs = append(docs, fromActivity(a))
		}
		_, err := s.db.Collection(Activity).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
		if err != nil && !mongodb.OnlyDuplicates(err) {
			return fmt.Errorf("seed activities: %w", err)
		}
	}
	return nil
}

// seedBatch is how many documents one seeding insert carries.
const seedBatch = 1000

type attemptDoc struct {
	ID      string    `bson:"_id"` // userId + ":" + quizId + ":" + n
	UserID  string    `bson:"userId"`
	QuizID  string    `bson:"quizId"`
	N       int       `bson:"n"`
	EventID string    `bson:"eventId"`
	At      time.Time `bson:"at"`
}

func attemptID(userID, quizID string, n int) string {
	return fmt.Sprintf("%s:%s:%d", userID, quizID, n)
}

// ReserveAttempts implements content.Store: one unordered insert; the holders of numbers
// already taken are read in one query.
func (s *Store) ReserveAttempts(ctx context.Context, rs []content.AttemptReservation) (map[int]string, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	now := time.Now().UTC()
	docs := make([]any, len(rs))
	for i, r := range rs {
		docs[i] = attemptDoc{ID: attemptID(r.UserID, r.QuizID, r.N), UserID: r.UserID, QuizID: r.QuizID, N: r.N, EventID: r.EventID, At: now}
	}
	_, err := s.db.Collection(Attempts).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || !mongodb.OnlyDuplicates(err) {
		return nil, fmt.Errorf("reserve quiz attempts: %w", err)
	}
	index := map[string]int{}
	var ids []string
	for _, we := range bwe.WriteErrors {
		id := docs[we.Index].(attemptDoc).ID
		index[id], ids = we.Index, append(ids, id)
	}
	cur, err := s.db.Collection(Attempts).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, fmt.Errorf("read quiz attempt reservations: %w", err)
	}
	var held []attemptDoc
	if err := cur.All(ctx, &held); err != nil {
		return nil, fmt.Errorf("read quiz attempt reservations: %w", err)
	}
	out := make(map[int]string, len(held))
	for _, h := range held {
		out[index[h.ID]] = h.EventID
	}
	return out, nil
}

// ReserveAttempt implements content.Store with one insert on the unique _id.
func (s *Store) ReserveAttempt(ctx context.Context, userID, quizID string, n int, eventID string) (bool, string, error) {
	id := attemptID(userID, quizID, n)
	_, err := s.db.Collection(Attempts).InsertOne(ctx, attemptDoc{ID: id, UserID: userID, QuizID: quizID, N: n, EventID: eventID, At: time.Now().UTC()})
	if err == nil {
		return true, "", nil
	}
	if !mongodb.IsDuplicate(err) {
		return false, "", fmt.Errorf("reserve quiz attempt: %w", err)
	}
	var held attemptDoc
	if err := s.db.Collection(Attempts).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&held); err != nil {
		return false, "", fmt.Errorf("read quiz attempt reservation: %w", err)
	}
	return false, held.EventID, nil
}
