package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/programme"
)

// The gamification API only reads what the gamification service wrote (and lets owners
// configure rules, badges and prizes); it never computes awards.
func (s *Server) mountGamification(r fiber.Router) {
	r.Get("/me/gamification", s.myGamification)
	r.Get("/me/badges", s.myBadges)
	r.Get("/me/progress-bars", s.myProgressBars)
	r.Get("/me/prizes", s.myPrizes)
	r.Get("/badge-art/:key.svg", s.badgeArt)
	r.Get("/programmes/:programmeId/leaderboard", s.leaderboard)
	r.Get("/programmes/:programmeId/gamification/rules", s.getRules)
	r.Put("/programmes/:programmeId/gamification/rules", s.putRules)
	r.Get("/programmes/:programmeId/gamification/badges", s.programmeBadges)
	r.Put("/programmes/:programmeId/gamification/badges/:badgeId", s.putBadge)
	r.Delete("/programmes/:programmeId/gamification/badges/:badgeId", s.deleteBadge)
	r.Get("/programmes/:programmeId/gamification/prizes", s.listPrizes)
	r.Post("/programmes/:programmeId/gamification/prizes", s.createPrize)
	r.Delete("/programmes/:programmeId/gamification/prizes/:prizeId", s.deletePrize)
	r.Get("/programmes/:programmeId/gamification/prize-winners", s.listWinners)
	r.Post("/programmes/:programmeId/gamification/prize-winners/:winnerId/handed-over", s.handOver)
}

// ---- responses

type recentAwardResponse struct {
	Kind      string    `json:"kind"`
	Rule      string    `json:"rule,omitempty"`
	XP        int       `json:"xp,omitempty"`
	BadgeID   string    `json:"badgeId,omitempty"`
	BadgeName string    `json:"badgeName,omitempty"`
	ImageURL  string    `json:"imageUrl,omitempty"`
	Level     int       `json:"level,omitempty"`
	At        time.Time `json:"at"`
}

type streakResponse struct {
	Current       int      `json:"current"`
	Best          int      `json:"best"`
	Freezes       int      `json:"freezes"`
	ActiveToday   bool     `json:"activeToday"`
	LastActiveDay string   `json:"lastActiveDay,omitempty"`
	FrozenDays    []string `json:"frozenDays"`
}

type dailyGoalResponse struct {
	Date    string `json:"date"`
	XP      int    `json:"xp"`
	Goal    int    `json:"goal"`
	Met     bool   `json:"met"`
	Percent int    `json:"percent"`
}

type countersResponse struct {
	Lessons           int `json:"lessons"`
	QuizzesPassed     int `json:"quizzesPassed"`
	PerfectQuizzes    int `json:"perfectQuizzes"`
	Checklists        int `json:"checklists"`
	Paths             int `json:"paths"`
	Assignments       int `json:"assignments"`
	AssignmentsOnTime int `json:"assignmentsOnTime"`
	PairingsAllOnTime int `json:"pairingsAllOnTime"`
	Reviews           int `json:"reviews"`
	ReviewDays        int `json:"reviewDays"`
	Meetings          int `json:"meetings"`
	Reflections       int `json:"reflections"`
	GoalsAchieved     int `json:"goalsAchieved"`
	CadenceMonths     int `json:"cadenceMonths"`
}

type summaryResponse struct {
	ProgrammeID          string                `json:"programmeId"`
	XP                   int64                 `json:"xp"`
	Level                int                   `json:"level"`
	LevelStartXP         int64                 `json:"levelStartXp"`
	NextLevelXP          int64                 `json:"nextLevelXp"`
	LevelProgressPercent int                   `json:"levelProgressPercent"`
	WeekXP               int64                 `json:"weekXp"`
	MonthXP              int64                 `json:"monthXp"`
	Streak               streakResponse        `json:"streak"`
	Today                dailyGoalResponse     `json:"today"`
	Counters             countersResponse      `json:"counters"`
	BadgesEarned         int                   `json:"badgesEarned"`
	RecentAwards         []recentAwardResponse `json:"recentAwards"`
}

