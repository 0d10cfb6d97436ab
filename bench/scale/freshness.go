package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// Issue 13 asks for report figures at most 60 s old, whatever the programme size. The
// freshness measurement makes a burst of real changes through the product over HTTP and polls
// the owner's health report until its counts show all of them.
const (
	freshJoins       = 200 // new accounts registering and joining the programme with a join code
	freshCompletions = 100 // existing mentees each completing a lesson they have not done
	freshBound       = 60 * time.Second
	freshWorkers     = 8 // concurrent clients making the burst
)

type freshResult struct {
	joins, completions int
	burst              time.Duration // from the first write to the last write's answer
	// lag is the time from the last write's answer to the first health report showing every
	// change (members by role and this week's lesson completions); joinLag and doneLag the
	// same for each kind on its own.
	lag, joinLag, doneLag time.Duration
	polls                 int
	// caughtUp is how long the reports' sweeper took, before the burst, to evaluate every
	// member and pairing the build (or the last measurements) left due: until it has, the
	// health report's member count would grow by the backlog and pass for the burst's joins.
	caughtUp time.Duration
	backlog  bool // the sweeper had not caught up within the limit
	err      error
}

// healthCounts are what the freshness measurement reads off GET reports/health.
type healthCounts struct {
	mentees, lessons int64
	generatedAt      string
}

