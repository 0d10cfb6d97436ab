// Package fifo is a size-bounded map that forgets its oldest entries first: the in-process
// memories of the gamification worker (players it wrote, immutable player states), where a
// miss only costs a read.
package fifo

import "sync"

// Map holds at most Max entries (a zero Max holds none); safe for concurrent use.
type Map[K comparable, V any] struct {
	Max   int
	mu    sync.Mutex
	m     map[K]V
	order []K
}

// Get returns the value of k.
func (c *Map[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

// Put sets k to v, forgetting the oldest entries beyond Max.
func (c *Map[K, V]) Put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[K]V{}
	}
	if _, ok := c.m[k]; !ok {
		c.order = append(c.order, k)
	}
	c.m[k] = v
	for len(c.order) > c.Max {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
}

// Delete forgets k (its place in the order is dropped when it comes round).
func (c *Map[K, V]) Delete(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
}
