package evidence

import "context"

// MaxOutcomesPage is the most pairings one page of pairing outcomes holds.
const MaxOutcomesPage = 200

// PairingOutcomes lists the outcome aggregates of a programme's pairings, by pairing ID after
// afterID (owners): the programme reports page through them, one read of the plan and one of
// the aggregates a page, whatever the size of the programme. Pairings nothing was counted
// for yet (no check-in opened) are not listed.
func (s *Service) PairingOutcomes(ctx context.Context, actor Actor, programmeID, afterID string, limit int) ([]Outcomes, error) {
	if !actor.Oversees() {
		return nil, ErrForbidden
	}
	if limit < 1 || limit > MaxOutcomesPage {
		limit = MaxOutcomesPage
	}
	plan, err := s.Plan(ctx, programmeID)
	if err != nil {
		return nil, err
	}
	after := ""
	if afterID != "" {
		after = AggregateKey{Level: LevelPairing, PairingID: afterID}.ID()
	}
	gs, err := s.Store.PairingAggregates(ctx, programmeID, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Outcomes, len(gs))
	for i, g := range gs {
		out[i] = outcomesOf(plan, g)
	}
	return out, nil
}
