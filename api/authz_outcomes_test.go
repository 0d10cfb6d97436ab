package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/evidence"
)

// Evidence of learning in the authorization matrix (issue 12). The fixture pairing's
// baseline check-ins are scheduled; the mentee answers theirs privately. The rows prove
// that a private answer reaches only its author and the programme's owners (and admins):
// the mentor, the other side of the pairing, gets 404 for the check-in and its answer.
// Outcomes are for owners, and a person's own outcomes for that person too.

var (
	checkinReaders = map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 404, Owner: 200, Admin: 200}
	programmeWide  = map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 200, Owner: 200, Admin: 200}
)

func validAnswer() map[string]any {
	return map[string]any{"ratings": map[string]int{"cognitive": 3, "skill-based": 2, "affective": 4, "social-networks": 1},
		"texts": map[string]string{"affective": "More confident in huddles."}, "enabling": []string{"effective-matching"},
		"hindering": []string{"time-constraints"}, "relationship": 4}
}

func init() {
	addFixture(func(t *testing.T, f *Fixture) {
		ctx := context.Background()
		svc := f.Env.App.Evidence
		p, err := svc.Pairings.Pairing(ctx, f.IDs["pairingId"])
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.SyncPairing(ctx, p); err != nil {
			t.Fatal(err)
		}
		mentee := f.Users[Mentee].ID
		id := evidence.CheckinID(p.ID, evidence.Baseline, mentee)
		c, err := svc.Checkin(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		r := 3
		in := evidence.AnswerInput{Ratings: map[string]int{"cognitive": 3, "skill-based": 3, "affective": 2, "social-networks": 1},
			Relationship: &r, Texts: map[string]string{"cognitive": "private words"}}
		if _, err := svc.AnswerCheckin(ctx, evidence.Actor{UserID: mentee, Role: evidence.RoleMentee}, c, in); err != nil {
			t.Fatal(err)
		}
		f.IDs["checkinId"] = id
		f.IDs["mentorCheckinId"] = evidence.CheckinID(p.ID, evidence.Baseline, f.Users[Mentor].ID)
	})
	addRows(
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/evaluation-plan", Expect: programmeWide},
		Row{Method: "PUT", Path: "/v1/programmes/{programmeId}/evaluation-plan", Expect: mentoringOwnerOnly,
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/evaluation-plan"), Body: map[string]any{"windowDays": 21}}
			}},
		Row{Method: "GET", Path: "/v1/me/checkins", Expect: signedInAll(http.StatusOK)},
		Row{Method: "GET", Path: "/v1/checkins/{checkinId}", Expect: checkinReaders},
		Row{Method: "GET", Path: "/v1/checkins/{checkinId}/answer", Expect: checkinReaders},
		// Only the author changes whether the answer is shared.
		Row{Method: "PATCH", Path: "/v1/checkins/{checkinId}/answer",
			Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 404, Owner: 403, Admin: 403},
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/checkins/{checkinId}/answer"), Body: map[string]any{"shared": false}}
			}},
		// The mentor's own baseline: only the mentor answers it; owners read but never answer.
		Row{Method: "POST", Path: "/v1/checkins/{checkinId}/answer",
			Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 404, Mentor: 201, Owner: 403, Admin: 403},
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: "/v1/checkins/" + f.IDs["mentorCheckinId"] + "/answer", Body: validAnswer()}
			}},
		Row{Method: "GET", Path: "/v1/pairings/{pairingId}/checkins", Expect: mentoringMembers},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/checkins", Expect: mentoringOwnerOnly},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/outcomes", Expect: mentoringOwnerOnly},
		Row{Method: "GET", Path: "/v1/pairings/{pairingId}/outcomes", Expect: mentoringOwnerOnly},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/people/{userId}/outcomes",
			Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 403, Owner: 200, Admin: 200}},
	)
}

func init() {
	addRows(
		Row{Method: "GET", Path: "/v1/me/cpd", Expect: signedInAll(http.StatusOK)},
		// Anyone holding the code confirms it: names and totals, nothing else.
		Row{Method: "GET", Path: "/v1/cpd/verify/{code}", Expect: all(http.StatusOK),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				r, err := f.Env.App.Evidence.CPD(context.Background(), f.Users[Mentee].ID, "", "")
				if err != nil {
					t.Fatal(err)
				}
				return apitest.Req{Path: "/v1/cpd/verify/" + r.Code}
			}},
	)
}

func init() {
	addRows(Row{Method: "GET", Path: "/v1/programmes/{programmeId}/xapi/statements", Expect: mentoringOwnerOnly})
}
