package gamification

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Summary is a user's standing in one programme.
type Summary struct {
	ProgrammeID string
	XP          int64
	Level       LevelInfo
	Streak      StreakView
	// Today is the user's local day and its XP against the daily goal.
	Today   DayRecord
	Goal    int
	WeekXP  int64
	MonthXP int64
	Tally   Tally
	Badges  int
	Recent  []Recent
	// Days are the local days with XP (up to 60 back, oldest first), and Domains the
	// completions per learning domain: what the console draws.
	Days    []DayRecord
	Domains map[string]int
	// Catalog is the programme's badges (built-in first), for naming the badges in Recent.
	Catalog []Badge
}

// BadgeNamed returns the catalogue's badge id; one named by its id when the owner deleted it.
func (sm Summary) BadgeNamed(id string) Badge {
	for _, b := range sm.Catalog {
		if b.ID == id {
			return b
		}
	}
	return Badge{ID: id, ProgrammeID: sm.ProgrammeID, Name: id}
}

// Summaries returns the user's standing in each programme where they have any (or in the
// one programme named).
func (s *Service) Summaries(ctx context.Context, userID, programmeID string) ([]Summary, error) {
	ps, err := s.players(ctx, userID, programmeID)
	if err != nil {
		return nil, err
	}
	return s.summarize(ctx, userID, ps)
}

// summarize is the standing of each of userID's players.
func (s *Service) summarize(ctx context.Context, userID string, ps []Player) ([]Summary, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	prof, err := s.profile(ctx, userID)
	if err != nil {
		return nil, err
	}
	goal := prof.DailyXPGoal
	now := s.now()
	out := make([]Summary, 0, len(ps))
	for _, p := range ps {
		cfg, err := s.config(ctx, p.ProgrammeID)
		if err != nil {
			return nil, err
		}
		pz, err := s.programmeZone(ctx, p.ProgrammeID)
		if err != nil {
			return nil, err
		}
		today := localDate(now, zoneAt(noteZone(p.Zones, prof, now), now))
		d := p.DayXP(today)
		if !d.GoalMet && d.XP >= goal {
			d.GoalMet = true
		}
		week, _ := PeriodXPFor(p.Weeks, PeriodKey(PeriodWeek, now, pz))
		month, _ := PeriodXPFor(p.Months, PeriodKey(PeriodMonth, now, pz))
		out = append(out, Summary{ProgrammeID: p.ProgrammeID, XP: p.XP, Level: LevelOf(cfg.Rules.Levels, p.XP),
			Streak: p.Streak.View(today), Today: d, Goal: goal, WeekXP: week, MonthXP: month, Tally: p.Tally,
			Badges: len(p.Badges), Recent: p.Recent, Days: p.Days, Domains: p.Domains, Catalog: cfg.Badges})
	}
	return out, nil
}

// BadgesOf returns every badge of the user's programmes (or of the one named), earned or
// not, with progress toward it.
func (s *Service) BadgesOf(ctx context.Context, userID, programmeID string) ([]BadgeProgress, error) {
	ps, err := s.players(ctx, userID, programmeID)
	if err != nil {
		return nil, err
	}
	return s.badgeProgress(ctx, ps)
}

// badgeProgress is every badge of the players' programmes, earned or not, with progress.
func (s *Service) badgeProgress(ctx context.Context, ps []Player) ([]BadgeProgress, error) {
	var out []BadgeProgress
	for _, p := range ps {
		cfg, err := s.config(ctx, p.ProgrammeID)
		if err != nil {
			return nil, err
		}
		for _, b := range cfg.Badges {
			bp := BadgeProgress{ProgrammeID: p.ProgrammeID, Badge: b, Current: min(p.Counter(b.Criterion), b.Criterion.Target), Target: b.Criterion.Target}
			if e, ok := p.HasBadge(b.ID); ok {
				bp.Earned, bp.Current = &e, b.Criterion.Target
			}
			out = append(out, bp)
		}
		// Badges since deleted by the owner stay earned.
		for _, e := range p.Badges {
			if !slices.ContainsFunc(cfg.Badges, func(b Badge) bool { return b.ID == e.ID }) {
				e := e
				out = append(out, BadgeProgress{ProgrammeID: p.ProgrammeID, Badge: Badge{ID: e.ID, ProgrammeID: p.ProgrammeID, Name: e.ID},
					Earned: &e, Current: 1, Target: 1})
			}
		}
	}
	return out, nil
}

