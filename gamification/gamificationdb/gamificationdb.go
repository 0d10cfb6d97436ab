// Package gamificationdb keeps the gamification service's data in MongoDB: one document per
// (programme, user) player changed by compare-and-swap, the append-only XP ledger, per-period
// leaderboard scores, award history, per-programme rules, badges and prizes, and prize
// winners. Every exactly-once write is guarded by a unique _id.
package gamificationdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/internal/cache"
	"github.com/microlearn/microlearn/internal/mongodb"
)

// Collection names.
const (
	Players       = "gamification_players"
	States        = "gamification_player_states"
	Ledger        = "gamification_ledger"
	Rules         = "gamification_rules"
	Badges        = "gamification_badges"
	Prizes        = "gamification_prizes"
	PeriodResults = "gamification_period_results"
	Winners       = "gamification_winners"
)

func ix(coll string, keys bson.D) mongodb.Index {
	return mongodb.Index{Collection: coll, Model: mongo.IndexModel{Keys: keys}}
}

// Indexes lists the indexes the queries in this package need (lookups by _id need none).
func Indexes() []mongodb.Index {
	return []mongodb.Index{
		ix(Players, bson.D{{Key: "userId", Value: 1}}),
		ix(Ledger, bson.D{{Key: "player", Value: 1}}),
		ix(Players, bson.D{{Key: "programmeId", Value: 1}}),
		ix(States, bson.D{{Key: "hour", Value: 1}}), // CollectGarbage's sweep of an hour's states
		ix(Badges, bson.D{{Key: "programmeId", Value: 1}}),
		ix(Prizes, bson.D{{Key: "programmeId", Value: 1}}),
		ix(Prizes, bson.D{{Key: "kind", Value: 1}}),
		ix(Winners, bson.D{{Key: "programmeId", Value: 1}, {Key: "awardedAt", Value: -1}}),
		ix(Winners, bson.D{{Key: "userId", Value: 1}, {Key: "awardedAt", Value: -1}}), // WinnersOf
		ix(BoardEntries, bson.D{{Key: "band", Value: 1}}),                             // BoardScores
		ix(BoardEntries, bson.D{{Key: "userId", Value: 1}}),                           // SetProfile
	}
}

// Store is the MongoDB gamification.Store.
type Store struct {
	db *mongo.Database
	// states keeps recently read or written player states by their (immutable) ID.
	states *cache.Cache[string, []byte]
	// current remembers the state each player's head pointed to when this process last read
	// or wrote it, so that a write knows which state it makes garbage.
	current *cache.Cache[string, string]
	gc      collector
	// behind holds the players whose board entries failed to be written (catchUpBoards).
	behindMu sync.Mutex
	behind   map[string]gamification.Player
	// Now is the clock of state timestamps and of garbage collection (time.Now when nil).
	Now func() time.Time
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// collector is what CollectGarbage keeps between runs: the states this process made
// garbage, and the last hour of states it swept.
type collector struct {
	mu      sync.Mutex
	garbage []string
	swept   time.Time // the start of the last hour swept
}

// maxGarbage bounds the remembered garbage; beyond it, the hourly sweep finds the rest.
const maxGarbage = 200000

// New returns a store on db.
func New(db *mongo.Database) *Store {
	return &Store{db: db, states: cache.New[string, []byte](cache.Config{Max: 20000}), current: cache.New[string, string](cache.Config{Max: 50000})}
}

var _ gamification.Store = (*Store)(nil)

func playerID(k gamification.PlayerKey) string { return k.ProgrammeID + ":" + k.UserID }

// duplicateIndexes returns the positions of duplicate-key failures of a bulk write, and
// whether every failure was one.
func duplicateIndexes(err error) (map[int]bool, bool) {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) {
		return nil, false
	}
	out := map[int]bool{}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 {
			return nil, false
		}
		out[we.Index] = true
	}
	return out, bwe.WriteConcernError == nil
}

func in(values []string) bson.D { return bson.D{{Key: "$in", Value: values}} }

