package programmedb_test

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/programme"
	"github.com/microlearn/microlearn/programme/programmedb"
)

// seedProgramme gives programme pid n members u00000.. (every third a mentor, the rest
// mentees), stored in reverse ID order, and returns their IDs by role in ID order; another
// programme has the same people too.
func seedProgramme(t testing.TB, s *programmedb.Store, ctx context.Context, pid string, n int) map[programme.Role][]string {
	t.Helper()
	byRole := map[programme.Role][]string{}
	var ms []programme.Membership
	for i := n - 1; i >= 0; i-- {
		r := programme.RoleMentee
		if i%3 == 0 {
			r = programme.RoleMentor
		}
		uid := fmt.Sprintf("u%05d", i)
		ms = append(ms, member(pid, uid, r), member("other-"+pid, uid, r))
		byRole[r] = append(byRole[r], uid)
	}
	if err := s.SeedMembers(ctx, ms); err != nil {
		t.Fatal(err)
	}
	for _, ids := range byRole {
		sort.Strings(ids)
	}
	return byRole
}

// EachMember is one command whether the programme has 10 members or 1,000 (paging after a
// user ID is one command per page, each reading the whole programme on the embedded engine),
// and yields every member of the programme exactly once, and no one else.
func TestEachMemberIsOneCommandAndComplete(t *testing.T) {
	s, ctx := newStore(t)
	for _, n := range []int{10, 1000} {
		pid := fmt.Sprintf("p%d", n)
		byRole := seedProgramme(t, s, ctx, pid, n)
		want := append(append([]string{}, byRole[programme.RoleMentor]...), byRole[programme.RoleMentee]...)
		sort.Strings(want)
		cctx, counter := dbcount.WithCounter(ctx)
		seen := map[string]int{}
		var got []string
		err := s.EachMember(cctx, pid, func(uid string) error {
			seen[uid]++
			got = append(got, uid)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if c := counter.Load(); c != 1 {
			t.Errorf("%d members: EachMember issued %d commands, want 1", n, c)
		}
		for uid, k := range seen {
			if k != 1 {
				t.Errorf("%d members: %s came %d times", n, uid, k)
			}
		}
		sort.Strings(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%d members (-want +got):\n%s", n, diff)
		}
	}
}

// EachMember stops at fn's first error and returns it.
func TestEachMemberStopsAtAnError(t *testing.T) {
	s, ctx := newStore(t)
	seedProgramme(t, s, ctx, "p", 5)
	stop := fmt.Errorf("stop")
	calls := 0
	err := s.EachMember(ctx, "p", func(string) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Errorf("EachMember = %v after %d calls, want stop after 1", err, calls)
	}
}

// MembersWithRole is one command at 10 and at 1,000 members and lists exactly the role's
// members of the programme, in user ID order, with what the roster needs of them.
func TestMembersWithRoleIsOneCommandSortedAndComplete(t *testing.T) {
	s, ctx := newStore(t)
	for _, n := range []int{10, 1000} {
		pid := fmt.Sprintf("p%d", n)
		byRole := seedProgramme(t, s, ctx, pid, n)
		for _, r := range []programme.Role{programme.RoleMentor, programme.RoleMentee} {
			cctx, counter := dbcount.WithCounter(ctx)
			ms, err := s.MembersWithRole(cctx, pid, r)
			if err != nil {
				t.Fatal(err)
			}
			if c := counter.Load(); c != 1 {
				t.Errorf("%d members, %s: %d commands, want 1", n, r, c)
			}
			var got []string
			for _, m := range ms {
				if m.ProgrammeID != pid || m.Role != r || !m.JoinedAt.Equal(t0) {
					t.Errorf("%d members, %s: listed %+v", n, r, m)
				}
				got = append(got, m.UserID)
			}
			if diff := cmp.Diff(byRole[r], got); diff != "" {
				t.Errorf("%d members, %s (-want +got):\n%s", n, r, diff)
			}
		}
	}
}