// toSummaryResponse renders a standing; base is the server's address (badge images).
func toSummaryResponse(base string, sm gamification.Summary) summaryResponse {
	out := summaryResponse{ProgrammeID: sm.ProgrammeID, XP: sm.XP, Level: sm.Level.Level, LevelStartXP: sm.Level.LevelStartXP,
		NextLevelXP: sm.Level.NextLevelXP, LevelProgressPercent: sm.Level.ProgressPercent, WeekXP: sm.WeekXP, MonthXP: sm.MonthXP,
		Streak: streakResponse{Current: sm.Streak.Current, Best: sm.Streak.Best, Freezes: sm.Streak.Freezes, ActiveToday: sm.Streak.ActiveToday,
			LastActiveDay: sm.Streak.LastActive, FrozenDays: sm.Streak.FrozenDays},
		Today: dailyGoalResponse{Date: sm.Today.Date, XP: sm.Today.XP, Goal: sm.Goal, Met: sm.Today.GoalMet,
			Percent: min(100, sm.Today.XP*100/max(sm.Goal, 1))},
		Counters: countersResponse(sm.Tally), BadgesEarned: sm.Badges, RecentAwards: []recentAwardResponse{}}
	if out.Streak.FrozenDays == nil {
		out.Streak.FrozenDays = []string{}
	}
	for _, r := range sm.Recent {
		ra := recentAwardResponse{Kind: r.Kind, Rule: r.Rule, XP: r.XP, BadgeID: r.BadgeID, Level: r.Level, At: r.At}
		if r.BadgeID != "" {
			b := sm.BadgeNamed(r.BadgeID)
			ra.BadgeName, ra.ImageURL = b.Name, badgeImageURL(base, b)
		}
		out.RecentAwards = append(out.RecentAwards, ra)
	}
	return out
}

type criterionJSON struct {
	Counter string `json:"counter"`
	Domain  string `json:"domain,omitempty"`
	Target  int    `json:"target"`
}

type badgeProgressJSON struct {
	Current int `json:"current"`
	Target  int `json:"target"`
}

type myBadgeResponse struct {
	ProgrammeID string `json:"programmeId"`
	badgeResponse
	Earned   bool              `json:"earned"`
	EarnedAt *time.Time        `json:"earnedAt,omitempty"`
	Progress badgeProgressJSON `json:"progress"`
}

type barResponse struct {
	ProgrammeID string `json:"programmeId"`
	Kind        string `json:"kind"`
	ID          string `json:"id"`
	Done        int    `json:"done"`
	Total       int    `json:"total"`
	Percent     int    `json:"percent"`
}

type boardEntryResponse struct {
	Rank        int    `json:"rank"`
	UserID      string `json:"userId,omitempty"`
	DisplayName string `json:"displayName"`
	Anonymous   bool   `json:"anonymous"`
	Score       int64  `json:"score"`
	Me          bool   `json:"me"`
}

type boardResponse struct {
	ProgrammeID  string               `json:"programmeId"`
	PairingID    string               `json:"pairingId,omitempty"`
	Role         string               `json:"role,omitempty"`
	Period       string               `json:"period"`
	PeriodKey    string               `json:"periodKey"`
	StartsAt     *time.Time           `json:"startsAt,omitempty"`
	EndsAt       *time.Time           `json:"endsAt,omitempty"`
	Participants int                  `json:"participants"`
	Top          []boardEntryResponse `json:"top"`
	Me           *boardEntryResponse  `json:"me,omitempty"`
	MeHidden     bool                 `json:"meHidden"`
	Neighbours   []boardEntryResponse `json:"neighbours"`
}

func toBoardResponse(b gamification.Board) boardResponse {
	entry := func(e gamification.BoardEntry) boardEntryResponse { return boardEntryResponse(e) }
	out := boardResponse{ProgrammeID: b.ProgrammeID, PairingID: b.PairingID, Role: b.Role, Period: b.Period, PeriodKey: b.Key,
		Participants: b.Participants, MeHidden: b.MeHidden, Top: []boardEntryResponse{}, Neighbours: []boardEntryResponse{}}
	if !b.Start.IsZero() {
		start, end := b.Start.UTC(), b.End.UTC()
		out.StartsAt, out.EndsAt = &start, &end
	}
	for _, e := range b.Top {
		out.Top = append(out.Top, entry(e))
	}
	for _, e := range b.Neighbours {
		out.Neighbours = append(out.Neighbours, entry(e))
	}
	if b.Me != nil {
		me := entry(*b.Me)
		out.Me = &me
	}
	return out
}

