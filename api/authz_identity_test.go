package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/microlearn/microlearn/api/apitest"
)

func init() {
	addRows(
		Row{Method: "POST", Path: "/v1/auth/register", Expect: all(http.StatusCreated), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: "/v1/auth/register", Body: map[string]string{
				"email": fmt.Sprintf("new-%s@test.example", strings.ReplaceAll(string(who), " ", "-")), "password": "correct-horse-battery", "displayName": "New"}}
		}},
		Row{Method: "POST", Path: "/v1/auth/login", Expect: all(http.StatusOK), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: "/v1/auth/login", Body: map[string]string{"email": f.Users[Mentee].Email, "password": "correct-horse-battery"}}
		}},
		Row{Method: "GET", Path: "/v1/me", Expect: signedInAll(http.StatusOK)},
		Row{Method: "PATCH", Path: "/v1/me", Expect: signedInAll(http.StatusOK), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: "/v1/me", Body: map[string]any{"dailyXpGoal": 30}}
		}},
		Row{Method: "POST", Path: "/v1/programmes", Expect: signedInAll(http.StatusCreated), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: "/v1/programmes", Body: map[string]string{"name": "Made by " + string(who)}}
		}},
		Row{Method: "GET", Path: "/v1/programmes", Expect: signedInAll(http.StatusOK)},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}", Expect: map[Who]int{
			Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 200, Owner: 200, Admin: 200}},
	)
}
