package gamification

import (
	"context"
	"fmt"
)

// The states of a win, as the winner sees it.
const (
	WinWon        = "won"
	WinHandedOver = "handed_over"
)

// Win is one prize a person won, with the prize as it stands now (its claim instructions);
// Prize is the zero value with the recorded name when the owner deleted it since.
type Win struct {
	Winner
	Prize Prize
	// Deleted says the owner deleted the prize after it was won (the win stands).
	Deleted bool
}

// State is "won" until the owner records the prize handed over, then "handed_over".
func (w Win) State() string {
	if w.HandedOverAt != nil {
		return WinHandedOver
	}
	return WinWon
}

// PrizesOf lists what userID won in every programme, newest first: one read of their wins,
// and the prizes' claim instructions from the programmes' configuration (cached).
func (s *Service) PrizesOf(ctx context.Context, userID string) ([]Win, error) {
	ws, err := s.Store.WinnersOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]Win, 0, len(ws))
	for _, w := range ws {
		cfg, err := s.config(ctx, w.ProgrammeID)
		if err != nil {
			return nil, fmt.Errorf("prizes of a person: %w", err)
		}
		win := Win{Winner: w, Deleted: true, Prize: Prize{ID: w.PrizeID, ProgrammeID: w.ProgrammeID, Name: w.PrizeName}}
		for _, pz := range cfg.Prizes {
			if pz.ID == w.PrizeID {
				win.Prize, win.Deleted = pz, false
			}
		}
		out = append(out, win)
	}
	return out, nil
}
