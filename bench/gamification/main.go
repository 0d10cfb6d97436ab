// Command gamification measures the gamification service on the embedded database: events
// processed per second by one instance next to the database's raw single-document insert
// rate (same run), database commands per processed event and per leaderboard read, and the
// lag from an event being accepted to its XP being readable with 50 mentees at work.
//
//	go run ./bench/gamification [-events 3000] [-mentees 50] [-lag-events 20]
//	go run ./bench/gamification -from DIR [-drain-events 2000] [-drain-mentees 50]  # drain.go
//
// It prints a Markdown table for docs/benchmarks.md. Events are published through
// learning.Publisher, exactly as content's sync endpoint and mentoring publish them after
// their own writes, so the figures are the gamification service's alone; XP is read through
// the service's read path, which is what the API calls.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/internal/config"
	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/programme"
)

func main() {
	events := flag.Int("events", 3000, "events for the throughput run")
	mentees := flag.Int("mentees", 50, "simulated mentees")
	perMentee := flag.Int("lag-events", 20, "events per mentee in the lag run")
	var d drainOpts
	flag.StringVar(&d.from, "from", "", "drain run: a data directory with a grown programme (bench/scale -keep -dir); copied, never changed")
	flag.StringVar(&d.programmeID, "programme", app.DemoProgrammeID, "drain run: the programme")
	flag.IntVar(&d.events, "drain-events", 2000, "drain run: lesson completions queued before the workers start")
	flag.IntVar(&d.mentees, "drain-mentees", 50, "drain run: mentees completing them")
	flag.StringVar(&d.cpuprofile, "cpuprofile", "", "drain run: write a CPU profile of the drain to this file")
	flag.Parse()
	if d.from != "" {
		if err := drainRun(d); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*events, *mentees, *perMentee); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type world struct {
	a       *app.App
	pid     string
	mentees []string
	// fresh are mentees untouched by the throughput runs (whose daily cap is spent), for
	// the lag run; single are others for the one-at-a-time run, so its events earn XP.
	fresh  []string
	single []string
	n      int
}

func setup(ctx context.Context, dir string, mentees int) (*world, error) {
	cfg, err := app.LoadConfig(config.FromMap(map[string]string{"DATA_DIR": dir, "DEMO_SEED": "false", "EMBEDDED_MONGO_ADDR": "127.0.0.1:0"}))
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return nil, err
	}
	w := &world{a: a}
	owner := identity.User{ID: identity.NewID(), Email: "owner@bench.example", DisplayName: "Owner", Timezone: "Europe/London", DailyXPGoal: 20, CreatedAt: time.Now()}
	if err := a.Identity.Store.CreateUser(ctx, owner, "not-a-hash"); err != nil {
		return nil, err
	}
	p, err := a.Programmes.Create(ctx, owner.ID, programme.Programme{Name: "Bench", Timezone: "Europe/London"})
	if err != nil {
		return nil, err
	}
	w.pid = p.ID
	for i := 0; i < 3*mentees; i++ {
		u := identity.User{ID: identity.NewID(), Email: fmt.Sprintf("m%d@bench.example", i), DisplayName: fmt.Sprintf("Mentee %d", i),
			Timezone: []string{"Europe/London", "America/New_York", "Australia/Sydney"}[i%3], DailyXPGoal: 20, CreatedAt: time.Now()}
		if err := a.Identity.Store.CreateUser(ctx, u, "not-a-hash"); err != nil {
			return nil, err
		}
		if err := a.Programmes.AddMember(ctx, p.ID, u.ID, programme.RoleMentee); err != nil {
			return nil, err
		}
		switch i / mentees {
		case 0:
			w.mentees = append(w.mentees, u.ID)
		case 1:
			w.fresh = append(w.fresh, u.ID)
		default:
			w.single = append(w.single, u.ID)
		}
	}
	return w, nil
}