type levelsJSON struct {
	Kind        string  `json:"kind"`
	Base        int     `json:"base"`
	Coefficient float64 `json:"coefficient"`
}

type rulesResponse struct {
	LessonCompleted     int        `json:"lessonCompleted"`
	ChecklistCompleted  int        `json:"checklistCompleted"`
	PathCompleted       int        `json:"pathCompleted"`
	QuizPassed          int        `json:"quizPassed"`
	QuizScoreBonus      int        `json:"quizScoreBonus"`
	QuizRetryPercent    int        `json:"quizRetryPercent"`
	ReviewCorrect       int        `json:"reviewCorrect"`
	ReviewIncorrect     int        `json:"reviewIncorrect"`
	ReviewRepeatPercent int        `json:"reviewRepeatPercent"`
	AssignmentOnTime    int        `json:"assignmentOnTime"`
	DailyGoalMet        int        `json:"dailyGoalMet"`
	DailyCap            int        `json:"dailyCap"`
	MinTimePercent      int        `json:"minTimePercent"`
	FutureSkewSeconds   int64      `json:"futureSkewSeconds"`
	FreezeEvery         int        `json:"freezeEvery"`
	MaxFreezes          int        `json:"maxFreezes"`
	Levels              levelsJSON `json:"levels"`
	LevelThresholds     []int64    `json:"levelThresholds"`
	MeetingConfirmed    int        `json:"meetingConfirmed"`
	ReflectionWritten   int        `json:"reflectionWritten"`
	GoalAchieved        int        `json:"goalAchieved"`
	CadenceKept         int        `json:"cadenceKept"`
}

func toRulesResponse(r gamification.Rules) rulesResponse {
	out := rulesResponse{LessonCompleted: r.LessonCompleted, ChecklistCompleted: r.ChecklistCompleted, PathCompleted: r.PathCompleted,
		QuizPassed: r.QuizPassed, QuizScoreBonus: r.QuizScoreBonus, QuizRetryPercent: r.QuizRetryPercent, AssignmentOnTime: r.AssignmentOnTime,
		ReviewCorrect: r.ReviewCorrect, ReviewIncorrect: r.ReviewIncorrect, ReviewRepeatPercent: r.ReviewRepeatPercent,
		MeetingConfirmed: r.MeetingConfirmed, ReflectionWritten: r.ReflectionWritten, GoalAchieved: r.GoalAchieved, CadenceKept: r.CadenceKept,
		DailyGoalMet: r.DailyGoalMet, DailyCap: r.DailyCap, MinTimePercent: r.MinTimePercent, FutureSkewSeconds: int64(r.FutureSkew / time.Second), FreezeEvery: r.FreezeEvery,
		MaxFreezes: r.MaxFreezes, Levels: levelsJSON(r.Levels)}
	for l := 1; l <= 10; l++ {
		out.LevelThresholds = append(out.LevelThresholds, r.Levels.Threshold(l))
	}
	return out
}

// rulesRequest replaces a programme's rules; omitted fields take their defaults.
type rulesRequest struct {
	LessonCompleted     *int    `json:"lessonCompleted"`
	ChecklistCompleted  *int    `json:"checklistCompleted"`
	PathCompleted       *int    `json:"pathCompleted"`
	QuizPassed          *int    `json:"quizPassed"`
	QuizScoreBonus      *int    `json:"quizScoreBonus"`
	QuizRetryPercent    *int    `json:"quizRetryPercent"`
	ReviewCorrect       *int    `json:"reviewCorrect"`
	ReviewIncorrect     *int    `json:"reviewIncorrect"`
	ReviewRepeatPercent *int    `json:"reviewRepeatPercent"`
	AssignmentOnTime    *int    `json:"assignmentOnTime"`
	DailyGoalMet        *int    `json:"dailyGoalMet"`
	DailyCap            *int    `json:"dailyCap"`
	MinTimePercent      *int    `json:"minTimePercent"`
	FutureSkewSeconds   *int64  `json:"futureSkewSeconds"`
	FreezeEvery         *int    `json:"freezeEvery"`
	MaxFreezes          *int    `json:"maxFreezes"`
	Levels              *levels `json:"levels"`
	MeetingConfirmed    *int    `json:"meetingConfirmed"`
	ReflectionWritten   *int    `json:"reflectionWritten"`
	GoalAchieved        *int    `json:"goalAchieved"`
	CadenceKept         *int    `json:"cadenceKept"`
}

