package content

import "context"

// PublishedPaths returns the published paths of a programme's library and of the global one
// (from the in-process path cache, refreshed within CacheTTL).
func (s *Service) PublishedPaths(ctx context.Context, programmeID string) ([]Item, error) {
	return s.publishedPaths(ctx, programmeID)
}
