package content

import (
	"context"

	"github.com/microlearn/microlearn/learning"
)

// StarterCount is how many of a library's published items the home screen picks "something
// new" from.
const StarterCount = 30

// Starters returns the first StarterCount published items of a programme's library and the
// global one, in the library's order (cached for CacheTTL: the home screen reads it on every
// open, and a newly published item may wait that long to be suggested).
func (s *Service) Starters(ctx context.Context, programmeID string) ([]Item, error) {
	return s.cached().starters.Load(ctx, programmeID, func(ctx context.Context) ([]Item, error) {
		items, _, err := s.List(ctx, ListFilter{ProgrammeID: programmeID, IncludeGlobal: true, Statuses: []Status{StatusPublished}, Limit: StarterCount})
		return items, err
	})
}

// Items returns the latest versions of the items among refs that exist (a path's minutes
// derived from its steps), from the item cache or one query.
func (s *Service) Items(ctx context.Context, refs []learning.ItemRef) ([]Item, error) {
	ids := make([]string, len(refs))
	for i, r := range refs {
		ids[i] = r.ID
	}
	found, err := s.cachedItems(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Item, 0, len(found))
	for _, it := range found {
		out = append(out, it)
	}
	if err := s.withPathsMinutes(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}
