package cache_test

import (
	"context"
	"errors"
	"testing"
	"time"
	"unsafe"

	"github.com/microlearn/microlearn/internal/cache"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func held[K comparable, V any](c *cache.Cache[K, V], k K) bool {
	_, ok := c.Get(k)
	return ok
}

func TestLeastRecentlyUsedGoesFirst(t *testing.T) {
	c := cache.New[string, int](cache.Config{Max: 2})
	c.Put("a", 1)
	c.Put("b", 2)
	c.Get("a")    // a is now the most recently used
	c.Put("c", 3) // so b goes
	if held(c, "b") {
		t.Error("b is still held; the least recently used entry should have gone")
	}
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Errorf("a = %d, %t; want 1, true", v, ok)
	}
	c.Put("a", 10) // an update refreshes too
	c.Put("d", 4)  // so c goes
	if held(c, "c") || !held(c, "a") || !held(c, "d") {
		t.Errorf("after updating a and adding d: c %t, a %t, d %t; want false, true, true", held(c, "c"), held(c, "a"), held(c, "d"))
	}
	if c.Len() != 2 {
		t.Errorf("Len = %d, want 2", c.Len())
	}
}

func TestEntriesExpireOnTheInjectedClock(t *testing.T) {
	clk := &clock{time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC)}
	c := cache.New[string, int](cache.Config{Max: 10, TTL: time.Minute, Now: clk.now})
	c.Put("a", 1)
	clk.t = clk.t.Add(time.Minute - time.Nanosecond)
	if !held(c, "a") {
		t.Fatal("a expired before its TTL was up")
	}
	clk.t = clk.t.Add(time.Nanosecond)
	if held(c, "a") {
		t.Fatal("a is served at exactly its TTL")
	}
	if c.Len() != 0 {
		t.Errorf("an expired entry found by Get is still held (Len %d)", c.Len())
	}
	c.Put("b", 2)
	clk.t = clk.t.Add(30 * time.Second)
	c.Put("b", 3) // a new put starts a new TTL
	clk.t = clk.t.Add(45 * time.Second)
	if v, ok := c.Get("b"); !ok || v != 3 {
		t.Errorf("b = %d, %t; want 3, true (put again 45s ago)", v, ok)
	}
}

func TestMaxZeroHoldsNothing(t *testing.T) {
	c := cache.New[string, int](cache.Config{})
	c.Put("a", 1)
	if held(c, "a") {
		t.Error("a cache with Max 0 held an entry")
	}
	calls := 0
	for range 2 {
		v, err := c.Load(context.Background(), "a", func(context.Context) (int, error) { calls++; return 7, nil })
		if v != 7 || err != nil {
			t.Fatalf("Load = %d, %v", v, err)
		}
	}
	if calls != 2 {
		t.Errorf("load ran %d times, want 2 (nothing is kept)", calls)
	}
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	c := cache.New[string, int](cache.Config{Max: 10})
	boom := errors.New("boom")
	if _, err := c.Load(ctx, "a", func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("Load error = %v, want boom", err)
	}
	if held(c, "a") {
		t.Fatal("a failed load was kept")
	}
	calls := 0
	load := func(context.Context) (int, error) { calls++; return 5, nil }
	for range 3 {
		if v, _ := c.Load(ctx, "a", load); v != 5 {
			t.Fatalf("Load = %d, want 5", v)
		}
	}
	if calls != 1 {
		t.Errorf("load ran %d times, want 1", calls)
	}

	// A change invalidated while a read was in flight: the read's answer may predate the
	// change, so it is returned but not kept.
	v, _ := c.Load(ctx, "b", func(context.Context) (int, error) {
		c.Delete("b")
		return 1, nil
	})
	if v != 1 || held(c, "b") {
		t.Errorf("Load = %d, held %t; want 1, not held", v, held(c, "b"))
	}
}

func TestDeleteFuncAndClear(t *testing.T) {
	type key struct{ programme, user string }
	c := cache.New[key, string](cache.Config{Max: 10})
	c.Put(key{"p1", "u1"}, "owner")
	c.Put(key{"p1", "u2"}, "mentee")
	c.Put(key{"p2", "u1"}, "mentor")
	c.DeleteFunc(func(k key) bool { return k.programme == "p1" })
	if held(c, key{"p1", "u1"}) || held(c, key{"p1", "u2"}) || !held(c, key{"p2", "u1"}) {
		t.Error("DeleteFunc should forget exactly p1's entries")
	}
	c.Clear()
	if c.Len() != 0 || held(c, key{"p2", "u1"}) {
		t.Error("Clear left entries")
	}
	c.Put(key{"p3", "u1"}, "owner") // still usable after Clear
	if !held(c, key{"p3", "u1"}) {
		t.Error("a put after Clear was lost")
	}
}

func TestTTLWithoutClockPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New with a TTL and no clock did not panic")
		}
	}()
	cache.New[string, int](cache.Config{Max: 1, TTL: time.Second})
}

// A caller's string key may share memory the caller writes over later (Fiber's request
// path): the cache stores its own copy, so the entry stays found under the key it was put
// with and never under the bytes written over the caller's.
func TestStringKeysAreCopied(t *testing.T) {
	c := cache.New[string, int](cache.Config{Max: 10})
	buf := []byte("aaaaaaaaaaaaaaaaaaaaaaaa")
	if _, err := c.Load(context.Background(), unsafe.String(&buf[0], len(buf)), func(context.Context) (int, error) { return 1, nil }); err != nil {
		t.Fatal(err)
	}
	c.Put(unsafe.String(&buf[0], len(buf))[:12], 2)
	copy(buf, "bbbbbbbbbbbbbbbbbbbbbbbb")
	if v, ok := c.Get("aaaaaaaaaaaaaaaaaaaaaaaa"); !ok || v != 1 {
		t.Errorf("loaded under a's ID: %d, %t; want 1, true", v, ok)
	}
	if v, ok := c.Get("aaaaaaaaaaaa"); !ok || v != 2 {
		t.Errorf("put under a's prefix: %d, %t; want 2, true", v, ok)
	}
	if held(c, "bbbbbbbbbbbbbbbbbbbbbbbb") {
		t.Error("found under the bytes written over the caller's key")
	}
}
