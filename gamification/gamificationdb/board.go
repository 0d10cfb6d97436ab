package gamificationdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/gamification"
)

// The maintained leaderboards (issue 20: a board read used to load every player of the
// programme and sort them in memory). Every player has one entry per board it scores on
// (board = programme, role or everyone, period key), written by SavePlayer when the score
// changes. Entries are grouped in bands (one score, the first two characters of the user ID:
// gamification.Band), and the same collection keeps, under IDs that are not entries', each
// board's number of visible entries per score (_id = board) and each score's per band
// (_id = board "#" score). A read takes the score counts with the caller's entry (one read by
// _id), the band counts of the few scores it needs (one read by _id), then the entries of
// the few bands that hold the top N and the caller's neighbours (one equality $in on the
// indexed band), so it costs the same whatever the size of the programme, even when
// thousands share a score. Ranks follow from the counts.
// BoardEntries is the collection of board entries and board counts.
const BoardEntries = "gamification_board_entries"

// boardEntry is a player's entry on one board.
type boardEntry struct {
	ID          string `bson:"_id"`  // board "|" user ID
	Band        string `bson:"band"` // board "|" score "|" user ID prefix: the reads' key
	Board       string `bson:"board"`
	UserID      string `bson:"userId"`
	Score       int64  `bson:"score"`
	DisplayName string `bson:"displayName"`
	Visibility  string `bson:"visibility"`
	// Version is the version of the player whose scores and profile the entry shows (0 in
	// entries written before it was kept): a writer never puts an older version over it.
	Version int64 `bson:"version"`
	// Write is the token of the write that made the entry what it is, Before those of the
	// writes before it (the last few, space-separated): writes are conditioned on Write, and a
	// writer finds its own token here when it matched (boardWrite).
	Write  string `bson:"write,omitempty"`
	Before string `bson:"before,omitempty"`
}

// counted says whether the entry counts towards its board's ranks (hidden players do not).
func (e boardEntry) counted() bool {
	return e.Score > 0 && gamification.Visibility(e.Visibility) != gamification.Hidden
}

// boardCounts is a board's number of visible entries per score ("s<score>" -> n), under the
// board's ID, or a score's per band ("p<prefix>" -> n), under scoreID. Kept in BoardEntries;
// they have no band or user ID, so entry reads never meet them.
type boardCounts struct {
	ID string           `bson:"_id"`
	N  map[string]int64 `bson:"n"`
}

// allRoles is the role part of the board that ranks everyone.
const allRoles = "*"

func boardID(ref gamification.BoardRef) string {
	role := ref.Role
	if role == "" || role == gamification.RoleAll {
		role = allRoles
	}
	return ref.ProgrammeID + "|" + role + "|" + ref.Key
}

func band(board string, b gamification.Band) string {
	return board + "|" + strconv.FormatInt(b.Score, 10) + "|" + b.Prefix
}

func countKey(score int64) string { return "s" + strconv.FormatInt(score, 10) }

// scoreID is the ID of the document counting a score's entries per band.
func scoreID(board string, score int64) string { return board + "#" + strconv.FormatInt(score, 10) }

func bandKey(prefix string) string { return "p" + prefix }

// boardEntriesOf returns the entries p has on the boards of its kept periods and all time,
// for everyone and for its role.
func boardEntriesOf(p gamification.Player) []boardEntry {
	roles := []string{allRoles}
	if p.Role != "" {
		roles = append(roles, p.Role)
	}
	scores := map[string]int64{gamification.PeriodAll: p.XP}
	for _, w := range p.Weeks {
		scores[w.Key] = w.XP
	}
	for _, m := range p.Months {
		scores[m.Key] = m.XP
	}
	var out []boardEntry
	for _, role := range roles {
		for key, score := range scores {
			board := boardID(gamification.BoardRef{ProgrammeID: p.ProgrammeID, Role: role, Key: key})
			out = append(out, boardEntry{ID: board + "|" + p.UserID, Band: band(board, gamification.BandOf(score, p.UserID)), Board: board, UserID: p.UserID,
				Score: score, DisplayName: p.DisplayName, Visibility: string(p.Visibility), Version: p.Version})
		}
	}
	return out
}

