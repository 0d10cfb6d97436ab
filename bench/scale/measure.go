package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/microlearn/microlearn/content"
)

// The requests of issue 20's table, in its order.
var requestNames = []string{
	"POST lesson progress (completed)",
	"GET /v1/me/notifications",
	"GET /v1/pairings/{id}/progress (group)",
	"GET leaderboard (week)",
	"event -> XP visible",
	"GET lesson (warm, cached)",
}

type sizeResult struct {
	mentees int
	build   time.Duration
	// recompute is the reports' rebuild after the build (0: not run).
	recompute time.Duration
	medians   map[string]stat
	cmds      map[string]stat // database commands per request (as durations of that many ns)
	settled   time.Duration   // how long the background workers were busy after the build
	sync      stat            // the 500-event POST /v1/sync
	dbBytes   int64
	rssBytes  int64
	// resumed is how long opening a kept directory and rebuilding the bench's view of it took
	// (-from; 0: built).
	resumed time.Duration
	fresh   freshResult
}

type stat struct {
	min, p50, p90, p95, p99, max time.Duration
	n, errors                    int
}

func summarize(ds []time.Duration, errs int) stat {
	if len(ds) == 0 {
		return stat{errors: errs}
	}
	slices.Sort(ds)
	q := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	return stat{min: ds[0], p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99), max: ds[len(ds)-1], n: len(ds), errors: errs}
}

// call sends one request as user and returns the status and body.
func (w *world) call(ctx context.Context, user, method, path string, body any) (int, []byte, error) {
	tok, err := w.token(user)
	if err != nil {
		return 0, nil, err
	}
	return w.callToken(ctx, tok, method, path, body)
}

