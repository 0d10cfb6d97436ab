package content

import (
	"context"
	"fmt"
	"time"
)

// Position is a place in a stream of changes: a time and, among changes at the same time,
// the document's ID (pull sync pages by it).
type Position struct {
	At time.Time
	ID string
}

// Changes is what changed for a person after their positions: their own activity (from any
// device) and the published or archived items of their libraries. More says a page was full:
// ask again from the positions returned.
type Changes struct {
	Activity []Activity
	Items    []Item
	// ActivityAt and ItemsAt are the positions of the last change returned (the ones asked
	// from when none was).
	ActivityAt, ItemsAt Position
	More                bool
}

// ChangesSince reads, with one query each, userID's activity after activityAt and the
// changes of the libraries of programmeIDs (and of the global one) after itemsAt, at most
// limit of each.
func (s *Service) ChangesSince(ctx context.Context, userID string, programmeIDs []string, activityAt, itemsAt Position, limit int) (Changes, error) {
	out := Changes{ActivityAt: activityAt, ItemsAt: itemsAt}
	acts, err := s.Store.ActivitiesSince(ctx, userID, activityAt, limit)
	if err != nil {
		return Changes{}, fmt.Errorf("activity since: %w", err)
	}
	items, err := s.Store.ItemsChangedSince(ctx, append([]string{""}, programmeIDs...), itemsAt, limit)
	if err != nil {
		return Changes{}, fmt.Errorf("items changed since: %w", err)
	}
	if err := s.withPathsMinutes(ctx, items); err != nil {
		return Changes{}, err
	}
	out.Activity, out.Items = acts, items
	if n := len(acts); n > 0 {
		out.ActivityAt = Position{At: acts[n-1].RecordedAt, ID: acts[n-1].UserID + ":" + acts[n-1].EventID}
	}
	if n := len(items); n > 0 {
		out.ItemsAt = Position{At: items[n-1].UpdatedAt, ID: items[n-1].ID}
	}
	out.More = len(acts) == limit || len(items) == limit
	return out, nil
}
