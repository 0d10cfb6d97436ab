package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/privacy"
	"github.com/microlearn/microlearn/privacy/privacydb"
)

// privacyWorld is the demo programme after a busy day, on a clock the test moves, with the
// privacy worker polling every 50ms.
type privacyWorld struct {
	env   *apitest.Env
	clock *testClock
	ctx   context.Context
}

func newPrivacyWorld(t *testing.T) *privacyWorld {
	clock := &testClock{t: apitest.Now().UTC()}
	env := apitest.New(t, apitest.WithEnv(map[string]string{"DEMO_SEED": "true", "PRIVACY_POLL_INTERVAL": "100ms"}),
		apitest.WithClock(clock.Now))
	w := &privacyWorld{env: env, clock: clock, ctx: context.Background()}
	w.waitQueueEmpty(t)
	return w
}

// waitQueueEmpty waits until the gamification worker has applied every learning event.
func (w *privacyWorld) waitQueueEmpty(t testing.TB) { w.env.WaitLearningQueue(t, 60*time.Second) }

// waitJob waits until job id satisfies ok (the background worker runs it).
func (w *privacyWorld) waitJob(t *testing.T, id string, ok func(privacy.Job) bool) privacy.Job {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		j, err := w.env.App.Privacy.Store.Get(w.ctx, id)
		if err != nil && !errors.Is(err, privacy.ErrNotFound) {
			t.Fatal(err)
		}
		if err == nil && ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s did not get there within 60s: %+v", id, j)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (w *privacyWorld) advance(d time.Duration) { w.clock.Set(w.clock.Now().Add(d)) }

type demoPerson struct {
	apitest.User
	Name string
}

func (w *privacyWorld) login(t testing.TB, email string) demoPerson {
	t.Helper()
	tok := w.env.Login(email, app.DemoPassword)
	r := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/me", Token: tok})
	var me struct{ ID, DisplayName string }
	r.JSON(t, &me)
	return demoPerson{User: apitest.User{ID: me.ID, Email: email, Token: tok}, Name: me.DisplayName}
}

// busyDay gives p the kinds of data the demo may lack: a device, a calendar feed, an export.
func (w *privacyWorld) busyDay(t *testing.T, p demoPerson) {
	t.Helper()
	r := w.env.Do(apitest.Req{Method: "PUT", Path: "/v1/me/devices/phone-" + p.ID, Token: p.Token,
		Body: map[string]string{"token": "fcm-token-of-" + p.ID, "platform": "android", "appVersion": "1.0.0"}})
	if r.Status != 200 && r.Status != 201 {
		t.Fatalf("device: %d %s", r.Status, r.Body)
	}
	if r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/me/calendar-token", Token: p.Token}); r.Status != 201 {
		t.Fatalf("calendar token: %d %s", r.Status, r.Body)
	}
	if r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/me/export", Token: p.Token}); r.Status != 202 {
		t.Fatalf("export: %d %s", r.Status, r.Body)
	}
	w.waitJob(t, privacy.ExportID(p.ID), func(j privacy.Job) bool { return j.State == privacy.StateDone })
}

// boardTotal sums the XP of the programme's players: erasure must keep it.
func (w *privacyWorld) boardTotal(t *testing.T) (int64, int) {
	t.Helper()
	cur, err := w.env.App.DB.DB.Collection("gamification_players").Find(w.ctx, bson.D{{Key: "programmeId", Value: "demo-programme"}})
	if err != nil {
		t.Fatal(err)
	}
	var players []struct{ XP int64 }
	if err := cur.All(w.ctx, &players); err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, p := range players {
		sum += p.XP
	}
	return sum, len(players)
}

// traces lists every document of every collection whose bytes still hold one of needles.
func traces(t *testing.T, env *apitest.Env, needles ...string) []string {
	t.Helper()
	ctx := context.Background()
	db := env.App.DB.DB
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, n := range names {
		cur, err := db.Collection(n).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for cur.Next(ctx) {
			for _, s := range needles {
				if bytes.Contains(cur.Current, []byte(s)) {
					doc := cur.Current.String()
					found = append(found, fmt.Sprintf("%s holds %q: %.300s", n, s, doc))
				}
			}
		}
		cur.Close(ctx)
	}
	return found
}

