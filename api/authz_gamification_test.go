package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/learning"
)

// gamMember: every member of the fixture programme (and admins) may; outsiders get 404.
func gamMember(status int) map[Who]int {
	return map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: status, Mentor: status, Owner: status, Admin: status}
}

// gamOwnerOnly: owners and admins may; other members get 403, outsiders 404.
func gamOwnerOnly(status int) map[Who]int {
	return map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 403, Mentor: 403, Owner: status, Admin: status}
}

func gamSlug(who Who) string { return strings.ReplaceAll(string(who), " ", "-") }

func init() {
	addFixture(func(t *testing.T, f *Fixture) {
		// A recorded prize winner: a badge prize for the first lesson, earned by the mentee
		// through a real learning event processed by the in-process worker.
		ctx := context.Background()
		g := f.Env.App.Gamification
		pz, err := g.CreatePrize(ctx, gamification.Prize{ProgrammeID: f.ProgrammeID, Name: "Book token", Kind: gamification.PrizeBadge, BadgeID: "first-lesson"})
		if err != nil {
			t.Fatal(err)
		}
		now := f.Env.App.Now()
		if err := f.Env.App.Learning.Publish(ctx, learning.Event{ID: "matrix-lesson-1", Kind: learning.LessonCompleted, UserID: f.Users[Mentee].ID,
			ProgrammeID: f.ProgrammeID, ItemKind: learning.KindLesson, ItemID: "l1", OccurredAt: now, RecordedAt: now}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			ws, err := g.Winners(ctx, f.ProgrammeID)
			if err != nil {
				t.Fatal(err)
			}
			if len(ws) > 0 {
				f.IDs["winnerId"] = ws[0].ID
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the badge prize winner was not recorded in time")
			}
			time.Sleep(20 * time.Millisecond)
		}
		f.IDs["prizeId"] = pz.ID
		f.IDs["badgeId"] = "fixture-badge"
		f.IDs["key"] = "first-lesson"
	})
	addRows(
		Row{Method: "GET", Path: "/v1/me/gamification", Expect: signedInAll(http.StatusOK)},
		Row{Method: "GET", Path: "/v1/me/badges", Expect: signedInAll(http.StatusOK)},
		Row{Method: "GET", Path: "/v1/me/progress-bars", Expect: signedInAll(http.StatusOK)},
		Row{Method: "GET", Path: "/v1/me/prizes", Expect: signedInAll(http.StatusOK)},
		Row{Method: "GET", Path: "/v1/me/home", Expect: signedInAll(http.StatusOK)},
		Row{Method: "GET", Path: "/v1/sync", Expect: signedInAll(http.StatusOK)},
		// Embedded badge art names nothing about a programme: public.
		Row{Method: "GET", Path: "/v1/badge-art/{key}.svg", Expect: all(http.StatusOK)},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/leaderboard", Expect: gamMember(http.StatusOK)},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/gamification/rules", Expect: gamOwnerOnly(http.StatusOK)},
		Row{Method: "PUT", Path: "/v1/programmes/{programmeId}/gamification/rules", Expect: gamOwnerOnly(http.StatusOK),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/gamification/rules"), Body: map[string]any{"dailyCap": 150}}
			}},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/gamification/badges", Expect: gamMember(http.StatusOK)},
		Row{Method: "PUT", Path: "/v1/programmes/{programmeId}/gamification/badges/{badgeId}", Expect: gamOwnerOnly(http.StatusOK),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/gamification/badges/") + "made-by-" + gamSlug(who),
					Body: map[string]any{"name": "Ten lessons", "criterion": map[string]any{"counter": "lessons", "target": 10}}}
			}},
		Row{Method: "DELETE", Path: "/v1/programmes/{programmeId}/gamification/badges/{badgeId}", Expect: gamOwnerOnly(http.StatusNoContent),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				id := "doomed-" + gamSlug(who)
				if _, err := f.Env.App.Gamification.PutBadge(context.Background(), gamification.Badge{ID: id, ProgrammeID: f.ProgrammeID, Name: "Doomed",
					Criterion: gamification.Criterion{Counter: gamification.CounterLessons, Target: 3}}); err != nil {
					t.Fatal(err)
				}
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/gamification/badges/") + id}
			}},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/gamification/prizes", Expect: gamMember(http.StatusOK)},
		Row{Method: "POST", Path: "/v1/programmes/{programmeId}/gamification/prizes", Expect: gamOwnerOnly(http.StatusCreated),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/gamification/prizes"),
					Body: map[string]any{"name": "Coffee with the dean", "kind": "leaderboard", "period": "week", "placeFrom": 1, "placeTo": 1}}
			}},
		Row{Method: "DELETE", Path: "/v1/programmes/{programmeId}/gamification/prizes/{prizeId}", Expect: gamOwnerOnly(http.StatusNoContent),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				pz, err := f.Env.App.Gamification.CreatePrize(context.Background(), gamification.Prize{ProgrammeID: f.ProgrammeID, Name: "Doomed",
					Kind: gamification.PrizeLeaderboard, Period: gamification.PeriodMonth, PlaceFrom: 1, PlaceTo: 3})
				if err != nil {
					t.Fatal(err)
				}
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/gamification/prizes/") + pz.ID}
			}},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/gamification/prize-winners", Expect: gamOwnerOnly(http.StatusOK)},
		Row{Method: "POST", Path: "/v1/programmes/{programmeId}/gamification/prize-winners/{winnerId}/handed-over", Expect: gamOwnerOnly(http.StatusOK)},
	)
}
