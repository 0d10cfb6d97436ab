// Package cache is the one in-process cache of the codebase: a map bounded in size that
// forgets its least recently used entry first and, given a time to live, serves an entry
// only for that long after it was put, measured on the owner's injected clock (never the
// wall clock, so tests that move the clock see entries expire). Content items, media, role
// answers, the gamification worker's lookups in other domains and its known players, stored
// player states and rendered lesson views all live in one of these: one eviction policy to
// reason about. A miss only ever costs a read, so nothing that must not be forgotten (a
// revocation, a reservation) belongs in a Cache.
package cache

import (
	"container/list"
	"context"
	"strings"
	"sync"
	"time"
)

// Config says how much a Cache holds and for how long.
type Config struct {
	// Max bounds the number of entries; a Cache with Max <= 0 holds nothing (caching off).
	Max int
	// TTL, when positive, is how long an entry is served after it was put; zero keeps
	// entries until they are evicted or deleted (for values that never change).
	TTL time.Duration
	// Now is the clock TTL is measured on: the owner's injected clock. Required with a TTL.
	Now func() time.Time
}

// Cache is safe for concurrent use. Values are shared, not copied: callers must not modify
// what they put or get. A string key is copied when stored (ownKey): callers pass IDs from
// request paths, strings over a buffer Fiber writes the next request into, and a kept one
// came to read as another ID in the first one's slot. Keys of other types that hold such
// strings are the caller's to copy (programme's role cache).
type Cache[K comparable, V any] struct {
	cfg Config
	mu  sync.Mutex
	m   map[K]*list.Element // of *entry[K, V]
	lru list.List           // front: most recently used
	// gen counts invalidations (Delete, DeleteFunc, Clear), so that a Load that started
	// reading before one cannot store its possibly stale answer after it.
	gen uint64
}

type entry[K comparable, V any] struct {
	k   K
	v   V
	exp time.Time // zero: no expiry
}

// New returns an empty Cache. It panics when cfg has a TTL but no clock (a wiring mistake).
func New[K comparable, V any](cfg Config) *Cache[K, V] {
	if cfg.TTL > 0 && cfg.Now == nil {
		panic("cache: a TTL needs the owner's clock (Config.Now)")
	}
	c := &Cache[K, V]{cfg: cfg, m: map[K]*list.Element{}}
	c.lru.Init()
	return c
}

// Get returns the value of k if it is held and fresh, marking it recently used.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[k]
	if !ok {
		var zero V
		return zero, false
	}
	e := el.Value.(*entry[K, V])
	if !e.exp.IsZero() && !c.cfg.Now().Before(e.exp) {
		c.remove(el)
		var zero V
		return zero, false
	}
	c.lru.MoveToFront(el)
	return e.v, true
}

// Put sets k to v, evicting the least recently used entries beyond Max.
func (c *Cache[K, V]) Put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.put(k, v)
}

func (c *Cache[K, V]) put(k K, v V) {
	if c.cfg.Max <= 0 {
		return
	}
	var exp time.Time
	if c.cfg.TTL > 0 {
		exp = c.cfg.Now().Add(c.cfg.TTL)
	}
	if el, ok := c.m[k]; ok {
		e := el.Value.(*entry[K, V])
		e.v, e.exp = v, exp
		c.lru.MoveToFront(el)
		return
	}
	k = ownKey(k)
	c.m[k] = c.lru.PushFront(&entry[K, V]{k: k, v: v, exp: exp})
	for c.lru.Len() > c.cfg.Max {
		c.remove(c.lru.Back())
	}
}

func (c *Cache[K, V]) remove(el *list.Element) {
	delete(c.m, el.Value.(*entry[K, V]).k)
	c.lru.Remove(el)
}

// Load returns the value of k, calling load on a miss and keeping what it returns. Errors
// are returned and not kept. If the cache was invalidated while load ran, its answer is
// returned but not kept: it may predate the change.
func (c *Cache[K, V]) Load(ctx context.Context, k K, load func(context.Context) (V, error)) (V, error) {
	if v, ok := c.Get(k); ok {
		return v, nil
	}
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	v, err := load(ctx)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if gen == c.gen {
		c.put(k, v)
	}
	c.mu.Unlock()
	return v, nil
}

// Delete forgets k.
func (c *Cache[K, V]) Delete(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if el, ok := c.m[k]; ok {
		c.remove(el)
	}
}

// DeleteFunc forgets every key for which del returns true.
func (c *Cache[K, V]) DeleteFunc(del func(K) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, el := range c.m {
		if del(k) {
			c.remove(el)
		}
	}
}

// Clear forgets everything.
func (c *Cache[K, V]) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
	c.lru.Init()
}

// Len returns the number of entries held, fresh or not yet found stale.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// ownKey copies a string key, so that the map never keeps memory its caller may reuse.
func ownKey[K comparable](k K) K {
	if s, ok := any(k).(string); ok {
		return any(strings.Clone(s)).(K)
	}
	return k
}
