package console

import (
	"net/http"
	"strconv"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/programme"
)

// The owner's overview and gamification settings.

type overviewData struct {
	Members  map[programme.Role]int
	Pairings map[mentoring.Status]int
	Library  int
	Board    gamification.Board
	Chart    chart
	Statuses []mentoring.Status
	Roles    []programme.Role
}

// overview shows the programme's figures that exist today: members by role, pairings by
// status, the library's size and this week's leaderboard. (Programme health and the
// at-risk list wait for the reports API, issue 13.)
func (c *Console) overview(w http.ResponseWriter, v *view) error {
	ctx := v.r.Context()
	d := overviewData{Members: map[programme.Role]int{}, Pairings: map[mentoring.Status]int{},
		Statuses: []mentoring.Status{mentoring.StatusActive, mentoring.StatusProposed, mentoring.StatusPaused, mentoring.StatusEnded},
		Roles:    []programme.Role{owner, mentor, mentee}}
	ms, _, err := c.deps.Programmes.Members(ctx, actorOf(v), v.Programme.ID, "", programme.MaxMembersPage)
	if err != nil {
		return err
	}
	for _, m := range ms {
		d.Members[m.Role]++
	}
	ps, err := c.deps.Mentoring.Pairings(ctx, mentoringActor(v.Caller), mentoring.PairingQuery{ProgrammeID: v.Programme.ID, Limit: 100})
	if err != nil {
		return err
	}
	for _, p := range ps {
		d.Pairings[p.Status]++
	}
	if d.Library, err = c.deps.Content.LibrarySize(ctx, v.Programme.ID); err != nil {
		return err
	}
	d.Board, err = c.deps.Gamification.Leaderboard(ctx, gamification.LeaderboardQuery{ProgrammeID: v.Programme.ID,
		Period: gamification.PeriodWeek, CallerID: v.Caller.UserID, Limit: 10, SeeAllPairings: true})
	if err != nil {
		return err
	}
	d.Chart = boardChart(v, d.Board)
	c.render(w, v, http.StatusOK, "overview", d)
	return nil
}

type gamificationData struct {
	Rules    gamification.Rules
	Curve    chart
	Badges   []gamification.Badge
	Prizes   []gamification.Prize
	Winners  []gamification.Winner
	Names    map[string]string
	Counters []string
}

var badgeCounters = []string{gamification.CounterLessons, gamification.CounterQuizzesPassed, gamification.CounterPerfectQuizzes,
	gamification.CounterChecklists, gamification.CounterPaths, gamification.CounterAssignments, gamification.CounterAssignmentsOnTime,
	gamification.CounterStreak, gamification.CounterActiveDays}

func (c *Console) gamificationPage(w http.ResponseWriter, v *view) error {
	ctx, pid := v.r.Context(), v.Programme.ID
	g := c.deps.Gamification
	d := gamificationData{Counters: badgeCounters}
	var err error
	if d.Rules, err = g.Rules(ctx, pid); err != nil {
		return err
	}
	if d.Badges, err = g.Badges(ctx, pid); err != nil {
		return err
	}
	if d.Prizes, err = g.Prizes(ctx, pid); err != nil {
		return err
	}
	if d.Winners, err = g.Winners(ctx, pid); err != nil {
		return err
	}
	var ids []string
	for _, w := range d.Winners {
		ids = append(ids, w.UserID)
	}
	d.Names = c.deps.Mentoring.DisplayNames(ctx, ids)
	var levels []bar
	for l := 1; l <= 10; l++ {
		levels = append(levels, bar{Label: v.T("gam.level", l), Short: strconv.Itoa(l), Value: d.Rules.Levels.Threshold(l)})
	}
	d.Curve = columns(v.T("chart.levels"), v.T("chart.xp"), levels)
	c.render(w, v, http.StatusOK, "gamification", d)
	return nil
}

// saveRules replaces the XP rules, starting from the current ones so that fields the form
// leaves out keep their value (gamification.SetRules validates).
func (c *Console) saveRules(w http.ResponseWriter, v *view) error {
	ctx, pid, f := v.r.Context(), v.Programme.ID, v.r.PostForm
	r, err := c.deps.Gamification.Rules(ctx, pid)
	if err != nil {
		return err
	}
	for name, dst := range map[string]*int{"lessonCompleted": &r.LessonCompleted, "checklistCompleted": &r.ChecklistCompleted,
		"pathCompleted": &r.PathCompleted, "quizPassed": &r.QuizPassed, "quizScoreBonus": &r.QuizScoreBonus,
		"quizRetryPercent": &r.QuizRetryPercent, "assignmentOnTime": &r.AssignmentOnTime, "dailyGoalMet": &r.DailyGoalMet,
		"dailyCap": &r.DailyCap, "freezeEvery": &r.FreezeEvery, "maxFreezes": &r.MaxFreezes, "levelBase": &r.Levels.Base,
		"reviewCorrect": &r.ReviewCorrect, "reviewIncorrect": &r.ReviewIncorrect, "reviewRepeatPercent": &r.ReviewRepeatPercent,
		"meetingConfirmed": &r.MeetingConfirmed, "reflectionWritten": &r.ReflectionWritten, "goalAchieved": &r.GoalAchieved,
		"cadenceKept": &r.CadenceKept} {
		if s := f.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return invalidNumber(name)
			}
			*dst = n
		}
	}
	if s := f.Get("levelCoefficient"); s != "" {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return invalidNumber("levelCoefficient")
		}
		r.Levels.Coefficient = x
	}
	if k := f.Get("levelKind"); k != "" {
		r.Levels.Kind = k
	}
	if _, err := c.deps.Gamification.SetRules(ctx, pid, r); err != nil {
		return err
	}
	return c.done(w, v, v.P("gamification"), "gam.rulesSaved")
}

func (c *Console) saveBadge(w http.ResponseWriter, v *view) error {
	f := v.r.PostForm
	target, err := strconv.Atoi(f.Get("target"))
	if err != nil {
		return invalidNumber("target")
	}
	_, err = c.deps.Gamification.PutBadge(v.r.Context(), gamification.Badge{ID: f.Get("id"), ProgrammeID: v.Programme.ID,
		Name: f.Get("name"), Description: f.Get("description"), Criterion: gamification.Criterion{Counter: f.Get("counter"), Target: target}})
	if err != nil {
		return err
	}
	return c.done(w, v, v.P("gamification"), "gam.badgeSaved")
}

func (c *Console) createPrize(w http.ResponseWriter, v *view) error {
	f := v.r.PostForm
	from, _ := strconv.Atoi(f.Get("placeFrom"))
	to, _ := strconv.Atoi(f.Get("placeTo"))
	p := gamification.Prize{ProgrammeID: v.Programme.ID, Name: f.Get("name"), Description: f.Get("description"), Kind: f.Get("kind"),
		CreatedBy: v.Caller.UserID}
	if p.Kind == "badge" {
		p.BadgeID = f.Get("badgeId")
	} else {
		p.Period, p.PlaceFrom, p.PlaceTo = f.Get("period"), from, to
	}
	if _, err := c.deps.Gamification.CreatePrize(v.r.Context(), p); err != nil {
		return err
	}
	return c.done(w, v, v.P("gamification"), "gam.prizeSaved")
}

func (c *Console) handOver(w http.ResponseWriter, v *view) error {
	if _, err := c.deps.Gamification.HandOver(v.r.Context(), v.Programme.ID, v.r.PathValue("id"), v.Caller.UserID); err != nil {
		return err
	}
	return c.done(w, v, v.P("gamification"), "gam.handedOver")
}