// updateBoards brings p's board entries and the boards' counts up to date (updateBoardsOf).
func (s *Store) updateBoards(ctx context.Context, p gamification.Player) error {
	return s.updateBoardsOf(ctx, []gamification.Player{p})
}

// updateBoardsOf brings the board entries of ps (one player each) and the boards' counts up
// to date: one read of their entries by _id (per 1,000), then the entries that changed and
// the counts' changes, summed over the players, so that a board or score several of them
// moved on is one update, not one per player (moveEntries). Periods a player no longer
// keeps are left as they were (their boards are history). An entry at its player's version
// or a later one is left as it is: a later save wrote it (saves write their entries after
// their compare-and-swap, so the writes of successive versions can overlap).
func (s *Store) updateBoardsOf(ctx context.Context, ps []gamification.Player) error {
	var want []boardEntry
	for _, p := range ps {
		want = append(want, boardEntriesOf(p)...)
	}
	ids := make([]string, len(want))
	for i, e := range want {
		ids[i] = e.ID
	}
	read := func(ctx context.Context) ([]boardEntry, error) { return s.entriesByID(ctx, ids) }
	return s.moveEntries(ctx, read, func(had []boardEntry) []boardWrite { return boardWritesTo(want, had) })
}

// maxIn is the most values an $in the embedded engine searches by index (PATCHES.md).
const maxIn = 1000

// entriesByID reads entries by _id, maxIn at a time.
func (s *Store) entriesByID(ctx context.Context, ids []string) ([]boardEntry, error) {
	var out []boardEntry
	for i := 0; i < len(ids); i += maxIn {
		cur, err := s.db.Collection(BoardEntries).Find(ctx, bson.D{{Key: "_id", Value: in(ids[i:min(len(ids), i+maxIn)])}})
		had, err := all[boardEntry](ctx, cur, err)
		if err != nil {
			return nil, err
		}
		out = append(out, had...)
	}
	return out, nil
}

// boardWritesTo returns the writes that bring the entries had (as read) to want.
func boardWritesTo(want, had []boardEntry) []boardWrite {
	old := make(map[string]boardEntry, len(had))
	for _, e := range had {
		old[e.ID] = e
	}
	var writes []boardWrite
	for _, e := range want {
		o, found := old[e.ID]
		switch {
		case !found && e.Score == 0, found && (o.Version >= e.Version || o.shows() == e.shows()):
			continue
		case found:
			writes = append(writes, newBoardWrite(&o, e))
		default:
			writes = append(writes, newBoardWrite(nil, e))
		}
	}
	return writes
}

// maxBoardTries bounds how often a writer reads and writes entries that other writers of the
// same player keep changing (then the player's entries are caught up later: boardsBehind).
const maxBoardTries = 10

// moveEntries reads entries, writes what plan makes of them and moves the counts by the
// writes that matched: one read, one write and one write of the counts (per 1,000 entries
// read, 50 written, 50 counts) when no other writer moves the same entries. Every write is
// conditioned on its entry as read (boardWrite), so two writers never both move the counts
// from the same entry. When a write may have been lost (the
// entries' write did not match them all, or failed), the entries are read again: a write
// whose token the entry holds matched and is counted; the others are planned again from
// what the entries now are.
func (s *Store) moveEntries(ctx context.Context, read func(context.Context) ([]boardEntry, error), plan func([]boardEntry) []boardWrite) error {
	deltas := map[string]map[string]int64{} // board -> count key -> change
	var pending []boardWrite                // writes that may or may not have matched
	var lost error
	for try := 0; ; try++ {
		had, err := read(ctx)
		if err != nil {
			return errors.Join(fmt.Errorf("read board entries: %w", err), s.writeBoards(ctx, nil, deltas))
		}
		creditMatched(pending, had, deltas)
		if try == maxBoardTries {
			lost = fmt.Errorf("write board entries: lost %d races", try)
			break
		}
		writes := plan(had)
		if len(writes) == 0 {
			break
		}
		if pending = nil; s.writeEntries(ctx, writes) {
			for _, w := range writes {
				w.count(deltas)
			}
			break
		}
		pending = writes
	}
	return errors.Join(lost, s.writeBoards(ctx, nil, deltas))
}

