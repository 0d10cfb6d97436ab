package content

import (
	"context"

	"github.com/microlearn/microlearn/learning"
)

// A path takes as long as its steps: its estimatedMinutes is the sum of the estimates of
// the steps that are not archived (for a published path, exactly the steps its followers
// see). It is derived whenever a path is handed out (Item, List), from the steps as they are
// now, so that a list, the path's page, an assignment and the home view never disagree, and
// a step whose author shortens it shortens the path too (within CacheTTL).

// withPathMinutes returns p with its minutes derived from its steps (p itself is shared with
// the cache and left alone).
func (s *Service) withPathMinutes(ctx context.Context, p Item) (Item, error) {
	if p.Kind != KindPath || p.Path == nil {
		return p, nil
	}
	ids := make([]string, len(p.Path.Items))
	for i, r := range p.Path.Items {
		ids[i] = r.ID
	}
	steps, err := s.cachedItems(ctx, ids)
	if err != nil {
		return Item{}, err
	}
	p.EstimatedMinutes = pathMinutes(p, steps)
	return p, nil
}

// pathMinutes sums the estimates of p's steps that exist and are not archived.
func pathMinutes(p Item, steps map[string]Item) int {
	minutes := 0
	for _, r := range p.Path.Items {
		if st, ok := steps[r.ID]; ok && st.Status != StatusArchived && string(st.Kind) == r.Kind {
			minutes += st.EstimatedMinutes
		}
	}
	return minutes
}

// withPathsMinutes derives the minutes of every path among items, reading the steps that
// are not cached in one query.
func (s *Service) withPathsMinutes(ctx context.Context, items []Item) error {
	var ids []string
	for _, it := range items {
		if it.Kind == KindPath && it.Path != nil {
			for _, r := range it.Path.Items {
				ids = append(ids, r.ID)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	steps, err := s.cachedItems(ctx, ids)
	if err != nil {
		return err
	}
	for i, it := range items {
		if it.Kind == KindPath && it.Path != nil {
			items[i].EstimatedMinutes = pathMinutes(it, steps)
		}
	}
	return nil
}

// cachedItems returns the latest versions of the items among ids that exist: from the item
// cache, and those it lacks (or holds past CacheTTL) in one query, which then fills it.
func (s *Service) cachedItems(ctx context.Context, ids []string) (map[string]Item, error) {
	out := make(map[string]Item, len(ids))
	var missing []string
	asked := map[string]bool{}
	for _, id := range ids {
		if it, ok := s.cached().items.Get(id); ok {
			out[id] = it
		} else if !asked[id] {
			asked[id] = true
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	found, err := s.Store.Items(ctx, missing)
	if err != nil {
		return nil, err
	}
	for _, it := range found {
		out[it.ID] = it
		s.cached().items.Put(it.ID, it)
	}
	return out, nil
}

// Minutes returns the estimated minutes of the items among refs that exist (a path's derived
// from its steps), from the item cache or one query.
func (s *Service) Minutes(ctx context.Context, refs []learning.ItemRef) (map[string]int, error) {
	items, err := s.Items(ctx, refs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(items))
	for _, it := range items {
		out[it.ID] = it.EstimatedMinutes
	}
	return out, nil
}