// ProgrammeBar is a progress bar of a user in a programme.
type ProgrammeBar struct {
	ProgrammeID string
	Bar
}

// BarsOf returns the user's progress bars (in one programme when named), as the service
// last wrote them, with the bars nothing has moved yet at 0: the programme's library and
// each of its published paths (barsAtZero).
func (s *Service) BarsOf(ctx context.Context, userID, programmeID string) ([]ProgrammeBar, error) {
	ps, err := s.players(ctx, userID, programmeID)
	if err != nil {
		return nil, err
	}
	var out []ProgrammeBar
	for _, p := range ps {
		bars, err := s.barsAtZero(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, b := range bars {
			out = append(out, ProgrammeBar{ProgrammeID: p.ProgrammeID, Bar: b})
		}
	}
	return out, nil
}

// LeaderboardQuery asks for a leaderboard.
type LeaderboardQuery struct {
	ProgrammeID string
	Period      string
	// PairingID narrows the board to the members of a pairing.
	PairingID string
	CallerID  string
	// SeeAllPairings lets owners and admins see any pairing's board; others must belong
	// to the pairing.
	SeeAllPairings bool
	// Role ranks only the players of one programme role ("mentor" or "mentee"); "" or
	// RoleAll ranks everyone. The API defaults it so that mentors and their mentees are
	// never ranked against each other unless the caller asks.
	Role  string
	Limit int
}

// BoardEntry is one row of a leaderboard.
type BoardEntry struct {
	Rank        int
	UserID      string // empty for anonymous users other than the caller
	DisplayName string
	Anonymous   bool
	Score       int64
	Me          bool
}

// Board is a leaderboard: the top entries, the caller's own entry and their neighbours.
type Board struct {
	ProgrammeID  string
	PairingID    string
	Role         string
	Period       string
	Key          string
	Start, End   time.Time
	Participants int
	Top          []BoardEntry
	Me           *BoardEntry
	MeHidden     bool
	Neighbours   []BoardEntry
}

// AnonymousName is how anonymous users appear on boards.
const AnonymousName = "Anonymous learner"

// Leaderboard reads a board ranked by the period's XP (best first, ties by user ID; hidden
// users are left out): a programme's from its maintained ranking (rankedBoard), a pairing's
// from its members' standings.
func (s *Service) Leaderboard(ctx context.Context, q LeaderboardQuery) (Board, error) {
	if q.Period == "" {
		q.Period = PeriodWeek
	}
	if q.Limit <= 0 {
		q.Limit = 10
	}
	var members []string
	if q.PairingID != "" {
		if s.Pairings == nil {
			return Board{}, ErrPairingNotFound
		}
		pr, err := s.Pairings.Pairing(ctx, q.PairingID)
		if err != nil || pr.ProgrammeID != q.ProgrammeID || (!q.SeeAllPairings && !slices.Contains(pr.Members, q.CallerID)) {
			return Board{}, ErrPairingNotFound
		}
		members = pr.Members
		if len(members) == 0 {
			members = []string{""}
		}
	}
	zone, err := s.programmeZone(ctx, q.ProgrammeID)
	if err != nil {
		return Board{}, err
	}
	key := PeriodKey(q.Period, s.now(), zone)
	var b Board
	if q.PairingID == "" {
		b, err = s.rankedBoard(ctx, BoardRef{ProgrammeID: q.ProgrammeID, Role: q.Role, Key: key}, q.CallerID, q.Limit)
	} else {
		b, err = s.pairingBoard(ctx, q, members, key)
	}
	if err != nil {
		return Board{}, err
	}
	b.ProgrammeID, b.PairingID, b.Period, b.Key, b.Role = q.ProgrammeID, q.PairingID, q.Period, key, q.Role
	b.Start, b.End, _ = PeriodBounds(key, zone)
	return b, nil
}

// pairingBoard ranks a pairing's members from their standings (a handful of players).
func (s *Service) pairingBoard(ctx context.Context, q LeaderboardQuery, members []string, key string) (Board, error) {
	standings, err := s.Store.Standings(ctx, q.ProgrammeID, members)
	if err != nil {
		return Board{}, err
	}
	if standings, err = s.ofRole(ctx, q.ProgrammeID, standings, q.Role); err != nil {
		return Board{}, err
	}
	return BuildBoard(scoresFor(standings, key), q.CallerID, q.Limit), nil
}

// scoresFor turns standings into the period's scores; players without XP in the period
// are not on its board.
func scoresFor(standings []Standing, key string) []Score {
	var out []Score
	for _, st := range standings {
		if v := st.ScoreFor(key); v > 0 {
			out = append(out, Score{UserID: st.UserID, Score: v, DisplayName: st.DisplayName, Visibility: st.Visibility})
		}
	}
	return out
}

// BuildBoard ranks scores for caller: best first, ties by user ID.
func BuildBoard(scores []Score, callerID string, limit int) Board {
	slices.SortStableFunc(scores, func(a, b Score) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return compareStrings(a.UserID, b.UserID)
	})
	var b Board
	var all []BoardEntry
	for _, sc := range scores {
		if sc.Visibility == Hidden {
			if sc.UserID == callerID {
				b.MeHidden = true
			}
			continue
		}
		e := BoardEntry{Rank: len(all) + 1, UserID: sc.UserID, DisplayName: sc.DisplayName, Score: sc.Score, Me: sc.UserID == callerID}
		if sc.Visibility == Anonymous {
			e.Anonymous, e.DisplayName = true, AnonymousName
			if !e.Me {
				e.UserID = ""
			}
		}
		all = append(all, e)
	}
	b.Participants = len(all)
	b.Top = all[:min(limit, len(all))]
	for i, e := range all {
		if !e.Me {
			continue
		}
		me := e
		b.Me = &me
		for j := max(0, i-2); j <= min(len(all)-1, i+2); j++ {
			if j != i {
				b.Neighbours = append(b.Neighbours, all[j])
			}
		}
	}
	if b.Top == nil {
		b.Top = []BoardEntry{}
	}
	return b
}

