package programmedb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/programme"
	"github.com/microlearn/microlearn/programme/programmedb"
)

// BenchmarkListMembers lists a whole programme of 100, 1,000 and 10,000 members the old way
// and the new (docs/benchmarks.md, "Recompute lists members by programme"):
//   - all/pages: what the reports' rebuild did, pages of 500 after a user ID (Members);
//   - all/stream: what it does, EachMember;
//   - mentees/pages: what mentoring's roster did, pages of programme.MaxMembersPage of one role;
//   - mentees/stream: what it does, MembersWithRole.
//
// It reports the database commands one listing issues (commands/op) beside its time. Run:
//
//	nice -n 19 go test -run '^$' -bench ListMembers -benchtime 3x ./programme/programmedb
func BenchmarkListMembers(b *testing.B) {
	db := mongotest.DB(b)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, programmedb.Indexes()); err != nil {
		b.Fatal(err)
	}
	s := programmedb.New(db.DB)
	for _, n := range []int{100, 1000, 10000} {
		pid := fmt.Sprintf("p%d", n)
		byRole := seedProgramme(b, s, ctx, pid, n)
		want := map[string]int{"all": n, "mentees": len(byRole[programme.RoleMentee])}
		for _, way := range []struct {
			name string
			list func(ctx context.Context) (int, error)
		}{
			{"all/pages", func(ctx context.Context) (int, error) { return pagesOf(ctx, s, pid, nil, 500) }},
			{"all/stream", func(ctx context.Context) (int, error) {
				k := 0
				err := s.EachMember(ctx, pid, func(string) error { k++; return nil })
				return k, err
			}},
			{"mentees/pages", func(ctx context.Context) (int, error) {
				return pagesOf(ctx, s, pid, []programme.Role{programme.RoleMentee}, programme.MaxMembersPage)
			}},
			{"mentees/stream", func(ctx context.Context) (int, error) {
				ms, err := s.MembersWithRole(ctx, pid, programme.RoleMentee)
				return len(ms), err
			}},
		} {
			b.Run(fmt.Sprintf("n=%d/%s", n, way.name), func(b *testing.B) {
				var commands int64
				for b.Loop() {
					cctx, counter := dbcount.WithCounter(ctx)
					k, err := way.list(cctx)
					if kind, _, _ := strings.Cut(way.name, "/"); err != nil || k != want[kind] {
						b.Fatalf("listed %d, want %d: %v", k, want[kind], err)
					}
					commands = counter.Load()
				}
				b.ReportMetric(float64(commands), "commands/op")
			})
		}
	}
}

// pagesOf lists the programme's members of roles (all for none) page by page after the last
// user ID, as the old callers did, and returns how many it listed.
func pagesOf(ctx context.Context, s *programmedb.Store, pid string, roles []programme.Role, limit int) (int, error) {
	k, after := 0, ""
	for {
		page, err := s.Members(ctx, pid, roles, "", after, limit)
		if err != nil {
			return k, err
		}
		for _, m := range page {
			if len(roles) == 0 || m.Role == roles[0] {
				k++
			}
		}
		if len(page) < limit {
			return k, nil
		}
		after = page[len(page)-1].UserID
	}
}
