package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/notify"
)

func init() {
	mine := map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 404, Owner: 404, Admin: 404}
	addRows(
		Row{Method: "GET", Path: "/v1/me/notifications", Expect: signedInAll(http.StatusOK)},
		Row{Method: "POST", Path: "/v1/me/notifications/read-all", Expect: signedInAll(http.StatusOK)},
		// A notification belongs to its recipient (the mentee); to everyone else it does not exist.
		Row{Method: "PATCH", Path: "/v1/me/notifications/{notificationId}", Expect: mine,
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/me/notifications/{notificationId}"), Body: map[string]bool{"read": true}}
			}},
		Row{Method: "PUT", Path: "/v1/me/devices/{installationId}", Expect: signedInAll(http.StatusCreated),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: "/v1/me/devices/matrix-" + notifySlug(who), Body: deviceBody("token-matrix-" + notifySlug(who))}
			}},
		// Each caller deletes their own device; the installation id is only looked up among
		// the caller's devices.
		Row{Method: "DELETE", Path: "/v1/me/devices/{installationId}", Expect: signedInAll(http.StatusNoContent),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				path := "/v1/me/devices/gone-" + notifySlug(who)
				if who != Anon {
					if r := f.Env.Do(apitest.Req{Method: "PUT", Path: path, Token: f.Token(who), Body: deviceBody("token-gone-" + notifySlug(who))}); r.Status != 201 {
						t.Fatalf("register device: %d %s", r.Status, r.Body)
					}
				}
				return apitest.Req{Path: path}
			}},
	)
	addFixture(func(t *testing.T, f *Fixture) {
		ctx := context.Background()
		mentee := f.Users[Mentee].ID
		if err := f.Env.App.Notify.AssignmentReceived(ctx, notify.Assignment{ID: "matrix-assignment", ProgrammeID: f.ProgrammeID,
			MenteeID: mentee, Title: "Matrix"}); err != nil {
			t.Fatal(err)
		}
		f.IDs["notificationId"] = waitForInbox(t, f.Env, mentee, 1)[0].ID
		f.IDs["installationId"] = "matrix-installation"
	})
}

func notifySlug(w Who) string { return strings.ReplaceAll(string(w), " ", "-") }

func deviceBody(token string) map[string]string {
	return map[string]string{"token": token, "platform": "android", "appVersion": "1.4.2"}
}

// waitForInbox polls until the user's inbox holds at least n entries (the sender works in
// the background) and returns them.
func waitForInbox(t testing.TB, env *apitest.Env, userID string, n int) []notify.Entry {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		page, err := env.App.Notify.Inbox(context.Background(), userID, nil, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Entries) >= n {
			return page.Entries
		}
		if time.Now().After(deadline) {
			t.Fatalf("inbox holds %d entries after 15s, want %d", len(page.Entries), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
