package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/microlearn/microlearn/internal/dbcount"
)

// sweepCost is what one sweeper round cost per subject it evaluated.
type sweepCost struct {
	members, pairings int
	commands          int64
}

// measureSweep makes every subject of the report world's programme due, then counts the
// database commands of the sweeper rounds that evaluate them.
func measureSweep(t *testing.T, w *reportWorld) sweepCost {
	t.Helper()
	ctx := context.Background()
	w.settle(t)
	ids, err := w.env.App.Insight.Store.ProgrammeSubjects(ctx, w.pid)
	if err != nil {
		t.Fatal(err)
	}
	var c sweepCost
	for _, id := range ids {
		if strings.HasPrefix(id, "m:") {
			c.members++
		} else {
			c.pairings++
		}
	}
	if err := w.env.App.Insight.Touch(ctx, w.pid, ids...); err != nil {
		t.Fatal(err)
	}
	cctx, counter := dbcount.WithCounter(ctx)
	n, total := 0, 0
	for {
		if n, err = w.env.App.Insight.Sweep(cctx, 500); err != nil {
			t.Fatal(err)
		}
		if total += n; n == 0 {
			break
		}
	}
	if total != len(ids) {
		t.Fatalf("the sweep evaluated %d of %d subjects", total, len(ids))
	}
	c.commands = counter.Load()
	return c
}

// The reports' sweeper reads the facts of a batch of due members at once (insight/prefetch.go):
// a member it evaluates costs its one compare-and-swap and a share of the batch's reads, not
// the five or six reads of its own it used to (subject, membership, learner, open
// assignments, streak and the programme's zone).
func TestSweepCommandsPerSubject(t *testing.T) {
	t.Parallel()
	w := newReportWorld(t)
	small := measureSweep(t, w)
	for i := 0; i < 30; i++ {
		u := quickUser(t, w.env, "Extra Mentee "+string(rune('A'+i%26))+string(rune('a'+i/26)))
		if err := w.env.App.Programmes.AddMember(context.Background(), w.pid, u.ID, "mentee"); err != nil {
			t.Fatal(err)
		}
	}
	w.clock.Advance(time.Minute)
	large := measureSweep(t, w)
	per := func(c sweepCost) float64 { return float64(c.commands) / float64(c.members+c.pairings) }
	t.Logf("small: %+v (%.1f per subject); large: %+v (%.1f per subject)", small, per(small), large, per(large))
	added := float64(large.commands-small.commands) / float64(large.members-small.members)
	if added > 1.5 || large.pairings != small.pairings {
		t.Errorf("each member added to the sweep cost %.1f commands (budget 1.5: its write and a share of the batch reads); small %+v, large %+v",
			added, small, large)
	}
}