func all[T any](ctx context.Context, cur *mongo.Cursor, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// ---- players

// withStates turns heads into players, reading the states not cached one by one by _id
// (pushed down to SQLite by FerretDB, an index lookup on MongoDB).
func (s *Store) withStates(ctx context.Context, heads []playerDoc) ([]gamification.Player, error) {
	out := make([]gamification.Player, 0, len(heads))
	for _, h := range heads {
		if h.StateID != "" {
			s.current.Put(h.ID, h.StateID)
		}
		state, ok := s.states.Get(h.StateID)
		if !ok && h.StateID != "" {
			var d stateDoc
			if err := s.db.Collection(States).FindOne(ctx, bson.D{{Key: "_id", Value: h.StateID}}).Decode(&d); err != nil {
				return nil, fmt.Errorf("find player state %s: %w", h.StateID, err)
			}
			state = d.State
			s.states.Put(h.StateID, state)
		}
		p, err := h.toPlayer(state)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Players implements gamification.PlayerStore.
func (s *Store) Players(ctx context.Context, keys []gamification.PlayerKey) (map[gamification.PlayerKey]gamification.Player, error) {
	out := map[gamification.PlayerKey]gamification.Player{}
	if len(keys) == 0 {
		return out, nil
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = playerID(k)
	}
	c := s.db.Collection(Players)
	var heads []playerDoc
	var err error
	if len(ids) == 1 {
		var d playerDoc
		err = c.FindOne(ctx, bson.D{{Key: "_id", Value: ids[0]}}).Decode(&d)
		if mongodb.IsNotFound(err) {
			return out, nil
		}
		heads = []playerDoc{d}
	} else {
		cur, ferr := c.Find(ctx, bson.D{{Key: "_id", Value: in(ids)}})
		heads, err = all[playerDoc](ctx, cur, ferr)
	}
	if err != nil {
		return nil, fmt.Errorf("find players: %w", err)
	}
	ps, err := s.withStates(ctx, heads)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		out[p.Key()] = p
	}
	return out, nil
}

// PlayersOf implements gamification.PlayerStore.
func (s *Store) PlayersOf(ctx context.Context, userID, programmeID string) ([]gamification.Player, error) {
	filter := bson.D{{Key: "userId", Value: userID}}
	if programmeID != "" {
		filter = bson.D{{Key: "_id", Value: playerID(gamification.PlayerKey{ProgrammeID: programmeID, UserID: userID})}}
	}
	cur, err := s.db.Collection(Players).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	heads, err := all[playerDoc](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("find players: %w", err)
	}
	return s.withStates(ctx, heads)
}

// SavePlayer implements gamification.PlayerStore. The new state is inserted under a fresh
// ID, then the head moves to it: an insert for a new player (its unique _id makes a
// concurrent creation fail), else an update conditioned on the version read. A writer that
// loses deletes the state it inserted; one that dies leaves it for CollectGarbage.
func (s *Store) SavePlayer(ctx context.Context, p gamification.Player) (gamification.Player, error) {
	prev := p.Version
	p.Version++
	head, state, err := fromPlayer(p)
	if err != nil {
		return gamification.Player{}, err
	}
	token := make([]byte, 6)
	_, _ = rand.Read(token)
	head.StateID = fmt.Sprintf("%s#%d#%s", head.ID, p.Version, hex.EncodeToString(token))
	states := s.db.Collection(States)
	now := s.now()
	if _, err := states.InsertOne(ctx, stateDoc{ID: head.StateID, Player: head.ID, State: state, At: now, Hour: hourOf(now)}); err != nil {
		return gamification.Player{}, fmt.Errorf("insert player state: %w", err)
	}
	lost := func() (gamification.Player, error) {
		_, _ = states.DeleteOne(ctx, bson.D{{Key: "_id", Value: head.StateID}})
		return gamification.Player{}, gamification.ErrVersionConflict
	}
	c := s.db.Collection(Players)
	if prev == 0 {
		_, err := c.InsertOne(ctx, head)
		if mongodb.IsDuplicate(err) {
			return lost()
		}
		if err != nil {
			return gamification.Player{}, fmt.Errorf("insert player: %w", err)
		}
	} else {
		res, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: head.ID}, {Key: "version", Value: prev}}, head)
		if err != nil {
			return gamification.Player{}, fmt.Errorf("save player: %w", err)
		}
		if res.MatchedCount == 0 {
			return lost()
		}
		if old, ok := s.current.Get(head.ID); ok && old != head.StateID {
			s.gc.add(old)
		}
	}
	s.current.Put(head.ID, head.StateID)
	s.states.Put(head.StateID, state)
	if b, ok := ctx.Value(boardBatchKey{s}).(*boardBatch); ok {
		b.add(p)
	} else if err := s.updateBoards(ctx, p); err != nil {
		// The player is saved; CollectGarbage's next run writes its entries again.
		s.boardsBehind(p)
	}
	return p, nil
}

