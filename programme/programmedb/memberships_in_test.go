package programmedb_test

import (
	"slices"
	"testing"

	"github.com/microlearn/microlearn/programme"
)

func TestMembershipsInReadsTheAskedMembersOfOneProgramme(t *testing.T) {
	s, ctx := newStore(t)
	create(t, s, ctx, "p1", "Nursing", "olivia")
	create(t, s, ctx, "p2", "Surgery", "sam")
	for _, m := range []programme.Membership{member("p1", "ada", programme.RoleMentee), member("p1", "malik", programme.RoleMentor),
		member("p1", "ben", programme.RoleMentee), member("p2", "cara", programme.RoleMentee)} {
		if err := s.AddMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := s.MembershipsIn(ctx, "p1", []string{"ada", "malik", "cara", "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.UserID+"="+string(m.Role))
	}
	slices.Sort(got)
	if want := []string{"ada=mentee", "malik=mentor"}; !slices.Equal(got, want) {
		t.Errorf("MembershipsIn = %v, want %v (cara is in p2, nobody in none, ben was not asked)", got, want)
	}
	if ms, err := s.MembershipsIn(ctx, "p1", nil); err != nil || len(ms) != 0 {
		t.Errorf("no IDs: %v, %v", ms, err)
	}
}
