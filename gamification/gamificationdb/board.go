package gamificationdb

import (
	"context"
	"errors"
	"fmt"
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
				Score: score, DisplayName: p.DisplayName, Visibility: string(p.Visibility)})
		}
	}
	return out
}

// updateBoards brings p's board entries and the boards' counts up to date: one read of its
// entries by _id, then one write of the entries that changed and one of the counts. Periods
// the player no longer keeps are left as they were (their boards are history).
func (s *Store) updateBoards(ctx context.Context, p gamification.Player) error {
	want := boardEntriesOf(p)
	ids := make([]string, len(want))
	for i, e := range want {
		ids[i] = e.ID
	}
	cur, err := s.db.Collection(BoardEntries).Find(ctx, bson.D{{Key: "_id", Value: in(ids)}})
	had, err := all[boardEntry](ctx, cur, err)
	if err != nil {
		return fmt.Errorf("read board entries: %w", err)
	}
	old := make(map[string]boardEntry, len(had))
	for _, e := range had {
		old[e.ID] = e
	}
	var writes []mongo.WriteModel
	deltas := map[string]map[string]int64{} // board -> count key -> change
	for _, e := range want {
		o, found := old[e.ID]
		if found && o == e || !found && e.Score == 0 {
			continue
		}
		writes = append(writes, mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: e.ID}}).SetReplacement(e).SetUpsert(true))
		if found && o.counted() {
			o.count(deltas, -1)
		}
		if e.counted() {
			e.count(deltas, 1)
		}
	}
	return s.writeBoards(ctx, writes, deltas)
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

// writeBoards writes changed entries (one unordered bulk write) and the counts' changes
// (one more).
func (s *Store) writeBoards(ctx context.Context, writes []mongo.WriteModel, deltas map[string]map[string]int64) error {
	if len(writes) > 0 {
		if _, err := s.db.Collection(BoardEntries).BulkWrite(ctx, writes, options.BulkWrite().SetOrdered(false)); err != nil {
			return fmt.Errorf("write board entries: %w", err)
		}
	}
	var incs []mongo.WriteModel
	for board, d := range deltas {
		inc := bson.D{}
		for k, v := range d {
			if v != 0 {
				inc = append(inc, bson.E{Key: "n." + k, Value: v})
			}
		}
		if len(inc) > 0 {
			incs = append(incs, mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: board}}).
				SetUpdate(bson.D{{Key: "$inc", Value: inc}}).SetUpsert(true))
		}
	}
	if len(incs) == 0 {
		return nil
	}
	if _, err := s.db.Collection(BoardEntries).BulkWrite(ctx, incs, options.BulkWrite().SetOrdered(false)); err != nil {
		return fmt.Errorf("count board entries: %w", err)
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
// and moves the counts of the entries that become hidden or visible.
func (s *Store) setBoardProfile(ctx context.Context, userID, displayName string, v gamification.Visibility) error {
	cur, err := s.db.Collection(BoardEntries).Find(ctx, bson.D{{Key: "userId", Value: userID}})
	had, err := all[boardEntry](ctx, cur, err)
	if err != nil {
		return fmt.Errorf("read board entries: %w", err)
	}
	var writes []mongo.WriteModel
	deltas := map[string]map[string]int64{}
	for _, o := range had {
		e := o
		e.DisplayName, e.Visibility = displayName, string(v)
		if e == o {
			continue
		}
		writes = append(writes, mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: e.ID}}).SetReplacement(e))
		if o.counted() != e.counted() {
			d := int64(1)
			if o.counted() {
				d = -1
			}
			e.count(deltas, d)
		}
	}
	return s.writeBoards(ctx, writes, deltas)
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