// Rules returns a programme's rules (the defaults until the owner sets them).
func (s *Service) Rules(ctx context.Context, programmeID string) (Rules, error) {
	r, found, err := s.Store.Rules(ctx, programmeID)
	if err != nil {
		return Rules{}, err
	}
	if !found {
		return DefaultRules(), nil
	}
	return r, nil
}

// SetRules replaces a programme's rules. They apply to events processed from then on.
func (s *Service) SetRules(ctx context.Context, programmeID string, r Rules) (Rules, error) {
	if err := r.Validate(); err != nil {
		return Rules{}, err
	}
	if err := s.Store.SaveRules(ctx, programmeID, r, s.now()); err != nil {
		return Rules{}, fmt.Errorf("save rules: %w", err)
	}
	s.cached().configs.Delete(programmeID)
	return r, nil
}

// Badges returns the built-in badges and the programme's own.
func (s *Service) Badges(ctx context.Context, programmeID string) ([]Badge, error) {
	own, err := s.Store.ProgrammeBadges(ctx, programmeID)
	if err != nil {
		return nil, err
	}
	return append(BuiltInBadges(), own...), nil
}

// PutBadge creates or replaces a programme badge. Users who already meet its criterion earn
// it with their next event.
func (s *Service) PutBadge(ctx context.Context, b Badge) (Badge, error) {
	b.BuiltIn = false
	if err := b.Validate(); err != nil {
		return Badge{}, err
	}
	if slices.ContainsFunc(BuiltInBadges(), func(x Badge) bool { return x.ID == b.ID }) {
		return Badge{}, ErrBuiltInBadge
	}
	if err := s.Store.PutBadge(ctx, b); err != nil {
		return Badge{}, fmt.Errorf("put badge: %w", err)
	}
	s.cached().configs.Delete(b.ProgrammeID)
	return b, nil
}

