package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/mentoring"
)

// The mentoring record's routes in the authorization matrix. The fixture pairing (mentor and
// mentee, from authz_mentoring_test.go) gets a planned meeting with an action owned by the
// mentee, a private note of the mentee and a goal of the mentee. Owners and admins read the
// record but never write it (403), and never read a private note (404): the rows below
// prove it for the note routes.

var (
	recordWriters = map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 201, Mentor: 201, Owner: 403, Admin: 403}
	recordEditors = map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 200, Owner: 403, Admin: 403}
	authorOnly    = map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 404, Owner: 404, Admin: 404}
)

func recordActors(f *Fixture) (mentee, mentor mentoring.Actor) {
	return mentoring.Actor{UserID: f.Users[Mentee].ID, Role: mentoring.RoleMentee}, mentoring.Actor{UserID: f.Users[Mentor].ID, Role: mentoring.RoleMentor}
}

func fixturePairing(t *testing.T, f *Fixture) mentoring.Pairing {
	t.Helper()
	p, err := f.Env.App.Record.Pairing(context.Background(), f.IDs["pairingId"])
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// heldMeeting logs a meeting of the fixture pairing that happened yesterday, as by.
func heldMeeting(t *testing.T, f *Fixture, by mentoring.Actor) mentoring.MeetingView {
	t.Helper()
	start := apitest.Now().Add(-26 * time.Hour).UTC().Format(time.RFC3339)
	v, err := f.Env.App.Record.PlanMeeting(context.Background(), by, fixturePairing(t, f), mentoring.MeetingInput{Start: &start})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func privateNote(t *testing.T, f *Fixture) string {
	t.Helper()
	mentee, _ := recordActors(f)
	body := "only for me"
	n, err := f.Env.App.Record.WriteNote(context.Background(), mentee, fixturePairing(t, f), mentoring.NoteInput{Body: &body})
	if err != nil {
		t.Fatal(err)
	}
	return n.ID
}

func init() {
	addFixture(func(t *testing.T, f *Fixture) {
		ctx := context.Background()
		mentee, mentor := recordActors(f)
		p := fixturePairing(t, f)
		start := apitest.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
		text, due := "Read the agreement lesson", apitest.Now().AddDate(0, 0, 10).Format(time.DateOnly)
		menteeID := mentee.UserID
		v, err := f.Env.App.Record.PlanMeeting(ctx, mentor, p, mentoring.MeetingInput{Start: &start,
			Actions: []mentoring.ActionInput{{Text: &text, OwnerID: &menteeID, Due: &due}}})
		if err != nil {
			t.Fatal(err)
		}
		f.IDs["meetingId"], f.IDs["actionId"] = v.ID, v.Actions[0].ID
		f.IDs["noteId"] = privateNote(t, f)
		specific := "Lead the morning huddle"
		g, err := f.Env.App.Record.SetGoal(ctx, mentee, p, mentoring.GoalInput{Specific: &specific})
		if err != nil {
			t.Fatal(err)
		}
		f.IDs["goalId"] = g.ID
	})

	body := func(path string, b any) func(t *testing.T, f *Fixture, who Who) apitest.Req {
		return func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: f.PathWith(t, path), Body: b}
		}
	}
	soon := apitest.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	addRows(
		Row{Method: "POST", Path: "/v1/pairings/{pairingId}/meetings", Expect: recordWriters,
			Build: body("/v1/pairings/{pairingId}/meetings", map[string]any{"start": soon, "format": "video"})},
		Row{Method: "GET", Path: "/v1/pairings/{pairingId}/meetings", Expect: mentoringMembers},
		Row{Method: "GET", Path: "/v1/meetings/{meetingId}", Expect: mentoringMembers},
		Row{Method: "PATCH", Path: "/v1/meetings/{meetingId}", Expect: recordEditors,
			Build: body("/v1/meetings/{meetingId}", map[string]any{"place": "Seminar room 2"})},
		// The mentor logged each meeting: the mentee confirms it; the mentor's own side cannot
		// (422 naming updatedBy).
		Row{Method: "POST", Path: "/v1/meetings/{meetingId}/confirmation",
			Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 422, Owner: 403, Admin: 403},
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				_, mentor := recordActors(f)
				return apitest.Req{Path: "/v1/meetings/" + heldMeeting(t, f, mentor).ID + "/confirmation"}
			}},
		Row{Method: "POST", Path: "/v1/meetings/{meetingId}/actions", Expect: recordWriters,
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/meetings/{meetingId}/actions"), Body: map[string]any{"actions": []map[string]string{
					{"text": "Book the room", "ownerId": f.Users[Mentor].ID, "due": apitest.Now().AddDate(0, 0, 3).Format(time.DateOnly)}}}}
			}},
		// The action is the mentee's: only they tick it off.
		Row{Method: "PATCH", Path: "/v1/actions/{actionId}",
			Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 403, Owner: 403, Admin: 403},
			Build:  body("/v1/actions/{actionId}", map[string]any{"done": true})},
		Row{Method: "GET", Path: "/v1/me/actions", Expect: signedInAll(http.StatusOK)},
		Row{Method: "POST", Path: "/v1/pairings/{pairingId}/notes", Expect: recordWriters,
			Build: body("/v1/pairings/{pairingId}/notes", map[string]any{"body": "We talked about rotas.", "visibility": "pairing"})},
		Row{Method: "GET", Path: "/v1/pairings/{pairingId}/notes", Expect: mentoringMembers},
		// The note is the mentee's private note: nobody else reads it, owners and admins
		// included, and nobody else changes or erases it.
		Row{Method: "GET", Path: "/v1/notes/{noteId}", Expect: authorOnly},
		Row{Method: "PATCH", Path: "/v1/notes/{noteId}", Expect: authorOnly,
			Build: body("/v1/notes/{noteId}", map[string]any{"body": "still only for me"})},
		Row{Method: "DELETE", Path: "/v1/notes/{noteId}",
			Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 204, Mentor: 404, Owner: 404, Admin: 404},
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: "/v1/notes/" + privateNote(t, f)}
			}},
		Row{Method: "POST", Path: "/v1/pairings/{pairingId}/goals", Expect: recordWriters,
			Build: body("/v1/pairings/{pairingId}/goals", map[string]any{"specific": "Run a team meeting", "measure": "Chaired one, with feedback"})},
		Row{Method: "GET", Path: "/v1/pairings/{pairingId}/goals", Expect: mentoringMembers},
		Row{Method: "GET", Path: "/v1/me/goals", Expect: signedInAll(http.StatusOK)},
		Row{Method: "GET", Path: "/v1/goals/{goalId}", Expect: mentoringMembers},
		// The goal is the mentee's: they and their mentor change it.
		Row{Method: "PATCH", Path: "/v1/goals/{goalId}", Expect: recordEditors,
			Build: body("/v1/goals/{goalId}", map[string]any{"progress": 20})},
		Row{Method: "GET", Path: "/v1/goals/{goalId}/history", Expect: mentoringMembers},
	)
}

