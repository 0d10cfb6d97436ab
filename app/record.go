package app

import (
	"context"
	"fmt"
	"time"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
)

// newRecord builds the mentoring record (meetings, notes and reflections, goals, agreement
// versions, cadence, calendar feeds) over the mentoring service built before it.
func (a *App) newRecord() *mentoring.Record {
	store := mentoringdb.New(a.DB.DB)
	return &mentoring.Record{
		Pairings:  a.Mentoring,
		Store:     store,
		Feeds:     store,
		People:    recordPeople{a.Identity},
		Publisher: a.Learning,
		Now:       a.Now,
		Log:       a.Log.With("component", "mentoring-record"),
	}
}

// migrateAgreementGoals turns every agreement's plain goal strings into goals (idempotent:
// derived IDs, and pairings already migrated hold no strings).
func (a *App) migrateAgreementGoals(ctx context.Context) error {
	n := 0
	after := ""
	for {
		ps, err := a.Record.Store.PairingsWithAgreementGoals(ctx, after, 200)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if err := a.Record.MigrateAgreementGoals(ctx, p); err != nil {
				return err
			}
			n++
		}
		if len(ps) < 200 {
			break
		}
		after = ps[len(ps)-1].ID
	}
	if n > 0 {
		a.Log.Info("agreement goals migrated to SMART goals", "pairings", n)
	}
	return nil
}

// recordPeople tells the record people's time zones, from identity.
type recordPeople struct{ identity *identity.Service }

func (p recordPeople) Location(ctx context.Context, userID string) (*time.Location, error) {
	u, err := p.identity.User(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("person %s: %w", userID, err)
	}
	return u.Location(), nil
}
