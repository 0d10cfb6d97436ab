package app

import (
	"context"
	"strings"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/insight"
)

// The programme reports over evidence of learning (issue 12): a pairing's check-ins still
// owed (the at-risk list's checkin_overdue) and the programme's response rate (health), read
// from evidence's own store; answers touch the pairing's report subject so the reason goes
// within a sweeper round.

// insightCheckins lists the check-ins a pairing still owes: scheduled or open, without an
// answer (an answer is stored before its check-in's state moves, so both are read).
type insightCheckins struct{ store evidence.Store }

func (x insightCheckins) Open(ctx context.Context, p insight.Pairing) ([]insight.OpenCheckin, error) {
	cs, err := x.store.Checkins(ctx, evidence.CheckinQuery{PairingID: p.ID, States: []evidence.State{evidence.StateScheduled, evidence.StateOpen}, Limit: 200})
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	answered, err := x.store.Answers(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []insight.OpenCheckin
	for _, c := range cs {
		if _, ok := answered[c.ID]; !ok && !c.OverdueAt.IsZero() {
			out = append(out, insight.OpenCheckin{UserID: c.UserID, Occasion: c.Occasion, DueAt: c.OverdueAt})
		}
	}
	return out, nil
}

// insightResponses reads how many check-ins opened and how many were answered in a
// programme, from its outcome aggregate (one document).
type insightResponses struct{ store evidence.Store }

func (x insightResponses) Responses(ctx context.Context, programmeID string) (invited, answered int64, err error) {
	g, _, err := x.store.Aggregate(ctx, evidence.AggregateKey{Level: evidence.LevelProgramme, ProgrammeID: programmeID}.ID())
	if err != nil {
		return 0, 0, err
	}
	for k, v := range g.Counters {
		switch {
		case strings.HasSuffix(k, ".invited"):
			invited += int64(v)
		case strings.HasSuffix(k, ".answered"):
			answered += int64(v)
		}
	}
	return invited, answered, nil
}

// watchedEvidence touches the pairing of a check-in answered.
type watchedEvidence struct {
	evidence.Store
	t toucher
}

func (a *App) watchEvidence(s evidence.Store) evidence.Store {
	return watchedEvidence{s, a.toucher()}
}

func (w watchedEvidence) InsertAnswer(ctx context.Context, ans evidence.Answer) error {
	err := w.Store.InsertAnswer(ctx, ans)
	if err == nil {
		w.t.touch(ctx, ans.ProgrammeID, insight.PairingSubject(ans.PairingID))
	}
	return err
}
