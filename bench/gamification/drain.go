package main

import (
	"context"
	crand "crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime/pprof"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/internal/config"
	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/programme"
)

// The drain run (-from): the worker's drain rate on a pre-grown programme. It copies the data
// directory of a programme (one kept by `go run ./bench/scale -sizes N -keep -dir DIR`) to a
// temporary one, starts the whole product's background workers on it (as cmd/api does, all
// of them: gamification, the reports, notify, ...), and, with the workers stopped, has
// -drain-mentees mentees complete lessons they have not done through content (the activity
// write and the published event, as POST lesson progress does) until -drain-events are
// queued; then it starts the workers and times the learning queue draining to empty. It
// prints the rate and what the database commands of the drain were, by command and
// collection, with the time the database took for them.

type drainOpts struct {
	from, programmeID, cpuprofile string
	events, mentees               int
}

// cmdStats records every command's name, collection and duration.
type cmdStats struct {
	mu      sync.Mutex
	started map[int64]string
	n       map[string]int
	dur     map[string]time.Duration
}

func newCmdStats() *cmdStats {
	return &cmdStats{started: map[int64]string{}, n: map[string]int{}, dur: map[string]time.Duration{}}
}

func (c *cmdStats) monitor() *event.CommandMonitor {
	base := mongodb.CommandMonitor(func(_ context.Context, ev *event.CommandStartedEvent) {
		coll := ""
		if v, err := ev.Command.LookupErr(ev.CommandName); err == nil {
			coll, _ = v.StringValueOK()
		}
		c.mu.Lock()
		c.started[ev.RequestID] = ev.CommandName + " " + coll
		c.mu.Unlock()
	})
	done := func(id int64, d time.Duration) {
		c.mu.Lock()
		defer c.mu.Unlock()
		k, ok := c.started[id]
		if !ok {
			return
		}
		delete(c.started, id)
		c.n[k]++
		c.dur[k] += d
	}
	return &event.CommandMonitor{Started: base.Started,
		Succeeded: func(ctx context.Context, ev *event.CommandSucceededEvent) {
			done(ev.RequestID, ev.Duration)
			base.Succeeded(ctx, ev)
		},
		Failed: func(ctx context.Context, ev *event.CommandFailedEvent) {
			done(ev.RequestID, ev.Duration)
			base.Failed(ctx, ev)
		}}
}

func (c *cmdStats) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n, c.dur = map[string]int{}, map[string]time.Duration{}
}

// top returns the commands that took the database longest, with their count and total time.
func (c *cmdStats) top(k int) (rows []string, total time.Duration, count int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.n))
	for key, n := range c.n {
		keys = append(keys, key)
		total += c.dur[key]
		count += n
	}
	sort.Slice(keys, func(i, j int) bool { return c.dur[keys[i]] > c.dur[keys[j]] })
	for _, key := range keys[:min(k, len(keys))] {
		rows = append(rows, fmt.Sprintf("| `%s` | %d | %.1f s | %.1f ms |", key, c.n[key], c.dur[key].Seconds(),
			float64(c.dur[key].Microseconds())/1000/float64(c.n[key])))
	}
	return rows, total, count
}

// openCopy starts the embedded engine on a copy of from and the product on it.
func openCopy(ctx context.Context, from string, stats *cmdStats) (*app.App, func(), error) {
	dir, err := os.MkdirTemp("", "microlearn-drain-")
	if err != nil {
		return nil, nil, err
	}
	if out, err := exec.Command("cp", "-a", from+"/.", dir).CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("copy %s: %v: %s", from, err, out)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	uri, stop, err := mongodb.StartEmbedded(dir, "127.0.0.1:0", log)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	cleanup := func() { stop(); os.RemoveAll(dir) }
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetMaxPoolSize(1).SetMonitor(stats.monitor()).SetAppName("microlearn"))
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	cfg, err := app.LoadConfig(config.FromMap(map[string]string{"DATA_DIR": dir, "DEMO_SEED": "false", "EMBEDDED_MONGO_ADDR": "127.0.0.1:0"}))
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	db := &mongodb.DB{Client: client, DB: client.Database(cfg.Database), Embedded: true, URI: uri}
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})), app.Options{DB: db})
	if err != nil {
		_ = client.Disconnect(ctx)
		cleanup()
		return nil, nil, err
	}
	return a, func() { _ = a.Close(ctx); _ = client.Disconnect(ctx); cleanup() }, nil
}

