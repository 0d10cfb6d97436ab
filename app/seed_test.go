package app_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/identity/identitydb"
	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/insight/insightdb"
	"github.com/microlearn/microlearn/internal/config"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
	"github.com/microlearn/microlearn/notify/notifydb"
	"github.com/microlearn/microlearn/programme"
	"github.com/microlearn/microlearn/programme/programmedb"
)

// SeedMentoring (with the notifications it returns enqueued) leaves in the database exactly
// what CreatePairing and Assign leave: the same
// pairings, places, capacity slots, meeting-due entries, assignment copies, outbox items and
// report subjects, document for document. One app makes a group and a one-to-one pairing with
// an assignment each through the service; a second app, on the same clock and with the same
// people, seeds what the first returned.
func TestSeedMentoringWritesWhatTheServiceWrites(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 3, 9, 30, 0, 0, time.UTC)
	served, seeded := seedApp(t, now), seedApp(t, now)
	mentor, mentees := "seed-mentor", []string{"seed-m0", "seed-m1", "seed-m2", "seed-m3", "seed-m4", "seed-m5"}
	for _, a := range []*app.App{served, seeded} {
		seedPeople(t, a, mentor, mentees, now)
	}
	ps, copies := pairThroughService(t, served, mentor, mentees)
	ns, err := seeded.SeedMentoring(ctx, ps, copies)
	if err != nil {
		t.Fatal(err)
	}
	if err := seeded.Notify.EnqueueAll(ctx, ns); err != nil {
		t.Fatal(err)
	}
	pairingIDs := []string{ps[0].ID, ps[1].ID}
	subjects := []string{insight.PairingSubject(ps[0].ID), insight.PairingSubject(ps[1].ID)}
	for _, m := range mentees {
		subjects = append(subjects, insight.PersonSubject(app.DemoProgrammeID, m))
	}
	for _, c := range []struct {
		coll   string
		filter bson.D
		want   int
	}{
		{mentoringdb.Pairings, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: pairingIDs}}}}, 2},
		{mentoringdb.Places, bson.D{{Key: "pairingId", Value: bson.D{{Key: "$in", Value: pairingIDs}}}}, 6},
		{mentoringdb.Slots, bson.D{{Key: "pairingId", Value: bson.D{{Key: "$in", Value: pairingIDs}}}}, 6},
		{mentoringdb.CadenceDue, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: pairingIDs}}}}, 2},
		{mentoringdb.Assignments, bson.D{{Key: "pairingId", Value: bson.D{{Key: "$in", Value: pairingIDs}}}}, 6},
		{notifydb.Outbox, bson.D{{Key: "userId", Value: bson.D{{Key: "$in", Value: mentees}}}}, 6},
		{insightdb.Subjects, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: subjects}}}}, 8},
	} {
		want, got := docs(t, served, c.coll, c.filter), docs(t, seeded, c.coll, c.filter)
		if len(want) != c.want {
			t.Errorf("%s: the service wrote %d documents, want %d", c.coll, len(want), c.want)
		}
		if diff := cmp.Diff(want, got, unordered); diff != "" {
			t.Errorf("%s (-service +seeded):\n%s", c.coll, diff)
		}
	}
	// The seeded guards hold: the mentor's capacity (7) has one place left, and a mentee
	// seeded into a one-to-one pairing cannot be paired one-to-one again.
	owner := ownerActor(t, seeded)
	if _, err := seeded.Mentoring.CreatePairing(ctx, owner, app.DemoProgrammeID, mentoring.NewPairing{MentorID: mentor,
		MenteeIDs: []string{mentees[5]}, Type: mentoring.OneToOne}); !errors.Is(err, mentoring.ErrMenteeAlreadyPaired) {
		t.Errorf("pairing a seeded mentee again: %v, want ErrMenteeAlreadyPaired", err)
	}
}

// unordered compares sub-documents as maps: refs and vars are Go maps, encoded in any order.
var unordered = cmp.Transformer("unordered", func(d bson.D) map[string]any {
	m := make(map[string]any, len(d))
	for _, e := range d {
		m[e.Key] = e.Value
	}
	return m
})

// SeedRegistered leaves the reminder scheduler's due index as a registration's profile change
// leaves it for each new account: the same moments (learning slots, streak time), document for
// document.
func TestSeedRegisteredTracksWhatRegistrationTracks(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 3, 23, 50, 0, 0, time.UTC)
	served, seeded := seedApp(t, now), seedApp(t, now)
	people := []string{"seed-r0", "seed-r1", "seed-r2", "seed-r3"}
	for _, a := range []*app.App{served, seeded} {
		seedPeople(t, a, "seed-r-mentor", people, now)
	}
	ids := append([]string{"seed-r-mentor"}, people...)
	for _, id := range ids {
		served.Identity.ProfileChanged(ctx, id)
	}
	if err := seeded.SeedRegistered(ctx, ids); err != nil {
		t.Fatal(err)
	}
	filter := bson.D{{Key: "userId", Value: bson.D{{Key: "$in", Value: ids}}}}
	want, got := docs(t, served, notifydb.Due, filter), docs(t, seeded, notifydb.Due, filter)
	if len(want) < 2*len(ids) {
		t.Fatalf("registration tracked %d moments for %d people with a learning slot each", len(want), len(ids))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("due index (-registration +seeded):\n%s", diff)
	}
}

