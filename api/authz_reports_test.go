package api_test

import (
	"testing"

	"github.com/microlearn/microlearn/api/apitest"
)

// The programme reports in the authorization matrix: owners (and admins) read every report
// and change the thresholds; mentors read the at-risk list, limited to their own mentees and
// pairings (TestAtRiskFollowsTheClockWithinAMinute checks which rows), and nothing else;
// mentees nothing; outsiders get 404.

func init() {
	reportsOwnerOnly := map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 403, Mentor: 403, Owner: 200, Admin: 200}
	atRisk := map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 403, Mentor: 200, Owner: 200, Admin: 200}
	settings := func(t *testing.T, f *Fixture, who Who) apitest.Req {
		return apitest.Req{Method: "PUT", Path: f.PathWith(t, "/v1/programmes/{programmeId}/reports/settings"), Token: f.Token(who),
			Body: map[string]int{"inactiveDays": 10, "overdueAssignments": 1, "streakLostDays": 7, "meetingGraceDays": 7, "goalGraceDays": 0, "checkinGraceDays": 7}}
	}
	// The at-risk row asks for CSV: the export is authorized like the JSON.
	csv := func(path string) func(t *testing.T, f *Fixture, who Who) apitest.Req {
		return func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Method: "GET", Path: f.PathWith(t, path) + "?format=csv", Token: f.Token(who)}
		}
	}
	addRows(
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/reports/health", Expect: reportsOwnerOnly},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/reports/at-risk", Expect: atRisk, Build: csv("/v1/programmes/{programmeId}/reports/at-risk")},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/reports/learning", Expect: reportsOwnerOnly},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/reports/items", Expect: reportsOwnerOnly},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/reports/questions", Expect: reportsOwnerOnly},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/reports/outcomes", Expect: reportsOwnerOnly},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/reports/settings", Expect: reportsOwnerOnly},
		Row{Method: "PUT", Path: "/v1/programmes/{programmeId}/reports/settings", Expect: reportsOwnerOnly, Build: settings},
	)
}
