package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/microlearn/microlearn/app"
)

// gamificationCommand is `api gamification`.
func gamificationCommand() command {
	return command{
		summary: "recompute [--repair]: check XP totals against the ledger | status: queue depth | requeue-dead [event-id ...]: retry parked events",
		run:     runGamification,
	}
}

func runGamification(ctx context.Context, a *app.App, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: api gamification recompute [--repair] | api gamification status | api gamification requeue-dead [event-id ...]")
	}
	switch args[0] {
	case "recompute":
		fs := flag.NewFlagSet("gamification recompute", flag.ContinueOnError)
		fs.SetOutput(out)
		repair := fs.Bool("repair", false, "set drifting totals to the ledger's sums")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		rep, err := a.Gamification.Recompute(ctx, *repair)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "players checked: %d\n", rep.Players)
		fmt.Fprintf(out, "ledger entries re-driven from players (interrupted events): %d\n", rep.Redriven)
		fmt.Fprintf(out, "players whose XP differs from their ledger: %d\n", len(rep.Drifts))
		unrepaired := 0
		for _, d := range rep.Drifts {
			state := "not repaired"
			if d.Repaired {
				state = "repaired"
			} else {
				unrepaired++
			}
			fmt.Fprintf(out, "  programme %s user %s: player %d XP, ledger %d XP (%s)\n", d.Key.ProgrammeID, d.Key.UserID, d.PlayerXP, d.LedgerXP, state)
		}
		if unrepaired > 0 {
			return fmt.Errorf("%d players drift from the ledger; run with --repair to fix them", unrepaired)
		}
		return nil
	case "status":
		queued, dead, err := a.Learning.Pending(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "learning events queued: %d\nlearning events parked after repeated failures: %d\n", queued, dead)
		if dead > 0 {
			fmt.Fprintln(out, "fix the cause (the worker's log says why each failed), then: api gamification requeue-dead")
		}
		return nil
	case "requeue-dead":
		n, err := a.Learning.RequeueDead(ctx, args[1:])
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "learning events put back in the queue: %d\n", n)
		return nil
	}
	return fmt.Errorf("unknown gamification command %q (recompute, status, requeue-dead)", args[0])
}
