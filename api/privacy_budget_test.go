package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/privacy"
)

// privacyCost is what erasure and export cost one person in one programme.
type privacyCost struct {
	eraseRequest, exportRequest, exportStatus, archive int64 // commands of the HTTP requests
	eraseJob, exportJob                                int64 // commands of the background jobs
	eraseTime, exportTime                              time.Duration
	archiveBytes                                       int64
}

// The requests of erasure and export stay within fixed budgets for the demo mentee: they
// touch the caller's job, account, memberships and sessions, never a whole collection
// (BenchmarkErasureAndExport shows they stay so as her data and the programme grow).
func TestErasureAndExportRequestBudget(t *testing.T) {
	t.Parallel()
	c := measurePrivacy(t, 0, 0)
	t.Logf("demo mentee: %+v", c)
	checkPrivacyBudget(t, "demo mentee", c)
}

var privacyBudget = privacyCost{eraseRequest: 6, exportRequest: 2, exportStatus: 1, archive: 3}

func checkPrivacyBudget(t testing.TB, name string, c privacyCost) {
	b := privacyBudget
	if c.eraseRequest > b.eraseRequest || c.exportRequest > b.exportRequest || c.exportStatus > b.exportStatus || c.archive > b.archive {
		t.Errorf("%s: requests over budget (DELETE /v1/me %d, POST export %d, GET export %d, archive %d): %+v",
			name, b.eraseRequest, b.exportRequest, b.exportStatus, b.archive, c)
	}
}

// Erasure and export: database commands and time (docs/benchmarks.md, "Erasure and export").
// The demo programme, then the demo mentee with 500 more learning events of her own, then
// the programme with 20,000 more events of 1,000 other people. The requests stay within
// their budgets in all three. The background jobs are reported: they grow with the
// person's own documents (one write each) and, because each reads every collection whole
// (privacydb.Data: a field added later cannot be missed), with the size of the collections.
//
// go test ./api -run '^$' -bench BenchmarkErasureAndExport -benchtime=1x -v
func BenchmarkErasureAndExport(b *testing.B) {
	rows := []struct {
		name        string
		own, others int
	}{{"demo mentee (Ada)", 0, 0}, {"Ada + 500 own events", 500, 0}, {"demo + 20,000 events of 1,000 others", 0, 20_000}}
	for _, r := range rows {
		c := measurePrivacy(b, r.own, r.others)
		b.Logf("%-38s | DELETE /v1/me %d | POST export %d | GET export %d | GET archive %d (%d B) | erasure job %d commands, %s | export job %d commands, %s",
			r.name, c.eraseRequest, c.exportRequest, c.exportStatus, c.archive, c.archiveBytes,
			c.eraseJob, c.eraseTime.Round(time.Millisecond), c.exportJob, c.exportTime.Round(time.Millisecond))
		checkPrivacyBudget(b, r.name, c)
	}
}

// measurePrivacy builds the demo programme, adds own events to Ada and Ben (mentee2) and
// others' events, then measures. The app's own privacy worker polls hourly, so the jobs
// run here, under a counting context, on a second privacy.Service over the same stores.
func measurePrivacy(t testing.TB, own, others int) privacyCost {
	clock := &testClock{t: apitest.Now().UTC()}
	env := apitest.New(t, apitest.WithEnv(map[string]string{"DEMO_SEED": "true", "PRIVACY_POLL_INTERVAL": "1h"}),
		apitest.WithClock(clock.Now))
	w := &privacyWorld{env: env, clock: clock, ctx: context.Background()}
	w.waitQueueEmpty(t)
	ada, ben := w.login(t, "mentee1@example.com"), w.login(t, "mentee2@example.com")
	addActivity(t, env, ada.ID, ada.ID, own)
	addActivity(t, env, ben.ID, ben.ID, own)
	for i := range others / 20 {
		addActivity(t, env, ada.ID, fmt.Sprintf("bench-other-%04d", i), 20)
	}
	p := env.App.Privacy
	svc := &privacy.Service{Store: p.Store, Data: p.Data, Archives: p.Archives, Now: clock.Now, Log: env.App.Log, Settle: p.Settle}
	var c privacyCost

	// export: the job, then the requests that read it
	ctx, n := dbcount.WithCounter(w.ctx)
	if _, err := svc.RequestExport(ctx, privacy.Person{UserID: ada.ID}); err != nil {
		t.Fatal(err)
	}
	c.exportTime, c.exportJob = runJob(t, svc, ctx, n)
	r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me/export", Token: ada.Token})
	c.exportStatus = env.DBCommands(r)
	r = env.Do(apitest.Req{Method: "GET", Path: "/v1/me/export/archive", Token: ada.Token})
	if r.Status != 200 {
		t.Fatalf("archive: %d %s", r.Status, r.Body)
	}
	c.archive, c.archiveBytes = env.DBCommands(r), int64(len(r.Body))
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/me/export", Token: ben.Token})
	c.exportRequest = env.DBCommands(r)

	// erasure: both passes of Ada's job, then Ben's request over HTTP (the app's worker,
	// woken by it, erases Ben uncounted)
	ctx, n = dbcount.WithCounter(w.ctx)
	if _, err := svc.RequestErasure(ctx, privacy.Person{UserID: ada.ID, Email: ada.Email, Name: ada.Name}, privacy.SelfRequest, ""); err != nil {
		t.Fatal(err)
	}
	first, _ := runJob(t, svc, ctx, n)
	clock.Set(clock.Now().Add(svc.Settle + time.Second))
	second, _ := runJob(t, svc, ctx, n)
	c.eraseTime, c.eraseJob = first+second, n.Load()
	ben = w.login(t, ben.Email) // the clock moved past his token's life
	r = env.Do(apitest.Req{Method: "DELETE", Path: "/v1/me", Token: ben.Token, Body: map[string]string{"password": app.DemoPassword}})
	if r.Status != 202 {
		t.Fatalf("DELETE /v1/me: %d %s", r.Status, r.Body)
	}
	c.eraseRequest = env.DBCommands(r)
	return c
}

// runJob runs the job due (the only one) under ctx, whose commands n counts, and returns
// its time and the commands counted so far.
func runJob(t testing.TB, svc *privacy.Service, ctx context.Context, n *dbcount.Counter) (time.Duration, int64) {
	t.Helper()
	start := time.Now()
	ran, err := svc.RunOnce(ctx)
	if err != nil || !ran {
		t.Fatalf("no job ran: %v", err)
	}
	return time.Since(start), n.Load()
}

// addActivity writes count copies of one of like's learning events as events of userID.
func addActivity(t testing.TB, env *apitest.Env, like, userID string, count int) {
	t.Helper()
	if count == 0 {
		return
	}
	coll := env.App.DB.DB.Collection("content_activity")
	var doc bson.M
	if err := coll.FindOne(context.Background(), bson.D{{Key: "userId", Value: like}}).Decode(&doc); err != nil {
		t.Fatalf("a learning event of %s: %v", like, err)
	}
	docs := make([]any, count)
	for i := range docs {
		d := bson.M{}
		for k, v := range doc {
			d[k] = v
		}
		ev := fmt.Sprintf("bench-%s-%d", userID, i)
		d["_id"], d["eventId"], d["userId"] = userID+":"+ev, ev, userID
		docs[i] = d
	}
	if _, err := coll.InsertMany(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
}
