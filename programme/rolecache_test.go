package programme_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/programme"
	"github.com/microlearn/microlearn/programme/programmedb"
)

// countingStore is the real store, counting membership reads.
type countingStore struct {
	*programmedb.Store
	reads atomic.Int64
}

func (c *countingStore) Membership(ctx context.Context, programmeID, userID string) (programme.Membership, error) {
	c.reads.Add(1)
	return c.Store.Membership(ctx, programmeID, userID)
}

func newService(t *testing.T, now func() time.Time) (*programme.Service, *countingStore) {
	t.Helper()
	db := mongotest.DB(t)
	if err := mongodb.EnsureIndexes(context.Background(), db.DB, programmedb.Indexes()); err != nil {
		t.Fatal(err)
	}
	store := &countingStore{Store: programmedb.New(db.DB)}
	return programme.NewService(store, now), store
}

func TestRoleOfCachesMembersAndNonMembers(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	svc, store := newService(t, func() time.Time { return clock })
	p, err := svc.Create(ctx, "owner", programme.Programme{Name: "P"})
	if err != nil {
		t.Fatal(err)
	}
	type ask struct {
		user      string
		wantRole  programme.Role
		wantReads int64 // membership reads so far
	}
	check := func(step string, a ask) {
		t.Helper()
		role, err := svc.RoleOf(ctx, p.ID, a.user)
		if a.wantRole == "" {
			if !errors.Is(err, programme.ErrNotMember) {
				t.Errorf("%s: RoleOf(%s) = %q, %v; want ErrNotMember", step, a.user, role, err)
			}
		} else if err != nil || role != a.wantRole {
			t.Errorf("%s: RoleOf(%s) = %q, %v; want %q", step, a.user, role, err, a.wantRole)
		}
		if n := store.reads.Load(); n != a.wantReads {
			t.Errorf("%s: %d membership reads, want %d", step, n, a.wantReads)
		}
	}
	check("owner cold", ask{"owner", programme.RoleOwner, 1})
	check("owner warm", ask{"owner", programme.RoleOwner, 1})
	check("stranger cold", ask{"stranger", "", 2})
	check("stranger warm (negative answer cached)", ask{"stranger", "", 2})

	if err := svc.AddMember(ctx, p.ID, "stranger", programme.RoleMentee); err != nil {
		t.Fatal(err)
	}
	check("joined: the negative answer was invalidated", ask{"stranger", programme.RoleMentee, 3})
	check("joined warm", ask{"stranger", programme.RoleMentee, 3})

	clock = clock.Add(programme.DefaultRoleCacheTTL - time.Second)
	check("just before expiry", ask{"owner", programme.RoleOwner, 3})
	clock = clock.Add(time.Second)
	check("expired: read again", ask{"owner", programme.RoleOwner, 4})

	// A change made by another process (straight into the store) is seen within the TTL:
	// this is the documented cross-instance staleness bound.
	check("late cold", ask{"late", "", 5})
	if err := store.AddMember(ctx, programme.Membership{ProgrammeID: p.ID, UserID: "late", Role: programme.RoleMentor}); err != nil {
		t.Fatal(err)
	}
	check("late, changed elsewhere: still the cached answer", ask{"late", "", 5})
	clock = clock.Add(programme.DefaultRoleCacheTTL)
	check("late after the TTL", ask{"late", programme.RoleMentor, 6})
}

func TestRoleOfWithoutCache(t *testing.T) {
	ctx := context.Background()
	svc, store := newService(t, time.Now)
	svc.RoleCacheTTL = 0
	p, err := svc.Create(ctx, "owner", programme.Programme{Name: "P"})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := svc.RoleOf(ctx, p.ID, "owner"); err != nil {
			t.Fatal(err)
		}
	}
	if n := store.reads.Load(); n != 3 {
		t.Errorf("%d reads with the cache off, want 3", n)
	}
}

// RoleOf is asked with the programme ID of the request path, a string over Fiber's request
// buffer that the next request writes over. The cache keeps its own copy of the key: a kept
// caller's string came to read as the next request's programme ID, in the slot of the first.
func TestRoleCacheKeepsItsOwnKey(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	svc, store := newService(t, func() time.Time { return clock })
	a, err := svc.Create(ctx, "owner", programme.Programme{Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.Create(ctx, "other", programme.Programme{Name: "B"})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.ID) != len(b.ID) {
		t.Fatalf("ids of different lengths: %q %q", a.ID, b.ID)
	}
	buf := []byte(a.ID)
	if role, err := svc.RoleOf(ctx, unsafe.String(&buf[0], len(buf)), "owner"); err != nil || role != programme.RoleOwner {
		t.Fatalf("RoleOf(A) = %q, %v", role, err)
	}
	copy(buf, b.ID) // the buffer reused for the next request
	reads := store.reads.Load()
	if role, err := svc.RoleOf(ctx, a.ID, "owner"); err != nil || role != programme.RoleOwner || store.reads.Load() != reads {
		t.Errorf("RoleOf(A) after the caller's buffer changed: %q, %v, %d reads (want owner from the cache, 0 reads)", role, err, store.reads.Load()-reads)
	}
	if role, err := svc.RoleOf(ctx, b.ID, "owner"); !errors.Is(err, programme.ErrNotMember) {
		t.Errorf("RoleOf(B) = %q, %v; want ErrNotMember", role, err)
	}
}
