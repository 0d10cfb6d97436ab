package api_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
)

type pullJSON struct {
	Cursor   string `json:"cursor"`
	More     bool   `json:"more"`
	Progress []struct {
		EventID   string `json:"eventId"`
		ItemID    string `json:"itemId"`
		Completes bool   `json:"completes"`
	} `json:"progress"`
	Content []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"content"`
	Assignments []struct {
		ID string `json:"id"`
	} `json:"assignments"`
	Awards []struct {
		ProgrammeID string `json:"programmeId"`
		Kind        string `json:"kind"`
		BadgeName   string `json:"badgeName"`
	} `json:"awards"`
	Notifications []struct {
		ID   string `json:"id"`
		Kind string `json:"kind"`
	} `json:"notifications"`
}

func (w *contentWorld) pull(t *testing.T, u apitest.User, since string) pullJSON {
	t.Helper()
	var p pullJSON
	w.do(t, "GET", "/v1/sync?since="+url.QueryEscape(since), u.Token, nil, 200).JSON(t, &p)
	return p
}

func TestPullSyncTellsAnOfflinePhoneWhatChanged(t *testing.T) {
	t.Parallel()
	clock := &testClock{t: apitest.Now().UTC().Truncate(time.Millisecond)}
	w := newContentWorld(t, apitest.WithClock(clock.Now))
	svc := w.env.App.Content
	lesson := mustCreate(t, svc, w.owner.ID, w.pid, testLesson("Pulled lesson"), true)
	quiz := mustCreate(t, svc, w.owner.ID, w.pid, testQuiz("Pulled quiz", 0), true)
	p := homePairing(t, w)
	w.do(t, "POST", "/v1/pairings/"+p.ID+"/assignments", w.mentor.Token, map[string]any{"items": []map[string]any{{"kind": "quiz", "id": quiz.ID}},
		"due": clock.Now().AddDate(0, 0, 5).Format(time.DateOnly)}, 201)
	// Device A completes the lesson.
	ev := newEventID()
	w.do(t, "POST", "/v1/lessons/"+lesson.ID+"/progress", w.mentee.Token, map[string]any{"eventId": ev, "occurredAt": ts(clock.Now()),
		"state": "completed", "secondsSpent": 600}, 201)
	// Device B, fresh, pulls everything once gamification has applied the lesson: its award
	// and then its badge notice are written before the event leaves the queue (waiting for the
	// award alone let the notice arrive in a later pull).
	waitForQueue(t, w.env)
	first := w.pull(t, w.mentee, "")
	if len(first.Progress) != 1 || first.Progress[0].EventID != ev || !first.Progress[0].Completes {
		t.Errorf("progress from the other device: %+v", first.Progress)
	}
	ids := map[string]string{}
	for _, c := range first.Content {
		ids[c.ID] = c.Status
	}
	if ids[lesson.ID] != "published" || ids[quiz.ID] != "published" {
		t.Errorf("content: %+v", first.Content)
	}
	if len(first.Assignments) != 1 || first.More {
		t.Errorf("assignments %+v, more %v", first.Assignments, first.More)
	}
	badge := false
	for _, a := range first.Awards {
		badge = badge || (a.Kind == "badge" && a.BadgeName != "" && a.ProgrammeID == w.pid)
	}
	if !badge {
		t.Errorf("awards: %+v", first.Awards)
	}
	kinds := map[string]bool{}
	for _, n := range first.Notifications {
		kinds[n.Kind] = true
	}
	if len(first.Notifications) != 2 || !kinds["badge_earned"] || !kinds["assignment_received"] {
		t.Errorf("notifications: %+v", first.Notifications)
	}
	// Changes in the cursor's two-second overlap may come again (the phone keeps them by ID);
	// after that, a minute later, nothing has changed.
	clock.Set(clock.Now().Add(time.Minute))
	overlap := w.pull(t, w.mentee, first.Cursor)
	if len(overlap.Progress)+len(overlap.Content) != 0 || len(overlap.Awards) > len(first.Awards) {
		t.Errorf("the overlap re-sent more than it may: %+v", overlap)
	}
	clock.Set(clock.Now().Add(time.Minute))
	quiet := w.pull(t, w.mentee, overlap.Cursor)
	if len(quiet.Progress)+len(quiet.Content)+len(quiet.Assignments)+len(quiet.Awards)+len(quiet.Notifications) != 0 || quiet.More {
		t.Errorf("nothing changed, yet: %+v", quiet)
	}
	// The owner archives the quiz; device A starts the lesson again.
	if _, err := svc.Archive(context.Background(), quiz.ID); err != nil {
		t.Fatal(err)
	}
	ev2 := newEventID()
	w.do(t, "POST", "/v1/lessons/"+lesson.ID+"/progress", w.mentee.Token, map[string]any{"eventId": ev2, "occurredAt": ts(clock.Now()),
		"state": "started"}, 201)
	clock.Set(clock.Now().Add(time.Minute))
	later := w.pull(t, w.mentee, quiet.Cursor)
	if len(later.Progress) != 1 || later.Progress[0].EventID != ev2 {
		t.Errorf("later progress: %+v", later.Progress)
	}
	if len(later.Content) != 1 || later.Content[0].ID != quiz.ID || later.Content[0].Status != "archived" {
		t.Errorf("later content: %+v", later.Content)
	}
	// Other people's progress never reaches the caller.
	if other := w.pull(t, w.mentor, ""); len(other.Progress) != 0 {
		t.Errorf("the mentor pulled someone's progress: %+v", other.Progress)
	}
	if r := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/sync?since=not-a-cursor", Token: w.mentee.Token}); r.Status != 400 {
		t.Errorf("a bad cursor: %d", r.Status)
	}
}

// A phone far behind pages through its changes: 100 at a time, none lost or doubled, even
// when a batch recorded many in the same millisecond.
func TestPullSyncPagesWithoutLosingChanges(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	lesson := mustCreate(t, w.env.App.Content, w.owner.ID, w.pid, testLesson("Many starts"), true)
	var batch []map[string]any
	for i := range 250 {
		batch = append(batch, map[string]any{"type": "lesson_progress", "eventId": newEventID(), "lessonId": lesson.ID, "state": "started",
			"occurredAt": ts(apitest.Now().Add(time.Duration(i-300) * time.Second))})
	}
	w.do(t, "POST", "/v1/sync", w.mentee.Token, map[string]any{"events": batch}, 200)
	seen := map[string]int{}
	cursor, pages := "", 0
	for {
		p := w.pull(t, w.mentee, cursor)
		pages++
		for _, a := range p.Progress {
			seen[a.EventID]++
		}
		cursor = p.Cursor
		if !p.More || pages > 10 {
			break
		}
	}
	if len(seen) != 250 || pages != 3 {
		t.Fatalf("pulled %d distinct events in %d pages, want 250 in 3", len(seen), pages)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s pulled %d times", id, n)
		}
	}
	// The budget: one read each of the caller's standing, activity, libraries' changes,
	// assignments and inbox, whatever the page.
	r := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/sync?since=" + url.QueryEscape(cursor), Token: w.mentee.Token})
	if n := w.env.DBCommands(r); n > pullBudget {
		t.Errorf("a pull issued %d database commands, want at most %d", n, pullBudget)
	}
}

// pullBudget is what a warm GET /v1/sync costs at most: the caller's players, activity,
// their libraries' changes, assignments (and the completions mentoring reads for them) and
// inbox (and its unread count).
const pullBudget = 7