// creditMatched counts the writes of pending that the entries as now read show matched.
func creditMatched(pending []boardWrite, had []boardEntry, deltas map[string]map[string]int64) {
	byID := make(map[string]boardEntry, len(had))
	for _, e := range had {
		byID[e.ID] = e
	}
	for _, w := range pending {
		if e, ok := byID[w.to.ID]; ok && (e.Write == w.to.Write || slices.Contains(strings.Fields(e.Before), w.to.Write)) {
			w.count(deltas)
		}
	}
}

// writeEntries writes entries (unordered bulk writes of at most maxStatements) and says
// whether every write matched. A lost write matches nothing (a replace) or fails with a
// duplicate key (an insert); FerretDB 1.24 then stops at the first failure and reports it at
// index 0, so a failure never says which writes matched: moveEntries reads the entries again
// to know.
func (s *Store) writeEntries(ctx context.Context, writes []boardWrite) bool {
	models := make([]mongo.WriteModel, len(writes))
	for i, w := range writes {
		models[i] = w.model()
	}
	clean := true
	for i := 0; i < len(models); i += maxStatements {
		part := models[i:min(len(models), i+maxStatements)]
		res, err := s.db.Collection(BoardEntries).BulkWrite(ctx, part, options.BulkWrite().SetOrdered(false))
		clean = clean && err == nil && res.MatchedCount+res.UpsertedCount == int64(len(part))
	}
	return clean
}

// maxStatements is the most statements one bulk write of the boards carries: FerretDB 1.24
// never answers an update command of more than 100 statements that match stored documents
// (docs/benchmarks.md, bench/scale).
const maxStatements = 50

// shows is what the boards show of an entry (without its version and write tokens).
func (e boardEntry) shows() boardEntry {
	e.Version, e.Write, e.Before = 0, "", ""
	return e
}

// boardWrite is one entry's write: to replaces from, the entry as read, or is inserted when
// from is nil, conditioned on the entry being as read (its write token) or absent. to
// carries a fresh token, and the tokens of the last writes before it (Before), so that a
// writer that cannot tell from the write's reply whether it matched finds out by reading.
type boardWrite struct {
	from *boardEntry
	to   boardEntry
}

// keptTokens is how many write tokens an entry keeps.
const keptTokens = 8

func newBoardWrite(from *boardEntry, to boardEntry) boardWrite {
	token := make([]byte, 6)
	_, _ = rand.Read(token)
	to.Write, to.Before = hex.EncodeToString(token), ""
	if from != nil && from.Write != "" {
		before := append(strings.Fields(from.Before), from.Write)
		to.Before = strings.Join(before[max(0, len(before)-keptTokens+1):], " ")
	}
	return boardWrite{from: from, to: to}
}

func (w boardWrite) model() mongo.WriteModel {
	// Absent: no document with the entry's _id has a board (the upsert inserts the _id, which
	// fails with a duplicate key if another writer inserted it first). Entries written before
	// tokens were kept (or seeded) have none.
	cond := bson.E{Key: "board", Value: bson.D{{Key: "$exists", Value: false}}}
	switch {
	case w.from != nil && w.from.Write != "":
		cond = bson.E{Key: "write", Value: w.from.Write}
	case w.from != nil:
		cond = bson.E{Key: "write", Value: bson.D{{Key: "$exists", Value: false}}}
	}
	return mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: w.to.ID}, cond}).SetReplacement(w.to).SetUpsert(w.from == nil)
}

// count adds the write's changes to the counts: from's taken away, to's added.
func (w boardWrite) count(deltas map[string]map[string]int64) {
	if w.from != nil && w.from.counted() {
		w.from.count(deltas, -1)
	}
	if w.to.counted() {
		w.to.count(deltas, 1)
	}
}

