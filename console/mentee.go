package console

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"github.com/microlearn/microlearn/authz"
	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/mentoring"
)

// The mentee's web view: what the phone app shows, so the product can be tried without a
// phone. Every write is the same service call the API's progress routes make, with an event
// ID minted when the page was rendered, so a form sent twice is recorded once.
func (c *Console) menteeRoutes() {
	m := c.mux
	m.HandleFunc("GET /p/{pid}/today", c.wrap(c.today, member))
	m.HandleFunc("GET /p/{pid}/library", c.wrap(c.library, member))
	m.HandleFunc("GET /p/{pid}/learn/{id}", c.wrap(c.learn, member))
	m.HandleFunc("POST /p/{pid}/learn/{id}/complete", c.wrap(c.completeLesson, member))
	m.HandleFunc("POST /p/{pid}/learn/{id}/attempt", c.wrap(c.attemptQuiz, member))
	m.HandleFunc("POST /p/{pid}/learn/{id}/tick", c.wrap(c.tickChecklist, member))
	m.HandleFunc("GET /p/{pid}/badges", c.wrap(c.badges, member))
	m.HandleFunc("GET /p/{pid}/leaderboard", c.wrap(c.leaderboardPage, member))
	m.HandleFunc("GET /p/{pid}/profile", c.wrap(c.inRole(c.profilePage, mentor, mentee), member))
	m.HandleFunc("POST /p/{pid}/profile", c.wrap(c.inRole(c.saveProfile, mentor, mentee), member))
}

type todayData struct {
	Summary    gamification.Summary
	HasSummary bool
	// The badges closest to being earned, how many are earned of how many, and the next
	// planned meeting (as GET /v1/me/home shows them).
	ToEarn              []gamification.BadgeProgress
	BadgesEarned, Total int
	Meeting             *mentoring.Meeting
	Assignments         []mentoring.AssignmentView
	Board               gamification.Board
	Activity            chart
	Domains             chart
}

func (c *Console) today(w http.ResponseWriter, v *view) error {
	ctx := v.r.Context()
	sums, badges, err := c.deps.Gamification.Home(ctx, v.Caller.UserID, v.Programme.ID)
	if err != nil {
		return err
	}
	var sum gamification.Summary
	ok := len(sums) > 0
	if ok {
		sum = sums[0]
	}
	views, _, err := c.deps.Mentoring.MyAssignments(ctx, v.Caller.UserID, mentoring.AssignmentOpen, nil, 50)
	if err != nil {
		return err
	}
	d := todayData{Summary: sum, HasSummary: ok}
	d.BadgesEarned, d.Total, d.ToEarn = gamification.ClosestBadges(badges, v.Programme.ID, 3)
	if err := c.nextMeeting(v, &d); err != nil {
		return err
	}
	for _, a := range views {
		if a.ProgrammeID == v.Programme.ID {
			d.Assignments = append(d.Assignments, a)
		}
	}
	d.Board, err = c.deps.Gamification.Leaderboard(ctx, gamification.LeaderboardQuery{ProgrammeID: v.Programme.ID,
		Period: gamification.PeriodWeek, CallerID: v.Caller.UserID, Limit: 5})
	if err != nil {
		return err
	}
	d.Activity = activityChart(v, sum.Days, 14)
	d.Domains = domainChart(v, sum.Domains)
	c.render(w, v, http.StatusOK, "today", d)
	return nil
}

// nextMeeting adds the caller's next planned meeting in the programme.
func (c *Console) nextMeeting(v *view, d *todayData) error {
	if c.deps.Record == nil {
		return nil
	}
	ms, err := c.deps.Record.NextMeetings(v.r.Context(), v.Caller.UserID)
	if err != nil {
		return err
	}
	if m, ok := ms[v.Programme.ID]; ok {
		d.Meeting = &m
	}
	return nil
}

type libraryData struct {
	Items []content.Item
	Kind  string
}

func (c *Console) library(w http.ResponseWriter, v *view) error {
	f := content.ListFilter{ProgrammeID: v.Programme.ID, IncludeGlobal: true, Statuses: []content.Status{content.StatusPublished}, Limit: 100}
	if k := content.Kind(v.r.URL.Query().Get("kind")); k.Valid() {
		f.Kind = k
	}
	items, _, err := c.deps.Content.List(v.r.Context(), f)
	if err != nil {
		return err
	}
	c.render(w, v, http.StatusOK, "library", libraryData{Items: items, Kind: string(f.Kind)})
	return nil
}

