package gamification

import (
	"context"
	"slices"
	"strings"
)

// neighbourhood is how many ranks either side of the caller a board shows.
const neighbourhood = 2

// BandPrefix is how many leading characters of a user ID split the players of one score into
// bands (user IDs are hex: 256 bands per score), so that a read of a board where thousands
// share a score still reads only a few of them.
const BandPrefix = 2

// Band is the players of a board with one score whose user IDs start with Prefix.
type Band struct {
	Score  int64
	Prefix string
}

// BandOf returns the band of a player.
func BandOf(score int64, userID string) Band {
	return Band{Score: score, Prefix: userID[:min(len(userID), BandPrefix)]}
}

// compareBands orders bands as boards rank their players: best score first, then by user ID.
func compareBands(a, b Band) int {
	if c := compareScores(b.Score, a.Score); c != 0 {
		return c
	}
	return strings.Compare(a.Prefix, b.Prefix)
}

// rankedBoard reads a programme's maintained board (BoardStore) in three reads whatever the
// size of the programme: the counts per score with the caller's entry; the counts per band of
// only the scores that hold the top limit and the caller's neighbours; the entries of only
// the bands that hold them. Ranks are as BuildBoard gives them (best first, ties by user ID,
// hidden players left out).
func (s *Service) rankedBoard(ctx context.Context, ref BoardRef, callerID string, limit int) (Board, error) {
	counts, me, found, err := s.Store.BoardCounts(ctx, ref, callerID)
	if err != nil {
		return Board{}, err
	}
	scores := make([]int64, 0, len(counts))
	total := 0
	for sc, n := range counts {
		scores = append(scores, sc)
		total += n
	}
	slices.SortFunc(scores, func(a, b int64) int { return compareScores(b, a) })
	b := Board{Participants: total, Top: []BoardEntry{}}
	top := topScores(scores, counts, limit)
	var around []int64
	if found && me.Visibility == Hidden {
		b.MeHidden = true
	} else if found {
		around = aroundScore(scores, counts, me.Score)
	}
	bands, err := s.Store.BandCounts(ctx, ref, dedupe(slices.Concat(top, around)))
	if err != nil {
		return Board{}, err
	}
	wanted := takeBands(bandsOf(bands, top), 0, limit, 0)
	if len(around) > 0 {
		near := bandsOf(bands, dedupe(around))
		mine := BandOf(me.Score, callerID)
		i := slices.IndexFunc(near, func(c countedBand) bool { return c.Band == mine })
		wanted = append(wanted, takeBands(near, i, neighbourhood, neighbourhood)...)
	}
	entries, err := s.Store.BoardBands(ctx, ref, wanted)
	if err != nil {
		return Board{}, err
	}
	ranked := rankEntries(entries, bandStarts(scores, counts, bands), callerID)
	for r := 1; r <= limit; r++ {
		if e, ok := ranked[r]; ok {
			b.Top = append(b.Top, e)
		}
	}
	for r, e := range ranked {
		if e.Me {
			mine := e
			b.Me = &mine
			b.Neighbours = neighboursOf(ranked, r)
		}
	}
	return b, nil
}

func compareScores(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// topScores returns the best scores that together hold at least limit players.
func topScores(scores []int64, counts map[int64]int, limit int) []int64 {
	var out []int64
	held := 0
	for _, sc := range scores {
		if held >= limit {
			break
		}
		out = append(out, sc)
		held += counts[sc]
	}
	return out
}

// aroundScore returns score and the nearest scores above and below it that hold the
// neighbourhood's players.
func aroundScore(scores []int64, counts map[int64]int, score int64) []int64 {
	i := slices.Index(scores, score)
	if i < 0 {
		return []int64{score}
	}
	out := []int64{score}
	for j, held := i-1, 0; j >= 0 && held < neighbourhood; j-- {
		out, held = append(out, scores[j]), held+counts[scores[j]]
	}
	for j, held := i+1, 0; j < len(scores) && held < neighbourhood; j++ {
		out, held = append(out, scores[j]), held+counts[scores[j]]
	}
	return out
}

func dedupe(v []int64) []int64 {
	v = slices.Clone(v)
	slices.Sort(v)
	return slices.Compact(v)
}

// countedBand is a band with its number of visible players.
type countedBand struct {
	Band
	n int
}

// bandsOf returns the bands of the given scores in board order, with their counts.
func bandsOf(bands map[Band]int, scores []int64) []countedBand {
	var out []countedBand
	for b, n := range bands {
		if n > 0 && slices.Contains(scores, b.Score) {
			out = append(out, countedBand{b, n})
		}
	}
	slices.SortFunc(out, func(a, b countedBand) int { return compareBands(a.Band, b.Band) })
	return out
}

// takeBands returns the band at i (when i >= 0; the caller's, which may hold nobody else),
// the bands after it holding at least after players, and those before it holding at least
// before players. With i = 0 and before = 0 it returns the first bands holding after players.
func takeBands(bands []countedBand, i, after, before int) []Band {
	if i < 0 || i >= len(bands) {
		return nil
	}
	out := []Band{bands[i].Band}
	held := bands[i].n
	if before > 0 {
		held = 0
	}
	for j := i + 1; j < len(bands) && held < after; j++ {
		out, held = append(out, bands[j].Band), held+bands[j].n
	}
	for j, held := i-1, 0; j >= 0 && held < before; j-- {
		out, held = append(out, bands[j].Band), held+bands[j].n
	}
	return out
}

// bandStarts returns, for every band whose counts were read, how many visible players rank
// before it: those of every better score, and those of its score in bands before it.
func bandStarts(scores []int64, counts map[int64]int, bands map[Band]int) map[Band]int {
	above := map[int64]int{}
	n := 0
	for _, sc := range scores {
		above[sc] = n
		n += counts[sc]
	}
	list := make([]Band, 0, len(bands))
	for b := range bands {
		list = append(list, b)
	}
	slices.SortFunc(list, compareBands)
	out := map[Band]int{}
	var within int
	for i, b := range list {
		if i == 0 || b.Score != list[i-1].Score {
			within = 0
		}
		out[b] = above[b.Score] + within
		within += bands[b]
	}
	return out
}

// rankEntries ranks the entries read: the first visible player of a band is ranked after
// every visible player before the band (starts), the others of the band follow by user ID.
// Anonymous players are shown as such.
func rankEntries(entries []Score, starts map[Band]int, callerID string) map[int]BoardEntry {
	slices.SortFunc(entries, func(a, b Score) int {
		if c := compareScores(b.Score, a.Score); c != 0 {
			return c
		}
		return compareStrings(a.UserID, b.UserID)
	})
	out := map[int]BoardEntry{}
	var last Band
	rank := 0
	for _, sc := range entries {
		if sc.Visibility == Hidden {
			continue
		}
		if band := BandOf(sc.Score, sc.UserID); band != last {
			last, rank = band, starts[band]
		}
		rank++
		e := BoardEntry{Rank: rank, UserID: sc.UserID, DisplayName: sc.DisplayName, Score: sc.Score, Me: sc.UserID == callerID}
		if sc.Visibility == Anonymous {
			e.Anonymous, e.DisplayName = true, AnonymousName
			if !e.Me {
				e.UserID = ""
			}
		}
		out[rank] = e
	}
	return out
}

func neighboursOf(ranked map[int]BoardEntry, r int) []BoardEntry {
	var out []BoardEntry
	for j := max(1, r-neighbourhood); j <= r+neighbourhood; j++ {
		if e, ok := ranked[j]; ok && j != r {
			out = append(out, e)
		}
	}
	return out
}
