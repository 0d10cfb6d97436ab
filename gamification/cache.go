package gamification

import (
	"context"
	"sync"
	"time"

	"github.com/microlearn/microlearn/internal/fifo"
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

// known remembers the players this instance last read or wrote (up to 5000), so that an
// event of a player it already knows is applied without reading the player first. That is
// safe because the write is a compare-and-swap on the version: if the player changed
// elsewhere meanwhile (another instance, a profile change, a repair), the write fails, the
// player is read afresh and the events are applied again to what is stored (and those
// already applied there are found in Seen). Entries are never handed out for mutation:
// applyGroup works on a clone.
type known struct {
	once sync.Once
	m    fifo.Map[PlayerKey, Player]
}

func (k *known) players() *fifo.Map[PlayerKey, Player] {
	k.once.Do(func() { k.m.Max = 5000 })
	return &k.m
}

func (k *known) get(key PlayerKey) (Player, bool) { return k.players().Get(key) }
func (k *known) put(p Player)                     { k.players().Put(p.Key(), p) }
func (k *known) forget(key PlayerKey)             { k.players().Delete(key) }
