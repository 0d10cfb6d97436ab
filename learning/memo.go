package learning

import (
	"context"
	"sync"
)

type memoKey struct{}

type memo struct {
	mu sync.Mutex
	m  map[string]any
}

// WithMemo returns a context whose Remember calls share their results. The gamification
// worker gives each batch of events one, so that the domains it consults (mentoring's
// assignments of a person, for progress bars and for assignment completion) are read once
// per batch rather than several times per event. Results live as long as the context.
func WithMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &memo{m: map[string]any{}})
}

// Remember returns what fn returned the first time it was called with key under ctx's memo;
// without a memo it simply calls fn. Errors are not remembered.
func Remember[T any](ctx context.Context, key string, fn func() (T, error)) (T, error) {
	mm, ok := ctx.Value(memoKey{}).(*memo)
	if !ok {
		return fn()
	}
	mm.mu.Lock()
	v, ok := mm.m[key]
	mm.mu.Unlock()
	if ok {
		return v.(T), nil
	}
	out, err := fn()
	if err != nil {
		return out, err
	}
	mm.mu.Lock()
	mm.m[key] = out
	mm.mu.Unlock()
	return out, nil
}
