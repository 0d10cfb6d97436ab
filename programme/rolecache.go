package programme

import (
	"sync"
	"time"
)

// DefaultRoleCacheTTL is how long RoleOf trusts a cached answer. It bounds how long another
// API instance may act on a membership change it did not make itself (see docs/decisions.md).
const DefaultRoleCacheTTL = 30 * time.Second

// roleCacheMax bounds the cache's memory: past it, expired entries are dropped, and if that
// is not enough the cache starts over (answers are only ever re-read, never wrong).
const roleCacheMax = 100_000

// roleCache remembers RoleOf answers, members (a role) and non-members (ErrNotMember) alike,
// for a short time. Membership is read on every programme-scoped request; with the cache a
// warm request reads nothing from the database to authorize.
type roleCache struct {
	mu      sync.Mutex
	entries map[string]roleEntry
	// gen counts invalidations, so that a read that started before a change cannot store
	// its (possibly stale) answer after the change was invalidated.
	gen uint64
}

type roleEntry struct {
	role    Role // empty: not a member
	expires time.Time
}

func roleKey(programmeID, userID string) string { return programmeID + "\x00" + userID }

func (c *roleCache) get(key string, now time.Time) (roleEntry, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if ok && now.Before(e.expires) {
		return e, c.gen, true
	}
	return roleEntry{}, c.gen, false
}

func (c *roleCache) put(key string, e roleEntry, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // a membership changed while we were reading: do not cache what we read
	}
	if c.entries == nil {
		c.entries = map[string]roleEntry{}
	}
	if len(c.entries) >= roleCacheMax {
		for k, old := range c.entries {
			if !now.Before(old.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= roleCacheMax {
			clear(c.entries)
		}
	}
	c.entries[key] = e
}

// forget drops one answer (or, with an empty userID, every answer about programmeID).
func (c *roleCache) forget(programmeID, userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if userID != "" {
		delete(c.entries, roleKey(programmeID, userID))
		return
	}
	prefix := programmeID + "\x00"
	for k := range c.entries {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			delete(c.entries, k)
		}
	}
}