// event makes the i-th event of a mix: lessons, quiz attempts, checklists.
func (w *world) event(user string, i int) learning.Event {
	w.n++
	now := time.Now()
	e := learning.Event{ID: fmt.Sprintf("bench-%d", w.n), UserID: user, ProgrammeID: w.pid, OccurredAt: now, RecordedAt: now,
		Domain: []string{"cognitive", "skill-based", "affective", "social-networks"}[i%4]}
	switch i % 5 {
	case 3:
		e.Kind, e.ItemKind, e.ItemID = learning.QuizAttempted, learning.KindQuiz, fmt.Sprintf("q%d", i)
		e.ScorePercent, e.Attempt, e.Passed, e.Perfect = 60+i%41, 1, i%2 == 0, i%10 == 0
	case 4:
		e.Kind, e.ItemKind, e.ItemID = learning.ChecklistCompleted, learning.KindChecklist, fmt.Sprintf("c%d", i)
	default:
		e.Kind, e.ItemKind, e.ItemID = learning.LessonCompleted, learning.KindLesson, fmt.Sprintf("l%d", i)
	}
	return e
}

func rawInsertRate(ctx context.Context, w *world, n int) (float64, error) {
	c := w.a.DB.DB.Collection("bench_raw_inserts")
	start := time.Now()
	for i := 0; i < n; i++ {
		if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("raw-%d", i)}, {Key: "userId", Value: "u"}, {Key: "n", Value: i},
			{Key: "at", Value: time.Now()}}); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

type throughput struct {
	events   int
	seconds  float64
	commands int64
	// perCall is the commands of each ProcessOnce that claimed something (with batch 1:
	// of each event).
	perCall []int
}

func (t throughput) perEvent() float64 { return float64(t.commands) / float64(t.events) }

func process(ctx context.Context, w *world, users []string, events, batch int) (throughput, error) {
	for i := 0; i < events; i++ {
		if err := w.a.Learning.Publish(ctx, w.event(users[i%len(users)], i/len(users))); err != nil {
			return throughput{}, err
		}
	}
	cctx, counter := dbcount.WithCounter(ctx)
	start := time.Now()
	var t throughput
	for {
		before := counter.Load()
		n, err := w.a.Gamification.ProcessOnce(cctx, "bench", batch)
		if err != nil {
			return throughput{}, err
		}
		if n == 0 {
			break
		}
		t.events += n
		t.perCall = append(t.perCall, int(counter.Load()-before))
	}
	t.seconds, t.commands = time.Since(start).Seconds(), counter.Load()
	return t, nil
}

// spread describes how many commands single events took: the most common count, the
// share of events at or under 8, and the most.
func spread(counts []int) string {
	hist := map[int]int{}
	mode, under, most := 0, 0, 0
	for _, c := range counts {
		hist[c]++
		if hist[c] > hist[mode] {
			mode = c
		}
		if c <= 8 {
			under++
		}
		most = max(most, c)
	}
	return fmt.Sprintf("most often %d; %.0f%% at 8 or fewer; at most %d", mode, 100*float64(under)/float64(len(counts)), most)
}

// lag runs the worker as cmd/api does and has every mentee complete perMentee lessons with
// a pause between them. An event's lag runs from Publish returning (the API accepted it) to
// the player write that makes its XP readable committing (the read path serves that very
// document); each is then confirmed with one read through the service's read path.
func lag(ctx context.Context, w *world, perMentee int) ([]time.Duration, int64, error) {
	c := &commits{m: map[string]chan time.Time{}}
	w.a.Gamification.Hooks.AfterState = c.note
	defer func() { w.a.Gamification.Hooks.AfterState = nil }()
	cctx, counter := dbcount.WithCounter(ctx)
	wctx, stop := context.WithCancel(cctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.a.GamificationWorker.Run(wctx) }()
	defer func() { stop(); wg.Wait() }()
	var mu sync.Mutex // guards lags, firstErr and w's event counter
	var lags []time.Duration
	var firstErr error
	var users sync.WaitGroup
	for mi, user := range w.fresh {
		users.Add(1)
		go func() {
			defer users.Done()
			ls, err := menteeLags(ctx, w, &mu, c, user, mi, perMentee)
			mu.Lock()
			defer mu.Unlock()
			lags = append(lags, ls...)
			if firstErr == nil {
				firstErr = err
			}
		}()
	}
	users.Wait()
	stop()
	wg.Wait()
	return lags, counter.Load(), firstErr
}

