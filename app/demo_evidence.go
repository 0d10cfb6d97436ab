package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/mentoring"
)

// seedEvidenceDemo gives the demo pairings their evaluation so far: the baseline and the
// 3-month check-in, answered by mentor and mentees alike. The demo pairings start on the day
// of the seed, so their evaluation is scheduled as if they had started three months and a
// week earlier (the dates the answers carry); the scheduler later moves the check-ins still
// to come to the pairings' real dates. Idempotent: an answered check-in stays as it is.
func (a *App) seedEvidenceDemo(ctx context.Context, users map[string]identity.User) error {
	ps, err := a.Mentoring.Store.Pairings(ctx, mentoring.PairingQuery{ProgrammeID: DemoProgrammeID, Limit: 20})
	if err != nil {
		return err
	}
	now := a.Now().UTC()
	start := now.AddDate(0, -3, -7)
	past := *a.Evidence
	for _, mp := range ps {
		if !mp.Status.Live() {
			continue
		}
		p := toEvidencePairing(mp)
		p.ActivatedAt = &start
		past.Now = func() time.Time { return start.Add(2 * time.Hour) }
		if err := past.SyncPairing(ctx, p); err != nil {
			return err
		}
		for _, userID := range p.Members() {
			side := p.SideOf(userID)
			if err := a.demoAnswer(ctx, &past, p, evidence.Baseline, userID, demoBaseline[side]); err != nil {
				return err
			}
			past.Now = func() time.Time { return start.AddDate(0, 3, 2) }
			if err := a.demoAnswer(ctx, &past, p, "m3", userID, demoThreeMonths[side]); err != nil {
				return err
			}
			past.Now = func() time.Time { return start.Add(2 * time.Hour) }
		}
	}
	return nil
}

func (a *App) demoAnswer(ctx context.Context, svc *evidence.Service, p evidence.Pairing, occasion, userID string, in evidence.AnswerInput) error {
	c, err := svc.Checkin(ctx, evidence.CheckinID(p.ID, occasion, userID))
	if err != nil {
		return fmt.Errorf("demo check-in %s: %w", occasion, err)
	}
	_, err = svc.AnswerCheckin(ctx, evidence.Actor{UserID: userID}, c, in)
	if errors.Is(err, evidence.ErrAnswered) {
		return nil
	}
	return err
}

func rel(n int) *int { return &n }

// The demo answers echo what the seed study's mentors and mentees said.
var demoBaseline = map[string]evidence.AnswerInput{
	evidence.SideMentee: {Ratings: map[string]int{"cognitive": 2, "skill-based": 2, "affective": 2, "social-networks": 1},
		Texts: map[string]string{
			"cognitive": "I'm looking for new ideas and someone to share their experiences.",
			"affective": "I want to channel my energy in the right direction and feel more confident.",
		},
		Enabling: []string{"effective-matching", "line-management-support"}, Hindering: []string{"time-constraints"},
		Relationship: rel(3), RelationshipText: "We met once to talk about what we both expect."},
	evidence.SideMentor: {Ratings: map[string]int{"cognitive": 3, "skill-based": 3, "affective": 3, "social-networks": 3},
		Texts: map[string]string{
			"skill-based": "I'd like to improve my questioning and listening skills.",
		},
		Enabling: []string{"process-design"}, Hindering: []string{"management-priorities", "excessive-workload"},
		Relationship: rel(3), RelationshipText: "Early days: we agreed to meet monthly."},
}

var demoThreeMonths = map[string]evidence.AnswerInput{
	evidence.SideMentee: {Ratings: map[string]int{"cognitive": 3, "skill-based": 3, "affective": 4, "social-networks": 3},
		Texts: map[string]string{
			"affective":       "I used to be terrified at the thought of going to meetings but I'm getting more used to that now.",
			"social-networks": "My mentor suggested people in other departments to ask; the contacts matter.",
		},
		Enabling:  []string{"effective-matching", "effective-communication", "line-management-support"},
		Hindering: []string{"time-constraints", "organisational-change"}, OtherHindering: "Rota changes on the ward",
		Relationship: rel(4), RelationshipText: "My mentor says the right things at the right time.", Shared: true},
	evidence.SideMentor: {Ratings: map[string]int{"cognitive": 4, "skill-based": 4, "affective": 3, "social-networks": 3},
		Texts: map[string]string{
			"cognitive":   "I'm learning all about a whole new department and how they are managed.",
			"skill-based": "I'm learning when to stop talking and when to carry on.",
		},
		Enabling: []string{"effective-communication", "participant-commitment"}, Hindering: []string{"excessive-workload"},
		Relationship: rel(4), RelationshipText: "Monthly meetings fixed in the diary help."},
}
