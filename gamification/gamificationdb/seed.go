package gamificationdb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/gamification"
)

// SeedPlayers stores new players in bulk, for building large data sets (bench/scale): the
// same documents SavePlayer writes for a first save (state, head at version 1, board entries
// and board counts), in a few unordered inserts and one bulk write of the counts instead of
// dozens of writes per player. Players already stored are skipped (their entries and counts
// are left as they are), so a batch can be written again after a failure. The product
// saves each player with SavePlayer.
func (s *Store) SeedPlayers(ctx context.Context, ps []gamification.Player) error {
	if len(ps) == 0 {
		return nil
	}
	now := s.now()
	heads, states := make([]any, 0, len(ps)), make([]any, 0, len(ps))
	for _, p := range ps {
		p.Version = 1
		head, state, err := fromPlayer(p)
		if err != nil {
			return err
		}
		head.StateID = fmt.Sprintf("%s#%d#seed", head.ID, p.Version)
		heads = append(heads, head)
		states = append(states, stateDoc{ID: head.StateID, Player: head.ID, State: state, At: now, Hour: hourOf(now)})
	}
	if err := s.insertAll(ctx, States, states); err != nil {
		return fmt.Errorf("seed player states: %w", err)
	}
	_, err := s.db.Collection(Players).InsertMany(ctx, heads, options.InsertMany().SetOrdered(false))
	dups := map[int]bool{}
	if err != nil {
		var ok bool
		if dups, ok = duplicateIndexes(err); !ok {
			return fmt.Errorf("seed players: %w", err)
		}
	}
	var entries []any
	deltas := map[string]map[string]int64{}
	for i, p := range ps {
		if dups[i] {
			continue
		}
		p.Version = 1 // as saved
		for _, e := range boardEntriesOf(p) {
			if e.Score == 0 {
				continue
			}
			entries = append(entries, e)
			if e.counted() {
				e.count(deltas, 1)
			}
		}
	}
	if err := s.insertAll(ctx, BoardEntries, entries); err != nil {
		return fmt.Errorf("seed board entries: %w", err)
	}
	// FerretDB 1.24 never answers an update command of more than 100 statements that match
	// stored documents (docs/decisions.md), so the counts go 50 documents at a time.
	part := map[string]map[string]int64{}
	for id, d := range deltas {
		part[id] = d
		if len(part) == 50 {
			if err := s.writeBoards(ctx, nil, part); err != nil {
				return err
			}
			part = map[string]map[string]int64{}
		}
	}
	return s.writeBoards(ctx, nil, part)
}

// insertAll inserts docs unordered, 1,000 at a time, skipping those already stored.
func (s *Store) insertAll(ctx context.Context, coll string, docs []any) error {
	for i := 0; i < len(docs); i += 1000 {
		_, err := s.db.Collection(coll).InsertMany(ctx, docs[i:min(len(docs), i+1000)], options.InsertMany().SetOrdered(false))
		if _, ok := duplicateIndexes(err); err != nil && !ok {
			return err
		}
	}
	return nil
}
