package programme

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/microlearn/microlearn/internal/cache"
)

// DefaultRoleCacheTTL is how long RoleOf trusts a cached answer. It bounds how long another
// API instance may act on a membership change it did not make itself (see docs/decisions.md).
const DefaultRoleCacheTTL = 30 * time.Second

// roleCacheMax bounds the role cache's memory (answers are only ever re-read, never wrong).
const roleCacheMax = 100_000

type roleKey struct{ programmeID, userID string }

// roleCache returns the cache of RoleOf answers, members (a role) and non-members (an empty
// role) alike. Membership is read on every programme-scoped request; with the cache a warm
// request reads nothing from the database to authorize. A read that started before a change
// was invalidated does not store its answer (the cache's Load guarantees it).
func (s *Service) roleCache() *cache.Cache[roleKey, Role] {
	s.rolesOnce.Do(func() {
		cfg := cache.Config{Max: roleCacheMax, TTL: s.RoleCacheTTL, Now: s.Now}
		if s.RoleCacheTTL <= 0 {
			cfg.Max = 0 // caching off (RoleOf does not even ask)
		}
		s.roles = cache.New[roleKey, Role](cfg)
	})
	return s.roles
}

// cachedRole is RoleOf through the cache. The key it stores is its own copy: the caller's
// programme ID may be the request path's, over a buffer Fiber writes the next request into,
// so a kept key could come to read as another programme's and answer for it.
func (s *Service) cachedRole(ctx context.Context, programmeID, userID string) (Role, error) {
	if role, ok := s.roleCache().Get(roleKey{programmeID, userID}); ok {
		return role, nil
	}
	programmeID, userID = strings.Clone(programmeID), strings.Clone(userID)
	return s.roleCache().Load(ctx, roleKey{programmeID, userID}, func(ctx context.Context) (Role, error) {
		m, err := s.Store.Membership(ctx, programmeID, userID)
		if errors.Is(err, ErrNotMember) {
			return "", nil // a negative answer is cached too
		}
		return m.Role, err // database trouble is never cached
	})
}

// forgetRole invalidates the cached answer for one membership (or, with an empty userID,
// every answer about programmeID); call it after every change.
func (s *Service) forgetRole(programmeID, userID string) {
	if userID != "" {
		s.roleCache().Delete(roleKey{programmeID, userID})
		return
	}
	s.roleCache().DeleteFunc(func(k roleKey) bool { return k.programmeID == programmeID })
}
