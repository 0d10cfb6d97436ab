package gamification

import (
	"context"
	"errors"

	"github.com/microlearn/microlearn/learning"
)

// Forecast tells, as events are recorded, what each will earn when the worker applies it,
// or why it will earn nothing: it reads the person's players once (before the events are
// published, so none of them is applied yet) and applies each event in turn to its own copy
// with the worker's Apply, so that a second completion of the same lesson in one sync is
// "already earned" and the day's cap binds as it will. The worker's decision is final; it
// differs only when other events of the same person are applied in between (another device
// syncing at the same moment), which can move the daily cap.
type Forecast struct {
	s       *Service
	userID  string
	players map[string]*Player
}

// Forecast reads userID's players (one query) for forecasting the events they record next.
func (s *Service) Forecast(ctx context.Context, userID string) (*Forecast, error) {
	ps, err := s.Store.PlayersOf(ctx, userID, "")
	if err != nil {
		return nil, err
	}
	f := &Forecast{s: s, userID: userID, players: map[string]*Player{}}
	for i := range ps {
		p := ps[i].Clone()
		f.players[p.ProgrammeID] = &p
	}
	return f, nil
}

// Earn forecasts e (an event just published for the forecast's person) and applies it to the
// forecast's copy of their player. Errors are the other domains' (worth a retry).
func (f *Forecast) Earn(ctx context.Context, e learning.Event) (Earning, error) {
	if e.ProgrammeID == "" {
		return nothing(ReasonNoProgramme), nil
	}
	in, err := f.s.earnInputs(ctx, e)
	if errors.Is(err, errSkip) {
		return nothing(ReasonNotMember), nil
	}
	if err != nil {
		return Earning{}, err
	}
	p := f.players[e.ProgrammeID]
	if p == nil {
		fresh := freshPlayer(e.ProgrammeID, f.userID)
		p = &fresh
		f.players[e.ProgrammeID] = p
	}
	_, earn := p.Earn(e, in)
	return earn, nil
}