// count adds d to the entry's counts: its score's on its board, its band's on its score.
func (e boardEntry) count(deltas map[string]map[string]int64, d int64) {
	addDelta(deltas, e.Board, countKey(e.Score), d)
	addDelta(deltas, scoreID(e.Board, e.Score), bandKey(gamification.BandOf(e.Score, e.UserID).Prefix), d)
}

func addDelta(deltas map[string]map[string]int64, board, key string, d int64) {
	if deltas[board] == nil {
		deltas[board] = map[string]int64{}
	}
	deltas[board][key] += d
}

// writeBoards writes entries unconditionally and the counts' changes (unordered bulk writes
// of at most maxStatements; the counts in the same order in every writer): for entries no
// other writer can move at the same time (seeding), or none.
func (s *Store) writeBoards(ctx context.Context, writes []mongo.WriteModel, deltas map[string]map[string]int64) error {
	if err := s.bulkBoards(ctx, writes); err != nil {
		return fmt.Errorf("write board entries: %w", err)
	}
	ids := make([]string, 0, len(deltas))
	for id := range deltas {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var incs []mongo.WriteModel
	for _, board := range ids {
		inc := bson.D{}
		for k, v := range deltas[board] {
			if v != 0 {
				inc = append(inc, bson.E{Key: "n." + k, Value: v})
			}
		}
		if len(inc) > 0 {
			incs = append(incs, mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: board}}).
				SetUpdate(bson.D{{Key: "$inc", Value: inc}}).SetUpsert(true))
		}
	}
	if err := s.bulkBoards(ctx, incs); err != nil {
		return fmt.Errorf("count board entries: %w", err)
	}
	return nil
}

func (s *Store) bulkBoards(ctx context.Context, ws []mongo.WriteModel) error {
	for i := 0; i < len(ws); i += maxStatements {
		if _, err := s.db.Collection(BoardEntries).BulkWrite(ctx, ws[i:min(len(ws), i+maxStatements)], options.BulkWrite().SetOrdered(false)); err != nil {
			return err
		}
	}
	return nil
}

// BoardCounts implements gamification.BoardStore. A board's counts are kept in the entries'
// collection under the board's own ID, so that they and the caller's entry are one read by
// _id.
func (s *Store) BoardCounts(ctx context.Context, ref gamification.BoardRef, userID string) (map[int64]int, gamification.Score, bool, error) {
	board := boardID(ref)
	cur, err := s.db.Collection(BoardEntries).Find(ctx, bson.D{{Key: "_id", Value: in([]string{board, board + "|" + userID})}})
	docs, err := all[bson.Raw](ctx, cur, err)
	if err != nil {
		return nil, gamification.Score{}, false, fmt.Errorf("read board: %w", err)
	}
	out := map[int64]int{}
	var me boardEntry
	for _, raw := range docs {
		if id, _ := raw.Lookup("_id").StringValueOK(); id != board {
			if err := bson.Unmarshal(raw, &me); err != nil {
				return nil, gamification.Score{}, false, fmt.Errorf("decode board entry: %w", err)
			}
			continue
		}
		var d boardCounts
		if err := bson.Unmarshal(raw, &d); err != nil {
			return nil, gamification.Score{}, false, fmt.Errorf("decode board counts: %w", err)
		}
		for k, n := range d.N {
			score, err := strconv.ParseInt(strings.TrimPrefix(k, "s"), 10, 64)
			if err == nil && n > 0 && score > 0 {
				out[score] = int(n)
			}
		}
	}
	return out, me.score(), me.Score > 0, nil
}

func (e boardEntry) score() gamification.Score {
	return gamification.Score{UserID: e.UserID, Score: e.Score, DisplayName: e.DisplayName, Visibility: gamification.Visibility(e.Visibility)}
}