// boardBatchKey marks a context under which SavePlayer leaves board entries to BatchBoards'
// flush.
type boardBatchKey struct{ s *Store }

// boardBatch is the players saved under a BatchBoards context, the last save of each.
type boardBatch struct {
	mu      sync.Mutex
	players map[string]gamification.Player
	order   []string
}

func (b *boardBatch) add(p gamification.Player) {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := playerID(p.Key())
	if _, ok := b.players[id]; !ok {
		b.order = append(b.order, id)
	}
	b.players[id] = p
}

// BatchBoards implements gamification.BoardBatcher: flush writes the board entries of the
// players saved under the returned context in one pass (updateBoardsOf), 50 players at a time;
// those whose pass fails are caught up by CollectGarbage, as a failed SavePlayer's are.
func (s *Store) BatchBoards(ctx context.Context) (context.Context, func(context.Context)) {
	b := &boardBatch{players: map[string]gamification.Player{}}
	return context.WithValue(ctx, boardBatchKey{s}, b), func(ctx context.Context) {
		b.mu.Lock()
		ps := make([]gamification.Player, len(b.order))
		for i, id := range b.order {
			ps[i] = b.players[id]
		}
		b.players, b.order = map[string]gamification.Player{}, nil
		b.mu.Unlock()
		for i := 0; i < len(ps); i += 50 {
			part := ps[i:min(len(ps), i+50)]
			if err := s.updateBoardsOf(ctx, part); err != nil {
				for _, p := range part {
					s.boardsBehind(p)
				}
			}
		}
	}
}

func (c *collector) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.garbage) < maxGarbage {
		c.garbage = append(c.garbage, id)
	}
}

func (c *collector) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.garbage
	c.garbage = nil
	return g
}

// hourOf is the sweep bucket of a state written at t.
func hourOf(t time.Time) string { return t.UTC().Format("2006-01-02T15") }

// CollectGarbage deletes player states that no head points to any more. Its work follows
// what was written since its last run, never the number of players (issue 20: it used to
// read every head): first the states this process's own writes superseded (remembered by
// SavePlayer; one delete per 500), then, once an hour of writes is older than olderThan plus
// an hour, that hour's surviving states (indexed by hour) are checked against their heads, so
// that the states of writers that died between their two writes, and what another process
// superseded, go too. After a start it sweeps the last 48 hours; states older than that
// when the process starts are left (run `gamification recompute` to inspect players). It
// returns how many states it deleted.
func (s *Store) CollectGarbage(ctx context.Context, olderThan time.Duration) (int, error) {
	if err := s.catchUpBoards(ctx); err != nil {
		return 0, err
	}
	n := 0
	garbage := s.gc.take()
	for i := 0; i < len(garbage); i += 500 {
		chunk := garbage[i:min(len(garbage), i+500)]
		res, err := s.db.Collection(States).DeleteMany(ctx, bson.D{{Key: "_id", Value: in(chunk)}})
		if err != nil {
			for _, id := range garbage[i:] {
				s.gc.add(id)
			}
			return n, fmt.Errorf("collect garbage: %w", err)
		}
		n += int(res.DeletedCount)
	}
	now := s.now()
	last := now.Add(-olderThan - time.Hour).Truncate(time.Hour)
	s.gc.mu.Lock()
	next := s.gc.swept.Add(time.Hour)
	if s.gc.swept.IsZero() {
		next = now.Add(-48 * time.Hour).Truncate(time.Hour)
	}
	s.gc.mu.Unlock()
	for h := next; !h.After(last); h = h.Add(time.Hour) {
		swept, err := s.sweepHour(ctx, hourOf(h))
		n += swept
		if err != nil {
			return n, err
		}
		s.gc.mu.Lock()
		s.gc.swept = h
		s.gc.mu.Unlock()
	}
	return n, nil
}