// changeAgreement makes a pending change of the fixture pairing's agreement by who and
// returns its version.
func changeAgreement(t *testing.T, f *Fixture, by mentoring.Actor) int {
	t.Helper()
	v, err := f.Env.App.Record.ChangeAgreement(context.Background(), by, fixturePairing(t, f),
		mentoring.AgreementPatch{Set: map[string]string{"boundaries": "Change by " + by.UserID + " at " + time.Now().Format(time.RFC3339Nano)}})
	if err != nil {
		t.Fatal(err)
	}
	return v.Pending.Version
}

func init() {
	addRows(
		Row{Method: "GET", Path: "/v1/pairings/{pairingId}/agreement", Expect: mentoringMembers},
		Row{Method: "PATCH", Path: "/v1/pairings/{pairingId}/agreement", Expect: recordEditors,
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/pairings/{pairingId}/agreement"), ContentType: "application/merge-patch+json",
					Body: map[string]any{"meetingFrequency": "fortnightly", "boundaries": "set by " + string(who)}}
			}},
		Row{Method: "GET", Path: "/v1/pairings/{pairingId}/agreement/versions", Expect: mentoringMembers},
		// Each caller acknowledges a change the other side just made (owners may not: they
		// are no side of the agreement).
		Row{Method: "POST", Path: "/v1/pairings/{pairingId}/agreement/versions/{version}/acknowledgement", Expect: recordEditors,
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				mentee, mentor := recordActors(f)
				by := mentor
				if who == Mentor {
					by = mentee
				}
				v := changeAgreement(t, f, by)
				return apitest.Req{Path: fmt.Sprintf("/v1/pairings/%s/agreement/versions/%d/acknowledgement", f.IDs["pairingId"], v)}
			}},
		Row{Method: "GET", Path: "/v1/pairings/{pairingId}/cadence", Expect: mentoringMembers},
	)
}

func init() {
	addRows(
		Row{Method: "POST", Path: "/v1/me/calendar-token", Expect: signedInAll(http.StatusCreated)},
		Row{Method: "DELETE", Path: "/v1/me/calendar-token", Expect: signedInAll(http.StatusNoContent)},
		// The feed's credential is its token, not the caller's Bearer token: with a valid
		// feed token everyone gets the feed (of the token's owner), without one nobody does.
		Row{Method: "GET", Path: "/v1/me/calendar.ics", Expect: all(http.StatusOK),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				token, err := f.Env.App.Record.NewFeedToken(context.Background(), f.Users[Mentee].ID)
				if err != nil {
					t.Fatal(err)
				}
				return apitest.Req{Path: "/v1/me/calendar.ics?token=" + token}
			}},
	)
}
