package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/credential"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/learning"
)

func init() {
	addFixture(func(t *testing.T, f *Fixture) {
		// The programme issues Open Badges; the mentee's badge is issued as a credential.
		ctx := context.Background()
		app := f.Env.App
		if _, err := app.Credentials.SetIssuer(ctx, credential.Issuer{ProgrammeID: f.ProgrammeID, Name: "Matrix Trust"}); err != nil {
			t.Fatal(err)
		}
		mentee := f.Users[Mentee].ID
		// A badge of the programme's own, earned with a checklist (the gamification
		// fixture's prize waits for the mentee's first lesson, so that one is left alone).
		if _, err := app.Gamification.PutBadge(ctx, gamification.Badge{ID: "matrix-credential", ProgrammeID: f.ProgrammeID, Name: "Prepared twice",
			Criterion: gamification.Criterion{Counter: gamification.CounterChecklists, Target: 1}}); err != nil {
			t.Fatal(err)
		}
		now := app.Now()
		if err := app.Learning.Publish(ctx, learning.Event{ID: "matrix-credential-checklist", Kind: learning.ChecklistCompleted, UserID: mentee,
			ProgrammeID: f.ProgrammeID, ItemKind: learning.KindChecklist, ItemID: "matrix-cl", OccurredAt: now, RecordedAt: now}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			bs, err := app.Gamification.BadgesOf(ctx, mentee, f.ProgrammeID)
			if err != nil {
				t.Fatal(err)
			}
			if slices.ContainsFunc(bs, func(b gamification.BadgeProgress) bool { return b.Badge.ID == "matrix-credential" && b.Earned != nil }) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the mentee did not earn the badge in time")
			}
			time.Sleep(20 * time.Millisecond)
		}
		c, _, err := app.Credentials.Issue(ctx, mentee, f.ProgrammeID, "matrix-credential", "")
		if err != nil {
			t.Fatal(err)
		}
		f.IDs["credentialId"] = c.ID
		f.IDs["kid"] = c.KeyID
	})
	mine := func(status int) map[Who]int {
		return map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: status, Mentor: 404, Owner: 404, Admin: 404}
	}
	public := func(path string) func(t *testing.T, f *Fixture, who Who) apitest.Req {
		return func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: strings.ReplaceAll(f.PathWith(t, path), "{badgeId}", "first-lesson")}
		}
	}
	achievement := func(path string) func(t *testing.T, f *Fixture, who Who) apitest.Req {
		return func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: strings.ReplaceAll(strings.ReplaceAll(path, "{programmeId}", f.ProgrammeID), "{badgeId}", "first-lesson")}
		}
	}
	addRows(
		Row{Method: "GET", Path: "/v1/me/credentials", Expect: signedInAll(http.StatusOK)},
		// Only the mentee earned the badge (issued in the fixture: 200 with it); members
		// without it are told it is not theirs, outsiders that the programme is not there.
		Row{Method: "POST", Path: "/v1/me/credentials", Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 404, Owner: 404, Admin: 404},
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: "/v1/me/credentials", Body: map[string]any{"programmeId": f.ProgrammeID, "badgeId": "matrix-credential"}}
			}},
		Row{Method: "GET", Path: "/v1/me/credentials/{credentialId}", Expect: mine(http.StatusOK)},
		Row{Method: "GET", Path: "/v1/me/credentials/{credentialId}/badge.svg", Expect: mine(http.StatusOK)},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/open-badges/issuer", Expect: gamOwnerOnly(http.StatusOK)},
		Row{Method: "PUT", Path: "/v1/programmes/{programmeId}/open-badges/issuer", Expect: gamOwnerOnly(http.StatusOK),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/open-badges/issuer"), Body: map[string]any{"name": "Matrix Trust"}}
			}},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/credentials", Expect: gamOwnerOnly(http.StatusOK)},
		// Each caller who may revokes a credential of its own making (a copy of the fixture's).
		Row{Method: "POST", Path: "/v1/programmes/{programmeId}/credentials/{credentialId}/revoke", Expect: gamOwnerOnly(http.StatusOK),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				ctx := context.Background()
				c, err := f.Env.App.Credentials.Store.Credential(ctx, f.IDs["credentialId"])
				if err != nil {
					t.Fatal(err)
				}
				c.ID, c.BadgeID = newEventID(), "copy-for-"+gamSlug(who)
				if c.StatusIndex, err = f.Env.App.Credentials.Store.NextStatusIndex(ctx, f.ProgrammeID); err != nil {
					t.Fatal(err)
				}
				if _, err := f.Env.App.Credentials.Store.InsertCredential(ctx, c); err != nil {
					t.Fatal(err)
				}
				return apitest.Req{Path: "/v1/programmes/" + f.ProgrammeID + "/credentials/" + c.ID + "/revoke", Body: map[string]any{"reason": "matrix"}}
			}},
		// Public documents: anyone, with or without a token.
		Row{Method: "GET", Path: "/v1/open-badges/issuers/{programmeId}", Expect: all(http.StatusOK)},
		Row{Method: "GET", Path: "/v1/open-badges/achievements/{programmeId}/{badgeId}", Expect: all(http.StatusOK),
			Build: achievement("/v1/open-badges/achievements/{programmeId}/{badgeId}")},
		Row{Method: "GET", Path: "/v1/open-badges/achievements/{programmeId}/{badgeId}/image.svg", Expect: all(http.StatusOK),
			Build: achievement("/v1/open-badges/achievements/{programmeId}/{badgeId}/image.svg")},
		Row{Method: "GET", Path: "/v1/open-badges/status-lists/{programmeId}", Expect: all(http.StatusOK)},
		Row{Method: "GET", Path: "/v1/open-badges/jwks.json", Expect: all(http.StatusOK)},
		Row{Method: "GET", Path: "/v1/open-badges/keys/{kid}", Expect: all(http.StatusOK), Build: public("/v1/open-badges/keys/{kid}")},
		Row{Method: "GET", Path: "/v1/open-badges/credentials/{credentialId}/status", Expect: all(http.StatusOK)},
		Row{Method: "POST", Path: "/v1/open-badges/verify", Expect: all(http.StatusOK),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				c, err := f.Env.App.Credentials.Store.Credential(context.Background(), f.IDs["credentialId"])
				if err != nil {
					t.Fatal(err)
				}
				return apitest.Req{Path: "/v1/open-badges/verify", Body: map[string]any{"credential": c.JWT}}
			}},
	)
}
