package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/content/contentdb"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/internal/config"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/notify/notifydb"
	"github.com/microlearn/microlearn/programme"
)

// world is the running product and the programme the bench builds in it: the demo
// programme (its content pack, owner and mentor) grown with generated mentors and mentees.
type world struct {
	a      *app.App
	base   string
	client *http.Client
	stop   func()
	pid    string
	owner  string
	rng    *rand.Rand

	mentees []string // user IDs, in creation order
	mentors []string
	// groups are group pairings (five mentees each) with their mentor.
	groups  []pairing
	tokens  map[string]issued
	tokenMu sync.Mutex

	lessons, quizzes, checklists, paths []content.Item
	// fresh are published lessons nobody has done: completing one earns XP, so the writes
	// measured do the whole work of a first completion.
	fresh []content.Item
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
func start(ctx context.Context, dir string) (*world, error) {
	cfg, err := app.LoadConfig(config.FromMap(map[string]string{
		"DATA_DIR": dir, "DEMO_SEED": "true", "EMBEDDED_MONGO_ADDR": "127.0.0.1:0", "AUTH_RATE_LIMIT": "0",
	}))
	if err != nil {
		return nil, err
	}
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})), app.Options{})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = a.Serve(sctx, ln) }()
	w := &world{a: a, base: "http://" + ln.Addr().String(), pid: app.DemoProgrammeID, rng: rand.New(rand.NewPCG(1, 2)),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512}, Timeout: 60 * time.Second},
		tokens: map[string]issued{}}
	w.stop = func() {
		cancel()
		<-done
		_ = a.Close(context.Background())
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

// grow adds mentors and mentees until the programme has size mentees, each with a profile,
// a pairing, an assignment, o.activity learning events of history (activity records,
// processed events, a gamification player and its ledger) and o.inbox notifications.
func (w *world) grow(ctx context.Context, size int, o options) error {
	for len(w.mentees) < size {
		n := min(menteesPerMentor, size-len(w.mentees))
		if err := w.addBlockRetrying(ctx, n, o); err != nil {
			return err
		}
		if len(w.mentees)%1000 == 0 {
			logf("  %d mentees", len(w.mentees))
		}
	}
	return nil
}

// addBlockRetrying adds a block, and on a busy machine (the one connection to the embedded
// database not free within the driver's 30 s) starts the block again, up to three times; a
// failed block's people stay behind without pairings.
func (w *world) addBlockRetrying(ctx context.Context, n int, o options) error {
	for attempt := 1; ; attempt++ {
		err := w.addBlock(ctx, n, o)
		if err == nil || attempt == 3 || !strings.Contains(err.Error(), "checking out a connection") {
			return err
		}
		logf("  block failed (%v); trying again", err)
	}
}

// addBlock adds one mentor and n mentees: a group pairing of the first five, one-to-one
// pairings for the rest.
func (w *world) addBlock(ctx context.Context, n int, o options) error {
	mentor, err := w.person(ctx, "mentor", programme.RoleMentor)
	if err != nil {
		return err
	}
	capacity, yes := menteesPerMentor+2, true
	if _, err := w.a.Mentoring.PutMyProfile(ctx, mentoring.Actor{UserID: mentor, Role: mentoring.RoleMentor}, w.pid,
		mentoring.ProfileInput{Department: dept(len(w.mentors)), Location: "Birmingham", Languages: []string{"en"},
			Skills: []string{"Leadership", "Giving feedback", "Rota planning"}, Capacity: &capacity, Available: &yes}); err != nil {
		return fmt.Errorf("mentor profile: %w", err)
	}
	w.mentors = append(w.mentors, mentor)
	var block []string
	for i := 0; i < n; i++ {
		m, err := w.person(ctx, "mentee", programme.RoleMentee)
		if err != nil {
			return err
		}
		if _, err := w.a.Mentoring.PutMyProfile(ctx, mentoring.Actor{UserID: m, Role: mentoring.RoleMentee}, w.pid,
			mentoring.ProfileInput{Department: dept(len(w.mentees) + i), Location: "Solihull", Languages: []string{"en"},
				Objectives: []string{"Leadership", "Confidence"}}); err != nil {
			return fmt.Errorf("mentee profile: %w", err)
		}
		block = append(block, m)
	}
	if err := w.pairUp(ctx, mentor, block); err != nil {
		return err
	}
	for _, m := range block {
		if err := w.history(ctx, m, o); err != nil {
			return err
		}
	}
	w.mentees = append(w.mentees, block...)
	return nil
}

func dept(i int) string {
	return []string{"Surgery", "Emergency medicine", "Paediatrics", "Radiology", "Oncology", "Cardiology"}[i%6]
}

// person creates an account and its membership through the stores.
func (w *world) person(ctx context.Context, kind string, role programme.Role) (string, error) {
	i := len(w.mentees) + len(w.mentors) + w.rng.IntN(1<<30)
	u := identity.User{ID: identity.NewID(), Email: fmt.Sprintf("%s-%d-%d@scale.example", kind, i, w.rng.IntN(1<<20)),
		DisplayName: fmt.Sprintf("%s %d", kind, i), Timezone: zones[i%len(zones)], Locale: "en",
		LearningSlots: []string{[]string{"07:30", "12:15", "19:00"}[i%3]}, DailyXPGoal: 20, CreatedAt: time.Now().UTC()}
	if err := w.a.Identity.Store.CreateUser(ctx, u, "not-a-password-hash"); err != nil {
		return "", fmt.Errorf("create user: %w", err)
	}
	w.a.Identity.ProfileChanged(ctx, u.ID) // as Register does: the reminder scheduler tracks their slot
	if err := w.a.Programmes.AddMember(ctx, w.pid, u.ID, role); err != nil {
		return "", fmt.Errorf("add member: %w", err)
	}
	return u.ID, nil
}

// pairUp pairs the block's mentees with their mentor (through the mentoring service, with its
// capacity guards) and gives every pairing an assignment.
func (w *world) pairUp(ctx context.Context, mentor string, block []string) error {
	owner := mentoring.Actor{UserID: w.owner, Role: mentoring.RoleOwner}
	mentorActor := mentoring.Actor{UserID: mentor, Role: mentoring.RoleMentor}
	agreement := mentoring.Agreement{MeetingFrequency: mentoring.Monthly}
	due := time.Now().AddDate(0, 0, 14).Format(time.DateOnly)
	if len(block) >= groupSize {
		p, err := w.a.Mentoring.CreatePairing(ctx, owner, w.pid, mentoring.NewPairing{MentorID: mentor, MenteeIDs: block[:groupSize],
			Type: mentoring.Group, Agreement: agreement})
		if err != nil {
			return fmt.Errorf("group pairing: %w", err)
		}
		w.groups = append(w.groups, pairing{p.ID, mentor})
		refs := []learning.ItemRef{ref(w.paths[0]), ref(w.quizzes[0]), ref(w.lessons[len(w.lessons)-1])}
		if _, err := w.a.Mentoring.Assign(ctx, mentorActor, p.ID, mentoring.NewAssignment{Items: refs, Due: due}); err != nil {
			return fmt.Errorf("group assignment: %w", err)
		}
		block = block[groupSize:]
	}
	for i, m := range block {
		p, err := w.a.Mentoring.CreatePairing(ctx, owner, w.pid, mentoring.NewPairing{MentorID: mentor, MenteeIDs: []string{m},
			Type: mentoring.OneToOne, Agreement: agreement})
		if err != nil {
			return fmt.Errorf("one-to-one pairing: %w", err)
		}
		refs := []learning.ItemRef{ref(w.lessons[i%len(w.lessons)]), ref(w.lessons[(i+3)%len(w.lessons)])}
		if _, err := w.a.Mentoring.Assign(ctx, mentorActor, p.ID, mentoring.NewAssignment{Items: refs, Due: due}); err != nil {
			return fmt.Errorf("assignment: %w", err)
		}
	}
	return nil
}

func ref(it content.Item) learning.ItemRef { return learning.ItemRef{Kind: string(it.Kind), ID: it.ID} }

// history writes o.activity learning events of one mentee's past (spread over the last 60
// days) as the product would have left them: activity records, processed events (kept leases
// for the last 31 days, the log before), the gamification player they add up to with its
// ledger, and o.inbox notifications.
func (w *world) history(ctx context.Context, user string, o options) error {
	now := time.Now().UTC()
	var acts []content.Activity
	var events []learning.Event
	p := gamification.Player{ProgrammeID: w.pid, UserID: user, Done: map[string]bool{}, Domains: map[string]int{},
		DisplayName: "mentee " + user[:6], Visibility: gamification.Visible, Role: string(programme.RoleMentee), UpdatedAt: now}
	var ledger []gamification.LedgerEntry
	days := map[string]int{}
	attempts := map[string]int{}
	for k := 0; k < o.activity; k++ {
		at := now.Add(-time.Duration(60*24*(o.activity-k)/max(o.activity, 1)) * time.Hour).Add(-time.Duration(w.rng.IntN(3600)) * time.Second)
		eventID := uuid()
		var a content.Activity
		var e learning.Event
		switch k % 5 {
		case 0, 1, 2: // a lesson, started then completed
			it := w.lessons[(k/2)%len(w.lessons)]
			state := content.LessonCompleted
			kind := learning.LessonCompleted
			if k%5 == 0 {
				state, kind = content.LessonStarted, learning.LessonStarted
			}
			a = content.Activity{Type: content.ActivityLessonProgress, ItemID: it.ID, ItemKind: it.Kind, ItemVersion: it.Version,
				LessonState: state, Completes: state == content.LessonCompleted}
			e = learning.Event{Kind: kind, ItemKind: string(it.Kind), ItemID: it.ID, Domain: string(it.Domain)}
		case 3:
			it := w.quizzes[(k/5)%len(w.quizzes)]
			attempts[it.ID]++
			score := 50 + w.rng.IntN(51)
			a = content.Activity{Type: content.ActivityQuizAttempt, ItemID: it.ID, ItemKind: it.Kind, ItemVersion: it.Version,
				Attempt: attempts[it.ID], ScorePercent: score, Passed: score >= 70, Completes: score >= 70}
			e = learning.Event{Kind: learning.QuizAttempted, ItemKind: string(it.Kind), ItemID: it.ID, Domain: string(it.Domain),
				ScorePercent: score, Passed: score >= 70, Attempt: attempts[it.ID]}
		default:
			it := w.checklists[(k/5)%len(w.checklists)]
			a = content.Activity{Type: content.ActivityChecklistTick, ItemID: it.ID, ItemKind: it.Kind, ItemVersion: it.Version,
				ChecklistItem: checklistItem(it, k), Ticked: true, TickedItems: []string{checklistItem(it, k)}}
			e = learning.Event{Kind: learning.ChecklistCompleted, ItemKind: string(it.Kind), ItemID: it.ID, Domain: string(it.Domain)}
		}
		a.UserID, a.EventID, a.ProgrammeID, a.OccurredAt, a.RecordedAt, a.SecondsSpent = user, eventID, w.pid, at, at, 300
		e.ID, e.UserID, e.ProgrammeID, e.OccurredAt, e.RecordedAt, e.SecondsSpent = eventID, user, w.pid, at, at, 300
		acts, events = append(acts, a), append(events, e)
		if a.Completes {
			xp := 10
			day := at.Format(time.DateOnly)
			days[day] += xp
			p.XP += int64(xp)
			p.Done[string(e.ItemKind)+":"+e.ItemID] = true
			p.Domains[e.Domain]++
			ledger = append(ledger, gamification.LedgerEntry{ID: eventID + ":" + string(e.Kind), EventID: eventID, Rule: string(e.Kind),
				ProgrammeID: w.pid, UserID: user, XP: xp, Day: day, Week: weekKey(at), Month: "m" + at.Format("2006-01"), OccurredAt: at, At: at})
			addPeriod(&p.Weeks, weekKey(at), int64(xp))
			addPeriod(&p.Months, "m"+at.Format("2006-01"), int64(xp))
		}
	}
	for day, xp := range days {
		p.Days = append(p.Days, gamification.DayRecord{Date: day, XP: xp, GoalMet: xp >= 20})
	}
	p.Level = 1 + int(p.XP/100)
	if err := w.a.Content.Store.(*contentdb.Store).SeedActivities(ctx, acts); err != nil {
		return err
	}
	if err := w.a.Learning.SeedProcessed(ctx, events, now); err != nil {
		return err
	}
	if _, err := w.a.Gamification.Store.SavePlayer(ctx, p); err != nil {
		return fmt.Errorf("save player: %w", err)
	}
	for i := 0; i < len(ledger); i += 1000 {
		if _, _, err := w.a.Gamification.Store.AppendLedger(ctx, ledger[i:min(len(ledger), i+1000)], nil); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
	}
	return w.inbox(ctx, user, o.inbox, now)
}

func (w *world) inbox(ctx context.Context, user string, n int, now time.Time) error {
	var es []notify.Entry
	for i := 0; i < n; i++ {
		at := now.Add(-time.Duration(i*36) * time.Hour)
		es = append(es, notify.Entry{ID: fmt.Sprintf("seed-%s-%d", user, i), UserID: user, Kind: notify.KindBadgeEarned, ProgrammeID: w.pid,
			Title: "Badge earned", Body: "You earned a badge", Status: notify.StatusSent, Shown: true, CreatedAt: at, At: at})
	}
	return w.a.Notify.Store.(*notifydb.Store).SeedInbox(ctx, es)
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
