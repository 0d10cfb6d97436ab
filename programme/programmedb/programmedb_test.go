package programmedb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/programme"
	"github.com/microlearn/microlearn/programme/programmedb"
)

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

func newStore(t *testing.T) (*programmedb.Store, context.Context) {
	t.Helper()
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, programmedb.Indexes()); err != nil {
		t.Fatal(err)
	}
	return programmedb.New(db.DB), ctx
}

func member(pid, uid string, r programme.Role) programme.Membership {
	return programme.Membership{ProgrammeID: pid, UserID: uid, Role: r, JoinedAt: t0}
}

func create(t *testing.T, s *programmedb.Store, ctx context.Context, id, name, owner string) programme.Programme {
	t.Helper()
	p := programme.Programme{ID: id, Name: name, Timezone: "Europe/London", StartsOn: "2026-09-01", CreatedBy: owner, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateProgramme(ctx, p, member(id, owner, programme.RoleOwner)); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProgrammesAndMemberships(t *testing.T) {
	s, ctx := newStore(t)
	p := create(t, s, ctx, "p1", "Nursing", "olivia")
	create(t, s, ctx, "p2", "Leadership", "olivia")
	got, err := s.Programme(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("programme (-want +got):\n%s", diff)
	}
	if _, err := s.Programme(ctx, "nope"); !errors.Is(err, programme.ErrNotFound) {
		t.Errorf("missing programme: %v", err)
	}
	p.Name, p.UpdatedAt = "Nursing 2027", t0.Add(time.Hour)
	if err := s.UpdateProgramme(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Programme(ctx, "p1"); got.Name != "Nursing 2027" || !got.UpdatedAt.Equal(p.UpdatedAt) {
		t.Errorf("after update: %+v", got)
	}
	if err := s.UpdateProgramme(ctx, programme.Programme{ID: "nope"}); !errors.Is(err, programme.ErrNotFound) {
		t.Errorf("update of a missing programme: %v", err)
	}

	for _, m := range []programme.Membership{member("p1", "malik", programme.RoleMentor), member("p1", "ada", programme.RoleMentee),
		member("p1", "ben", programme.RoleMentee)} {
		if err := s.AddMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddMember(ctx, member("p1", "ada", programme.RoleMentor)); !errors.Is(err, programme.ErrAlreadyMember) {
		t.Errorf("adding a member twice: %v", err)
	}
	m, err := s.Membership(ctx, "p1", "ada")
	if diff := cmp.Diff(member("p1", "ada", programme.RoleMentee), m, cmpopts.EquateEmpty()); err != nil || diff != "" {
		t.Errorf("membership: %v %s", err, diff)
	}
	if _, err := s.Membership(ctx, "p2", "ada"); !errors.Is(err, programme.ErrNotMember) {
		t.Errorf("not a member: %v", err)
	}
	// Programmes of a person, by name, with their role in each.
	ps, roles, err := s.ProgrammesOf(ctx, "olivia")
	if err != nil || len(ps) != 2 || ps[0].ID != "p2" || ps[1].ID != "p1" || roles[0] != programme.RoleOwner {
		t.Errorf("programmes of olivia: %+v %v %v", ps, roles, err)
	}
	if ps, _, err := s.ProgrammesOf(ctx, "nobody"); err != nil || len(ps) != 0 {
		t.Errorf("programmes of nobody: %+v %v", ps, err)
	}
}

func TestMembersPageAndRoleFilter(t *testing.T) {
	s, ctx := newStore(t)
	create(t, s, ctx, "p1", "Nursing", "olivia")
	for _, m := range []programme.Membership{member("p1", "malik", programme.RoleMentor), member("p1", "ada", programme.RoleMentee),
		member("p1", "ben", programme.RoleMentee), member("p1", "chloe", programme.RoleMentee)} {
		if err := s.AddMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(ms []programme.Membership) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.UserID)
		}
		return out
	}
	page, err := s.Members(ctx, "p1", nil, "", "", 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"ada", "ben"}, ids(page)); diff != "" {
		t.Errorf("first page (-want +got):\n%s", diff)
	}
	page, _ = s.Members(ctx, "p1", nil, "", "ben", 10)
	if diff := cmp.Diff([]string{"chloe", "malik", "olivia"}, ids(page)); diff != "" {
		t.Errorf("after ben (-want +got):\n%s", diff)
	}
	// A mentee's view: the owners and mentors, and themselves.
	page, _ = s.Members(ctx, "p1", []programme.Role{programme.RoleOwner, programme.RoleMentor}, "ben", "", 10)
	if diff := cmp.Diff([]string{"ben", "malik", "olivia"}, ids(page)); diff != "" {
		t.Errorf("mentee's view (-want +got):\n%s", diff)
	}
}

func TestRoleChangesAreConditional(t *testing.T) {
	s, ctx := newStore(t)
	create(t, s, ctx, "p1", "Nursing", "olivia")
	if err := s.AddMember(ctx, member("p1", "ada", programme.RoleMentee)); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.SetRole(ctx, "p1", "ada", programme.RoleMentor, programme.RoleOwner); err != nil || ok {
		t.Errorf("role change from a role she does not hold: %v %v", ok, err)
	}
	if ok, err := s.SetRole(ctx, "p1", "ada", programme.RoleMentee, programme.RoleOwner); err != nil || !ok {
		t.Errorf("role change: %v %v", ok, err)
	}
	if err := s.AdjustOwners(ctx, "p1", 1); err != nil {
		t.Fatal(err)
	}
	// Two owners: one may go; the last may not.
	if ok, err := s.ReleaseOwner(ctx, "p1"); err != nil || !ok {
		t.Fatalf("release one of two owners: %v %v", ok, err)
	}
	if ok, err := s.ReleaseOwner(ctx, "p1"); err != nil || ok {
		t.Errorf("released the last owner: %v %v", ok, err)
	}
	if ok, err := s.RemoveMember(ctx, "p1", "ada", programme.RoleMentee); err != nil || ok {
		t.Errorf("removed with a stale role: %v %v", ok, err)
	}
	if ok, err := s.RemoveMember(ctx, "p1", "ada", programme.RoleOwner); err != nil || !ok {
		t.Errorf("remove: %v %v", ok, err)
	}
	if _, err := s.Membership(ctx, "p1", "ada"); !errors.Is(err, programme.ErrNotMember) {
		t.Errorf("after removal: %v", err)
	}
}

func TestJoinCodes(t *testing.T) {
	s, ctx := newStore(t)
	code := func(id, hash string, at time.Time) programme.JoinCode {
		return programme.JoinCode{ID: id, ProgrammeID: "p1", Role: programme.RoleMentee, Label: "slide", CodeHash: hash, CreatedBy: "olivia",
			CreatedAt: at, ExpiresAt: at.Add(programme.DefaultJoinCodeTTL)}
	}
	for _, jc := range []programme.JoinCode{code("j1", "h1", t0), code("j2", "h2", t0.Add(time.Hour))} {
		if err := s.CreateJoinCode(ctx, jc); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateJoinCode(ctx, code("j3", "h1", t0)); err == nil {
		t.Error("a second code with the same hash was stored")
	}
	list, err := s.JoinCodes(ctx, "p1")
	if err != nil || len(list) != 2 || list[0].ID != "j2" || list[1].ID != "j1" {
		t.Fatalf("join codes, newest first: %+v %v", list, err)
	}
	if err := s.CountJoinCodeUse(ctx, "j1"); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeJoinCode(ctx, "other-programme", "j1"); !errors.Is(err, programme.ErrJoinCodeNotFound) {
		t.Errorf("revoked through another programme: %v", err)
	}
	if err := s.RevokeJoinCode(ctx, "p1", "j1"); err != nil {
		t.Fatal(err)
	}
	want := code("j1", "h1", t0)
	want.Uses, want.Revoked = 1, true
	got, err := s.JoinCodeByHash(ctx, "h1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("join code (-want +got):\n%s", diff)
	}
	if _, err := s.JoinCodeByHash(ctx, "nope"); !errors.Is(err, programme.ErrJoinCodeNotFound) {
		t.Errorf("unknown code: %v", err)
	}
}
