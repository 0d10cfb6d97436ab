package insightdb_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/learning"
)

// BenchmarkRecompute times insight's rebuild (Service.Recompute, what `api reports
// recompute` runs after its grace) of a programme of n mentees with 10 learning events each:
// the learners and learning aggregates from the log, the members by role from the subjects,
// then every member evaluated again (the other domains' reads are fakes here, so this is the
// reports' own part). Its time must follow n, not n². cpu-s/op is the process's CPU time
// (the embedded database runs in it), which a loaded machine changes far less than the wall
// time:
//
//	nice -n 19 go test -run '^$' -bench Recompute -benchtime 1x ./insight/insightdb
func BenchmarkRecompute(b *testing.B) {
	for _, n := range []int{200, 1000, 10000} {
		b.Run(fmt.Sprintf("mentees=%d", n), func(b *testing.B) {
			now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
			svc := &insight.Service{Store: newStore(b), Programmes: bigProgramme{n: n}, People: noPeople{}, Now: func() time.Time { return now }}
			log := replay{n: n, per: 10, start: now.Add(-20 * 24 * time.Hour)}
			ctx := context.Background()
			if _, err := svc.Recompute(ctx, log, 0); err != nil { // the first makes the subjects
				b.Fatal(err)
			}
			cpu := cpuTime(b)
			for b.Loop() {
				rep, err := svc.Recompute(ctx, log, 0)
				if err != nil {
					b.Fatal(err)
				}
				if rep.Learners != n || rep.Evaluated < n {
					b.Fatalf("recompute %+v", rep)
				}
			}
			b.ReportMetric((cpuTime(b)-cpu).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// bigProgramme is one programme in London of n mentees, u00000 to u<n-1>.
type bigProgramme struct{ n int }

func (p bigProgramme) Location(context.Context, string) (*time.Location, error) {
	return time.LoadLocation("Europe/London")
}

func (p bigProgramme) Membership(context.Context, string, string) (insight.Membership, error) {
	return insight.Membership{Role: insight.RoleMentee, JoinedAt: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}, nil
}

func (p bigProgramme) MembersPage(_ context.Context, _, after string, limit int) ([]string, error) {
	var out []string
	for i := 0; i < p.n && len(out) < limit; i++ {
		if id := fmt.Sprintf("u%05d", i); id > after {
			out = append(out, id)
		}
	}
	return out, nil
}

func (p bigProgramme) ProgrammesPage(_ context.Context, after string, _ int) ([]string, error) {
	if after != "" {
		return nil, nil
	}
	return []string{"p"}, nil
}

// replay is a learning log of n mentees with per lesson completions each, over 20 lessons.
type replay struct {
	n, per int
	start  time.Time
}

func (r replay) Replay(_ context.Context, fn func(learning.Event) error) error {
	for i := range r.n {
		for j := range r.per {
			at := r.start.Add(time.Duration(j*47+i%60) * time.Hour)
			e := learning.Event{ID: fmt.Sprintf("e%05d-%d", i, j), Kind: learning.LessonCompleted, UserID: fmt.Sprintf("u%05d", i), ProgrammeID: "p",
				ItemKind: "lesson", ItemID: fmt.Sprintf("l%02d", (i+j)%20), Domain: "affective", OccurredAt: at, RecordedAt: at, SecondsSpent: 60 + j}
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// cpuTime is the process's CPU time so far (user and system).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
