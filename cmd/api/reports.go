package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/microlearn/microlearn/app"
)

// reportsCommand is `api reports`.
func reportsCommand() command {
	return command{
		summary: "recompute [--grace 5s]: rebuild the programme reports' aggregates from the learning log and the domains' records",
		run:     runReports,
	}
}

func runReports(ctx context.Context, a *app.App, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "recompute" {
		return errors.New("usage: api reports recompute [--grace 5s]")
	}
	fs := flag.NewFlagSet("reports recompute", flag.ContinueOnError)
	fs.SetOutput(out)
	grace := fs.Duration("grace", 5*time.Second, "how long to wait after announcing the rebuild, so running workers hold new events")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	rep, err := a.RecomputeReports(ctx, *grace)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "learning events replayed: %d\n", rep.Events)
	fmt.Fprintf(out, "learners rebuilt: %d (%d aggregate changes)\n", rep.Learners, rep.Aggregates)
	fmt.Fprintf(out, "subjects summed: %d, evaluated again: %d\n", rep.Subjects, rep.Evaluated)
	fmt.Fprintf(out, "events that arrived meanwhile, taken in afterwards: %d\n", rep.Held)
	fmt.Fprintf(out, "took %s\n", rep.Took.Round(time.Millisecond))
	return nil
}