// readItem authorizes the reading of an item shown inside the current programme: the item
// must belong to it (or to the global library), through the API's own policy.
func (c *Console) readItem(v *view, kind content.Kind) (authz.ItemAccess, error) {
	acc, err := c.deps.Authz.ReadItem(v.r.Context(), v.Caller, v.r.PathValue("id"), kind)
	if err != nil {
		return acc, err
	}
	if !acc.Item.Global() && acc.Item.ProgrammeID != v.Programme.ID {
		return acc, content.ErrNotFound
	}
	return acc, nil
}

type learnData struct {
	Item     content.Item
	Author   bool
	Preview  bool
	EventID  string
	Started  int64
	Progress *content.ItemProgress
	Ticked   map[string]bool
	Complete bool
	Path     *content.PathProgress
	Attempts []content.Activity
	Last     *content.Activity
	Explain  map[string]string
	// Media are the lesson's media items by ID (console/media.go).
	Media map[string]blockMedia
}

func (c *Console) learn(w http.ResponseWriter, v *view) error {
	acc, err := c.readItem(v, "")
	if err != nil {
		return err
	}
	d, err := c.learnData(v, acc)
	if err != nil {
		return err
	}
	v.Title = acc.Item.Title
	c.render(w, v, http.StatusOK, "learn", d)
	return nil
}

func (c *Console) learnData(v *view, acc authz.ItemAccess) (learnData, error) {
	ctx, it, uid := v.r.Context(), acc.Item, v.Caller.UserID
	d := learnData{Item: it, Author: acc.Author, EventID: newEventID(), Started: c.deps.Now().Unix()}
	media, err := c.lessonMedia(ctx, it)
	if err != nil {
		return d, err
	}
	d.Media = media
	prog, err := c.deps.Content.Progress(ctx, uid)
	if err != nil {
		return d, err
	}
	for i := range prog {
		if prog[i].ItemID == it.ID {
			d.Progress = &prog[i]
		}
	}
	switch it.Kind {
	case content.KindChecklist:
		ticked, complete, err := c.deps.Content.ChecklistFor(ctx, uid, it)
		if err != nil {
			return d, err
		}
		d.Ticked, d.Complete = map[string]bool{}, complete
		for _, k := range ticked {
			d.Ticked[k] = true
		}
	case content.KindPath:
		pp, err := c.deps.Content.PathFor(ctx, uid, it, acc.Author)
		if err != nil {
			return d, err
		}
		d.Path = &pp
	case content.KindQuiz:
		atts, versions, err := c.deps.Content.Attempts(ctx, uid, it)
		if err != nil {
			return d, err
		}
		d.Attempts = atts
		if n := len(atts); n > 0 {
			d.Last = &atts[n-1]
			d.Explain = map[string]string{}
			if q := versions[d.Last.ItemVersion]; q.Quiz != nil {
				for _, qu := range q.Quiz.Questions {
					d.Explain[qu.Key] = qu.Explanation
				}
			}
		}
	}
	return d, nil
}

// occurred reads the render time the form carries: how long the person spent, bounded.
func (c *Console) spent(v *view) int {
	started, _ := strconv.ParseInt(v.r.PostFormValue("started"), 10, 64)
	s := c.deps.Now().Unix() - started
	if started <= 0 || s < 0 {
		return 0
	}
	return int(min(s, 3600))
}

func (c *Console) completeLesson(w http.ResponseWriter, v *view) error {
	acc, err := c.readItem(v, content.KindLesson)
	if err != nil {
		return err
	}
	_, err = c.deps.Content.RecordLesson(v.r.Context(), v.Caller.UserID, acc.Item, content.LessonProgress{
		EventID: v.r.PostFormValue("eventId"), OccurredAt: c.deps.Now(), State: content.LessonCompleted, SecondsSpent: c.spent(v)})
	if err != nil {
		return err
	}
	return c.done(w, v, v.P("learn", acc.Item.ID), "learn.completed")
}

func (c *Console) attemptQuiz(w http.ResponseWriter, v *view) error {
	acc, err := c.readItem(v, content.KindQuiz)
	if err != nil {
		return err
	}
	sub := content.QuizSubmission{EventID: v.r.PostFormValue("eventId"), OccurredAt: c.deps.Now(), SecondsSpent: c.spent(v)}
	sub.Version, _ = strconv.Atoi(v.r.PostFormValue("version"))
	for _, q := range acc.Item.Quiz.Questions {
		sub.Answers = append(sub.Answers, content.Answer{QuestionKey: q.Key, OptionKeys: v.r.PostForm["q."+q.Key]})
	}
	rec, _, err := c.deps.Content.SubmitQuiz(v.r.Context(), v.Caller.UserID, acc.Item, sub)
	if err != nil {
		return err
	}
	return c.done(w, v, v.P("learn", acc.Item.ID)+"#result", "learn.scored", rec.Activity.ScorePercent)
}