// Erasure over HTTP: a mentee (DELETE /v1/me with their password) and their mentor (an
// admin's request) are erased. Afterwards no document in ANY collection holds their ID,
// email or name; the leaderboard keeps its totals under tombstones; their sign-ins and
// tokens are dead; the people they worked with keep a working record; the audit record
// names only the tombstone and the admin.
func TestErasureLeavesNoTraceInAnyCollection(t *testing.T) {
	t.Parallel()
	w := newPrivacyWorld(t)
	env := w.env
	ada, malik := w.login(t, "mentee1@example.com"), w.login(t, "mentor@example.com")
	w.busyDay(t, ada)
	w.busyDay(t, malik)
	if len(traces(t, env, ada.ID)) == 0 || len(traces(t, env, malik.ID)) == 0 {
		t.Fatal("the demo holds nothing about the people to erase: the test would prove nothing")
	}
	xpBefore, playersBefore := w.boardTotal(t)

	r := env.Do(apitest.Req{Method: "DELETE", Path: "/v1/me", Token: ada.Token, Body: map[string]string{"password": "wrong-password"}})
	if r.Status != http.StatusForbidden {
		t.Fatalf("a wrong password erased: %d %s", r.Status, r.Body)
	}
	r = env.Do(apitest.Req{Method: "DELETE", Path: "/v1/me", Token: ada.Token, Body: map[string]string{"password": app.DemoPassword}})
	if r.Status != http.StatusAccepted {
		t.Fatalf("DELETE /v1/me: %d %s", r.Status, r.Body)
	}
	var adaJob struct{ ID, Tombstone string }
	r.JSON(t, &adaJob)
	if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me", Token: ada.Token}); r.Status != http.StatusUnauthorized {
		t.Errorf("the erased person's access token still works: %d", r.Status)
	}

	admin := env.Register("Privacy Admin")
	if err := env.App.Identity.Store.SetAdmin(w.ctx, admin.Email, true); err != nil {
		t.Fatal(err)
	}
	adminTok := env.Login(admin.Email, "correct-horse-battery")
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/admin/erasures", Token: adminTok,
		Body: map[string]string{"userId": malik.ID, "reason": "request by email, ticket 42"}})
	if r.Status != http.StatusAccepted {
		t.Fatalf("admin erasure: %d %s", r.Status, r.Body)
	}
	var malikJob struct{ ID, Tombstone string }
	r.JSON(t, &malikJob)

	for _, id := range []string{adaJob.ID, malikJob.ID} {
		w.waitJob(t, id, func(j privacy.Job) bool { return j.Pass == 1 && j.Lease == "" })
	}
	if left := traces(t, env, ada.ID, malik.ID); len(left) == 0 {
		t.Log("first pass left nothing")
	}
	w.advance(time.Hour) // every token they held has expired: the second pass runs
	for _, id := range []string{adaJob.ID, malikJob.ID} {
		w.waitJob(t, id, func(j privacy.Job) bool { return j.State == privacy.StateDone })
	}

	for _, left := range traces(t, env, ada.ID, ada.Email, ada.Name, malik.ID, malik.Email, malik.Name) {
		t.Error("after erasure: " + left)
	}
	if xp, n := w.boardTotal(t); xp != xpBefore || n != playersBefore {
		t.Errorf("board totals changed: %d XP in %d players, before %d in %d", xp, n, xpBefore, playersBefore)
	}
	for _, who := range []demoPerson{ada, malik} {
		r := env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": who.Email, "password": app.DemoPassword}})
		if r.Status != http.StatusUnauthorized {
			t.Errorf("%s still signs in: %d", who.Email, r.Status)
		}
	}
	// The people they worked with keep a working record and board.
	owner := w.login(t, "owner@example.com")
	for _, path := range []string{"/v1/programmes/demo-programme/leaderboard", "/v1/programmes/demo-programme/pairings", "/v1/me/notifications"} {
		if r := env.Do(apitest.Req{Method: "GET", Path: path, Token: owner.Token}); r.Status != 200 {
			t.Errorf("owner GET %s after erasure: %d %s", path, r.Status, r.Body)
		}
	}
	adminTok = env.Login(admin.Email, "correct-horse-battery") // the clock moved past the old token
	r = env.Do(apitest.Req{Method: "GET", Path: "/v1/admin/erasures/" + malikJob.ID, Token: adminTok})
	var audit struct{ State, Tombstone, RequestedBy, Reason string }
	r.JSON(t, &audit)
	if r.Status != 200 || audit.State != "done" || audit.Tombstone != malikJob.Tombstone || audit.RequestedBy != admin.ID || audit.Reason == "" {
		t.Errorf("audit record: %d %+v", r.Status, audit)
	}
}

