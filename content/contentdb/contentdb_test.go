package contentdb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/content/contentdb"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/learning"
)

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

func newStore(t *testing.T) (*contentdb.Store, context.Context) {
	t.Helper()
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, contentdb.Indexes()); err != nil {
		t.Fatal(err)
	}
	return contentdb.New(db.DB), ctx
}

func item(id, programme string, kind content.Kind, title string, status content.Status) content.Item {
	it := content.Item{ID: id, Kind: kind, ProgrammeID: programme, Title: title, Summary: "About " + title, Tags: []string{"feedback"},
		Domain: content.DomainCognitive, DeclaredMinutes: 3, EstimatedMinutes: 3, Locale: "en", Status: status, Version: 1,
		AuthorID: "olivia", CreatedAt: t0, UpdatedAt: t0, PackID: "demo", Key: id, ContentHash: "h-" + id}
	if status == content.StatusPublished {
		at := t0.Add(time.Minute)
		it.PublishedAt = &at
	}
	switch kind {
	case content.KindLesson:
		starts := t0.Add(48 * time.Hour)
		it.Lesson = &content.Lesson{Blocks: []content.Block{{Type: content.BlockText, Markdown: "# Listen"},
			{Type: content.BlockVideo, URL: "https://v.example/a.mp4", DurationSeconds: 90, Caption: "A clip"},
			{Type: content.BlockWebinar, URL: "https://w.example/live", Title: "Live", StartsAt: &starts}}}
	case content.KindQuiz:
		it.Quiz = &content.Quiz{PassPercent: 70, MaxAttempts: 3, Questions: []content.Question{{Key: "q1", Type: content.QuestionMultiple,
			Prompt: "Which?", Explanation: "Because.", Options: []content.Option{{Key: "a", Text: "A", Correct: true}, {Key: "b", Text: "B"}}}}}
	case content.KindChecklist:
		it.Checklist = &content.Checklist{Items: []content.ChecklistItem{{Key: "one", Text: "Book a room", Required: true}, {Key: "two", Text: "Bring notes"}}}
	case content.KindPath:
		it.Path = &content.Path{Items: []learning.ItemRef{{Kind: learning.KindLesson, ID: "l1"}, {Kind: learning.KindQuiz, ID: "q1"}}}
	}
	return it
}

var same = cmpopts.EquateEmpty()