// BandCounts implements gamification.BoardStore: one read by _id.
func (s *Store) BandCounts(ctx context.Context, ref gamification.BoardRef, scores []int64) (map[gamification.Band]int, error) {
	out := map[gamification.Band]int{}
	if len(scores) == 0 {
		return out, nil
	}
	board := boardID(ref)
	ids := make([]string, len(scores))
	byID := map[string]int64{}
	for i, sc := range scores {
		ids[i] = scoreID(board, sc)
		byID[ids[i]] = sc
	}
	cur, err := s.db.Collection(BoardEntries).Find(ctx, bson.D{{Key: "_id", Value: in(ids)}})
	docs, err := all[boardCounts](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("read band counts: %w", err)
	}
	for _, d := range docs {
		for k, n := range d.N {
			if n > 0 && strings.HasPrefix(k, "p") {
				out[gamification.Band{Score: byID[d.ID], Prefix: k[1:]}] = int(n)
			}
		}
	}
	return out, nil
}

// BoardBands implements gamification.BoardStore: one equality $in on the band index.
func (s *Store) BoardBands(ctx context.Context, ref gamification.BoardRef, bands []gamification.Band) ([]gamification.Score, error) {
	if len(bands) == 0 {
		return nil, nil
	}
	board := boardID(ref)
	keys := make([]string, len(bands))
	for i, b := range bands {
		keys[i] = band(board, b)
	}
	cur, err := s.db.Collection(BoardEntries).Find(ctx, bson.D{{Key: "band", Value: in(keys)}})
	docs, err := all[boardEntry](ctx, cur, err)
	if err != nil {
		return nil, fmt.Errorf("read board entries: %w", err)
	}
	out := make([]gamification.Score, 0, len(docs))
	for _, d := range docs {
		if d.Score > 0 {
			out = append(out, d.score())
		}
	}
	return out, nil
}

// setBoardProfile changes what the boards show of userID (its entries, by the userId index)
// and moves the counts of the entries that become hidden or visible, with writes
// conditioned on the entries as read, as updateBoards' (moveEntries); entries whose write is
// lost are read again by _id.
func (s *Store) setBoardProfile(ctx context.Context, userID, displayName string, v gamification.Visibility) error {
	var again []string // the entries of the last writes, read again by _id
	read := func(ctx context.Context) ([]boardEntry, error) {
		if again != nil {
			return s.entriesByID(ctx, again)
		}
		cur, err := s.db.Collection(BoardEntries).Find(ctx, bson.D{{Key: "userId", Value: userID}})
		return all[boardEntry](ctx, cur, err)
	}
	return s.moveEntries(ctx, read, func(had []boardEntry) []boardWrite {
		var writes []boardWrite
		again = []string{}
		for _, o := range had {
			e := o
			e.DisplayName, e.Visibility = displayName, string(v)
			if e != o {
				writes = append(writes, newBoardWrite(&o, e))
				again = append(again, e.ID)
			}
		}
		return writes
	})
}

// BuildBoards writes the board entries of every player (a one-off after an upgrade from a
// version without maintained boards; app runs it once, behind a marker).
func (s *Store) BuildBoards(ctx context.Context) (int, error) {
	n := 0
	err := s.EachPlayer(ctx, func(p gamification.Player) error {
		n++
		return s.updateBoards(ctx, p)
	})
	return n, err
}

// boardsBehind remembers a saved player whose board entries could not be written.
func (s *Store) boardsBehind(p gamification.Player) {
	s.behindMu.Lock()
	defer s.behindMu.Unlock()
	if s.behind == nil {
		s.behind = map[string]gamification.Player{}
	}
	if len(s.behind) < 10000 {
		s.behind[playerID(p.Key())] = p
	}
}

// catchUpBoards writes the board entries that failed to be written (at their players'
// current state, which a later save may have written already).
func (s *Store) catchUpBoards(ctx context.Context) error {
	s.behindMu.Lock()
	ps := s.behind
	s.behind = nil
	s.behindMu.Unlock()
	var errs []error
	for _, p := range ps {
		cur, err := s.Players(ctx, []gamification.PlayerKey{p.Key()})
		if err == nil {
			if c, ok := cur[p.Key()]; ok {
				err = s.updateBoards(ctx, c)
			}
		}
		if err != nil {
			s.boardsBehind(p)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