type levels struct {
	Kind        *string  `json:"kind"`
	Base        *int     `json:"base"`
	Coefficient *float64 `json:"coefficient"`
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func (r rulesRequest) toRules() gamification.Rules {
	out := gamification.DefaultRules()
	set(&out.LessonCompleted, r.LessonCompleted)
	set(&out.ChecklistCompleted, r.ChecklistCompleted)
	set(&out.PathCompleted, r.PathCompleted)
	set(&out.QuizPassed, r.QuizPassed)
	set(&out.QuizScoreBonus, r.QuizScoreBonus)
	set(&out.QuizRetryPercent, r.QuizRetryPercent)
	set(&out.ReviewCorrect, r.ReviewCorrect)
	set(&out.ReviewIncorrect, r.ReviewIncorrect)
	set(&out.ReviewRepeatPercent, r.ReviewRepeatPercent)
	set(&out.AssignmentOnTime, r.AssignmentOnTime)
	set(&out.MeetingConfirmed, r.MeetingConfirmed)
	set(&out.ReflectionWritten, r.ReflectionWritten)
	set(&out.GoalAchieved, r.GoalAchieved)
	set(&out.CadenceKept, r.CadenceKept)
	set(&out.DailyGoalMet, r.DailyGoalMet)
	set(&out.DailyCap, r.DailyCap)
	set(&out.MinTimePercent, r.MinTimePercent)
	set(&out.FreezeEvery, r.FreezeEvery)
	set(&out.MaxFreezes, r.MaxFreezes)
	if r.FutureSkewSeconds != nil {
		out.FutureSkew = time.Duration(min(max(*r.FutureSkewSeconds, -1), 1<<40)) * time.Second
	}
	if r.Levels != nil {
		set(&out.Levels.Kind, r.Levels.Kind)
		set(&out.Levels.Base, r.Levels.Base)
		set(&out.Levels.Coefficient, r.Levels.Coefficient)
	}
	return out
}

type badgeRequest struct {
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Criterion   criterionJSON `json:"criterion"`
	ImageURL    string        `json:"imageUrl"`
}

type prizeRequest struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Kind        string `json:"kind"`
	Period      string `json:"period"`
	PlaceFrom   int    `json:"placeFrom"`
	PlaceTo     int    `json:"placeTo"`
	BadgeID     string `json:"badgeId"`
	// ClaimInstructions tell winners how to get the prize.
	ClaimInstructions string `json:"claimInstructions"`
}

type prizeResponse struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Kind        string `json:"kind"`
	Period      string `json:"period,omitempty"`
	PlaceFrom   int    `json:"placeFrom,omitempty"`
	PlaceTo     int    `json:"placeTo,omitempty"`
	BadgeID     string `json:"badgeId,omitempty"`
	// ClaimInstructions is "" when the owner gave none.
	ClaimInstructions string    `json:"claimInstructions"`
	CreatedAt         time.Time `json:"createdAt"`
}

func toPrizeResponse(p gamification.Prize) prizeResponse {
	return prizeResponse{ID: p.ID, Name: p.Name, Description: p.Description, Kind: p.Kind, Period: p.Period, PlaceFrom: p.PlaceFrom,
		PlaceTo: p.PlaceTo, BadgeID: p.BadgeID, ClaimInstructions: p.ClaimInstructions, CreatedAt: p.CreatedAt}
}