// Every kind of item comes back as it was stored, and an ID is stored once.
func TestItemsRoundTripAndVersions(t *testing.T) {
	s, ctx := newStore(t)
	for _, it := range []content.Item{item("l1", "p1", content.KindLesson, "Listening", content.StatusDraft),
		item("q1", "p1", content.KindQuiz, "Check", content.StatusPublished), item("c1", "p1", content.KindChecklist, "Prep", content.StatusPublished),
		item("w1", "p1", content.KindPath, "Start here", content.StatusArchived)} {
		if err := s.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		got, err := s.Item(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(it, got, same); diff != "" {
			t.Errorf("%s (-want +got):\n%s", it.Kind, diff)
		}
		if err := s.CreateItem(ctx, it); !errors.Is(err, content.ErrConflict) {
			t.Errorf("%s stored twice: %v", it.ID, err)
		}
	}
	if _, err := s.Item(ctx, "nope"); !errors.Is(err, content.ErrNotFound) {
		t.Errorf("missing item: %v", err)
	}

	// Updates are a compare-and-set on the version; every version stays readable.
	v1 := item("l1", "p1", content.KindLesson, "Listening", content.StatusDraft)
	if err := s.SaveVersion(ctx, v1); err != nil {
		t.Fatal(err)
	}
	v2 := v1
	v2.Version, v2.Title = 2, "Listening well"
	if err := s.ReplaceItem(ctx, v2, 1); err != nil {
		t.Fatal(err)
	}
	stale := v1
	stale.Version, stale.Title = 2, "Someone else's edit"
	if err := s.ReplaceItem(ctx, stale, 1); !errors.Is(err, content.ErrConflict) {
		t.Errorf("replace from a stale version: %v", err)
	}
	if err := s.ReplaceItem(ctx, item("nope", "p1", content.KindLesson, "X", content.StatusDraft), 1); !errors.Is(err, content.ErrNotFound) {
		t.Errorf("replace of a missing item: %v", err)
	}
	for _, v := range []content.Item{v2, v2} { // saving a version twice is no error
		if err := s.SaveVersion(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := s.Item(ctx, "l1"); got.Title != "Listening well" || got.Version != 2 {
		t.Errorf("latest: %+v", got)
	}
	for _, want := range []content.Item{v1, v2} {
		got, err := s.ItemVersion(ctx, "l1", want.Version)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, same); diff != "" {
			t.Errorf("version %d (-want +got):\n%s", want.Version, diff)
		}
	}
	if _, err := s.ItemVersion(ctx, "l1", 3); !errors.Is(err, content.ErrVersionNotFound) {
		t.Errorf("a version never saved: %v", err)
	}
}

func TestListingsFiltersAndKeys(t *testing.T) {
	s, ctx := newStore(t)
	items := []content.Item{
		item("a", "p1", content.KindLesson, "Active listening", content.StatusPublished),
		item("b", "p1", content.KindLesson, "Building a network", content.StatusDraft),
		item("c", "p1", content.KindQuiz, "Check your goals", content.StatusPublished),
		item("d", "p1", content.KindLesson, "Difficult.conversations", content.StatusPublished),
		item("g", "", content.KindLesson, "Giving feedback", content.StatusPublished),
		item("h", "", content.KindLesson, "Hidden draft", content.StatusDraft),
		item("x", "p2", content.KindLesson, "Another programme's", content.StatusPublished),
		item("w", "p1", content.KindPath, "Way in", content.StatusPublished),
		item("wg", "", content.KindPath, "Global way", content.StatusPublished),
	}
	items[2].Tags = []string{"goals"}
	for _, it := range items {
		if err := s.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	list := func(f content.ListFilter) []string {
		t.Helper()
		if f.Limit == 0 {
			f.Limit = 50
		}
		got, err := s.ListItems(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, it := range got {
			ids = append(ids, it.ID)
		}
		return ids
	}
	published := []content.Status{content.StatusPublished}
	for _, tc := range []struct {
		name string
		f    content.ListFilter
		want []string
	}{
		{"a programme's library, by title", content.ListFilter{ProgrammeID: "p1"}, []string{"a", "b", "c", "d", "w"}},
		{"what a mentee sees: published, with the global library's published items",
			content.ListFilter{ProgrammeID: "p1", IncludeGlobal: true, Statuses: published}, []string{"a", "c", "d", "g", "wg", "w"}},
		{"drafts only leave the global library out", content.ListFilter{ProgrammeID: "p1", IncludeGlobal: true,
			Statuses: []content.Status{content.StatusDraft}}, []string{"b"}},
		{"by kind", content.ListFilter{ProgrammeID: "p1", Kind: content.KindQuiz}, []string{"c"}},
		{"by tag", content.ListFilter{ProgrammeID: "p1", Tag: "goals"}, []string{"c"}},
		{"title search ignores case", content.ListFilter{ProgrammeID: "p1", TitleContains: "LISTEN"}, []string{"a"}},
		{"title search is literal, never a pattern", content.ListFilter{ProgrammeID: "p1", TitleContains: "."}, []string{"d"}},
		{"the global library alone", content.ListFilter{ProgrammeID: ""}, []string{"g", "wg", "h"}},
		{"a page", content.ListFilter{ProgrammeID: "p1", Limit: 2}, []string{"a", "b"}},
		{"the page after a cursor", content.ListFilter{ProgrammeID: "p1", Limit: 2,
			After: content.Cursor{SortKey: content.SortKey("Building a network"), ID: "b"}}, []string{"c", "d"}},
	} {
		if diff := cmp.Diff(tc.want, list(tc.f), same); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	if it, err := s.ItemByKey(ctx, "p1", content.KindQuiz, "c"); err != nil || it.ID != "c" {
		t.Errorf("item by key: %+v %v", it, err)
	}
	if _, err := s.ItemByKey(ctx, "p2", content.KindQuiz, "c"); !errors.Is(err, content.ErrNotFound) {
		t.Errorf("a key of another programme: %v", err)
	}
	if got, err := s.Items(ctx, []string{"a", "x", "nope"}); err != nil || len(got) != 2 {
		t.Errorf("items by id: %d %v", len(got), err)
	}
	// Counts and paths take the programme's own published items and the global library's.
	if n, err := s.CountPublished(ctx, "p1", []content.Kind{content.KindLesson, content.KindQuiz}); err != nil || n != 4 {
		t.Errorf("published lessons and quizzes of p1 with the global ones: %d %v", n, err)
	}
	paths, err := s.PublishedPaths(ctx, "p1")
	if err != nil || len(paths) != 2 {
		t.Errorf("published paths: %+v %v", paths, err)
	}
}

// An activity is stored once per (user, event): a replay gets the stored one back.
func TestActivityOncePerEvent(t *testing.T) {
	s, ctx := newStore(t)
	a := content.Activity{UserID: "ada", EventID: "e1", Type: content.ActivityQuizAttempt, ItemID: "q1", ItemKind: content.KindQuiz,
		ProgrammeID: "p1", ItemVersion: 2, OccurredAt: t0, RecordedAt: t0.Add(time.Second), SecondsSpent: 40, Completes: true,
		Answers: []content.Answer{{QuestionKey: "q1", OptionKeys: []string{"a"}}}, Attempt: 1, ScorePercent: 100, Passed: true,
		Results: []content.QuestionResult{{QuestionKey: "q1", Correct: true}}}
	if _, err := s.InsertActivity(ctx, a); err != nil {
		t.Fatal(err)
	}
	replay := a
	replay.ScorePercent, replay.Passed = 0, false
	got, err := s.InsertActivity(ctx, replay)
	if !errors.Is(err, content.ErrDuplicateActivity) {
		t.Fatalf("replay: %v", err)
	}
	if diff := cmp.Diff(a, got, same); diff != "" {
		t.Errorf("the replay's answer is the stored activity (-want +got):\n%s", diff)
	}
	other := a
	other.UserID = "ben" // the same event ID from someone else is their own activity
	tick := content.Activity{UserID: "ada", EventID: "e2", Type: content.ActivityChecklistTick, ItemID: "c1", ItemKind: content.KindChecklist,
		ProgrammeID: "p1", ItemVersion: 1, OccurredAt: t0, RecordedAt: t0, ChecklistItem: "one", Ticked: true, TickedItems: []string{"one"}}
	for _, x := range []content.Activity{other, tick} {
		if _, err := s.InsertActivity(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if all, err := s.Activities(ctx, "ada", nil); err != nil || len(all) != 2 {
		t.Errorf("ada's activities: %d %v", len(all), err)
	}
	if some, err := s.Activities(ctx, "ada", []string{"c1"}); err != nil || len(some) != 1 || some[0].EventID != "e2" {
		t.Errorf("ada's activities on c1: %+v %v", some, err)
	}
	if none, err := s.Activities(ctx, "ada", []string{}); err != nil || len(none) != 0 {
		t.Errorf("no items asked: %+v %v", none, err)
	}
}
