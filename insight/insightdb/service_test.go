package insightdb_test

import (
	"context"
	"time"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/internal/apperr"
)

// fakeProgrammes is one programme in London whose members are given by role.
type fakeProgrammes struct{ roles map[string]string }

func (f fakeProgrammes) Location(context.Context, string) (*time.Location, error) {
	return time.LoadLocation("Europe/London")
}

func (f fakeProgrammes) Membership(_ context.Context, _, userID string) (insight.Membership, error) {
	r, ok := f.roles[userID]
	if !ok {
		return insight.Membership{}, apperr.ErrNotFound
	}
	return insight.Membership{Role: r, JoinedAt: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}, nil
}

func (f fakeProgrammes) MembersPage(context.Context, string, string, int) ([]string, error) {
	return nil, nil
}
func (f fakeProgrammes) ProgrammesPage(context.Context, string, int) ([]string, error) {
	return nil, nil
}

type noPeople struct{}

func (noPeople) People(context.Context, []string) (map[string]insight.Person, error) {
	return map[string]insight.Person{}, nil
}

func newService(store insight.Store, now time.Time) *insight.Service {
	return &insight.Service{Store: store, Programmes: fakeProgrammes{roles: map[string]string{"ada": insight.RoleMentee}}, People: noPeople{},
		Now: func() time.Time { return now }, Wall: func() time.Time { return now }}
}
