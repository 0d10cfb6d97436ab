package gamification

import (
	"context"
	"slices"
	"strings"
)

// Nothing is blank: every programme a person belongs to has a standing from the moment they
// join (level 1, 0 XP, today's goal, a streak of 0, every badge at "0 of n", the library's and
// each path's progress bar at 0), whether or not gamification has processed an event of theirs
// yet. The player a first event creates starts from exactly that standing, so the numbers do
// not jump when it arrives.

// freshPlayer is the player of someone who has earned nothing in the programme yet.
func freshPlayer(programmeID, userID string) Player {
	return Player{ProgrammeID: programmeID, UserID: userID, Level: 1}
}

// players returns the caller's players: in one named programme (a fresh player when they have
// none yet, after checking membership: ErrNotMember otherwise), or in every programme they
// belong to or have a player in. Reads: the players (one query), and for "every programme" the
// person's memberships (cached for CacheTTL).
func (s *Service) players(ctx context.Context, userID, programmeID string) ([]Player, error) {
	ps, err := s.Store.PlayersOf(ctx, userID, programmeID)
	if err != nil {
		return nil, err
	}
	if programmeID != "" {
		if len(ps) > 0 {
			return ps, nil
		}
		if _, err := s.membership(ctx, programmeID, userID); err != nil {
			return nil, err
		}
		return []Player{freshPlayer(programmeID, userID)}, nil
	}
	ms, err := s.cached().memberships.Load(ctx, userID, func(ctx context.Context) ([]Membership, error) {
		return s.Programmes.Memberships(ctx, userID)
	})
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if !slices.ContainsFunc(ps, func(p Player) bool { return p.ProgrammeID == m.ProgrammeID }) {
			ps = append(ps, freshPlayer(m.ProgrammeID, userID))
		}
	}
	slices.SortStableFunc(ps, func(a, b Player) int { return strings.Compare(a.ProgrammeID, b.ProgrammeID) })
	return ps, nil
}

// membership reads userID's membership of programmeID (cached for CacheTTL).
func (s *Service) membership(ctx context.Context, programmeID, userID string) (Membership, error) {
	return s.cached().members.Load(ctx, PlayerKey{programmeID, userID}, func(ctx context.Context) (Membership, error) {
		return s.Programmes.Membership(ctx, programmeID, userID)
	})
}

// barsAtZero returns p's bars with the programme bar and a bar for every published path of
// the programme added where nothing has moved them yet. Totals come from the catalogue
// (cached for CacheTTL); without one only the bars events wrote are shown.
func (s *Service) barsAtZero(ctx context.Context, p Player) ([]Bar, error) {
	bars := slices.Clone(p.Bars)
	if s.Catalog == nil {
		return bars, nil
	}
	has := func(kind, id string) bool {
		return slices.ContainsFunc(bars, func(b Bar) bool { return b.Kind == kind && b.ID == id })
	}
	if !has("programme", p.ProgrammeID) {
		size, err := s.cached().library.Load(ctx, p.ProgrammeID, func(ctx context.Context) (int, error) {
			return s.Catalog.LibrarySize(ctx, p.ProgrammeID)
		})
		if err != nil {
			return nil, err
		}
		if size > 0 {
			bars = append(bars, Bar{Kind: "programme", ID: p.ProgrammeID, Done: min(p.libraryDone(), size), Total: size})
		}
	}
	paths, err := s.cached().programmePaths.Load(ctx, p.ProgrammeID, func(ctx context.Context) ([]Container, error) {
		return s.Catalog.Paths(ctx, p.ProgrammeID)
	})
	if err != nil {
		return nil, err
	}
	for _, c := range paths {
		if has("path", c.ID) || len(c.Items) == 0 {
			continue
		}
		q := p
		q.Bars = nil
		q.updateContainerBar(c)
		bars = append(bars, q.Bars...)
	}
	return bars, nil
}

// libraryDone counts the lessons, quizzes and checklists p has completed.
func (p *Player) libraryDone() int {
	done := 0
	for k := range p.Done {
		if strings.HasPrefix(k, "lesson:") || strings.HasPrefix(k, "quiz:") || strings.HasPrefix(k, "checklist:") {
			done++
		}
	}
	return done
}
