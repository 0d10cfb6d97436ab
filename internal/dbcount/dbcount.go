// Package dbcount counts the database commands issued under a context. The API gives every
// request a counter (tests hold endpoints to command budgets with it) and the MongoDB
// client's command monitor adds to it; this package sits between the two so that the API
// need not import the database code.
package dbcount

import (
	"context"
	"sync/atomic"
)

type counterKey struct{}

// Counter counts database commands issued with a context.
type Counter struct{ n atomic.Int64 }

// Load returns the number of commands counted.
func (c *Counter) Load() int64 { return c.n.Load() }

// WithCounter returns a context whose database commands are counted in the returned Counter.
func WithCounter(ctx context.Context) (context.Context, *Counter) {
	c := &Counter{}
	return context.WithValue(ctx, counterKey{}, c), c
}

// Add counts one command issued with ctx, if ctx carries a counter.
func Add(ctx context.Context) {
	if c, ok := ctx.Value(counterKey{}).(*Counter); ok {
		c.n.Add(1)
	}
}