// callToken sends one request with the access token tok ("": none) and returns the status and
// body, recording the request's database commands in w.lastCommands.
func (w *world) callToken(ctx context.Context, tok, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, w.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := w.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	if n, ok := w.a.API.DBCommands(res.Header.Get("X-Request-Id")); ok {
		w.lastCommands.Store(n)
	} else {
		w.lastCommands.Store(-1)
	}
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// timed runs one request and fails on a status other than want.
func (w *world) timed(ctx context.Context, user, method, path string, body any, want int) (time.Duration, error) {
	t0 := time.Now()
	status, b, err := w.call(ctx, user, method, path, body)
	d := time.Since(t0)
	if err == nil && status != want {
		err = fmt.Errorf("%s %s: %d %s", method, path, status, truncate(b))
	}
	return d, err
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// newEventID returns a random UUID, as phones generate them for their events.
func (w *world) newEventID() string { return uuid() }

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// drain waits until the learning queue is empty (the worker has processed what was
// published) and returns how long that took.
func (w *world) drain(ctx context.Context, limit time.Duration) (time.Duration, error) {
	t0 := time.Now()
	for {
		q, _, err := w.a.Learning.Pending(ctx)
		if err != nil {
			return 0, err
		}
		if q == 0 {
			return time.Since(t0), nil
		}
		if time.Since(t0) > limit {
			return time.Since(t0), fmt.Errorf("the learning queue still holds %d events after %s", q, limit)
		}
		// Not faster: the count holds the embedded database's one connection while it scans
		// the queue, and polled every 20 ms under load it starved the worker it waits for.
		time.Sleep(500 * time.Millisecond)
	}
}

// settle waits (up to limit) until the background workers leave the embedded database's one
// connection free: five pings in a row answered within 5 ms. Right after a build the reports'
// worker evaluates every member and pairing touched, and requests measured then wait behind
// it; the figures are for a programme in its steady state. It returns the time waited.
func (w *world) settle(ctx context.Context, limit time.Duration) time.Duration {
	t0 := time.Now()
	for quick := 0; quick < 5 && time.Since(t0) < limit; {
		p0 := time.Now()
		if err := w.a.DB.DB.Client().Ping(ctx, nil); err != nil {
			logf("  settle: %v", err)
		}
		if time.Since(p0) < 5*time.Millisecond {
			quick++
		} else {
			quick = 0
		}
		time.Sleep(200 * time.Millisecond)
	}
	logf("  background work settled after %s", time.Since(t0).Round(time.Second))
	return time.Since(t0)
}

// kind is one request of the table and how to send one.
type kind struct {
	name string
	one  func() (time.Duration, error)
}

// measure times o.n requests of each kind, by randomly chosen mentees (and mentors of group
// pairings, and the owner for the reports), letting the worker catch up between kinds, and
// reads each request's database commands off the server's per-request counter.
func (w *world) measure(ctx context.Context, o options) (sizeResult, error) {
	r := sizeResult{medians: map[string]stat{}, cmds: map[string]stat{}}
	if _, err := w.drain(ctx, 10*time.Minute); err != nil {
		return r, err
	}
	r.settled = w.settle(ctx, 5*time.Minute)
	if err := w.checkReports(ctx, w.recomputed); err != nil {
		return r, err
	}
	for _, k := range append(w.kinds(ctx), w.reportKinds(ctx)...) {
		var ds, cs []time.Duration
		errs := 0
		for i := 0; i < o.n; i++ {
			d, err := k.one()
			if err != nil {
				errs++
				logf("  %s: %v", k.name, err)
				continue
			}
			ds, cs = append(ds, d), append(cs, time.Duration(w.lastCommands.Load()))
		}
		r.medians[k.name], r.cmds[k.name] = summarize(ds, errs), summarize(cs, 0)
		if _, err := w.drain(ctx, 10*time.Minute); err != nil {
			return r, err
		}
	}
	var ds []time.Duration
	errs := 0
	for i := 0; i < o.syncN; i++ {
		d, err := w.sync500(ctx, w.mentee())
		if err != nil {
			errs++
			logf("  sync: %v", err)
			continue
		}
		ds = append(ds, d)
	}
	r.sync = summarize(ds, errs)
	_, err := w.drain(ctx, 30*time.Minute)
	return r, err
}

func (w *world) mentee() string { return w.mentees[w.rng.IntN(len(w.mentees))] }

// kinds are issue 20's requests.
func (w *world) kinds(ctx context.Context) []kind {
	return []kind{
		{requestNames[0], func() (time.Duration, error) {
			u := w.mentee()
			l := w.freshFor(u)
			return w.timed(ctx, u, "POST", "/v1/lessons/"+l.ID+"/progress",
				map[string]any{"eventId": w.newEventID(), "occurredAt": time.Now().UTC().Format(time.RFC3339Nano), "state": "completed", "secondsSpent": 240}, 201)
		}},
		{requestNames[1], func() (time.Duration, error) {
			return w.timed(ctx, w.mentee(), "GET", "/v1/me/notifications", nil, 200)
		}},
		{requestNames[2], func() (time.Duration, error) {
			g := w.groups[w.rng.IntN(len(w.groups))]
			return w.timed(ctx, g.mentor, "GET", "/v1/pairings/"+g.id+"/progress", nil, 200)
		}},
		{requestNames[3], func() (time.Duration, error) {
			return w.timed(ctx, w.mentee(), "GET", "/v1/programmes/"+w.pid+"/leaderboard?period=week", nil, 200)
		}},
		{requestNames[4], func() (time.Duration, error) { return w.xpVisible(ctx, w.mentee()) }},
		{requestNames[5], func() (time.Duration, error) {
			u, l := w.mentee(), w.lessons[w.rng.IntN(len(w.lessons))]
			if _, err := w.timed(ctx, u, "GET", "/v1/lessons/"+l.ID, nil, 200); err != nil {
				return 0, err
			}
			return w.timed(ctx, u, "GET", "/v1/lessons/"+l.ID, nil, 200)
		}},
	}
}

// xpVisible completes a lesson for user and polls its gamification summary until the XP it
// earned shows; it returns the time from sending the progress write to seeing the XP.
func (w *world) xpVisible(ctx context.Context, user string) (time.Duration, error) {
	before, err := w.xp(ctx, user)
	if err != nil {
		return 0, err
	}
	l := w.freshFor(user)
	t0 := time.Now()
	if _, err := w.timed(ctx, user, "POST", "/v1/lessons/"+l.ID+"/progress",
		map[string]any{"eventId": w.newEventID(), "occurredAt": time.Now().UTC().Format(time.RFC3339Nano), "state": "completed", "secondsSpent": 240}, 201); err != nil {
		return 0, err
	}
	for time.Since(t0) < time.Minute {
		xp, err := w.xp(ctx, user)
		if err != nil {
			return 0, err
		}
		if xp != before {
			return time.Since(t0), nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A completion that earns nothing (the lesson done before and the daily cap reached)
	// never shows; the worker has still processed it once the queue is empty.
	return 0, fmt.Errorf("no XP change for %s within a minute", user)
}

// freshFor draws a fresh lesson user has not completed in an earlier request of the bench, and
// records it as completed: a lesson completed again earns no XP, so a draw of one already done
// would never show XP (and would time a repeat, not a first completion).
func (w *world) freshFor(user string) content.Item {
	w.doneMu.Lock()
	defer w.doneMu.Unlock()
	done := w.done[user]
	if done == nil {
		done = map[string]bool{}
		w.done[user] = done
	}
	for {
		l := w.fresh[w.rng.IntN(len(w.fresh))]
		if !done[l.ID] || len(done) >= len(w.fresh) {
			done[l.ID] = true
			return l
		}
	}
}

func (w *world) xp(ctx context.Context, user string) (int64, error) {
	status, b, err := w.call(ctx, user, "GET", "/v1/me/gamification?programmeId="+w.pid, nil)
	if err != nil {
		return 0, err
	}
	if status != 200 {
		return 0, fmt.Errorf("GET /v1/me/gamification: %d %s", status, truncate(b))
	}
	var res struct {
		Items []struct {
			ProgrammeID string `json:"programmeId"`
			XP          int64  `json:"xp"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return 0, err
	}
	for _, it := range res.Items {
		if it.ProgrammeID == w.pid {
			return it.XP, nil
		}
	}
	return 0, nil
}

// sync500 sends the documented maximum batch: 500 events a phone queued offline over the
// last days (lesson progress, quiz attempts, checklist ticks), and checks every event was
// answered.
func (w *world) sync500(ctx context.Context, user string) (time.Duration, error) {
	var events []map[string]any
	base := time.Now().UTC().Add(-72 * time.Hour)
	for i := 0; i < 500; i++ {
		at := base.Add(time.Duration(i) * 8 * time.Minute).Format(time.RFC3339Nano)
		e := map[string]any{"eventId": w.newEventID(), "occurredAt": at}
		switch i % 5 {
		case 0, 1, 2:
			e["type"], e["lessonId"], e["state"], e["secondsSpent"] = "lesson_progress", w.lessons[i%len(w.lessons)].ID,
				[]string{"started", "completed", "completed"}[i%3], 120
		case 3:
			q := w.quizzes[i%len(w.quizzes)]
			e["type"], e["quizId"], e["version"], e["answers"] = "quiz_attempt", q.ID, q.Version, quizAnswers(q)
		default:
			c := w.checklists[i%len(w.checklists)]
			e["type"], e["checklistId"], e["itemId"], e["ticked"] = "checklist_tick", c.ID, checklistItem(c, i), i%2 == 0
		}
		events = append(events, e)
	}
	t0 := time.Now()
	status, b, err := w.call(ctx, user, "POST", "/v1/sync", map[string]any{"events": events})
	d := time.Since(t0)
	if err != nil {
		return 0, err
	}
	if status != 200 {
		return 0, fmt.Errorf("POST /v1/sync: %d %s", status, truncate(b))
	}
	var res struct {
		Results []struct {
			Status string `json:"status"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return 0, err
	}
	if len(res.Results) != 500 {
		return 0, fmt.Errorf("POST /v1/sync answered %d results", len(res.Results))
	}
	counts := map[string]int{}
	for _, r := range res.Results {
		counts[r.Status]++
	}
	if counts["accepted"] < 400 {
		return d, fmt.Errorf("POST /v1/sync: only %v of 500 events accepted: %s", counts, truncate(b))
	}
	return d, nil
}

// quizAnswers answers every question of q with its first option.
func quizAnswers(q content.Item) []map[string]any {
	var out []map[string]any
	if q.Quiz == nil {
		return out
	}
	for _, qu := range q.Quiz.Questions {
		if len(qu.Options) > 0 {
			out = append(out, map[string]any{"questionKey": qu.Key, "optionKeys": []string{qu.Options[0].Key}})
		}
	}
	return out
}

// checklistItem names one of c's items.
func checklistItem(c content.Item, i int) string {
	if c.Checklist == nil || len(c.Checklist.Items) == 0 {
		return "item"
	}
	return c.Checklist.Items[i%len(c.Checklist.Items)].Key
}
