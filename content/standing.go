package content

import (
	"context"
	"errors"
	"time"

	"github.com/microlearn/microlearn/learning"
)

// Lists carry the caller's progress on every item they show (the library, assignments, the
// home view), folded from the same activity log as GET /v1/me/progress: one read of the
// person's activity on the listed items and the steps of the listed paths.

// The states of a person's progress on an item.
const (
	StateNotStarted = "not_started"
	StateInProgress = "in_progress"
	StateCompleted  = "completed"
)

// Standing is how far one person got with one item.
type Standing struct {
	State string
	// Done of Total: a path's steps, a checklist's items ticked, 0 or 1 of 1 for a lesson or
	// a quiz; Percent is the same in whole percent.
	Done, Total, Percent int
	CompletedAt          *time.Time
	LastActiveAt         *time.Time
	SecondsSpent         int
	// Quizzes.
	Attempts, BestScorePercent int
}

// Standings returns userID's standing on each of items (by item ID), with one read of their
// activity on the items and on the steps of the paths among them.
func (s *Service) Standings(ctx context.Context, userID string, items []Item) (map[string]Standing, error) {
	out := make(map[string]Standing, len(items))
	if len(items) == 0 {
		return out, nil
	}
	var ids, steps []string
	for _, it := range items {
		ids = append(ids, it.ID)
		if it.Path != nil {
			for _, r := range it.Path.Items {
				steps = append(steps, r.ID)
			}
		}
	}
	if len(steps) > 0 { // the steps' definitions, in one query when they are not cached
		if _, err := s.cachedItems(ctx, steps); err != nil {
			return nil, err
		}
	}
	prog, err := s.progressOf(ctx, userID, append(ids, steps...))
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		st, err := s.standing(ctx, it, prog)
		if err != nil {
			return nil, err
		}
		out[it.ID] = st
	}
	return out, nil
}

// StandingsOfRefs is Standings for items named by reference (unknown ones are left out).
func (s *Service) StandingsOfRefs(ctx context.Context, userID string, refs []learning.ItemRef) (map[string]Standing, error) {
	ids := make([]string, len(refs))
	for i, r := range refs {
		ids[i] = r.ID
	}
	found, err := s.cachedItems(ctx, ids)
	if err != nil {
		return nil, err
	}
	items := make([]Item, 0, len(found))
	for _, r := range refs {
		if it, ok := found[r.ID]; ok && string(it.Kind) == r.Kind {
			items = append(items, it)
		}
	}
	return s.Standings(ctx, userID, items)
}

// standing folds one item's standing from the person's progress.
func (s *Service) standing(ctx context.Context, it Item, prog map[string]*ItemProgress) (Standing, error) {
	st := Standing{State: StateNotStarted, Total: 1}
	if it.Kind == KindPath && it.Path != nil {
		return s.pathStanding(ctx, it, prog)
	}
	ip := prog[it.ID]
	if it.Checklist != nil {
		st.Total = len(it.Checklist.Items)
	}
	if ip == nil {
		return st, nil
	}
	at := ip.LastActiveAt
	st.State, st.LastActiveAt, st.SecondsSpent = StateInProgress, &at, ip.SecondsSpent
	st.Attempts, st.BestScorePercent = ip.Attempts, ip.BestScorePercent
	if it.Checklist != nil {
		st.Done = len(ip.TickedItems)
	}
	if ip.Completed {
		st.State, st.CompletedAt, st.Done = StateCompleted, ip.CompletedAt, st.Total
	}
	st.Percent = percent(st.Done, st.Total)
	return st, nil
}

// pathStanding is a path's standing: the steps done of those its followers see.
func (s *Service) pathStanding(ctx context.Context, p Item, prog map[string]*ItemProgress) (Standing, error) {
	pp, err := s.pathProgress(ctx, p, prog, false)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Standing{}, err
	}
	st := Standing{State: StateNotStarted, Done: pp.Done, Total: pp.Total, Percent: pp.Percent}
	for _, step := range pp.Steps {
		ip := prog[step.Item.ID]
		if ip == nil {
			continue
		}
		st.SecondsSpent += ip.SecondsSpent
		if st.LastActiveAt == nil || ip.LastActiveAt.After(*st.LastActiveAt) {
			at := ip.LastActiveAt
			st.LastActiveAt = &at
		}
		st.State = StateInProgress
	}
	if pp.Total > 0 && pp.Done == pp.Total {
		st.State, st.CompletedAt = StateCompleted, st.LastActiveAt
	}
	return st, nil
}

func percent(done, total int) int {
	if total <= 0 {
		return 0
	}
	return min(100, done*100/total)
}