// sweepHour deletes the states written in one hour that their player's head does not point
// to.
func (s *Store) sweepHour(ctx context.Context, hour string) (int, error) {
	cur, err := s.db.Collection(States).Find(ctx, bson.D{{Key: "hour", Value: hour}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "player", Value: 1}}))
	written, err := all[stateDoc](ctx, cur, err)
	if err != nil {
		return 0, fmt.Errorf("collect garbage of %s: %w", hour, err)
	}
	n := 0
	for i := 0; i < len(written); i += 500 {
		chunk := written[i:min(len(written), i+500)]
		players := make([]string, len(chunk))
		for j, d := range chunk {
			players[j] = d.Player
		}
		cur, err := s.db.Collection(Players).Find(ctx, bson.D{{Key: "_id", Value: in(players)}},
			options.Find().SetProjection(bson.D{{Key: "state", Value: 1}}))
		heads, err := all[playerDoc](ctx, cur, err)
		if err != nil {
			return n, fmt.Errorf("collect garbage of %s: %w", hour, err)
		}
		live := map[string]bool{}
		for _, h := range heads {
			live[h.StateID] = true
		}
		var dead []string
		for _, d := range chunk {
			if !live[d.ID] {
				dead = append(dead, d.ID)
			}
		}
		if len(dead) == 0 {
			continue
		}
		res, err := s.db.Collection(States).DeleteMany(ctx, bson.D{{Key: "_id", Value: in(dead)}})
		if err != nil {
			return n, fmt.Errorf("collect garbage of %s: %w", hour, err)
		}
		n += int(res.DeletedCount)
	}
	return n, nil
}

// EachPlayer implements gamification.PlayerStore.
func (s *Store) EachPlayer(ctx context.Context, fn func(gamification.Player) error) error {
	cur, err := s.db.Collection(Players).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).
		SetComment("scan: recompute (an operator command) reads every player"))
	if err != nil {
		return fmt.Errorf("list players: %w", err)
	}
	defer cur.Close(ctx)
	var heads []playerDoc
	for cur.Next(ctx) {
		var d playerDoc
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("decode player: %w", err)
		}
		heads = append(heads, d)
	}
	if err := cur.Err(); err != nil {
		return err
	}
	for _, h := range heads {
		ps, err := s.withStates(ctx, []playerDoc{h})
		if err != nil {
			return err
		}
		if err := fn(ps[0]); err != nil {
			return err
		}
	}
	return nil
}

// ---- ledger

// ledgerDoc is an XP entry (Kind empty) or the record of an award (Kind badge or level,
// XP 0, _id the award's ID, so that a badge is recorded once per player).
type ledgerDoc struct {
	ID          string    `bson:"_id"`
	Kind        string    `bson:"kind,omitempty"`
	BadgeID     string    `bson:"badgeId,omitempty"`
	Level       int       `bson:"level,omitempty"`
	EventID     string    `bson:"eventId"`
	Rule        string    `bson:"rule,omitempty"`
	Player      string    `bson:"player"`
	ProgrammeID string    `bson:"programmeId"`
	UserID      string    `bson:"userId"`
	XP          int       `bson:"xp"`
	Day         string    `bson:"day"`
	Week        string    `bson:"week,omitempty"`
	Month       string    `bson:"month,omitempty"`
	OccurredAt  time.Time `bson:"occurredAt"`
	At          time.Time `bson:"at"`
}