// EVERY collection the product writes is in the privacy map: a new collection with personal
// data cannot be forgotten by erasure and export. The database is the demo after a busy day
// (every store has ensured its indexes, so even empty collections exist).
func TestEveryCollectionIsInThePrivacyMap(t *testing.T) {
	t.Parallel()
	w := newPrivacyWorld(t)
	ada := w.login(t, "mentee1@example.com")
	w.busyDay(t, ada)
	names, err := w.env.App.DB.DB.ListCollectionNames(w.ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	known := privacydb.Collections()
	sort.Strings(names)
	for _, n := range names {
		if _, ok := known[n]; !ok {
			t.Errorf("collection %s is not in the privacy map (privacy/privacydb/catalog.go): say what erasure and export do with it", n)
		}
	}
	if len(names) < 50 {
		t.Errorf("only %d collections: the demo did not run", len(names))
	}
}

// An erasure that dies half-way (a crash after some collections) is finished by the next
// worker from where it stopped, once the lease runs out.
func TestErasureResumesAfterACrash(t *testing.T) {
	t.Parallel()
	w := newPrivacyWorld(t)
	ben := w.login(t, "mentee2@example.com")
	var mu sync.Mutex
	var steps []int
	crashed := false
	w.env.App.Privacy.AfterStep = func(j privacy.Job) error {
		mu.Lock()
		defer mu.Unlock()
		steps = append(steps, j.Step)
		if j.Step == 10 && !crashed {
			crashed = true
			return errors.New("crash")
		}
		return nil
	}
	r := w.env.Do(apitest.Req{Method: "DELETE", Path: "/v1/me", Token: ben.Token, Body: map[string]string{"password": app.DemoPassword}})
	if r.Status != http.StatusAccepted {
		t.Fatalf("DELETE /v1/me: %d %s", r.Status, r.Body)
	}
	var job struct{ ID string }
	r.JSON(t, &job)
	j := w.waitJob(t, job.ID, func(j privacy.Job) bool { return j.Step == 10 && j.Lease != "" })
	if j.State != privacy.StatePending {
		t.Fatalf("crashed job: %+v", j)
	}
	w.advance(3 * time.Minute) // the dead worker's lease runs out
	w.waitJob(t, job.ID, func(j privacy.Job) bool { return j.Pass == 1 })
	w.advance(time.Hour)
	w.waitJob(t, job.ID, func(j privacy.Job) bool { return j.State == privacy.StateDone })
	mu.Lock()
	defer mu.Unlock()
	if len(steps) < 12 || steps[10] != 11 {
		t.Errorf("the resumed job did not continue after step 10: steps %v", steps)
	}
	for _, left := range traces(t, w.env, ben.ID, ben.Email, ben.Name) {
		t.Error("after erasure: " + left)
	}
}

// GET /v1/me/export: a zip of JSON files with everything about the caller (their profile,
// their pairing's record, their learning, their notifications) and none of the secrets or
// other people's private notes; asking twice builds one; it expires.
func TestExportIsCompleteAndPrivate(t *testing.T) {
	t.Parallel()
	w := newPrivacyWorld(t)
	env := w.env
	ada := w.login(t, "mentee1@example.com")
	if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me/export", Token: ada.Token}); r.Status != 404 {
		t.Fatalf("export before any was asked for: %d", r.Status)
	}
	r1 := env.Do(apitest.Req{Method: "POST", Path: "/v1/me/export", Token: ada.Token})
	r2 := env.Do(apitest.Req{Method: "POST", Path: "/v1/me/export", Token: ada.Token})
	if r1.Status != 202 || r2.Status != 202 {
		t.Fatalf("export requests: %d %d", r1.Status, r2.Status)
	}
	w.waitJob(t, privacy.ExportID(ada.ID), func(j privacy.Job) bool { return j.State == privacy.StateDone })
	r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me/export", Token: ada.Token})
	var st struct {
		State    string
		Download string
		Bytes    int64
	}
	r.JSON(t, &st)
	if st.State != "done" || st.Download == "" || st.Bytes == 0 {
		t.Fatalf("export status: %s", r.Body)
	}
	r = env.Do(apitest.Req{Method: "GET", Path: st.Download, Token: ada.Token})
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("archive: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(b)
	}
	for _, want := range []string{"manifest.json", "data/users.json", "data/memberships.json", "data/content_activity.json",
		"data/gamification_players.json", "data/gamification_ledger.json", "data/mentoring_pairings.json",
		"data/mentoring_assignments.json", "data/notifications.json", "data/review_cards.json"} {
		if _, ok := files[want]; !ok {
			t.Errorf("the archive lacks %s (has %v)", want, keys(files))
		}
	}
	for name, body := range files {
		if strings.HasSuffix(name, ".json") && !json.Valid([]byte(body)) {
			t.Errorf("%s is not JSON", name)
		}
		for _, secret := range []string{"passwordHash", "$argon2id", "tokenHash"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s leaks %s", name, secret)
			}
		}
	}
	if !strings.Contains(files["data/users.json"], ada.Email) {
		t.Error("users.json does not hold the caller's account")
	}
	w.advance(49 * time.Hour)
	ada.Token = env.Login(ada.Email, app.DemoPassword)
	if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me/export/archive", Token: ada.Token}); r.Status != 404 {
		t.Errorf("an expired archive is still served: %d", r.Status)
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