func (w *world) healthCounts(ctx context.Context) (healthCounts, error) {
	status, b, err := w.call(ctx, w.owner, "GET", "/v1/programmes/"+w.pid+"/reports/health", nil)
	if err == nil && status != 200 {
		err = fmt.Errorf("GET reports/health: %d %s", status, truncate(b))
	}
	if err != nil {
		return healthCounts{}, err
	}
	var h struct {
		GeneratedAt string           `json:"generatedAt"`
		Members     map[string]int64 `json:"members"`
		Learning    struct {
			ThisWeek struct {
				Completions map[string]int64 `json:"completions"`
			} `json:"thisWeek"`
		} `json:"learning"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return healthCounts{}, err
	}
	return healthCounts{mentees: h.Members["mentee"], lessons: h.Learning.ThisWeek.Completions["lesson"], generatedAt: h.GeneratedAt}, nil
}

// freshness measures how old the health report's figures are right after a burst of changes:
// freshJoins people register and join with a mentee join code, and freshCompletions existing
// mentees complete a fresh lesson each (first completions, counted in this week's lesson
// completions), all through the HTTP API; then it polls the report every 250 ms (for up to
// five minutes) until it shows them all. The joined people stay in the programme as unpaired
// mentees; the bench's own mentees (w.mentees) do not include them.
func (w *world) freshness(ctx context.Context) freshResult {
	r := freshResult{joins: freshJoins, completions: freshCompletions}
	if _, err := w.drain(ctx, 10*time.Minute); err != nil {
		r.err = err
		return r
	}
	r.caughtUp, r.backlog = w.reportsCaughtUp(ctx, 20*time.Minute)
	before, err := w.healthCounts(ctx)
	if err != nil {
		r.err = err
		return r
	}
	code, err := w.joinCode(ctx)
	if err != nil {
		r.err = err
		return r
	}
	t0 := time.Now()
	if err := w.burst(ctx, code); err != nil {
		r.err = err
		return r
	}
	last := time.Now()
	r.burst = last.Sub(t0)
	logf("  freshness: burst of %d joins and %d lesson completions took %s; polling reports/health (before: %d mentees, %d lessons this week)",
		freshJoins, freshCompletions, r.burst.Round(time.Millisecond), before.mentees, before.lessons)
	r.lag, r.joinLag, r.doneLag, r.polls, r.err = w.pollFresh(ctx, before, last)
	return r
}

// reportsCaughtUp waits (up to limit) until no report subject is due, polling every second,
// and returns the time waited and whether subjects were still due at the limit.
func (w *world) reportsCaughtUp(ctx context.Context, limit time.Duration) (time.Duration, bool) {
	t0 := time.Now()
	for {
		ids, _, err := w.a.Insight.Store.Due(ctx, w.a.Now(), 1)
		if err != nil {
			logf("  reports' backlog: %v", err)
			return time.Since(t0), true
		}
		if len(ids) == 0 {
			logf("  reports' sweeper caught up after %s", time.Since(t0).Round(time.Second))
			return time.Since(t0), false
		}
		if time.Since(t0) > limit {
			logf("  reports' sweeper still behind after %s", limit)
			return time.Since(t0), true
		}
		time.Sleep(time.Second)
	}
}

// pollFresh polls the health report until it shows the burst's joins and completions.
func (w *world) pollFresh(ctx context.Context, before healthCounts, last time.Time) (lag, joinLag, doneLag time.Duration, polls int, err error) {
	var h healthCounts
	for time.Since(last) < 5*time.Minute {
		if h, err = w.healthCounts(ctx); err != nil {
			return 0, 0, 0, polls, err
		}
		polls++
		seen := time.Since(last)
		if joinLag == 0 && h.mentees >= before.mentees+freshJoins {
			joinLag = seen
		}
		if doneLag == 0 && h.lessons >= before.lessons+freshCompletions {
			doneLag = seen
		}
		if joinLag > 0 && doneLag > 0 {
			return seen, joinLag, doneLag, polls, nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return 0, joinLag, doneLag, polls, fmt.Errorf("after 5 minutes the health report shows %d of %d joins and %d of %d completions (generated at %s)",
		h.mentees-before.mentees, freshJoins, h.lessons-before.lessons, freshCompletions, h.generatedAt)
}

// joinCode creates a mentee join code as the owner and returns the code.
func (w *world) joinCode(ctx context.Context) (string, error) {
	status, b, err := w.call(ctx, w.owner, "POST", "/v1/programmes/"+w.pid+"/join-codes", map[string]any{"role": "mentee", "label": "bench freshness"})
	if err == nil && status != 201 {
		err = fmt.Errorf("POST join-codes: %d %s", status, truncate(b))
	}
	if err != nil {
		return "", err
	}
	var jc struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(b, &jc); err != nil || jc.Code == "" {
		return "", fmt.Errorf("POST join-codes answered no code: %s", truncate(b))
	}
	return jc.Code, nil
}

// burst makes the changes from freshWorkers concurrent clients: joins first in each worker's
// share, then completions, and returns once every write was answered.
func (w *world) burst(ctx context.Context, code string) error {
	jobs := make(chan func() error, freshJoins+freshCompletions)
	for i := 0; i < freshJoins; i++ {
		jobs <- func() error { return w.registerAndJoin(ctx, code) }
	}
	used := map[string]bool{}
	for len(used) < min(freshCompletions, len(w.mentees)) {
		used[w.mentee()] = true
	}
	for u := range used {
		l := w.freshFor(u)
		jobs <- func() error {
			_, err := w.timed(ctx, u, "POST", "/v1/lessons/"+l.ID+"/progress",
				map[string]any{"eventId": w.newEventID(), "occurredAt": time.Now().UTC().Format(time.RFC3339Nano), "state": "completed", "secondsSpent": 240}, 201)
			return err
		}
	}
	close(jobs)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for i := 0; i < freshWorkers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				if err := job(); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// registerAndJoin registers a new account (POST /v1/auth/register) and joins the programme
// with code (POST /v1/programmes/join) with the access token it was given.
func (w *world) registerAndJoin(ctx context.Context, code string) error {
	id := uuid()
	status, b, err := w.callToken(ctx, "", "POST", "/v1/auth/register", map[string]any{
		"email": "joiner-" + id + "@scale.example", "password": "correct horse " + id[:8], "displayName": "Joiner " + id[:8], "timezone": "Europe/London"})
	if err == nil && status != 201 {
		err = fmt.Errorf("POST /v1/auth/register: %d %s", status, truncate(b))
	}
	if err != nil {
		return err
	}
	var tok struct {
		AccessToken string `json:"accessToken"`
	}
	if err := json.Unmarshal(b, &tok); err != nil {
		return err
	}
	status, b, err = w.callToken(ctx, tok.AccessToken, "POST", "/v1/programmes/join", map[string]any{"code": code})
	if err == nil && status != 200 {
		err = fmt.Errorf("POST /v1/programmes/join: %d %s", status, truncate(b))
	}
	return err
}

// freshCell renders a freshness result for the report.
func freshCell(f freshResult) string {
	if f.err != nil {
		return "failed: " + f.err.Error()
	}
	if f.joins == 0 {
		return "not measured"
	}
	verdict := "under"
	if f.lag > freshBound {
		verdict = "OVER"
	}
	sec := func(d time.Duration) string { return d.Round(100 * time.Millisecond).String() }
	caught := "sweeper caught up " + sec(f.caughtUp) + " before"
	if f.backlog {
		caught = "sweeper still behind after " + sec(f.caughtUp) + ": the member count includes its backlog"
	}
	return fmt.Sprintf("%s (joins %s, completions %s; %s %s; burst %s, %d polls; %s)", sec(f.lag), sec(f.joinLag), sec(f.doneLag),
		verdict, freshBound, f.burst.Round(time.Millisecond), f.polls, caught)
}