// AppendLedger implements gamification.LedgerStore: one unordered insert of the XP entries
// followed by the award records; duplicates (an event's effects written again after a
// crash) are skipped.
func (s *Store) AppendLedger(ctx context.Context, entries []gamification.LedgerEntry, awards []gamification.Award) (int, map[string]bool, error) {
	if len(entries)+len(awards) == 0 {
		return 0, nil, nil
	}
	docs := make([]any, 0, len(entries)+len(awards))
	for _, e := range entries {
		docs = append(docs, ledgerDoc{ID: e.ID, EventID: e.EventID, Rule: e.Rule, Player: playerID(gamification.PlayerKey{ProgrammeID: e.ProgrammeID, UserID: e.UserID}),
			ProgrammeID: e.ProgrammeID, UserID: e.UserID, XP: e.XP, Day: e.Day, Week: e.Week, Month: e.Month, OccurredAt: e.OccurredAt, At: e.At})
	}
	for _, a := range awards {
		docs = append(docs, ledgerDoc{ID: a.ID, Kind: a.Kind, BadgeID: a.BadgeID, Level: a.Level, EventID: a.EventID,
			Player: playerID(gamification.PlayerKey{ProgrammeID: a.ProgrammeID, UserID: a.UserID}), ProgrammeID: a.ProgrammeID, UserID: a.UserID, At: a.At})
	}
	_, err := s.db.Collection(Ledger).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	dups := map[int]bool{}
	if err != nil {
		var ok bool
		if dups, ok = duplicateIndexes(err); !ok {
			return 0, nil, fmt.Errorf("append ledger: %w", err)
		}
	}
	n := len(entries)
	newAwards := map[string]bool{}
	for i := range docs {
		switch {
		case i < len(entries) && dups[i]:
			n--
		case i >= len(entries) && !dups[i]:
			newAwards[awards[i-len(entries)].ID] = true
		}
	}
	return n, newAwards, nil
}

// xpOnly selects the ledger's XP entries (award records have a kind).
var xpOnly = bson.E{Key: "kind", Value: bson.D{{Key: "$exists", Value: false}}}

// LedgerTotals implements gamification.LedgerStore with one $group/$sum (safe on FerretDB).
func (s *Store) LedgerTotals(ctx context.Context) (map[gamification.PlayerKey]int64, error) {
	cur, err := s.db.Collection(Ledger).Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: bson.D{xpOnly}}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$player"}, {Key: "xp", Value: bson.D{{Key: "$sum", Value: "$xp"}}}}}},
	}, options.Aggregate().SetComment("scan: recompute (an operator command) sums the whole ledger"))
	rows, err := all[struct {
		ID string `bson:"_id"`
		XP int64  `bson:"xp"`
	}](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("sum ledger: %w", err)
	}
	out := map[gamification.PlayerKey]int64{}
	for _, r := range rows {
		var k gamification.PlayerKey
		for i := 0; i < len(r.ID); i++ {
			if r.ID[i] == ':' {
				k = gamification.PlayerKey{ProgrammeID: r.ID[:i], UserID: r.ID[i+1:]}
				break
			}
		}
		out[k] = r.XP
	}
	return out, nil
}

// Entries returns a player's ledger entries in the order written (for tests and tools).
func (s *Store) Entries(ctx context.Context, k gamification.PlayerKey) ([]gamification.LedgerEntry, error) {
	cur, err := s.db.Collection(Ledger).Find(ctx, bson.D{{Key: "player", Value: playerID(k)}, xpOnly}, options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}}))
	docs, err := all[ledgerDoc](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("list ledger: %w", err)
	}
	out := make([]gamification.LedgerEntry, len(docs))
	for i, d := range docs {
		out[i] = gamification.LedgerEntry{ID: d.ID, EventID: d.EventID, Rule: d.Rule, ProgrammeID: d.ProgrammeID, UserID: d.UserID,
			XP: d.XP, Day: d.Day, Week: d.Week, Month: d.Month, OccurredAt: d.OccurredAt, At: d.At}
	}
	return out, nil
}

// ---- boards

