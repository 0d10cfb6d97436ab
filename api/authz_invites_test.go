package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/programme"
)

// storedInvite writes a pending invitation issued two minutes ago (so it may be resent), for
// one caller of a destructive matrix row.
func storedInvite(t *testing.T, f *Fixture, who Who, row string) string {
	t.Helper()
	email := row + "-" + slug(who) + "@invites.example"
	now := apitest.Now().UTC().Add(-2 * time.Minute)
	inv := programme.Invite{ID: programme.InviteID(f.ProgrammeID, email), ProgrammeID: f.ProgrammeID, Email: email, Role: programme.RoleMentee,
		State: programme.InvitePending, Generation: 1, Seed: "seed-" + email, TokenHash: "hash-" + email, InvitedBy: f.Users[Owner].ID,
		CreatedAt: now, SentAt: now, ExpiresAt: now.Add(24 * time.Hour), Mail: programme.InviteMail{Status: programme.MailOff, Generation: 1, At: now}}
	if _, err := f.Env.App.Programmes.Store.InsertInvites(context.Background(), []programme.Invite{inv}); err != nil {
		t.Fatal(err)
	}
	return inv.ID
}

func init() {
	addRows(
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/invites", Expect: ownerOnly(http.StatusOK)},
		Row{Method: "POST", Path: "/v1/programmes/{programmeId}/invites/import", Expect: ownerOnly(http.StatusOK),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/invites/import"), ContentType: "text/csv",
					Body: "email,name,role,department\ncsv-" + slug(who) + "@invites.example,CSV " + string(who) + ",mentee,ICU\n"}
			}},
		Row{Method: "DELETE", Path: "/v1/programmes/{programmeId}/invites/{inviteId}", Expect: ownerOnly(http.StatusNoContent),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/invites/") + storedInvite(t, f, who, "revoke")}
			}},
		Row{Method: "POST", Path: "/v1/programmes/{programmeId}/invites/{inviteId}/resend", Expect: ownerOnly(http.StatusOK),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/invites/") + storedInvite(t, f, who, "resend") + "/resend"}
			}},
	)
}
