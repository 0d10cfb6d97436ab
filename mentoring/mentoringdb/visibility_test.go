package mentoringdb_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/microlearn/microlearn/mentoring"
)

// Who may see whose mentoring profile and pairing: everyone their own; owners and admins
// everything; a mentor the mentees of their live pairings (a proposal waiting for them
// included, an ended pairing not); a mentee the mentors of theirs, and every mentor when
// the programme allows self-selection; nobody the other mentees. Anything else is
// not-found, so that members cannot probe who has a profile.
func TestProfileAndPairingVisibility(t *testing.T) {
	roles := map[string]string{"m1": mentoring.RoleMentor, "m2": mentoring.RoleMentor,
		"e1": mentoring.RoleMentee, "e2": mentoring.RoleMentee, "e3": mentoring.RoleMentee}
	w := newWorld(t, roles)
	ctx := context.Background()
	for _, m := range []string{"m1", "m2"} {
		w.mentorProfile(t, m, 5)
	}
	for _, e := range []string{"e1", "e2", "e3"} {
		if _, err := w.svc.PutMyProfile(ctx, mentoring.Actor{UserID: e, Role: mentoring.RoleMentee}, "p", mentoring.ProfileInput{}); err != nil {
			t.Fatal(err)
		}
	}
	pair := func(mentor, mentee string, proposed bool) mentoring.Pairing {
		p, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: mentor, MenteeIDs: []string{mentee},
			Type: mentoring.OneToOne, RequireAcceptance: proposed})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	active := pair("m1", "e1", false)
	proposal := pair("m2", "e2", true)
	ended := pair("m1", "e3", false)
	if _, err := w.svc.SetStatus(ctx, w.owner, ended.ID, mentoring.StatusEnded, "done"); err != nil {
		t.Fatal(err)
	}
	actor := func(id string) mentoring.Actor {
		switch id {
		case "owner":
			return w.owner
		case "admin":
			return mentoring.Actor{UserID: "admin", Admin: true}
		}
		return mentoring.Actor{UserID: id, Role: roles[id]}
	}
	profiles := func(selfSelection bool, want map[string][]string) {
		t.Helper()
		for viewer, visible := range want {
			for _, target := range []string{"m1", "m2", "e1", "e2", "e3"} {
				_, err := w.svc.ProfileOf(ctx, actor(viewer), "p", target)
				seen := err == nil
				if err != nil && !errors.Is(err, mentoring.ErrProfileNotFound) {
					t.Fatalf("%s views %s: %v", viewer, target, err)
				}
				if want := slices.Contains(visible, target); seen != want {
					t.Errorf("self-selection %v: %s sees the profile of %s: %v, want %v", selfSelection, viewer, target, seen, want)
				}
			}
		}
	}
	everyone := []string{"m1", "m2", "e1", "e2", "e3"}
	profiles(false, map[string][]string{
		"owner": everyone, "admin": everyone,
		"m1": {"m1", "e1"}, // e3's pairing ended
		"m2": {"m2", "e2"}, // the proposal waits for m2
		"e1": {"e1", "m1"},
		"e2": {"e2", "m2"},
		"e3": {"e3"},
	})
	set := mentoring.DefaultSettings("p")
	set.AllowSelfSelection = true
	if _, err := w.svc.PutSettings(ctx, set); err != nil {
		t.Fatal(err)
	}
	profiles(true, map[string][]string{
		"m1": {"m1", "e1"},
		"e1": {"e1", "m1", "m2"},
		"e3": {"e3", "m1", "m2"},
	})

	for _, tc := range []struct {
		p      mentoring.Pairing
		seenBy []string
	}{
		{active, []string{"owner", "admin", "m1", "e1"}},
		{proposal, []string{"owner", "admin", "m2", "e2"}},
		{ended, []string{"owner", "admin", "m1", "e3"}}, // its members keep its record
	} {
		for _, viewer := range []string{"owner", "admin", "m1", "m2", "e1", "e2", "e3"} {
			_, err := w.svc.Pairing(ctx, actor(viewer), tc.p.ID)
			if err != nil && !errors.Is(err, mentoring.ErrPairingNotFound) {
				t.Fatal(err)
			}
			if seen, want := err == nil, slices.Contains(tc.seenBy, viewer); seen != want {
				t.Errorf("%s sees pairing %s-%s (%s): %v, want %v", viewer, tc.p.MentorID, tc.p.MenteeIDs[0], tc.p.Status, seen, want)
			}
		}
	}
}