func seedApp(t *testing.T, now time.Time) *app.App {
	t.Helper()
	dir := t.TempDir()
	cfg, err := app.LoadConfig(config.FromMap(map[string]string{"DATA_DIR": dir, "DEMO_SEED": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	cfg.JWTKeysFile = filepath.Join(dir, "keys.json")
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{DB: mongotest.DB(t), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// seedPeople adds a mentor (capacity 7, with a profile) and mentees to the demo programme.
func seedPeople(t *testing.T, a *app.App, mentor string, mentees []string, now time.Time) {
	t.Helper()
	ctx := context.Background()
	var us []identity.User
	var ms []programme.Membership
	for i, id := range append([]string{mentor}, mentees...) {
		role := programme.RoleMentee
		if i == 0 {
			role = programme.RoleMentor
		}
		us = append(us, identity.User{ID: id, Email: id + "@seed.example", DisplayName: id, Timezone: []string{"Europe/London", "Asia/Kolkata"}[i%2],
			Locale: "en", LearningSlots: []string{[]string{"07:30", "12:15", "19:00"}[i%3]}, CreatedAt: now})
		ms = append(ms, programme.Membership{ProgrammeID: app.DemoProgrammeID, UserID: id, Role: role, JoinedAt: now})
	}
	if err := identitydb.New(a.DB.DB).SeedUsers(ctx, us, "x"); err != nil {
		t.Fatal(err)
	}
	if err := programmedb.New(a.DB.DB).SeedMembers(ctx, ms); err != nil {
		t.Fatal(err)
	}
	capacity, yes := 7, true
	if _, err := a.Mentoring.PutMyProfile(ctx, mentoring.Actor{UserID: mentor, Role: mentoring.RoleMentor}, app.DemoProgrammeID,
		mentoring.ProfileInput{Department: "Surgery", Languages: []string{"en"}, Skills: []string{"Leadership"}, Capacity: &capacity, Available: &yes}); err != nil {
		t.Fatal(err)
	}
}

func ownerActor(t *testing.T, a *app.App) mentoring.Actor {
	t.Helper()
	owner, _, err := a.Identity.Store.UserByEmail(context.Background(), app.DemoAccounts[0].Email)
	if err != nil {
		t.Fatal(err)
	}
	return mentoring.Actor{UserID: owner.ID, Role: mentoring.RoleOwner}
}

// pairThroughService makes a group pairing of the first five mentees and a one-to-one pairing
// of the sixth, each with an assignment, and returns what the service returned.
func pairThroughService(t *testing.T, a *app.App, mentor string, mentees []string) ([]mentoring.Pairing, []mentoring.MenteeAssignment) {
	t.Helper()
	ctx := context.Background()
	items, err := a.Content.Store.ListItems(ctx, content.ListFilter{ProgrammeID: app.DemoProgrammeID, Kind: content.KindLesson, Limit: 2})
	if err != nil || len(items) < 2 {
		t.Fatalf("demo lessons: %d, %v", len(items), err)
	}
	owner := ownerActor(t, a)
	var ps []mentoring.Pairing
	var copies []mentoring.MenteeAssignment
	for i, in := range []mentoring.NewPairing{
		{MentorID: mentor, MenteeIDs: mentees[:5], Type: mentoring.Group, Agreement: mentoring.Agreement{MeetingFrequency: mentoring.Monthly}},
		{MentorID: mentor, MenteeIDs: mentees[5:], Type: mentoring.OneToOne, Agreement: mentoring.Agreement{MeetingFrequency: mentoring.Fortnightly}},
	} {
		p, err := a.Mentoring.CreatePairing(ctx, owner, app.DemoProgrammeID, in)
		if err != nil {
			t.Fatal(err)
		}
		refs := []learning.ItemRef{{Kind: learning.KindLesson, ID: items[i].ID}}
		if i == 0 {
			refs = append(refs, learning.ItemRef{Kind: learning.KindLesson, ID: items[1].ID})
		}
		as, err := a.Mentoring.Assign(ctx, mentoring.Actor{UserID: mentor, Role: mentoring.RoleMentor}, p.ID,
			mentoring.NewAssignment{Items: refs, Due: "2026-11-20", Note: fmt.Sprintf("assignment %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ps, copies = append(ps, p), append(copies, as.Copies...)
	}
	return ps, copies
}

// docs are coll's documents matching filter, by _id.
func docs(t *testing.T, a *app.App, coll string, filter bson.D) []bson.M {
	t.Helper()
	cur, err := a.DB.DB.Collection(coll).Find(context.Background(), filter)
	if err != nil {
		t.Fatal(err)
	}
	var out []bson.M
	if err := cur.All(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(x, y bson.M) int { return strings.Compare(fmt.Sprint(x["_id"]), fmt.Sprint(y["_id"])) })
	return out
}
