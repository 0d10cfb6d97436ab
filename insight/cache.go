package insight

import (
	"context"
	"sync"
	"time"

	"github.com/microlearn/microlearn/internal/cache"
)

// ttlCache keeps answers of other domains (a programme's zone, a member's role) for a while,
// so that an event or an evaluation does not read them again each time: the codebase's one
// cache type, made on first use with the clock and time to live its caller names.
type ttlCache[K comparable, V any] struct {
	once sync.Once
	c    *cache.Cache[K, V]
}

// maxCached bounds each cache (least recently used first out).
const maxCached = 20000

func (c *ttlCache[K, V]) of(clock func() time.Time, ttl time.Duration) *cache.Cache[K, V] {
	c.once.Do(func() { c.c = cache.New[K, V](cache.Config{Max: maxCached, TTL: ttl, Now: clock}) })
	return c.c
}

func (c *ttlCache[K, V]) get(ctx context.Context, k K, clock func() time.Time, ttl time.Duration, load func(context.Context) (V, error)) (V, error) {
	return c.of(clock, ttl).Load(ctx, k, load)
}

func (c *ttlCache[K, V]) forget(k K) {
	if c.c != nil {
		c.c.Delete(k)
	}
}

// learnerMemory remembers the learners this process last wrote, and whether the changes
// they carried were applied, so that the next event of the same person needs no read. A
// learner changed elsewhere fails the compare-and-swap and is read afresh.
type learnerMemory struct {
	once sync.Once
	m    *cache.Cache[string, Learner]
}

func (l *learnerMemory) init() {
	l.once.Do(func() { l.m = cache.New[string, Learner](cache.Config{Max: 5000}) })
}

func (l *learnerMemory) get(key string) (Learner, bool) {
	l.init()
	return l.m.Get(key)
}

func (l *learnerMemory) put(x Learner) {
	l.init()
	l.m.Put(x.Key(), x)
}

func (l *learnerMemory) forget(key string) {
	l.init()
	l.m.Delete(key)
}

type memberKey struct{ programmeID, userID string }

const (
	zoneTTL = time.Minute
	roleTTL = 30 * time.Second
)

// location returns a programme's zone (cached for a minute).
func (s *Service) location(ctx context.Context, programmeID string) (*time.Location, error) {
	return s.zones.get(ctx, programmeID, s.now, zoneTTL, func(ctx context.Context) (*time.Location, error) {
		return s.Programmes.Location(ctx, programmeID)
	})
}

// membership returns a member's role (cached for 30 s, as the API caches roles).
func (s *Service) membership(ctx context.Context, programmeID, userID string) (Membership, error) {
	return s.roles.get(ctx, memberKey{programmeID, userID}, s.now, roleTTL, func(ctx context.Context) (Membership, error) {
		return s.Programmes.Membership(ctx, programmeID, userID)
	})
}
