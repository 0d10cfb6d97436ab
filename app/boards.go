package app

import (
	"context"
	"fmt"

	"github.com/microlearn/microlearn/gamification/gamificationdb"
)

// migrate brings data written by earlier versions up to date (each step does nothing once
// done).
func (a *App) migrate(ctx context.Context) error {
	if err := a.buildBoards(ctx); err != nil {
		return err
	}
	if err := a.migrateAgreementGoals(ctx); err != nil {
		return fmt.Errorf("migrate agreement goals: %w", err)
	}
	return a.backfillCadenceDue(ctx)
}

// boardsMarker is set once every player's entries on the maintained leaderboards were written.
const boardsMarker = "gamification-boards-v1"

// buildBoards writes the maintained leaderboards' entries of every player once, for a
// database from before boards were maintained (issue 20); after that, saving a player keeps
// its entries current.
func (a *App) buildBoards(ctx context.Context) error {
	store, ok := a.Gamification.Store.(*gamificationdb.Store)
	if !ok {
		return nil
	}
	done, err := a.DB.HasMarker(ctx, boardsMarker)
	if err != nil || done {
		return err
	}
	n, err := store.BuildBoards(ctx)
	if err != nil {
		return fmt.Errorf("build leaderboards: %w", err)
	}
	if n > 0 {
		a.Log.Info("leaderboard entries written", "players", n)
	}
	return a.DB.SetMarker(ctx, boardsMarker, a.Now())
}