// fill has o.mentees mentees of the programme complete lessons they have not done, round
// robin, until o.events are queued.
func fill(ctx context.Context, a *app.App, o drainOpts) (players int, err error) {
	standings, err := a.Gamification.Store.Standings(ctx, o.programmeID, nil)
	if err != nil {
		return 0, err
	}
	var keys []gamification.PlayerKey
	for _, s := range standings {
		if s.Role == string(programme.RoleMentee) {
			keys = append(keys, gamification.PlayerKey{ProgrammeID: o.programmeID, UserID: s.UserID})
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].UserID < keys[j].UserID })
	if len(keys) < o.mentees {
		return len(standings), fmt.Errorf("the programme has %d mentee players, fewer than -drain-mentees %d", len(keys), o.mentees)
	}
	step := len(keys) / o.mentees
	var chosen []gamification.PlayerKey
	for i := 0; i < o.mentees; i++ {
		chosen = append(chosen, keys[i*step])
	}
	ps, err := a.Gamification.Store.Players(ctx, chosen)
	if err != nil {
		return 0, err
	}
	lessons, err := a.Content.Store.ListItems(ctx, content.ListFilter{ProgrammeID: o.programmeID, Kind: content.KindLesson, Limit: 1000})
	if err != nil {
		return 0, err
	}
	next := make([]int, len(chosen)) // each mentee's next lesson to try
	for n := 0; n < o.events; {
		i := n % len(chosen)
		k := chosen[i]
		for next[i] < len(lessons) && (ps[k].Done["lesson:"+lessons[next[i]].ID] || lessons[next[i]].Status != content.StatusPublished) {
			next[i]++
		}
		if next[i] == len(lessons) {
			return len(standings), fmt.Errorf("mentee %s has no lesson left to complete after %d events", k.UserID, n)
		}
		l := lessons[next[i]]
		next[i]++
		if _, err := a.Content.RecordLesson(ctx, k.UserID, l, content.LessonProgress{EventID: uuid(), OccurredAt: time.Now(),
			State: content.LessonCompleted, SecondsSpent: 240}); err != nil {
			return len(standings), fmt.Errorf("lesson progress: %w", err)
		}
		n++
	}
	return len(standings), nil
}

func drainRun(o drainOpts) error {
	ctx := context.Background()
	stats := newCmdStats()
	a, closeAll, err := openCopy(ctx, o.from, stats)
	if err != nil {
		return err
	}
	defer closeAll()
	progress("opened a copy of %s; background work settled after %s", o.from, settle(ctx, a).Round(time.Second))
	players, err := fill(ctx, a, o)
	if err != nil {
		return err
	}
	queued, _, err := a.Learning.Pending(ctx)
	if err != nil {
		return err
	}
	progress("%d players in the programme; %d events queued by %d mentees", players, queued, o.mentees)
	stats.reset()
	if o.cpuprofile != "" {
		pf, err := os.Create(o.cpuprofile)
		if err != nil {
			return err
		}
		defer pf.Close()
		_ = pprof.StartCPUProfile(pf)
		defer pprof.StopCPUProfile()
	}
	// The end is seen through the worker's hook (a count of the queue holds the database's one
	// connection while it scans the queue), then confirmed with one count.
	var settled atomic.Int64
	a.Gamification.Hooks.BeforeDone = func(ids []string) error { settled.Add(int64(len(ids))); return nil }
	wctx, counter := dbcount.WithCounter(ctx)
	wctx, stop := context.WithCancel(wctx)
	var wg sync.WaitGroup
	wg.Add(1)
	start := time.Now()
	go func() { defer wg.Done(); a.RunWorkers(wctx) }()
	var left int64
	for {
		time.Sleep(100 * time.Millisecond)
		if settled.Load() < queued && time.Since(start) < 30*time.Minute {
			continue
		}
		if left, _, err = a.Learning.Pending(ctx); err != nil || left == 0 {
			break
		}
		time.Sleep(time.Second)
		if time.Since(start) > 30*time.Minute {
			err = fmt.Errorf("%d events still queued after 30 minutes", left)
			break
		}
	}
	elapsed := time.Since(start)
	stop()
	wg.Wait()
	if err != nil {
		return err
	}
	rows, total, count := stats.top(40)
	fmt.Printf("Drain of %d queued lesson completions by %d mentees, %d players in the programme: %.1f s, **%.0f events/s**; %d database commands (%.1f per event; %d under the workers' context), %.1f s of them in the database\n\n",
		queued, o.mentees, players, elapsed.Seconds(), float64(queued)/elapsed.Seconds(), count, float64(count)/float64(queued), counter.Load(), total.Seconds())
	fmt.Println("| command | count | database time | per command |\n|---|---|---|---|")
	for _, r := range rows {
		fmt.Println(r)
	}
	return nil
}

func uuid() string {
	b := make([]byte, 16)
	_, _ = crand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// settle runs the background workers until they leave the database's one connection free
// (five pings in a row answered within 5 ms, as bench/scale waits before it measures; at most
// three minutes), so that the drain is not timed beside work left over from the build, such
// as check-ins that fell due meanwhile.
func settle(ctx context.Context, a *app.App) time.Duration {
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); a.RunWorkers(wctx) }()
	t0 := time.Now()
	for quick := 0; quick < 5 && time.Since(t0) < 3*time.Minute; {
		p0 := time.Now()
		_ = a.DB.Ping(ctx)
		if time.Since(p0) < 5*time.Millisecond {
			quick++
		} else {
			quick = 0
		}
		time.Sleep(200 * time.Millisecond)
	}
	stop()
	wg.Wait()
	return time.Since(t0)
}
