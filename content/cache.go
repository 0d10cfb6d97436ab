package content

import (
	"fmt"
	"sync"
	"time"

	"github.com/microlearn/microlearn/internal/cache"
)

// caches are the Service's memories (internal/cache, on the Service's clock): the latest
// version of each item read, for CacheTTL; every old version read (versions never change,
// so they stay until evicted); and each programme's published paths, for CacheTTL.
type caches struct {
	once     sync.Once
	items    *cache.Cache[string, Item]
	versions *cache.Cache[string, Item]
	paths    *cache.Cache[string, []Item]
	// starters are the first published items of each programme's library (home.go).
	starters *cache.Cache[string, []Item]
}

// cacheMaxEntries bounds each memory; a miss only costs a read.
const cacheMaxEntries = 20_000

func (s *Service) cached() *caches {
	c := &s.cache
	c.once.Do(func() {
		fresh := cache.Config{Max: cacheMaxEntries, TTL: s.ttl(), Now: s.Now}
		c.items, c.paths = cache.New[string, Item](fresh), cache.New[string, []Item](fresh)
		c.starters = cache.New[string, []Item](fresh)
		c.versions = cache.New[string, Item](cache.Config{Max: cacheMaxEntries})
	})
	return c
}

func (s *Service) ttl() time.Duration {
	if s.CacheTTL > 0 {
		return s.CacheTTL
	}
	return 30 * time.Second
}

func versionKey(id string, v int) string { return fmt.Sprintf("%s@%d", id, v) }

// forget drops what a change to it made stale: the item, and every programme's paths when
// it is a path.
func (s *Service) forget(it Item) {
	s.cached().items.Delete(it.ID)
	s.cached().starters.Clear() // what the home suggests as new (home.go)
	if it.Kind == KindPath {
		s.cached().paths.Clear()
	}
}