// commits hands the commit time of each event's player write to whoever waits for it.
type commits struct {
	mu sync.Mutex
	m  map[string]chan time.Time
}

func (c *commits) waitFor(id string) chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m[id] == nil {
		c.m[id] = make(chan time.Time, 1)
	}
	return c.m[id]
}

// note is the AfterState hook: the players of ids were just written.
func (c *commits) note(ids []string) error {
	now := time.Now()
	for _, id := range ids {
		select {
		case c.waitFor(id) <- now:
		default:
		}
	}
	return nil
}

// menteeLags is one mentee of the lag run (the mi-th): perMentee lessons, each after a
// pause, each timed from Publish to its commit and then checked through the read path.
func menteeLags(ctx context.Context, w *world, mu *sync.Mutex, c *commits, user string, mi, perMentee int) ([]time.Duration, error) {
	r := rand.New(rand.NewPCG(uint64(mi), 7))
	var lags []time.Duration
	for i := 0; i < perMentee; i++ {
		time.Sleep(time.Duration(200+r.IntN(800)) * time.Millisecond) // reading the lesson
		before, err := xpOf(ctx, w, user)
		if err != nil {
			return lags, err
		}
		mu.Lock()
		e := w.event(user, 10_000+i*5) // always a new lesson: earns XP
		mu.Unlock()
		ch := c.waitFor(e.ID)
		if err := w.a.Learning.Publish(ctx, e); err != nil {
			return lags, err
		}
		accepted := time.Now()
		var at time.Time
		select {
		case at = <-ch:
		case <-time.After(30 * time.Second):
			return lags, fmt.Errorf("event %s not processed within 30s", e.ID)
		}
		if xp, err := xpOf(ctx, w, user); err != nil || xp <= before {
			return lags, fmt.Errorf("XP of %s not readable after its event committed: %d -> %d (%v)", user, before, xp, err)
		}
		lags = append(lags, max(0, at.Sub(accepted)))
	}
	return lags, nil
}

func xpOf(ctx context.Context, w *world, user string) (int64, error) {
	s, err := w.a.Gamification.Summaries(ctx, user, w.pid)
	if err != nil || len(s) == 0 {
		return 0, err
	}
	return s[0].XP, nil
}

func pct(ds []time.Duration, p float64) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[min(len(ds)-1, int(float64(len(ds))*p))]
}

func run(events, mentees, perMentee int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "microlearn-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	w, err := setup(ctx, dir, mentees)
	if err != nil {
		return err
	}
	defer w.a.Close(ctx)
	progress("set up")
	res, err := measure(ctx, w, events, perMentee)
	if err != nil {
		return err
	}
	report(res, w, events, mentees, perMentee)
	return nil
}

func progress(f string, a ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+f+"\n", a...)
}

// results are the figures of one run.
type results struct {
	raw                          float64
	batched, established, single throughput
	boardCmds                    [3]int64
	lags                         []time.Duration
	lagCmds                      int64
}

// measure runs the measurements in the order that keeps them apart: raw inserts, batched
// processing, one at a time for established mentees, leaderboard reads, the lag run, one at
// a time for new mentees.
func measure(ctx context.Context, w *world, events, perMentee int) (results, error) {
	var res results
	var err error
	res.raw, err = rawInsertRate(ctx, w, events)
	progress("raw inserts %.0f/s", res.raw)
	if err != nil {
		return res, err
	}
	if res.batched, err = profiled(func() (throughput, error) { return process(ctx, w, w.mentees, events, 256) }); err != nil {
		return res, err
	}
	progress("batched %d events in %.1fs", res.batched.events, res.batched.seconds)
	// One at a time, the same mentees: their daily cap is spent, so most events earn no XP.
	if res.established, err = process(ctx, w, w.mentees, min(events, 300), 1); err != nil {
		return res, err
	}
	if res.boardCmds, err = boardCommands(ctx, w); err != nil {
		return res, err
	}
	progress("one at a time, established: %d events in %.1fs", res.established.events, res.established.seconds)
	// The lag run comes before the one-at-a-time run of new mentees: those earn many first
	// badges and levels, and delivering the notifications (the push sender shares the one
	// database connection) would slow the lag run by itself.
	if res.lags, res.lagCmds, err = lag(ctx, w, perMentee); err != nil {
		return res, err
	}
	progress("lag run: %d events", len(res.lags))
	if res.single, err = process(ctx, w, w.single, min(events, 600), 1); err != nil {
		return res, err
	}
	progress("one at a time, new: %d events in %.1fs", res.single.events, res.single.seconds)
	return res, nil
}

