package gamification_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/internal/dbcount"
)

var london, _ = time.LoadLocation("Europe/London")

// scoresRead wraps the store and counts the board entries and standings a read fetches.
type scoresRead struct {
	gamification.Store
	n int
}

func (s *scoresRead) BoardBands(ctx context.Context, ref gamification.BoardRef, bands []gamification.Band) ([]gamification.Score, error) {
	out, err := s.Store.BoardBands(ctx, ref, bands)
	s.n += len(out)
	return out, err
}

func (s *scoresRead) Standings(ctx context.Context, programmeID string, userIDs []string) ([]gamification.Standing, error) {
	out, err := s.Store.Standings(ctx, programmeID, userIDs)
	s.n += len(out)
	return out, err
}

// A programme's board is read from the maintained ranking, not by loading every player: three
// commands and a few dozen entries for 400 players, half of whom share a score, and the
// best forty another, and the same board (ranks, ties by user
// ID, hidden players left out, anonymous ones unnamed, the caller's neighbours, roles) as
// ranking every player's standing in memory. Scores that change, and players who hide or
// show themselves, move the ranking.
func TestProgrammeBoardReadsTheTopAndTheCallersNeighbourhoodOnly(t *testing.T) {
	h := newHarness(t)
	rng := rand.New(rand.NewPCG(1, 2))
	week := gamification.PeriodKey(gamification.PeriodWeek, h.clock.Now(), london)
	var users []string
	for i := 0; i < 400; i++ {
		u := fmt.Sprintf("%06x%03d", rng.IntN(1<<24), i)
		score := int64(1 + rng.IntN(3000))
		switch {
		case i%2 == 0:
			score = 777 // half the programme ties
		case i%10 == 1:
			score = 9000 // and so do the best forty
		}
		vis := gamification.Visible
		switch i % 13 {
		case 3:
			vis = gamification.Hidden
		case 7:
			vis = gamification.Anonymous
		}
		role := "mentee"
		if i%9 == 0 {
			role = "mentor"
		}
		p := gamification.Player{ProgrammeID: "prog", UserID: u, XP: score * 2, DisplayName: "Name " + u, Visibility: vis, Role: role,
			Weeks: []gamification.PeriodXP{{Key: week, XP: score}}}
		if _, err := h.store.SavePlayer(h.ctx, p); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	check := func(caller, role, period string, limit int) {
		t.Helper()
		counted := &scoresRead{Store: h.store}
		svc := h.service()
		svc.Store = counted
		ctx, c := dbcount.WithCounter(h.ctx)
		got, err := svc.Leaderboard(ctx, gamification.LeaderboardQuery{ProgrammeID: "prog", Period: period, CallerID: caller, Role: role, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		if c.Load() > 3 || counted.n > limit+40 {
			t.Errorf("%s's %s board read %d commands and %d entries, want at most 3 and %d", caller, role, c.Load(), counted.n, limit+40)
		}
		want := h.referenceBoard(caller, role, period, limit)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s's %s %s board (-all players ranked in memory +maintained):\n%s", caller, role, period, diff)
		}
	}
	for i, caller := range []string{users[0], users[1], users[3], users[7], users[50], users[399], "nobody"} {
		check(caller, "mentee", gamification.PeriodWeek, 10)
		check(caller, gamification.RoleAll, gamification.PeriodAll, 5+i)
		check(caller, "mentor", gamification.PeriodWeek, 3)
	}
	// A score that moves and a player who hides, then shows themselves again.
	ps, err := h.store.Players(h.ctx, []gamification.PlayerKey{{ProgrammeID: "prog", UserID: users[50]}})
	if err != nil {
		t.Fatal(err)
	}
	p := ps[gamification.PlayerKey{ProgrammeID: "prog", UserID: users[50]}]
	p.Weeks[0].XP, p.XP = 5000, 10000
	if _, err := h.store.SavePlayer(h.ctx, p); err != nil {
		t.Fatal(err)
	}
	check(users[50], "mentee", gamification.PeriodWeek, 10)
	if err := h.store.SetProfile(h.ctx, users[50], "Hidden now", gamification.Hidden); err != nil {
		t.Fatal(err)
	}
	check(users[50], "mentee", gamification.PeriodWeek, 10)
	check(users[51], gamification.RoleAll, gamification.PeriodAll, 10)
	if err := h.store.SetProfile(h.ctx, users[50], "Back again", gamification.Visible); err != nil {
		t.Fatal(err)
	}
	check(users[50], "mentee", gamification.PeriodWeek, 10)
	check(users[3], gamification.RoleAll, gamification.PeriodAll, 10)
}

// referenceBoard ranks every player of the programme in memory, as boards did before.
func (h *harness) referenceBoard(caller, role, period string, limit int) gamification.Board {
	h.t.Helper()
	standings, err := h.store.Standings(h.ctx, "prog", nil)
	if err != nil {
		h.t.Fatal(err)
	}
	key := gamification.PeriodKey(period, h.clock.Now(), london)
	var scores []gamification.Score
	for _, st := range standings {
		if v := st.ScoreFor(key); v > 0 && (role == gamification.RoleAll || st.Role == role) {
			scores = append(scores, gamification.Score{UserID: st.UserID, Score: v, DisplayName: st.DisplayName, Visibility: st.Visibility})
		}
	}
	b := gamification.BuildBoard(scores, caller, limit)
	b.ProgrammeID, b.Period, b.Key, b.Role = "prog", period, key, role
	b.Start, b.End, _ = gamification.PeriodBounds(key, london)
	return b
}