// DeleteBadge deletes a programme badge; those who earned it keep it.
func (s *Service) DeleteBadge(ctx context.Context, programmeID, badgeID string) error {
	if slices.ContainsFunc(BuiltInBadges(), func(x Badge) bool { return x.ID == badgeID }) {
		return ErrBuiltInBadge
	}
	if err := s.Store.DeleteBadge(ctx, programmeID, badgeID); err != nil {
		return err
	}
	s.cached().configs.Delete(programmeID)
	return nil
}

// Prizes lists a programme's prizes.
func (s *Service) Prizes(ctx context.Context, programmeID string) ([]Prize, error) {
	return s.Store.Prizes(ctx, programmeID)
}

// CreatePrize adds a prize. A badge prize must name a badge of the programme.
func (s *Service) CreatePrize(ctx context.Context, p Prize) (Prize, error) {
	if err := p.Validate(); err != nil {
		return Prize{}, err
	}
	if p.Kind == PrizeBadge {
		badges, err := s.Badges(ctx, p.ProgrammeID)
		if err != nil {
			return Prize{}, err
		}
		if !slices.ContainsFunc(badges, func(b Badge) bool { return b.ID == p.BadgeID }) {
			return Prize{}, unprocessable("/badgeId", "no such badge in this programme")
		}
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	p.ID, p.CreatedAt = hex.EncodeToString(b), s.now()
	if err := s.Store.CreatePrize(ctx, p); err != nil {
		return Prize{}, fmt.Errorf("create prize: %w", err)
	}
	s.cached().configs.Delete(p.ProgrammeID)
	return p, nil
}

// DeletePrize deletes a prize; winners already recorded stay.
func (s *Service) DeletePrize(ctx context.Context, programmeID, prizeID string) error {
	if err := s.Store.DeletePrize(ctx, programmeID, prizeID); err != nil {
		return err
	}
	s.cached().configs.Delete(programmeID)
	return nil
}

// Winners lists a programme's prize winners, newest first.
func (s *Service) Winners(ctx context.Context, programmeID string) ([]Winner, error) {
	return s.Store.Winners(ctx, programmeID)
}

// HandOver records that a winner received their prize.
func (s *Service) HandOver(ctx context.Context, programmeID, winnerID, by string) (Winner, error) {
	return s.Store.HandOver(ctx, programmeID, winnerID, by, s.now())
}

// ProfileChanged refreshes what the leaderboards show of a user (name, visibility) after
// their profile changed; identity's profile update should call it. Events refresh it too.
func (s *Service) ProfileChanged(ctx context.Context, userID string) error {
	s.cached().profiles.Delete(userID)
	p, err := s.profile(ctx, userID)
	if err != nil {
		return err
	}
	return s.Store.SetProfile(ctx, userID, p.DisplayName, p.Visibility)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// RoleAll asks a leaderboard to rank every role together.
const RoleAll = "all"

// ofRole keeps the standings of players in role (all of them for "" or RoleAll). A player
// written before roles were kept has none; its membership is looked up (cached).
func (s *Service) ofRole(ctx context.Context, programmeID string, standings []Standing, role string) ([]Standing, error) {
	if role == "" || role == RoleAll {
		return standings, nil
	}
	out := standings[:0:0]
	for _, st := range standings {
		r := st.Role
		if r == "" {
			m, err := s.cached().members.Load(ctx, PlayerKey{programmeID, st.UserID}, func(ctx context.Context) (Membership, error) {
				return s.Programmes.Membership(ctx, programmeID, st.UserID)
			})
			if err != nil && !errors.Is(err, ErrNotMember) && apperr.KindOf(err) != apperr.KindNotFound {
				return nil, err
			}
			r = m.Role
		}
		if r == role {
			out = append(out, st)
		}
	}
	return out, nil
}
