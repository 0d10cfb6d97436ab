package insight

import (
	"context"
	"sync"
	"time"

	"github.com/microlearn/microlearn/internal/fifo"
)

// ttlCache keeps answers of other domains (a programme's zone, a member's role) for a while,
// so that an event or an evaluation does not read them again each time.
type ttlCache[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v  V
	at time.Time
}

// maxCached bounds each cache; past it the cache starts again empty.
const maxCached = 20000

func (c *ttlCache[K, V]) get(ctx context.Context, k K, now time.Time, ttl time.Duration, load func(context.Context) (V, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < ttl && !now.Before(e.at) {
		return e.v, nil
	}
	v, err := load(ctx)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = map[K]ttlEntry[V]{}
	}
	c.m[k] = ttlEntry[V]{v: v, at: now}
	c.mu.Unlock()
	return v, nil
}

func (c *ttlCache[K, V]) forget(k K) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}

// learnerMemory remembers the learners this process last wrote, and whether the changes
// they carried were applied, so that the next event of the same person needs no read. A
// learner changed elsewhere fails the compare-and-swap and is read afresh.
type learnerMemory struct {
	once sync.Once
	m    *fifo.Map[string, Learner]
}

func (l *learnerMemory) init() {
	l.once.Do(func() { l.m = &fifo.Map[string, Learner]{Max: 5000} })
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
	return s.zones.get(ctx, programmeID, s.now(), zoneTTL, func(ctx context.Context) (*time.Location, error) {
		return s.Programmes.Location(ctx, programmeID)
	})
}

// membership returns a member's role (cached for 30 s, as the API caches roles).
func (s *Service) membership(ctx context.Context, programmeID, userID string) (Membership, error) {
	return s.roles.get(ctx, memberKey{programmeID, userID}, s.now(), roleTTL, func(ctx context.Context) (Membership, error) {
		return s.Programmes.Membership(ctx, programmeID, userID)
	})
}
