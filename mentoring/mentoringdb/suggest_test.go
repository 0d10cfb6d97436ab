package mentoringdb_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/mentoring"
)

// One mentee's suggestions read the loads of the best mentors only, and still rank exactly as
// a ranking over every mentor's load would (issue 20: they read every profile, slot and place
// of the programme). Many of the best-fitting mentors are full, so the search must go on past
// its first batch.
func TestSuggestionsReadOnlyTheLoadsTheyNeed(t *testing.T) {
	roles := map[string]string{"e": mentoring.RoleMentee}
	for i := range 60 {
		roles[fmt.Sprintf("m%02d", i)] = mentoring.RoleMentor
	}
	for i := range 120 {
		roles[fmt.Sprintf("f%03d", i)] = mentoring.RoleMentee
	}
	w := newWorld(t, roles)
	ctx := context.Background()
	store := w.svc.Store
	for i := range 60 {
		capacity, yes := 1+i%3, true
		skills := []string{"Budgeting"}
		if i%2 == 0 {
			skills = []string{"Leadership", "Rota planning"} // the mentee's objectives: the best fits
		}
		id := fmt.Sprintf("m%02d", i)
		if _, err := w.svc.PutMyProfile(ctx, mentoring.Actor{UserID: id, Role: mentoring.RoleMentor}, "p",
			mentoring.ProfileInput{Capacity: &capacity, Available: &yes, Skills: skills, Languages: []string{"en"}}); err != nil {
			t.Fatal(err)
		}
	}
	// Fill most of the best fits to the brim, and some others part way.
	next := 0
	for i := range 60 {
		fills := 0
		switch {
		case i%2 == 0 && i < 48:
			fills = 1 + i%3
		case i%5 == 1:
			fills = 1
		}
		for j := range fills {
			_ = j
			mentee := fmt.Sprintf("f%03d", next)
			next++
			if _, err := w.svc.PutMyProfile(ctx, mentoring.Actor{UserID: mentee, Role: mentoring.RoleMentee}, "p",
				mentoring.ProfileInput{Languages: []string{"en"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: fmt.Sprintf("m%02d", i),
				MenteeIDs: []string{mentee}, Type: mentoring.OneToOne, Agreement: mentoring.Agreement{MeetingFrequency: mentoring.Monthly}}); err != nil {
				t.Fatalf("fill m%02d: %v", i, err)
			}
		}
	}
	if _, err := w.svc.PutMyProfile(ctx, mentoring.Actor{UserID: "e", Role: mentoring.RoleMentee}, "p",
		mentoring.ProfileInput{Objectives: []string{"Leadership", "Rota planning"}, Languages: []string{"en"}}); err != nil {
		t.Fatal(err)
	}
	// The ranking over everything, as suggestions used to compute it.
	set, _ := w.svc.Settings(ctx, "p")
	tags, _ := store.Tags(ctx, "p")
	mentors, _ := store.Profiles(ctx, "p", mentoring.RoleMentor)
	me, _ := store.Profile(ctx, "p", "e")
	slots, _ := store.ProgrammeSlots(ctx, "p")
	load := map[string]int{}
	for _, sl := range slots {
		load[sl.MentorID]++
	}
	for _, limit := range []int{1, 3, 10, 0} {
		want, err := mentoring.Suggest(mentoring.MatchInput{Settings: set, Vocabulary: mentoring.NewVocabulary(tags), Mentors: mentors,
			Mentees: []mentoring.Profile{me}, Load: load, Paired: map[string]bool{}, HasMentor: map[string]bool{}}, "e", limit)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := w.svc.Suggestions(ctx, w.owner, "p", "e", mentoring.OneToOne, limit)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("limit %d: suggestions differ from the full ranking (-full +got):\n%s", limit, diff)
		}
	}
}
