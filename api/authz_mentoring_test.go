package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/programme"
)

// Mentoring routes in the authorization matrix. The fixture gives the fixture mentor a
// profile with room for many mentees, the fixture mentee a profile, an active one-to-one
// pairing between them and an assignment in it; self-selection is on, so the mentee may see
// their own suggestions and ask for a mentor.

var (
	mentoringOwnerOnly = map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 403, Mentor: 403, Owner: 200, Admin: 200}
	mentoringMembers   = map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 200, Owner: 200, Admin: 200}
	partiesOnly        = map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 404, Mentor: 200, Owner: 200, Admin: 200}
)

func mentoringSlug(who Who) string { return strings.ReplaceAll(string(who), " ", "-") }

// freshPairing makes a pairing of the fixture mentor with a new mentee who has no account, so
// that each caller of a destructive row acts on its own pairing.
func freshPairing(t *testing.T, f *Fixture, who Who, row string, requireAcceptance bool) string {
	t.Helper()
	ctx := context.Background()
	mentee := fmt.Sprintf("fresh-%s-%s", row, mentoringSlug(who))
	if err := f.Env.App.Programmes.AddMember(ctx, f.ProgrammeID, mentee, programme.RoleMentee); err != nil {
		t.Fatal(err)
	}
	p, err := f.Env.App.Mentoring.CreatePairing(ctx, mentoring.Actor{UserID: f.Users[Owner].ID, Role: mentoring.RoleOwner}, f.ProgrammeID,
		mentoring.NewPairing{MentorID: f.Users[Mentor].ID, MenteeIDs: []string{mentee}, Type: mentoring.OneToOne, RequireAcceptance: requireAcceptance})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func init() {
	addFixture(func(t *testing.T, f *Fixture) {
		ctx := context.Background()
		useFakeContent(f.Env)
		m := f.Env.App.Mentoring
		capacity := 40
		mentor := mentoring.Actor{UserID: f.Users[Mentor].ID, Role: mentoring.RoleMentor}
		if _, err := m.PutMyProfile(ctx, mentor, f.ProgrammeID, mentoring.ProfileInput{Capacity: &capacity, Skills: []string{"Leadership"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.PutMyProfile(ctx, mentoring.Actor{UserID: f.Users[Mentee].ID, Role: mentoring.RoleMentee}, f.ProgrammeID,
			mentoring.ProfileInput{Objectives: []string{"leadership"}}); err != nil {
			t.Fatal(err)
		}
		set := mentoring.DefaultSettings(f.ProgrammeID)
		set.AllowSelfSelection = true
		if _, err := m.PutSettings(ctx, set); err != nil {
			t.Fatal(err)
		}
		p, err := m.CreatePairing(ctx, mentoring.Actor{UserID: f.Users[Owner].ID, Role: mentoring.RoleOwner}, f.ProgrammeID,
			mentoring.NewPairing{MentorID: f.Users[Mentor].ID, MenteeIDs: []string{f.Users[Mentee].ID}, Type: mentoring.OneToOne})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Assign(ctx, mentor, p.ID, mentoring.NewAssignment{Items: fakeItems[:2], Due: "2099-12-01"}); err != nil {
			t.Fatal(err)
		}
		f.IDs["pairingId"] = p.ID
		f.IDs["menteeId"] = f.Users[Mentee].ID
		f.IDs["userId"] = f.Users[Mentee].ID
	})

	body := func(path string, b any) func(t *testing.T, f *Fixture, who Who) apitest.Req {
		return func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: f.PathWith(t, path), Body: b}
		}
	}
	settings := map[string]any{"weights": map[string]int{"overlap": 50, "capacity": 10, "department": 15, "location": 15, "language": 10},
		"allowSelfSelection": true}

	addRows(
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/profiles/me",
			Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 200, Owner: 403, Admin: 404}},
		Row{Method: "PUT", Path: "/v1/programmes/{programmeId}/profiles/me",
			Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 200, Owner: 403, Admin: 403},
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				b := map[string]any{"objectives": []string{"leadership"}, "departmentPreference": "any"}
				if who == Mentor {
					b = map[string]any{"capacity": 40, "skills": []string{"Leadership"}}
				}
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/profiles/me"), Body: b}
			}},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/profiles", Expect: mentoringOwnerOnly},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/profiles/{userId}", Expect: mentoringMembers},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/tags", Expect: mentoringMembers},
		Row{Method: "POST", Path: "/v1/programmes/{programmeId}/tags", Expect: mentoringOwnerOnly,
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/tags"),
					Body: map[string]any{"name": "tag " + mentoringSlug(who), "synonyms": []string{"alias " + mentoringSlug(who)}}}
			}},
		Row{Method: "POST", Path: "/v1/programmes/{programmeId}/tags/merge", Expect: mentoringOwnerOnly,
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/tags/merge"),
					Body: map[string]any{"from": []string{"merge " + mentoringSlug(who)}, "into": "merged"}}
			}},
		Row{Method: "POST", Path: "/v1/programmes/{programmeId}/tags/rename", Expect: mentoringOwnerOnly,
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				from := "rename " + mentoringSlug(who)
				if _, err := f.Env.App.Mentoring.DefineTag(context.Background(), f.ProgrammeID, from, nil); err != nil {
					t.Fatal(err)
				}
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/tags/rename"),
					Body: map[string]any{"from": from, "to": "renamed " + mentoringSlug(who)}}
			}},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/matching-settings", Expect: mentoringOwnerOnly},
		Row{Method: "PUT", Path: "/v1/programmes/{programmeId}/matching-settings", Expect: mentoringOwnerOnly,
			Build: body("/v1/programmes/{programmeId}/matching-settings", settings)},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/matching/suggestions/{menteeId}",
			Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 403, Owner: 200, Admin: 200}},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/matching/proposal", Expect: mentoringOwnerOnly},
		Row{Method: "POST", Path: "/v1/programmes/{programmeId}/pairings",
			Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 201, Mentor: 403, Owner: 201, Admin: 201},
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				mentee := f.Users[Mentee].ID
				typ := "flash" // the mentee asks for themselves (proposed: takes no place)
				if who == Owner || who == Admin {
					mentee = fmt.Sprintf("created-by-%s", mentoringSlug(who))
					if err := f.Env.App.Programmes.AddMember(context.Background(), f.ProgrammeID, mentee, programme.RoleMentee); err != nil {
						t.Fatal(err)
					}
					typ = "one-to-one"
				}
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/pairings"),
					Body: map[string]any{"mentorId": f.Users[Mentor].ID, "menteeIds": []string{mentee}, "type": typ}}
			}},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/pairings", Expect: mentoringMembers},
		Row{Method: "GET", Path: "/v1/pairings/{pairingId}", Expect: mentoringMembers},
		Row{Method: "POST", Path: "/v1/pairings/{pairingId}/accept", Expect: partiesOnly,
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: "/v1/pairings/" + freshPairing(t, f, who, "accept", true) + "/accept"}
			}},
		Row{Method: "POST", Path: "/v1/pairings/{pairingId}/decline", Expect: partiesOnly,
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: "/v1/pairings/" + freshPairing(t, f, who, "decline", true) + "/decline", Body: map[string]string{"reason": "full"}}
			}},
		Row{Method: "POST", Path: "/v1/pairings/{pairingId}/status", Expect: partiesOnly,
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: "/v1/pairings/" + freshPairing(t, f, who, "status", false) + "/status", Body: map[string]string{"status": "paused"}}
			}},
		Row{Method: "POST", Path: "/v1/pairings/{pairingId}/assignments",
			Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 403, Mentor: 201, Owner: 403, Admin: 403},
			Build: body("/v1/pairings/{pairingId}/assignments", map[string]any{
				"items": []map[string]string{{"kind": "lesson", "id": "lesson-1"}}, "due": "2099-01-31", "note": "read this"})},
		Row{Method: "GET", Path: "/v1/pairings/{pairingId}/progress",
			Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 403, Mentor: 200, Owner: 200, Admin: 200}},
		Row{Method: "GET", Path: "/v1/me/assignments", Expect: signedInAll(http.StatusOK)},
	)
}
