package insightdb_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/microlearn/microlearn/insight"
)

// BenchmarkReadAsProgrammeGrows times the reads the reports make (the health report's six
// aggregates, a page of 200 items) after n learners each fed every aggregate once, as the
// learning events of a programme of n mentees do. A read's cost must not follow n:
//
//	nice -n 19 go test -run '^$' -bench ReadAsProgrammeGrows -benchtime 10x ./insight/insightdb
//
// guards=none is what the product leaves (a change's guards are removed once its source
// acknowledged it: TestAnEventCountsOnceWhereverTheProcessDies checks that none are left, and
// a recompute writes none); guards=kept is the aggregates as they were before, each keeping
// the guard of every source that ever wrote to it.
func BenchmarkReadAsProgrammeGrows(b *testing.B) {
	for _, kept := range []bool{false, true} {
		for _, n := range []int{100, 1000, 10000} {
			s, health, items := seedProgramme(b, n, kept)
			g := map[bool]string{false: "none", true: "kept"}[kept]
			b.Run(fmt.Sprintf("health/guards=%s/learners=%d", g, n), func(b *testing.B) { benchRead(b, s, health) })
			b.Run(fmt.Sprintf("items/guards=%s/learners=%d", g, n), func(b *testing.B) { benchRead(b, s, items) })
		}
	}
}

func benchRead(b *testing.B, s interface {
	Read(context.Context, []insight.Target) (map[insight.Target]insight.Counts, error)
}, ts []insight.Target) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.Read(ctx, ts); err != nil {
			b.Fatal(err)
		}
	}
}

// seedProgramme writes what n learners leave in programme p and as many in programme q: each
// adds to the health report's aggregates and to 20 of its programme's 200 items; kept leaves
// each learner's guard in every aggregate it wrote to.
func seedProgramme(b *testing.B, n int, kept bool) (s interface {
	Read(context.Context, []insight.Target) (map[insight.Target]insight.Counts, error)
}, health, items []insight.Target) {
	b.Helper()
	st := newStore(b)
	t := func(k insight.TargetKind, key string) insight.Target {
		return insight.Target{Kind: k, ProgrammeID: "p", Key: key}
	}
	health = []insight.Target{t(insight.TargetWeek, "2026-11-30"), t(insight.TargetWeek, "2026-11-23"),
		t(insight.TargetLast, ""), t(insight.TargetTotal, ""), t(insight.TargetPeople, ""), t(insight.TargetPairs, "")}
	for i := range 200 {
		items = append(items, t(insight.TargetItem, fmt.Sprintf("item%03d", i)))
	}
	var cs []insight.Contribution
	for _, pid := range []string{"p", "q"} {
		cs = append(cs, contributions(n, pid, health, items, kept)...)
	}
	if err := st.PutAggregates(context.Background(), cs); err != nil {
		b.Fatal(err)
	}
	return st, health, items
}

// contributions are n learners' contributions to programme pid's copies of the targets.
func contributions(n int, pid string, health, items []insight.Target, kept bool) []insight.Contribution {
	in := func(t insight.Target) insight.Target { t.ProgrammeID = pid; return t }
	var cs []insight.Contribution
	for i := range n {
		var ch []insight.Change
		for _, h := range health {
			ch = append(ch, insight.Change{Target: in(h), Counts: insight.Counts{"c.lesson": 1, "role.mentee": 1, "d.20400": 1}})
		}
		for j := range 20 {
			ch = append(ch, insight.Change{Target: in(items[(i*7+j)%200]), Counts: insight.Counts{"reach": 1, "done": 1, "h.b12": 1}})
		}
		c := insight.Contribution{Source: fmt.Sprintf("%s|u%05d", pid, i), Changes: ch}
		if kept {
			c.Seq = 3
		}
		cs = append(cs, c)
	}
	return cs
}
