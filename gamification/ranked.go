package gamification

import (
	"context"
	"slices"
)

// neighbourhood is how many ranks either side of the caller a board shows.
const neighbourhood = 2

// rankedBoard reads a programme's maintained board (BoardStore): the counts per score with
// the caller's entry, then the entries of only the scores that hold the top limit and the
// caller's neighbours. Two reads, whatever the size of the programme; ranks are as
// BuildBoard gives them (best first, ties by user ID, hidden players left out).
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
	var b Board
	b.Participants = total
	wanted := topScores(scores, counts, limit)
	if found && me.Visibility == Hidden {
		b.MeHidden = true
	} else if found {
		wanted = append(wanted, aroundScore(scores, counts, me.Score)...)
	}
	entries, err := s.Store.BoardScores(ctx, ref, dedupe(wanted))
	if err != nil {
		return Board{}, err
	}
	ranked := rankEntries(entries, scores, counts, callerID)
	b.Top = []BoardEntry{}
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
	slices.Sort(v)
	return slices.Compact(v)
}

// rankEntries ranks the entries read: the first visible player of a score is ranked one
// after the visible players of every better score (from the counts), the others of that
// score follow by user ID. Anonymous players are shown as such.
func rankEntries(entries []Score, scores []int64, counts map[int64]int, callerID string) map[int]BoardEntry {
	above := map[int64]int{}
	n := 0
	for _, sc := range scores {
		above[sc] = n
		n += counts[sc]
	}
	slices.SortFunc(entries, func(a, b Score) int {
		if c := compareScores(b.Score, a.Score); c != 0 {
			return c
		}
		return compareStrings(a.UserID, b.UserID)
	})
	out := map[int]BoardEntry{}
	var last int64 = -1
	rank := 0
	for _, sc := range entries {
		if sc.Visibility == Hidden {
			continue
		}
		if sc.Score != last {
			last, rank = sc.Score, above[sc.Score]
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
