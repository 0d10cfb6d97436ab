package gamification

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

func unprocessable(pointer, detail string) error {
	var f apperr.Fields
	f.Add(pointer, detail)
	return f.Err()
}

const closeLookBack = 4

func (s *Service) closeGrace() time.Duration {
	if s.CloseGrace <= 0 {
		return 15 * time.Minute
	}
	return s.CloseGrace
}

// ClosePeriods decides the winners of leaderboard prizes for every week or month that has
// ended (plus the grace time) since the prize was created, looking back a few periods in
// case the service was down. The decision for a (prize, period) is recorded once, by a
// unique key, before the winners are written from it, so racing closers agree.
func (s *Service) ClosePeriods(ctx context.Context) error {
	prizes, err := s.Store.LeaderboardPrizes(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	var errs []error
	for _, pz := range prizes {
		zone, err := s.programmeZone(ctx, pz.ProgrammeID)
		if err != nil {
			if apperr.KindOf(err) != apperr.KindNotFound {
				errs = append(errs, err)
			}
			continue
		}
		var keys []string
		k := previousPeriodKey(pz.Period, PeriodKey(pz.Period, now, zone), zone)
		for i := 0; i < closeLookBack && k != ""; i++ {
			_, end, _ := PeriodBounds(k, zone)
			if !end.After(pz.CreatedAt) {
				break
			}
			if !now.Before(end.Add(s.closeGrace())) {
				keys = append([]string{k}, keys...)
			}
			k = previousPeriodKey(pz.Period, k, zone)
		}
		for _, k := range keys {
			if err := s.closePeriod(ctx, pz, k, now); err != nil {
				// Go on with the other prizes: one that cannot be closed (its winners cannot
				// be told) must not hold back the rest; it is tried again next round.
				errs = append(errs, fmt.Errorf("close %s of prize %s: %w", k, pz.ID, err))
				break
			}
		}
	}
	return errors.Join(errs...)
}

func (s *Service) closePeriod(ctx context.Context, pz Prize, key string, now time.Time) error {
	id := pz.ID + "|" + key
	r, found, err := s.Store.PeriodResult(ctx, id)
	if err != nil || (found && r.Complete) {
		return err
	}
	if !found {
		standings, err := s.Store.Standings(ctx, pz.ProgrammeID, nil)
		if err != nil {
			return err
		}
		scores := scoresFor(standings, key)
		b := BuildBoard(scores, "", 1<<30)
		r = PeriodResult{ID: id, PrizeID: pz.ID, PeriodKey: key, ClosedAt: now}
		for _, e := range b.Top {
			if e.Rank < pz.PlaceFrom || e.Rank > pz.PlaceTo || e.Score <= 0 {
				continue
			}
			uid := e.UserID
			if uid == "" { // anonymous: find the user behind the rank
				uid = rankedUser(scores, e.Rank)
			}
			r.Winners = append(r.Winners, Winner{ID: leaderboardWinnerID(pz.ID, key, e.Rank), PrizeID: pz.ID, PrizeName: pz.Name, ProgrammeID: pz.ProgrammeID,
				UserID: uid, PeriodKey: key, Place: e.Rank, Score: e.Score, AwardedAt: now})
		}
		inserted, err := s.Store.InsertPeriodResult(ctx, r)
		if err != nil {
			return err
		}
		if !inserted {
			// Another closer decided at the same moment; it writes the winners and
			// notifies them (or, if it dies, a later round finds the result incomplete).
			return nil
		}
	}
	if len(r.Winners) > 0 {
		if _, err := s.Store.InsertWinners(ctx, r.Winners); err != nil {
			return err
		}
		if err := s.notifyPrizes(ctx, r.Winners); err != nil {
			return err // left incomplete: the next round tells the winners not yet told
		}
	}
	return s.Store.CompletePeriodResult(ctx, id)
}

// rankedUser returns the user at a rank of the visible board built from scores.
func rankedUser(scores []Score, rank int) string {
	n := 0
	for _, sc := range scores {
		if sc.Visibility == Hidden {
			continue
		}
		if n++; n == rank {
			return sc.UserID
		}
	}
	return ""
}

// Drift is a player whose total XP differs from the sum of their ledger entries.
type Drift struct {
	Key      PlayerKey
	PlayerXP int64
	LedgerXP int64
	Repaired bool
}

// RecomputeReport is what Recompute found.
type RecomputeReport struct {
	Players int
	// Redriven counts ledger entries that players recorded but the ledger lacked (a
	// crash between the two writes whose retry had not run yet); they are written.
	Redriven int
	Drifts   []Drift
}

// Recompute derives every player's XP from the ledger and reports (and with repair,
// fixes) the players whose totals differ. It first writes any ledger entries that players
// recorded as earned but the ledger lacks, so that an interrupted event is not mistaken
// for drift.
func (s *Service) Recompute(ctx context.Context, repair bool) (RecomputeReport, error) {
	var rep RecomputeReport
	var players []Player
	err := s.Store.EachPlayer(ctx, func(p Player) error {
		rep.Players++
		var entries []LedgerEntry
		for _, a := range p.Applied {
			entries = append(entries, a.LedgerEntries(p.Key())...)
		}
		if len(entries) > 0 {
			n, _, err := s.Store.AppendLedger(ctx, entries, nil)
			if err != nil {
				return err
			}
			rep.Redriven += n
		}
		players = append(players, p)
		return nil
	})
	if err != nil {
		return rep, err
	}
	totals, err := s.Store.LedgerTotals(ctx)
	if err != nil {
		return rep, err
	}
	for _, p := range players {
		l := totals[p.Key()]
		delete(totals, p.Key())
		if l == p.XP {
			continue
		}
		d := Drift{Key: p.Key(), PlayerXP: p.XP, LedgerXP: l}
		if repair {
			if err := s.repair(ctx, p.Key(), l); err != nil {
				return rep, err
			}
			d.Repaired = true
		}
		rep.Drifts = append(rep.Drifts, d)
	}
	for k, l := range totals {
		rep.Drifts = append(rep.Drifts, Drift{Key: k, LedgerXP: l})
	}
	return rep, nil
}

func (s *Service) repair(ctx context.Context, key PlayerKey, xp int64) error {
	cfg, err := s.config(ctx, key.ProgrammeID)
	if err != nil {
		return err
	}
	for attempt := 0; attempt < 20; attempt++ {
		ps, err := s.Store.Players(ctx, []PlayerKey{key})
		if err != nil {
			return err
		}
		p := ps[key]
		p.XP, p.Level = xp, cfg.Rules.Levels.LevelFor(xp)
		s.cached().known.Delete(key)
		_, err = s.Store.SavePlayer(ctx, p)
		if errors.Is(err, ErrVersionConflict) {
			continue
		}
		return err
	}
	return ErrVersionConflict
}
