package api_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

type proposalJSON struct {
	Algorithm string
	Pairs     []struct {
		Mentee    struct{ UserID string }
		Candidate struct {
			Mentor struct{ UserID string }
			Score  float64
		}
		ProfileMissing bool
	}
	Unmatched []struct {
		Mentee struct{ UserID string }
		Reason string
	}
}

func (p proposalJSON) pairs() map[string]string {
	out := map[string]string{}
	for _, x := range p.Pairs {
		out[x.Mentee.UserID] = x.Candidate.Mentor.UserID
	}
	return out
}

func (p proposalJSON) reasons() map[string]string {
	out := map[string]string{}
	for _, x := range p.Unmatched {
		out[x.Mentee.UserID] = x.Reason
	}
	return out
}

// Issue 11's first misfire: the bulk one-to-one proposal gave a mentor's last place to a
// mentee who already had a group mentor, and marked the mentee with no mentor at all
// `capacity_taken`. The proposal must prefer mentees without any mentor.
func TestProposalPrefersMenteesWithoutAnyMentor(t *testing.T) {
	w := newMentoringWorld(t)
	pp := "/v1/programmes/" + w.pid
	withGroup, alsoInGroup, alone := w.mentees[0], w.mentees[1], w.mentees[2]
	// Malik has one place and covers both of withGroup's objectives; Sam leads a group and
	// covers nobody's objectives (overlap is a must-have), so he is nobody's candidate.
	w.do(t, "PUT", pp+"/profiles/me", w.mentor.Token, map[string]any{"capacity": 1, "skills": []string{"Budgeting", "Rota planning"}}, 200)
	w.do(t, "PUT", pp+"/profiles/me", w.stranger.Token, map[string]any{"capacity": 5, "skills": []string{"Origami"}}, 200)
	w.do(t, "PUT", pp+"/profiles/me", withGroup.Token, map[string]any{"objectives": []string{"Budgeting", "Rota planning"}}, 200)
	w.do(t, "PUT", pp+"/profiles/me", alsoInGroup.Token, map[string]any{"objectives": []string{"Knitting"}}, 200)
	w.do(t, "PUT", pp+"/profiles/me", alone.Token, map[string]any{"objectives": []string{"Budgeting", "Conflict"}}, 200)
	w.do(t, "PUT", pp+"/matching-settings", w.owner.Token, map[string]any{
		"weights":  map[string]int{"overlap": 50, "capacity": 10, "department": 15, "location": 15, "language": 10},
		"mustHave": []string{"overlap"}}, 200)
	w.do(t, "POST", pp+"/pairings", w.owner.Token, map[string]any{"mentorId": w.stranger.ID,
		"menteeIds": []string{withGroup.ID, alsoInGroup.ID}, "type": "group"}, 201)

	var p proposalJSON
	w.do(t, "GET", pp+"/matching/proposal?type=one-to-one", w.owner.Token, nil, 200).JSON(t, &p)
	if diff := cmp.Diff(map[string]string{alone.ID: w.mentor.ID}, p.pairs()); diff != "" {
		t.Errorf("pairs (-want +got):\n%s", diff)
	}
	if got := p.reasons()[withGroup.ID]; got != "capacity_taken" {
		t.Errorf("the mentee who has a group mentor: reason %q, want capacity_taken", got)
	}
	if got := p.reasons()[alone.ID]; got != "" {
		t.Errorf("the mentee without any mentor was left out: %q", got)
	}
}