type winnerResponse struct {
	ID           string     `json:"id"`
	PrizeID      string     `json:"prizeId"`
	UserID       string     `json:"userId"`
	PeriodKey    string     `json:"periodKey,omitempty"`
	Place        int        `json:"place,omitempty"`
	Score        int64      `json:"score,omitempty"`
	BadgeID      string     `json:"badgeId,omitempty"`
	AwardedAt    time.Time  `json:"awardedAt"`
	HandedOver   bool       `json:"handedOver"`
	HandedOverAt *time.Time `json:"handedOverAt,omitempty"`
	HandedOverBy string     `json:"handedOverBy,omitempty"`
}

func toWinnerResponse(w gamification.Winner) winnerResponse {
	return winnerResponse{ID: w.ID, PrizeID: w.PrizeID, UserID: w.UserID, PeriodKey: w.PeriodKey, Place: w.Place, Score: w.Score,
		BadgeID: w.BadgeID, AwardedAt: w.AwardedAt, HandedOver: w.HandedOverAt != nil, HandedOverAt: w.HandedOverAt, HandedOverBy: w.HandedOverBy}
}

type itemsResponse[T any] struct {
	Items []T `json:"items"`
}

// ---- handlers

// programmeFilter reads the optional programmeId query parameter.
func programmeFilter(c *fiber.Ctx) (string, error) {
	id := strings.Clone(c.Query("programmeId"))
	if len(id) > 64 {
		return "", apperr.Invalid("/programmeId", "must be at most 64 characters")
	}
	return id, nil
}

// mine answers one of the caller's gamification lists (optionally for one programme, from
// ?programmeId), each item converted by conv.
func mine[T, R any](c *fiber.Ctx, fetch func(ctx context.Context, userID, programmeID string) ([]T, error), conv func(T) R) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	pid, err := programmeFilter(c)
	if err != nil {
		return err
	}
	xs, err := fetch(c.UserContext(), cl.UserID, pid)
	if err != nil {
		return err
	}
	out := itemsResponse[R]{Items: make([]R, 0, len(xs))}
	for _, x := range xs {
		out.Items = append(out.Items, conv(x))
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) myGamification(c *fiber.Ctx) error {
	base := s.baseURL(c)
	return mine(c, s.deps.Gamification.Summaries, func(sm gamification.Summary) summaryResponse { return toSummaryResponse(base, sm) })
}

func (s *Server) myBadges(c *fiber.Ctx) error {
	base := s.baseURL(c)
	return mine(c, s.deps.Gamification.BadgesOf, func(b gamification.BadgeProgress) myBadgeResponse { return toMyBadge(base, b) })
}

// toMyBadge renders one badge of the caller's, earned or not.
func toMyBadge(base string, b gamification.BadgeProgress) myBadgeResponse {
	r := myBadgeResponse{ProgrammeID: b.ProgrammeID, badgeResponse: toBadgeResponse(base, b.Badge), Earned: b.Earned != nil,
		Progress: badgeProgressJSON{Current: b.Current, Target: b.Target}}
	if b.Earned != nil {
		at := b.Earned.At
		r.EarnedAt = &at
	}
	return r
}

func (s *Server) myProgressBars(c *fiber.Ctx) error {
	return mine(c, s.deps.Gamification.BarsOf, func(b gamification.ProgrammeBar) barResponse {
		return barResponse{ProgrammeID: b.ProgrammeID, Kind: b.Kind, ID: b.ID, Done: b.Done, Total: b.Total, Percent: b.Percent()}
	})
}

func (s *Server) leaderboard(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, pid)
	if err != nil {
		return err
	}
	q := gamification.LeaderboardQuery{ProgrammeID: pid, Period: strings.Clone(c.Query("period", gamification.PeriodWeek)),
		PairingID: strings.Clone(c.Query("pairingId")), CallerID: cl.UserID, Limit: 10,
		SeeAllPairings: cl.Admin || cl.Role == programme.RoleOwner}
	switch q.Period {
	case gamification.PeriodWeek, gamification.PeriodMonth, gamification.PeriodAll:
	default:
		return apperr.Invalid("/period", "must be week, month or all")
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return apperr.Invalid("/limit", "must be a whole number from 1 to 100")
		}
		q.Limit = n
	}
	if len(q.PairingID) > 64 {
		return apperr.Invalid("/pairingId", "must be at most 64 characters")
	}
	// By default mentors do not compete with their mentees: a mentor sees the mentors'
	// board, everyone else (pairing boards included) the mentees'.
	q.Role = c.Query("role", string(programme.RoleMentee))
	if _, given := c.Queries()["role"]; !given && cl.Role == programme.RoleMentor && q.PairingID == "" {
		q.Role = string(programme.RoleMentor)
	}
	switch q.Role {
	case string(programme.RoleMentor), string(programme.RoleMentee), gamification.RoleAll:
	default:
		return apperr.Invalid("/role", "must be mentor, mentee or all")
	}
	q.Role = strings.Clone(q.Role)
	b, err := s.deps.Gamification.Leaderboard(c.UserContext(), q)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toBoardResponse(b))
}

