package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/app"
)

// The demo is lived in on its first start (issue 15): its mentees have three weeks of
// learning behind them, so the home shows XP, a streak and badges, a prize has been won, and
// the owner's weekly board has participants.
func TestDemoIsLivedInOnFirstStart(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.WithDemo())
	ada := env.Login("mentee1@example.com", app.DemoPassword)
	owner := env.Login("owner@example.com", app.DemoPassword)
	var h homeJSON
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me/home", Token: ada})
		if r.Status != http.StatusOK {
			t.Fatalf("home: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &h)
		if len(h.Programmes) == 1 && h.Programmes[0].BadgesEarned >= 4 && h.Programmes[0].Standing.Streak.Current >= 7 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ada's home never filled: %+v", h)
		}
		time.Sleep(50 * time.Millisecond)
	}
	p := h.Programmes[0]
	if p.Standing.XP < 100 || p.Standing.Level < 2 || len(p.Next) == 0 {
		t.Errorf("Ada's standing: %+v, next %+v", p.Standing, p.Next)
	}
	var prizes struct{ Items []myPrizeJSON }
	for {
		env.Do(apitest.Req{Method: "GET", Path: "/v1/me/prizes", Token: ada}).JSON(t, &prizes)
		if len(prizes.Items) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(prizes.Items) != 1 || prizes.Items[0].ClaimInstructions == "" || prizes.Items[0].State != "won" {
		t.Errorf("Ada's prize: %+v", prizes.Items)
	}
	var board struct {
		Participants int `json:"participants"`
		Top          []struct {
			Score int64 `json:"score"`
		} `json:"top"`
	}
	env.Do(apitest.Req{Method: "GET", Path: "/v1/programmes/" + app.DemoProgrammeID + "/leaderboard?period=week", Token: owner}).JSON(t, &board)
	if board.Participants < 2 || len(board.Top) < 2 || board.Top[0].Score <= 0 {
		t.Errorf("the owner's weekly board: %+v", board)
	}
}
