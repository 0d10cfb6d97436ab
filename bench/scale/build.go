package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/internal/config"
	"github.com/microlearn/microlearn/internal/mongodb"
)

// world is the running product and the programme the bench builds in it: the demo
// programme (its content pack, owner and mentor) grown with generated mentors and mentees.
type world struct {
	a      *app.App
	base   string
	client *http.Client
	stop   func()
	dbt    *dbTime
	// notices enqueues the seeded assignments' notifications over the build.
	notices *handOff
	// recomputed says whether the reports' aggregates were rebuilt after the last build; the
	// last rebuild took lastRecompute at lastRecomputeSize mentees.
	recomputed        bool
	lastRecompute     time.Duration
	lastRecomputeSize int
	pid               string
	owner             string
	rng               *rand.Rand

	mentees []string // user IDs, in creation order
	mentors []string
	// groups are group pairings (five mentees each) with their mentor.
	groups  []pairing
	tokens  map[string]issued
	tokenMu sync.Mutex
	// lastCommands is the database commands of the last request answered (-1: not recorded).
	lastCommands atomic.Int64

	lessons, quizzes, checklists, paths []content.Item
	// fresh are published lessons nobody has done: completing one earns XP, so the writes
	// measured do the whole work of a first completion.
	fresh []content.Item
	// done are the fresh lessons each mentee has completed in the bench's requests (freshFor).
	done   map[string]map[string]bool
	doneMu sync.Mutex
}

// freshLessons is how many lessons the bench adds to the demo library for its writes.
const freshLessons = 300

type pairing struct{ id, mentor string }

const (
	menteesPerMentor = 10 // one group pairing of five and five one-to-one pairings
	groupSize        = 5
)

var zones = []string{"Europe/London", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"}

// start runs the whole product (API and workers, as cmd/api does) on the embedded database in
// dir, with the demo programme seeded.
func start(ctx context.Context, dir string, dbt *dbTime) (*world, error) {
	cfg, err := app.LoadConfig(config.FromMap(map[string]string{
		"DATA_DIR": dir, "DEMO_SEED": "true", "EMBEDDED_MONGO_ADDR": "127.0.0.1:0", "AUTH_RATE_LIMIT": "0",
	}))
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	db, stopDB, err := openDB(ctx, dir, cfg.Database, log, dbt)
	if err != nil {
		return nil, err
	}
	a, err := app.New(ctx, cfg, log, app.Options{RecordDBCommands: true, DB: db})
	if err != nil {
		stopDB()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = a.Serve(sctx, ln) }()
	w := &world{a: a, dbt: dbt, notices: newHandOff(sctx, a.Notify), base: "http://" + ln.Addr().String(), pid: app.DemoProgrammeID, rng: rand.New(rand.NewPCG(1, 2)),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512}, Timeout: 60 * time.Second},
		tokens: map[string]issued{}, done: map[string]map[string]bool{}}
	w.stop = func() {
		cancel()
		<-done
		_ = db.Client.Disconnect(context.Background())
		stopDB()
	}
	owner, _, err := a.Identity.Store.UserByEmail(ctx, app.DemoAccounts[0].Email)
	if err != nil {
		w.stop()
		return nil, err
	}
	w.owner = owner.ID
	items, err := a.Content.Store.ListItems(ctx, content.ListFilter{ProgrammeID: w.pid, Limit: 500})
	if err != nil {
		w.stop()
		return nil, err
	}
	for _, it := range items {
		switch it.Kind {
		case content.KindLesson:
			w.lessons = append(w.lessons, it)
		case content.KindQuiz:
			w.quizzes = append(w.quizzes, it)
		case content.KindChecklist:
			w.checklists = append(w.checklists, it)
		case content.KindPath:
			w.paths = append(w.paths, it)
		}
	}
	if len(w.lessons) == 0 || len(w.quizzes) == 0 || len(w.paths) == 0 {
		w.stop()
		return nil, fmt.Errorf("the demo content pack is missing (lessons %d, quizzes %d, paths %d)", len(w.lessons), len(w.quizzes), len(w.paths))
	}
	if err := w.addFreshLessons(ctx); err != nil {
		w.stop()
		return nil, err
	}
	return w, nil
}

// openDB starts the embedded engine in dir as mongodb.Open does (one pooled connection), with
// the command monitor timing what holds that connection.
func openDB(ctx context.Context, dir, database string, log *slog.Logger, dbt *dbTime) (*mongodb.DB, func(), error) {
	uri, stop, err := mongodb.StartEmbedded(dir, "127.0.0.1:0", log)
	if err != nil {
		return nil, nil, err
	}
	client, err := mongo.Connect(mongodb.ClientOptions(uri, true).SetMonitor(dbt.monitor()))
	if err != nil {
		stop()
		return nil, nil, err
	}
	db := &mongodb.DB{Client: client, DB: client.Database(database), Embedded: true, URI: uri}
	if err := db.Ping(ctx); err != nil {
		_ = client.Disconnect(ctx)
		stop()
		return nil, nil, err
	}
	return db, stop, nil
}

// addFreshLessons publishes copies of the demo lessons, which the history never touches.
func (w *world) addFreshLessons(ctx context.Context) error {
	for i := 0; i < freshLessons; i++ {
		it := w.lessons[i%len(w.lessons)]
		it.Title = fmt.Sprintf("%s (part %d)", it.Title, i+1)
		it.PackID, it.Key, it.ContentHash = "", "", ""
		created, err := w.a.Content.Create(ctx, w.owner, w.pid, it)
		if err != nil {
			return fmt.Errorf("fresh lesson: %w", err)
		}
		published, err := w.a.Content.Publish(ctx, created.ID)
		if err != nil {
			return fmt.Errorf("publish fresh lesson: %w", err)
		}
		w.fresh = append(w.fresh, published)
	}
	return nil
}

// weekKey is the leaderboard week of t (weeks start on Monday): "w<date of the Monday>".
func weekKey(t time.Time) string {
	wd := (int(t.Weekday()) + 6) % 7
	return "w" + t.AddDate(0, 0, -wd).Format(time.DateOnly)
}

func addPeriod(ps *[]gamification.PeriodXP, key string, xp int64) {
	for i := range *ps {
		if (*ps)[i].Key == key {
			(*ps)[i].XP += xp
			return
		}
	}
	*ps = append(*ps, gamification.PeriodXP{Key: key, XP: xp})
}

// token signs a mentee or mentor in without a password (the bench mints access tokens with the
// product's own issuer; sessions are not looked up per request). A token is minted again a
// minute before it expires: a run at 10,000 mentees lasts longer than a token.
func (w *world) token(user string) (string, error) {
	w.tokenMu.Lock()
	defer w.tokenMu.Unlock()
	if t, ok := w.tokens[user]; ok && time.Until(t.expires) > time.Minute {
		return t.token, nil
	}
	t, c, err := w.a.Tokens.Issue(user, "bench-"+user, false)
	if err != nil {
		return "", err
	}
	w.tokens[user] = issued{t, c.ExpiresAt}
	return t, nil
}

type issued struct {
	token   string
	expires time.Time
}
