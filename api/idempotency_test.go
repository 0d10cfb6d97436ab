package api_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/internal/idempotency"
)

func TestIdempotencyKeyReplaysTheFirstAnswer(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	w := newContentWorld(t, apitest.WithClock(clock))
	base := "/v1/programmes/" + w.pid + "/content"
	post := func(key string, body any) *apitest.Response {
		return w.env.Do(apitest.Req{Method: "POST", Path: base, Token: w.owner.Token, Body: body,
			Header: map[string]string{"Idempotency-Key": key}})
	}
	body := lessonBody()
	first := post("create-1", body)
	if first.Status != 201 {
		t.Fatalf("first: %d %s", first.Status, first.Body)
	}
	again := post("create-1", body)
	if again.Status != 201 || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d %q %s", again.Status, again.Header.Get("Idempotent-Replayed"), again.Body)
	}
	if n := count(t, w.env, "content_items", bson.D{}); n != 1 {
		t.Errorf("%d items after a replayed create", n)
	}
	// The same key with a different body is a client error.
	changed := lessonBody()
	changed["title"] = "Something else"
	p := asProblem(t, post("create-1", changed), 422)
	if p.Code != "idempotency_key_reused" {
		t.Errorf("problem %+v", p)
	}
	// Keys belong to a user: the same key from someone else is a different request.
	r := w.env.Do(apitest.Req{Method: "POST", Path: base, Token: w.mentor.Token, Body: body, Header: map[string]string{"Idempotency-Key": "create-1"}})
	if r.Status != 201 || string(r.Body) == string(first.Body) {
		t.Errorf("another user's key: %d", r.Status)
	}
	// Errors a retry must not change are kept too (here a 422).
	bad := map[string]any{"kind": "lesson"}
	p1 := asProblem(t, post("bad-1", bad), 422)
	p2 := asProblem(t, post("bad-1", bad), 422)
	if p1.RequestID != p2.RequestID {
		t.Errorf("the 422 was computed again rather than replayed")
	}
	// While the first request with a key is still running, a second gets 409.
	ctx := context.Background()
	if _, claimed, err := w.env.App.Idempotency.Claim(ctx, idempotency.StoredResponse{UserID: w.owner.ID, Key: "running",
		Fingerprint: "whatever", CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}); err != nil || !claimed {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	p = asProblem(t, post("running", body), 409)
	if p.Code != "idempotency_key_in_use" {
		t.Errorf("problem %+v", p)
	}
}

func TestIdempotencyKeysExpireAndAreSwept(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)
	w := newContentWorld(t, apitest.WithClock(func() time.Time { return now }))
	lesson := mustCreate(t, w.env.App.Content, w.owner.ID, w.pid, testLesson("Keyed"), true)
	url := "/v1/lessons/" + lesson.ID + "/progress"
	body := map[string]any{"eventId": newEventID(), "occurredAt": ts(now), "state": "started"}
	key := map[string]string{"Idempotency-Key": "progress-1"}
	first := w.env.Do(apitest.Req{Method: "POST", Path: url, Token: w.mentee.Token, Body: body, Header: key})
	if first.Status != 201 {
		t.Fatalf("%d %s", first.Status, first.Body)
	}
	if got := w.env.Do(apitest.Req{Method: "POST", Path: url, Token: w.mentee.Token, Body: body, Header: key}); got.Status != 201 || got.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("within 24 h: %d", got.Status)
	}
	// 25 hours later the key has expired: the request runs again (and, its eventId being
	// recorded, answers as a replayed event with 200).
	now = now.Add(25 * time.Hour)
	body["occurredAt"] = ts(now)
	w.mentee.Token = w.env.Login(w.mentee.Email, "correct-horse-battery")
	if got := w.env.Do(apitest.Req{Method: "POST", Path: url, Token: w.mentee.Token, Body: body, Header: key}); got.Status != 200 || got.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("after expiry: %d %q", got.Status, got.Header.Get("Idempotent-Replayed"))
	}
	// The sweeper removes expired keys (there is no TTL index).
	w.env.Do(apitest.Req{Method: "POST", Path: url, Token: w.mentee.Token, Body: map[string]any{"eventId": newEventID(), "occurredAt": ts(now), "state": "started"},
		Header: map[string]string{"Idempotency-Key": "progress-2"}})
	now = now.Add(30 * time.Hour)
	w.mentee.Token = w.env.Login(w.mentee.Email, "correct-horse-battery")
	n, err := w.env.App.Idempotency.Sweep(context.Background(), now)
	if err != nil || n != 2 {
		t.Errorf("swept %d (%v), want 2", n, err)
	}
	if left := count(t, w.env, "idempotency_keys", bson.D{}); left != 0 {
		t.Errorf("%d keys left", left)
	}
	asProblem(t, w.env.Do(apitest.Req{Method: "POST", Path: url, Token: w.mentee.Token, Body: body,
		Header: map[string]string{"Idempotency-Key": "bad key with spaces"}}), 400)
}