// profiled runs f under the CPU profiler when BENCH_CPUPROFILE names a file.
func profiled(f func() (throughput, error)) (throughput, error) {
	if name := os.Getenv("BENCH_CPUPROFILE"); name != "" {
		pf, err := os.Create(name)
		if err != nil {
			return throughput{}, err
		}
		defer pf.Close()
		_ = pprof.StartCPUProfile(pf)
		defer pprof.StopCPUProfile()
	}
	return f()
}

// boardCommands counts the database commands of a leaderboard read through the service
// (what the handler calls after authorize), per period, after one read to warm it.
func boardCommands(ctx context.Context, w *world) ([3]int64, error) {
	var cmds [3]int64
	if _, err := w.a.Gamification.Leaderboard(ctx, gamification.LeaderboardQuery{ProgrammeID: w.pid, Period: gamification.PeriodWeek, CallerID: w.mentees[7]}); err != nil {
		return cmds, err
	}
	for i, period := range []string{gamification.PeriodWeek, gamification.PeriodMonth, gamification.PeriodAll} {
		cctx, counter := dbcount.WithCounter(ctx)
		if _, err := w.a.Gamification.Leaderboard(cctx, gamification.LeaderboardQuery{ProgrammeID: w.pid, Period: period, CallerID: w.mentees[7]}); err != nil {
			return cmds, err
		}
		cmds[i] = counter.Load()
	}
	return cmds, nil
}

// report prints the figures as the Markdown table of docs/benchmarks.md.
func report(r results, w *world, events, mentees, perMentee int) {
	rate := float64(r.batched.events) / r.batched.seconds
	fmt.Printf("Measured %s on %s/%s, %d CPUs, embedded FerretDB 1.24 (SQLite), one pooled connection.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Printf("| Measure | Result |\n|---|---|\n")
	fmt.Printf("| Raw single-document `insertOne` rate (same run, %d inserts) | %.0f /s |\n", events, r.raw)
	fmt.Printf("| Events processed by one instance, batches of 256 (%d events, %d mentees, queue pre-filled) | %.0f /s = **%.0f%%** of the raw insert rate |\n",
		r.batched.events, mentees, rate, 100*rate/r.raw)
	fmt.Printf("| DB commands per processed event, batches of 256 | %.2f |\n", r.batched.perEvent())
	fmt.Printf("| Events processed one at a time, the same mentees (daily cap spent: most earn no XP; %d events) | %.0f /s |\n", r.established.events, float64(r.established.events)/r.established.seconds)
	fmt.Printf("| DB commands per processed event, one at a time, the same mentees | %.2f (%s) |\n", r.established.perEvent(), spread(r.established.perCall))
	fmt.Printf("| Events processed one at a time, %d new mentees (12 events each: XP, first badges, level-ups; %d events) | %.0f /s |\n", len(w.single), r.single.events, float64(r.single.events)/r.single.seconds)
	fmt.Printf("| DB commands per processed event, one at a time, new mentees | %.2f (%s) |\n", r.single.perEvent(), spread(r.single.perCall))
	fmt.Printf("| DB commands per leaderboard read (week / month / all, in the service) | %d / %d / %d |\n", r.boardCmds[0], r.boardCmds[1], r.boardCmds[2])
	fmt.Printf("| Lag from Publish returning to the XP being readable, %d mentees x %d lessons concurrently (%d events) | p50 %s, p95 **%s**, max %s |\n",
		mentees, perMentee, len(r.lags), pct(r.lags, 0.5).Round(time.Millisecond), pct(r.lags, 0.95).Round(time.Millisecond), pct(r.lags, 1).Round(time.Millisecond))
	fmt.Printf("| DB commands per processed event in the lag run (the worker as in cmd/api, idle polls included) | %.2f |\n", float64(r.lagCmds)/float64(len(r.lags)))
}