func (c *Console) tickChecklist(w http.ResponseWriter, v *view) error {
	acc, err := c.readItem(v, content.KindChecklist)
	if err != nil {
		return err
	}
	_, err = c.deps.Content.TickChecklist(v.r.Context(), v.Caller.UserID, acc.Item, content.ChecklistTick{
		EventID: v.r.PostFormValue("eventId"), OccurredAt: c.deps.Now(), ItemKey: v.r.PostFormValue("item"),
		Ticked: v.r.PostFormValue("ticked") == "true"})
	if err != nil {
		return err
	}
	return c.done(w, v, v.P("learn", acc.Item.ID), "")
}

type badgesData struct {
	Badges []gamification.BadgeProgress
}

func (c *Console) badges(w http.ResponseWriter, v *view) error {
	bs, err := c.deps.Gamification.BadgesOf(v.r.Context(), v.Caller.UserID, v.Programme.ID)
	if err != nil {
		return err
	}
	c.render(w, v, http.StatusOK, "badges", badgesData{Badges: bs})
	return nil
}

type boardData struct {
	Board  gamification.Board
	Period string
	Chart  chart
}

// leaderboardPage shows a board with the visibility rules of GET .../leaderboard (the
// gamification service applies them; owners may see any pairing's board).
func (c *Console) leaderboardPage(w http.ResponseWriter, v *view) error {
	period := v.r.URL.Query().Get("period")
	switch period {
	case gamification.PeriodWeek, gamification.PeriodMonth, gamification.PeriodAll:
	default:
		period = gamification.PeriodWeek
	}
	b, err := c.deps.Gamification.Leaderboard(v.r.Context(), gamification.LeaderboardQuery{ProgrammeID: v.Programme.ID, Period: period,
		CallerID: v.Caller.UserID, Limit: 20, SeeAllPairings: v.Owner()})
	if err != nil {
		return err
	}
	c.render(w, v, http.StatusOK, "leaderboard", boardData{Board: b, Period: period, Chart: boardChart(v, b)})
	return nil
}

type profileData struct {
	Profile mentoring.Profile
	Tags    []mentoring.Tag
	Mentor  bool
}

func mentoringActor(cl authz.Caller) mentoring.Actor {
	return mentoring.Actor{UserID: cl.UserID, Role: string(cl.Role), Admin: cl.Admin}
}

func (c *Console) profilePage(w http.ResponseWriter, v *view) error {
	ctx := v.r.Context()
	p, err := c.deps.Mentoring.ProfileOf(ctx, mentoringActor(v.Caller), v.Programme.ID, v.Caller.UserID)
	if err != nil && apperr.KindOf(err) != apperr.KindNotFound {
		return err
	}
	tags, err := c.deps.Mentoring.Tags(ctx, v.Programme.ID)
	if err != nil {
		return err
	}
	c.render(w, v, http.StatusOK, "profile", profileData{Profile: p, Tags: tags, Mentor: v.Mentor()})
	return nil
}

func (c *Console) saveProfile(w http.ResponseWriter, v *view) error {
	f := v.r.PostForm
	in := mentoring.ProfileInput{Department: f.Get("department"), Location: f.Get("location"), Languages: splitList(f.Get("languages"))}
	if v.Mentor() {
		in.Skills = splitList(f.Get("skills"))
		capacity, err := strconv.Atoi(f.Get("capacity"))
		if err != nil {
			return apperr.Invalid("/capacity", "must be a whole number")
		}
		available, note := f.Get("available") == "on", f.Get("availabilityNote")
		in.Capacity, in.Available, in.AvailabilityNote = &capacity, &available, &note
	} else {
		in.Objectives = splitList(f.Get("objectives"))
		pref := f.Get("departmentPreference")
		in.DepartmentPreference = &pref
	}
	if _, err := c.deps.Mentoring.PutMyProfile(v.r.Context(), mentoringActor(v.Caller), v.Programme.ID, in); err != nil {
		return err
	}
	return c.done(w, v, v.P("profile"), "profile.saved")
}

// newEventID is a UUID (version 4) for a progress form, as a phone would generate one.
func newEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// splitList reads a comma-separated form field.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
