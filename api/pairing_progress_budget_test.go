package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/programme"
)

// A group's progress costs the same database commands whatever the group's size: the
// mentees' display names and completions are each read once for all of them (issue 20:
// they were read one mentee at a time).
func TestPairingProgressReadsTheGroupAtOnce(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	ctx := context.Background()
	app := w.env.App
	lesson := mustCreate(t, app.Content, w.owner.ID, w.pid, testLesson("Group lesson"), true)
	capacity, yes := 10, true
	if _, err := app.Mentoring.PutMyProfile(ctx, mentoring.Actor{UserID: w.mentor.ID, Role: mentoring.RoleMentor}, w.pid,
		mentoring.ProfileInput{Languages: []string{"en"}, Capacity: &capacity, Available: &yes}); err != nil {
		t.Fatal(err)
	}
	commands := func(size int) int64 {
		t.Helper()
		var ids []string
		for range size {
			m := w.env.Register(fmt.Sprintf("Group Mentee %d-%d", size, len(ids)))
			if err := app.Programmes.AddMember(ctx, w.pid, m.ID, programme.RoleMentee); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		owner := mentoring.Actor{UserID: w.owner.ID, Role: mentoring.RoleOwner}
		p, err := app.Mentoring.CreatePairing(ctx, owner, w.pid, mentoring.NewPairing{MentorID: w.mentor.ID, MenteeIDs: ids,
			Type: mentoring.Group, Agreement: mentoring.Agreement{MeetingFrequency: mentoring.Monthly}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Mentoring.Assign(ctx, mentoring.Actor{UserID: w.mentor.ID, Role: mentoring.RoleMentor}, p.ID,
			mentoring.NewAssignment{Items: []learning.ItemRef{lesson.Ref()}, Due: apitest.Now().AddDate(0, 0, 7).Format(time.DateOnly)}); err != nil {
			t.Fatal(err)
		}
		path := "/v1/pairings/" + p.ID + "/progress"
		w.do(t, "GET", path, w.mentor.Token, nil, 200) // warm the caches (membership, items)
		return w.env.DBCommands(w.env.Do(apitest.Req{Method: "GET", Path: path, Token: w.mentor.Token}))
	}
	two, five := commands(2), commands(5)
	if two != five || five > 5 {
		t.Errorf("group progress: %d commands for two mentees, %d for five; want the same, at most 5", two, five)
	}
}
