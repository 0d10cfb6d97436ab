package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/gamification/gamificationdb"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/programme"
)

// newGamification builds the gamification service: it consumes the learning queue, reads
// people, programmes, content (progress-bar totals) and mentoring (assignments, pairings),
// tells mentoring about every event it processes and sends award news through notify.
func (a *App) newGamification(store *gamificationdb.Store) *gamification.Service {
	return &gamification.Service{
		Store:      store,
		Queue:      meteredQueue{a.Learning, a.Metrics},
		People:     gamificationPeople{a.Identity},
		Programmes: gamificationProgrammes{a.Programmes},
		Catalog:    catalogForGamification{a.Content},
		Pairings:   pairingsForGamification{a.Mentoring},
		Notifier:   gamificationNotifier{a.Notify},
		Observers:  []learning.Observer{a.Mentoring, a.Reviews, a.Record, a.Evidence, a.Insight},
		Now:        a.Now,
		Log:        a.Log,
		CacheTTL:   10 * time.Second,
	}
}

// RunGamification runs the gamification service (and every other background worker) until
// ctx ends: what cmd/gamification does.
func (a *App) RunGamification(ctx context.Context) {
	var wg sync.WaitGroup
	if !a.Cfg.Embedded() {
		for _, w := range []func(context.Context){a.GamificationWorker.Run, a.GamificationWorker.RunCloser} {
			wg.Add(1)
			go func() { defer wg.Done(); w(ctx) }()
		}
	}
	a.RunWorkers(ctx)
	wg.Wait()
}

func workerID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// gamificationPeople adapts identity to gamification.People.
type gamificationPeople struct{ s *identity.Service }

func (p gamificationPeople) Profile(ctx context.Context, userID string) (gamification.Profile, error) {
	u, err := p.s.User(ctx, userID)
	if err != nil {
		return gamification.Profile{}, err
	}
	vis := gamification.Visibility(u.LeaderboardVisibility)
	if !vis.Valid() {
		vis = gamification.Visible
	}
	return gamification.Profile{UserID: u.ID, DisplayName: u.DisplayName, Timezone: u.Timezone,
		TimezoneChangedAt: u.TimezoneChangedAt, DailyXPGoal: u.DailyXPGoal, Visibility: vis}, nil
}

// gamificationProgrammes adapts programme to gamification.Programmes.
type gamificationProgrammes struct{ s *programme.Service }

func (p gamificationProgrammes) Timezone(ctx context.Context, programmeID string) (string, error) {
	pr, err := p.s.Programme(ctx, programmeID)
	return pr.Timezone, err
}

func (p gamificationProgrammes) Membership(ctx context.Context, programmeID, userID string) (gamification.Membership, error) {
	m, err := p.s.Store.Membership(ctx, programmeID, userID)
	if err != nil {
		return gamification.Membership{}, err
	}
	return gamification.Membership{ProgrammeID: m.ProgrammeID, Role: string(m.Role), JoinedAt: m.JoinedAt}, nil
}

func (p gamificationProgrammes) Memberships(ctx context.Context, userID string) ([]gamification.Membership, error) {
	ms, err := p.s.MembershipsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]gamification.Membership, len(ms))
	for i, m := range ms {
		out[i] = gamification.Membership{ProgrammeID: m.ProgrammeID, Role: string(m.Role), JoinedAt: m.JoinedAt}
	}
	return out, nil
}