func (s *Server) getRules(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid, programme.RoleOwner); err != nil {
		return err
	}
	r, err := s.deps.Gamification.Rules(c.UserContext(), pid)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toRulesResponse(r))
}

func (s *Server) putRules(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid, programme.RoleOwner); err != nil {
		return err
	}
	var req rulesRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	r, err := s.deps.Gamification.SetRules(c.UserContext(), pid, req.toRules())
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toRulesResponse(r))
}

func (s *Server) programmeBadges(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid); err != nil {
		return err
	}
	bs, err := s.deps.Gamification.Badges(c.UserContext(), pid)
	if err != nil {
		return err
	}
	out := itemsResponse[badgeResponse]{Items: []badgeResponse{}}
	for _, b := range bs {
		out.Items = append(out.Items, toBadgeResponse(s.baseURL(c), b))
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) putBadge(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid, programme.RoleOwner); err != nil {
		return err
	}
	var req badgeRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	b, err := s.deps.Gamification.PutBadge(c.UserContext(), gamification.Badge{ID: strings.Clone(c.Params("badgeId")), ProgrammeID: pid,
		Name: req.Name, Description: req.Description, Criterion: gamification.Criterion(req.Criterion), ImageURL: req.ImageURL})
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toBadgeResponse(s.baseURL(c), b))
}

func (s *Server) deleteBadge(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid, programme.RoleOwner); err != nil {
		return err
	}
	if err := s.deps.Gamification.DeleteBadge(c.UserContext(), pid, strings.Clone(c.Params("badgeId"))); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) listPrizes(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid); err != nil {
		return err
	}
	ps, err := s.deps.Gamification.Prizes(c.UserContext(), pid)
	if err != nil {
		return err
	}
	out := itemsResponse[prizeResponse]{Items: []prizeResponse{}}
	for _, p := range ps {
		out.Items = append(out.Items, toPrizeResponse(p))
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) createPrize(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, pid, programme.RoleOwner)
	if err != nil {
		return err
	}
	var req prizeRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p, err := s.deps.Gamification.CreatePrize(c.UserContext(), gamification.Prize{ProgrammeID: pid, Name: req.Name, Description: req.Description,
		Kind: req.Kind, Period: req.Period, PlaceFrom: req.PlaceFrom, PlaceTo: req.PlaceTo, BadgeID: req.BadgeID,
		ClaimInstructions: req.ClaimInstructions, CreatedBy: cl.UserID})
	if err != nil {
		return err
	}
	c.Location("/v1/programmes/" + pid + "/gamification/prizes/" + p.ID)
	return respond(c, http.StatusCreated, toPrizeResponse(p))
}

func (s *Server) deletePrize(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid, programme.RoleOwner); err != nil {
		return err
	}
	if err := s.deps.Gamification.DeletePrize(c.UserContext(), pid, strings.Clone(c.Params("prizeId"))); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) listWinners(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid, programme.RoleOwner); err != nil {
		return err
	}
	ws, err := s.deps.Gamification.Winners(c.UserContext(), pid)
	if err != nil {
		return err
	}
	out := itemsResponse[winnerResponse]{Items: []winnerResponse{}}
	for _, w := range ws {
		out.Items = append(out.Items, toWinnerResponse(w))
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) handOver(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, pid, programme.RoleOwner)
	if err != nil {
		return err
	}
	w, err := s.deps.Gamification.HandOver(c.UserContext(), pid, strings.Clone(c.Params("winnerId")), cl.UserID)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toWinnerResponse(w))
}
