package gamification

import (
	"sync"

	"github.com/microlearn/microlearn/internal/cache"
	"github.com/microlearn/microlearn/learning"
)

// caches are this instance's memories, all of the one cache type (internal/cache) on the
// service's clock:
//   - lookups in other domains and programme configuration, kept for CacheTTL so that a
//     burst of events by the same people costs no repeated reads (a zero TTL turns them off);
//   - known, the players this instance last read or wrote, so that an event of a player it
//     already knows is applied without reading the player first. That is safe because the
//     write is a compare-and-swap on the version: if the player changed elsewhere meanwhile
//     (another instance, a profile change, a repair), the write fails, the player is read
//     afresh and the events are applied again to what is stored (and those already applied
//     there are found in Seen). Entries are never handed out for mutation: applyGroup works
//     on a clone;
//   - done, the events this instance finished, so that their effects can be pruned from the
//     players' documents at their next write (a forgotten one is pruned by a later write).
type caches struct {
	once     sync.Once
	profiles *cache.Cache[string, Profile]
	zones    *cache.Cache[string, string]
	members  *cache.Cache[PlayerKey, Membership]
	// memberships are a person's programmes, so that each has a standing (summary.go).
	memberships *cache.Cache[string, []Membership]
	// programmePaths are a programme's published paths, for bars nothing has moved yet.
	programmePaths *cache.Cache[string, []Container]
	configs        *cache.Cache[string, programmeConfig]
	paths          *cache.Cache[learning.ItemRef, []Container]
	library        *cache.Cache[string, int]
	assignments    *cache.Cache[assignmentKey, []Container]
	pairings       *cache.Cache[string, Pairing]
	known          *cache.Cache[PlayerKey, Player]
	done           *cache.Cache[string, struct{}]
}

const (
	lookupMaxEntries = 20000
	knownPlayers     = 5000
	doneMemory       = 50000
)

func lookups[K comparable, V any](cfg cache.Config) *cache.Cache[K, V] { return cache.New[K, V](cfg) }

// cached returns the caches, built on first use from CacheTTL and Now.
func (s *Service) cached() *caches {
	c := &s.caches
	c.once.Do(func() {
		cfg := cache.Config{Max: lookupMaxEntries, TTL: s.CacheTTL, Now: s.now}
		if s.CacheTTL <= 0 {
			cfg.Max = 0
		}
		c.profiles, c.zones, c.configs = lookups[string, Profile](cfg), lookups[string, string](cfg), lookups[string, programmeConfig](cfg)
		c.members, c.paths = lookups[PlayerKey, Membership](cfg), lookups[learning.ItemRef, []Container](cfg)
		c.library, c.assignments = lookups[string, int](cfg), lookups[assignmentKey, []Container](cfg)
		c.pairings = lookups[string, Pairing](cfg)
		c.memberships, c.programmePaths = lookups[string, []Membership](cfg), lookups[string, []Container](cfg)
		c.known = cache.New[PlayerKey, Player](cache.Config{Max: knownPlayers})
		c.done = cache.New[string, struct{}](cache.Config{Max: doneMemory})
	})
	return c
}

// markDone remembers events this instance finished.
func (s *Service) markDone(ids []string) {
	for _, id := range ids {
		s.cached().done.Put(id, struct{}{})
	}
}

func (s *Service) isDone(id string) bool {
	_, ok := s.cached().done.Get(id)
	return ok
}
