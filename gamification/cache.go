package gamification

import (
	"context"
	"sync"
	"time"
)

// cache remembers lookups in other domains for a short time, so that a burst of events by
// the same people costs no repeated reads. A zero TTL turns it off.
type cache[K comparable, V any] struct {
	mu      sync.Mutex
	entries map[K]cacheEntry[V]
}

type cacheEntry[V any] struct {
	v   V
	exp time.Time
}

const cacheMaxEntries = 20000

func (c *cache[K, V]) get(ctx context.Context, k K, ttl time.Duration, load func(context.Context) (V, error)) (V, error) {
	now := time.Now() // real time: expiry is about staleness, not the domain clock
	if ttl > 0 {
		c.mu.Lock()
		e, ok := c.entries[k]
		c.mu.Unlock()
		if ok && now.Before(e.exp) {
			return e.v, nil
		}
	}
	v, err := load(ctx)
	if err != nil || ttl <= 0 {
		return v, err
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= cacheMaxEntries {
		c.entries = map[K]cacheEntry[V]{}
	}
	c.entries[k] = cacheEntry[V]{v: v, exp: now.Add(ttl)}
	c.mu.Unlock()
	return v, nil
}

func (c *cache[K, V]) forget(k K) {
	c.mu.Lock()
	delete(c.entries, k)
	c.mu.Unlock()
}
