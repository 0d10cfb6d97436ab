package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/notify/fcm/fcmfake"
)

func fcmEnv(t *testing.T, fake *fcmfake.Server) *apitest.Env {
	return apitest.New(t, apitest.WithEnv(map[string]string{"DEMO_SEED": "false",
		"FCM_ENDPOINT": fake.Endpoint(), "FIREBASE_PROJECT_ID": "microlearn-test"}))
}

type page struct {
	Items []struct {
		ID, Kind, Title, Link, Status string
		Read                          bool
		Data                          map[string]string
	}
	NextCursor  *string
	UnreadCount int
}

// End to end within the product: a device registered through the API, a badge enqueued the
// way gamification will, exactly one request reaching FCM (the fake, through the real Admin
// SDK) with the right token, collapse key and deep link; then the inbox shows it, and it
// can be marked read.
func TestBadgeReachesFCMOnceAndTheInbox(t *testing.T) {
	t.Parallel()
	fake := fcmfake.New()
	defer fake.Close()
	env := fcmEnv(t, fake)
	u := env.Register("Ada Mentee")
	token := "fcm-registration-token-of-ada-0123456789"
	if r := env.Do(apitest.Req{Method: "PUT", Path: "/v1/me/devices/ada-phone", Token: u.Token, Body: deviceBody(token)}); r.Status != http.StatusCreated {
		t.Fatalf("register device: %d %s", r.Status, r.Body)
	}
	ctx := context.Background()
	for i := 0; i < 2; i++ { // a producer retry
		if err := env.App.Notify.BadgeEarned(ctx, u.ID, "prog-1", "first-quiz", "Quiz Starter"); err != nil {
			t.Fatal(err)
		}
	}
	waitForInbox(t, env, u.ID, 1)
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests reached FCM, want exactly 1", len(reqs))
	}
	m := reqs[0]
	got := []string{m.Project, m.Token, m.Message.Android.CollapseKey, m.Message.Data["link"], m.Message.Data["type"]}
	want := []string{"microlearn-test", token, "badge", "microlearn://programmes/prog-1/badges/first-quiz", "badge_earned"}
	if diff := cmp.Diff(want, got); diff != "" || len(m.Problems) > 0 {
		t.Errorf("request (-want +got):\n%s\nproblems: %v", diff, m.Problems)
	}

	var p page
	r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me/notifications", Token: u.Token})
	r.JSON(t, &p)
	if len(p.Items) != 1 || p.Items[0].Status != "sent" || p.Items[0].Title != "New badge: Quiz Starter" || p.UnreadCount != 1 || p.NextCursor != nil {
		t.Fatalf("inbox %s", r.Body)
	}
	id := p.Items[0].ID
	if r := env.Do(apitest.Req{Method: "PATCH", Path: "/v1/me/notifications/" + id, Token: u.Token, Body: map[string]bool{"read": true}}); r.Status != 200 {
		t.Fatalf("mark read: %d %s", r.Status, r.Body)
	}
	env.Do(apitest.Req{Method: "GET", Path: "/v1/me/notifications", Token: u.Token}).JSON(t, &p)
	if !p.Items[0].Read || p.UnreadCount != 0 {
		t.Errorf("after marking read: %+v", p)
	}
}

// FCM saying UNREGISTERED removes the device at once: no retry, and the app's DELETE finds
// nothing left.
func TestUnregisteredTokenRemovesDevice(t *testing.T) {
	t.Parallel()
	fake := fcmfake.New()
	defer fake.Close()
	env := fcmEnv(t, fake)
	u := env.Register("Ben Mentee")
	token := "stale-token-of-ben-0123456789"
	fake.Script(token, fcmfake.Unregistered)
	env.Do(apitest.Req{Method: "PUT", Path: "/v1/me/devices/ben-phone", Token: u.Token, Body: deviceBody(token)})
	if err := env.App.Notify.LevelUp(context.Background(), u.ID, "prog-1", 3); err != nil {
		t.Fatal(err)
	}
	entries := waitForInbox(t, env, u.ID, 1)
	if entries[0].Status != notify.StatusNoDevice {
		t.Errorf("status %q, want no_device", entries[0].Status)
	}
	if n := len(fake.For(token)); n != 1 {
		t.Errorf("%d requests, want 1 (never retried)", n)
	}
	if r := env.Do(apitest.Req{Method: "DELETE", Path: "/v1/me/devices/ben-phone", Token: u.Token}); r.Status != http.StatusNotFound {
		t.Errorf("DELETE after UNREGISTERED: %d, want 404", r.Status)
	}
}

// The inbox pages newest first with an opaque cursor; bad paging input is a 400; mark
// all read; one user never sees or marks another's notifications.
func TestInboxPaging(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	u := env.Register("Chloe Mentee")
	other := env.Register("Dan Mentee")
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if err := env.App.Notify.AssignmentReceived(ctx, notify.Assignment{ID: fmt.Sprintf("a%d", i), ProgrammeID: "p", MenteeID: u.ID, Title: fmt.Sprintf("Lesson %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	waitForInbox(t, env, u.ID, 5)
	var ids []string
	cursor := ""
	for pages := 0; pages < 5; pages++ {
		path := "/v1/me/notifications?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		var p page
		r := env.Do(apitest.Req{Method: "GET", Path: path, Token: u.Token})
		r.JSON(t, &p)
		for _, it := range p.Items {
			ids = append(ids, it.ID)
			if it.Data["assignmentId"] == "" || it.Link != "microlearn://assignments/"+it.Data["assignmentId"] {
				t.Errorf("item %+v", it)
			}
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	if len(ids) != 5 || len(seen) != 5 {
		t.Errorf("paged %d items (%d distinct), want 5", len(ids), len(seen))
	}
	for _, path := range []string{"/v1/me/notifications?limit=0", "/v1/me/notifications?limit=x", "/v1/me/notifications?cursor=bm90LWEtY3Vyc29y"} {
		if r := env.Do(apitest.Req{Method: "GET", Path: path, Token: u.Token}); r.Status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", path, r.Status)
		}
	}
	if r := env.Do(apitest.Req{Method: "PATCH", Path: "/v1/me/notifications/" + ids[0], Token: other.Token, Body: map[string]bool{"read": true}}); r.Status != http.StatusNotFound {
		t.Errorf("another user's notification: %d, want 404", r.Status)
	}
	var res struct{ Marked int }
	env.Do(apitest.Req{Method: "POST", Path: "/v1/me/notifications/read-all", Token: other.Token}).JSON(t, &res)
	if res.Marked != 0 {
		t.Errorf("another user marked %d", res.Marked)
	}
	env.Do(apitest.Req{Method: "POST", Path: "/v1/me/notifications/read-all", Token: u.Token}).JSON(t, &res)
	if res.Marked != 5 {
		t.Errorf("marked %d, want 5", res.Marked)
	}
}
