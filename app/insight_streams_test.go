package app_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
	"github.com/microlearn/microlearn/programme"
	"github.com/microlearn/microlearn/programme/programmedb"
)

// seedListed gives programme pid n members (u00000..., every third a mentor), stored in
// reverse ID order, and n pairings; the same people are in another programme too. It
// returns the member IDs by role and the pairing IDs, in ID order.
func seedListed(t *testing.T, a *app.App, pid string, n int) (map[string][]string, []string) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	byRole := map[string][]string{}
	var ms []programme.Membership
	var pairings []string
	for i := n - 1; i >= 0; i-- {
		uid, role := fmt.Sprintf("u%05d", i), programme.RoleMentee
		if i%3 == 0 {
			role = programme.RoleMentor
		}
		for _, p := range []string{pid, "other-" + pid} {
			ms = append(ms, programme.Membership{ProgrammeID: p, UserID: uid, Role: role, JoinedAt: at, Languages: []string{"en"}})
			id := fmt.Sprintf("%s-%05d", p, i)
			if err := mentoringdb.New(a.DB.DB).InsertPairing(ctx, mentoring.Pairing{ID: id, ProgrammeID: p, MentorID: "m", MenteeIDs: []string{uid},
				Type: mentoring.OneToOne, Status: mentoring.StatusActive, CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		byRole[string(role)] = append(byRole[string(role)], uid)
		pairings = append(pairings, fmt.Sprintf("%s-%05d", pid, i))
	}
	if err := programmedb.New(a.DB.DB).SeedMembers(ctx, ms); err != nil {
		t.Fatal(err)
	}
	for _, ids := range byRole {
		sort.Strings(ids)
	}
	sort.Strings(pairings)
	return byRole, pairings
}

// counted runs read with a command counter and returns what it collected, sorted unless
// keepOrder, and how many database commands it issued.
func counted(t *testing.T, read func(ctx context.Context, add func(string) error) error, keepOrder bool) ([]string, int64) {
	t.Helper()
	ctx, counter := dbcount.WithCounter(context.Background())
	var got []string
	if err := read(ctx, func(id string) error { got = append(got, id); return nil }); err != nil {
		t.Fatal(err)
	}
	if !keepOrder {
		sort.Strings(got)
	}
	return got, counter.Load()
}

// As wired, the reports' rebuild lists a programme's members and pairings, and mentoring's
// roster a role's members, in one database command each, at 10 members as at 1,000; each
// list is complete (every member or pairing once, no other programme's), and the roster is in
// user ID order with the role's members only.
func TestProgrammeListsAreOneCommandAsWired(t *testing.T) {
	a := newApp(t, map[string]string{"DEMO_SEED": "false"})
	members, ok := a.Insight.Programmes.(insight.MemberStream)
	if !ok {
		t.Fatalf("the reports' programmes edge %T does not stream members", a.Insight.Programmes)
	}
	pairings, ok := a.Insight.Pairings.(insight.PairingStream)
	if !ok {
		t.Fatalf("the reports' pairings edge %T does not stream pairings", a.Insight.Pairings)
	}
	for _, n := range []int{10, 1000} {
		pid := fmt.Sprintf("p%d", n)
		byRole, wantPairings := seedListed(t, a, pid, n)
		wantMembers := append(append([]string{}, byRole[mentoring.RoleMentor]...), byRole[mentoring.RoleMentee]...)
		sort.Strings(wantMembers)
		check := func(what string, want, got []string, commands int64) {
			t.Helper()
			if commands != 1 {
				t.Errorf("%d members: %s issued %d commands, want 1", n, what, commands)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%d members: %s (-want +got):\n%s", n, what, diff)
			}
		}
		got, c := counted(t, func(ctx context.Context, add func(string) error) error { return members.EachMember(ctx, pid, add) }, false)
		check("the rebuild's members", wantMembers, got, c)
		got, c = counted(t, func(ctx context.Context, add func(string) error) error { return pairings.EachPairingID(ctx, pid, add) }, false)
		check("the rebuild's pairings", wantPairings, got, c)
		for _, role := range []string{mentoring.RoleMentor, mentoring.RoleMentee} {
			got, c = counted(t, func(ctx context.Context, add func(string) error) error {
				ms, err := a.Mentoring.Roster.Members(ctx, pid, role)
				for _, m := range ms {
					if m.Role != role || len(m.Languages) != 1 {
						t.Errorf("%d members: the %s roster lists %+v", n, role, m)
					}
					_ = add(m.UserID)
				}
				return err
			}, true)
			check("the "+role+" roster", byRole[role], got, c)
		}
	}
}