// Standings implements gamification.BoardStore: one query, projected to what boards need.
func (s *Store) Standings(ctx context.Context, programmeID string, userIDs []string) ([]gamification.Standing, error) {
	filter := bson.D{{Key: "programmeId", Value: programmeID}}
	if userIDs != nil {
		filter = append(filter, bson.E{Key: "userId", Value: in(userIDs)})
	}
	cur, err := s.db.Collection(Players).Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "userId", Value: 1},
		{Key: "displayName", Value: 1}, {Key: "visibility", Value: 1}, {Key: "role", Value: 1}, {Key: "xp", Value: 1}, {Key: "periods", Value: 1}}))
	docs, err := all[playerDoc](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("read standings: %w", err)
	}
	out := make([]gamification.Standing, len(docs))
	for i, d := range docs {
		weeks, months := decodePeriods(d.Periods)
		out[i] = gamification.Standing{UserID: d.UserID, DisplayName: d.DisplayName, Visibility: gamification.Visibility(d.Visibility),
			Role: d.Role, XP: d.XP, Weeks: weeks, Months: months}
	}
	return out, nil
}

// SetProfile implements gamification.BoardStore. It changes only display fields, so it
// needs no version check; it does move the version on, so that a worker holding the player
// from before (read earlier, or remembered from its own last write) fails its
// compare-and-swap and reads the new fields instead of writing the old ones back.
func (s *Store) SetProfile(ctx context.Context, userID, displayName string, v gamification.Visibility) error {
	_, err := s.db.Collection(Players).UpdateMany(ctx, bson.D{{Key: "userId", Value: userID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "displayName", Value: displayName}, {Key: "visibility", Value: string(v)}}},
			{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}})
	if err != nil {
		return fmt.Errorf("update board profile: %w", err)
	}
	return s.setBoardProfile(ctx, userID, displayName, v)
}

// ---- notified marks (prize winners)

// unnotified returns which of ids are stored in coll with notified false.
func (s *Store) unnotified(ctx context.Context, coll string, ids []string) (map[string]bool, error) {
	cur, err := s.db.Collection(coll).Find(ctx, bson.D{{Key: "_id", Value: in(ids)}, {Key: "notified", Value: false}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	rows, err := all[struct {
		ID string `bson:"_id"`
	}](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("find unnotified: %w", err)
	}
	out := map[string]bool{}
	for _, r := range rows {
		out[r.ID] = true
	}
	return out, nil
}

func (s *Store) markNotified(ctx context.Context, coll string, ids []string) error {
	_, err := s.db.Collection(coll).UpdateMany(ctx, bson.D{{Key: "_id", Value: in(ids)}}, bson.D{{Key: "$set", Value: bson.D{{Key: "notified", Value: true}}}})
	return err
}

// UnnotifiedWinners implements gamification.PrizeStore.
func (s *Store) UnnotifiedWinners(ctx context.Context, ids []string) (map[string]bool, error) {
	return s.unnotified(ctx, Winners, ids)
}

// MarkWinnersNotified implements gamification.PrizeStore.
func (s *Store) MarkWinnersNotified(ctx context.Context, ids []string) error {
	return s.markNotified(ctx, Winners, ids)
}

// AwardsOf returns a user's award history in a programme from the ledger, newest first
// (tests and tools).
func (s *Store) AwardsOf(ctx context.Context, programmeID, userID string) ([]gamification.Award, error) {
	cur, err := s.db.Collection(Ledger).Find(ctx, bson.D{{Key: "player", Value: playerID(gamification.PlayerKey{ProgrammeID: programmeID, UserID: userID})},
		{Key: "kind", Value: in([]string{"badge", "level"})}},
		options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: 1}}))
	docs, err := all[ledgerDoc](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("list awards: %w", err)
	}
	out := make([]gamification.Award, len(docs))
	for i, d := range docs {
		out[i] = gamification.Award{ID: d.ID, Kind: d.Kind, ProgrammeID: d.ProgrammeID, UserID: d.UserID, BadgeID: d.BadgeID, Level: d.Level, EventID: d.EventID, At: d.At}
	}
	return out, nil
}
