package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/privacy"
)

// Issue 17's routes: erasure and export. Everyone may erase and export themselves, only
// platform admins erase others or read erasure records.
func init() {
	adminOnly := map[Who]int{Anon: 401, OtherMember: 403, OtherOwner: 403, Mentee: 403, Mentor: 403, Owner: 403, Admin: 0}
	with := func(m map[Who]int, adminStatus int) map[Who]int {
		out := map[Who]int{}
		for k, v := range m {
			out[k] = v
		}
		out[Admin] = adminStatus
		return out
	}
	throwaway := func(t *testing.T, f *Fixture) (id, token string) {
		u := f.Env.Register("Erase Me " + time.Now().Format("150405.000000000"))
		return u.ID, u.Token
	}
	// exported asks for the caller's export and waits until it is built.
	exported := func(t *testing.T, f *Fixture, who Who) {
		if who == Anon {
			return
		}
		f.Env.Do(apitest.Req{Method: "POST", Path: "/v1/me/export", Token: f.Token(who)})
		id := privacy.ExportID(f.Users[who].ID)
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if j, err := f.Env.App.Privacy.Store.Get(t.Context(), id); err == nil && j.State == privacy.StateDone {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("the export of %s was not built within 30s", who)
	}
	addFixture(func(t *testing.T, f *Fixture) {
		u := f.Env.Register("Matrix Erased")
		j, err := f.Env.App.Privacy.RequestErasure(t.Context(), privacy.Person{UserID: u.ID, Email: u.Email, Name: "Matrix Erased"}, "matrix", "")
		if err != nil {
			t.Fatal(err)
		}
		f.IDs["jobId"] = j.ID
	})
	addRows(
		Row{Method: "DELETE", Path: "/v1/me", Expect: signedInAll(http.StatusAccepted),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				_, tok := throwaway(t, f)
				return apitest.Req{Path: "/v1/me", Token: tok, Body: map[string]string{"password": "correct-horse-battery"}}
			}},
		Row{Method: "POST", Path: "/v1/me/export", Expect: signedInAll(http.StatusAccepted)},
		Row{Method: "GET", Path: "/v1/me/export", Expect: signedInAll(http.StatusOK),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				exported(t, f, who)
				return apitest.Req{Path: "/v1/me/export"}
			}},
		Row{Method: "GET", Path: "/v1/me/export/archive", Expect: signedInAll(http.StatusOK),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				exported(t, f, who)
				return apitest.Req{Path: "/v1/me/export/archive"}
			}},
		Row{Method: "POST", Path: "/v1/admin/erasures", Expect: with(adminOnly, http.StatusAccepted),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				id, _ := throwaway(t, f)
				return apitest.Req{Path: "/v1/admin/erasures", Body: map[string]string{"userId": id, "reason": "matrix"}}
			}},
		Row{Method: "GET", Path: "/v1/admin/erasures/{jobId}", Expect: with(adminOnly, http.StatusOK)},
	)
}
