package gamification

import (
	"context"
	"time"
)

// LedgerEntry is one append-only XP entry. ID is "<eventId>:<rule>", so writing an event's
// entries again stores them once.
type LedgerEntry struct {
	ID          string
	EventID     string
	Rule        string
	ProgrammeID string
	UserID      string
	XP          int
	Day         string
	Week        string
	Month       string
	OccurredAt  time.Time
	At          time.Time
}

// Score is a user's XP in one leaderboard period, with what the board shows of them.
type Score struct {
	UserID      string
	Score       int64
	DisplayName string
	Visibility  Visibility
}

// Standing is what leaderboards read of a player.
type Standing struct {
	UserID      string
	DisplayName string
	// Role is the player's programme role ("" for players not written since roles were kept).
	Role       string
	Visibility Visibility
	XP         int64
	Weeks      []PeriodXP
	Months     []PeriodXP
}

// ScoreFor returns the player's XP in the period named key.
func (s Standing) ScoreFor(key string) int64 {
	switch {
	case key == PeriodAll:
		return s.XP
	case len(key) > 0 && key[0] == 'w':
		v, _ := PeriodXPFor(s.Weeks, key)
		return v
	default:
		v, _ := PeriodXPFor(s.Months, key)
		return v
	}
}

// Award is the record of a badge earned or a level reached. ID is derived from what it is
// for, so it is stored once.
type Award struct {
	ID          string
	Kind        string // badge or level
	ProgrammeID string
	UserID      string
	BadgeID     string
	Level       int
	EventID     string
	At          time.Time
}

// PlayerStore keeps Player documents.
type PlayerStore interface {
	// Players returns the players that exist among keys.
	Players(ctx context.Context, keys []PlayerKey) (map[PlayerKey]Player, error)
	// PlayersOf returns the user's players, in one programme when programmeID is set.
	PlayersOf(ctx context.Context, userID, programmeID string) ([]Player, error)
	// SavePlayer writes p if its stored version is still p.Version (0: not stored yet) and
	// returns it with the new version; ErrVersionConflict otherwise.
	SavePlayer(ctx context.Context, p Player) (Player, error)
	// EachPlayer calls fn for every player.
	EachPlayer(ctx context.Context, fn func(Player) error) error
}

// LedgerStore keeps the ledger: the append-only record of what events earned, XP entries
// and the awards (badges, levels) that came with them.
type LedgerStore interface {
	// AppendLedger inserts XP entries and award records in one write and returns how many
	// XP entries were new and which awards (by ID) were recorded by this call; whatever is
	// already stored is left as it is.
	AppendLedger(ctx context.Context, entries []LedgerEntry, awards []Award) (int, map[string]bool, error)
	// LedgerTotals sums the ledger per player.
	LedgerTotals(ctx context.Context) (map[PlayerKey]int64, error)
}

// BoardRef names one maintained leaderboard: a programme's players of one role ("" or
// RoleAll: everyone) ranked by their XP in the period named Key.
type BoardRef struct{ ProgrammeID, Role, Key string }

// BoardStore reads leaderboards. A programme's boards are maintained by the store as players
// are saved (an entry per player and board, and per board the number of visible entries per
// score), so that a read costs the same whatever the programme's size (issue 20). Pairing
// boards, a handful of people, are computed from the members' standings.
type BoardStore interface {
	// Standings returns the programme's players (only userIDs when given): one query.
	Standings(ctx context.Context, programmeID string, userIDs []string) ([]Standing, error)
	// BoardCounts returns how many visible players hold each (positive) score on the board,
	// and userID's entry on it (found is false when they score nothing there): one read.
	BoardCounts(ctx context.Context, ref BoardRef, userID string) (counts map[int64]int, me Score, found bool, err error)
	// BandCounts returns how many visible players each band of the given scores holds.
	BandCounts(ctx context.Context, ref BoardRef, scores []int64) (map[Band]int, error)
	// BoardBands returns the board's entries (hidden ones too) in the given bands.
	BoardBands(ctx context.Context, ref BoardRef, bands []Band) ([]Score, error)
	// SetProfile updates what the boards show of userID in every programme.
	SetProfile(ctx context.Context, userID, displayName string, v Visibility) error
}

// ConfigStore keeps per-programme rules, badges and prizes.
type ConfigStore interface {
	// Rules returns the programme's rules; found is false when it has none of its own.
	Rules(ctx context.Context, programmeID string) (r Rules, found bool, err error)
	SaveRules(ctx context.Context, programmeID string, r Rules, at time.Time) error
	ProgrammeBadges(ctx context.Context, programmeID string) ([]Badge, error)
	// PutBadge creates or replaces a programme badge.
	PutBadge(ctx context.Context, b Badge) error
	// DeleteBadge deletes a programme badge; ErrBadgeNotFound when absent.
	DeleteBadge(ctx context.Context, programmeID, badgeID string) error
	Prizes(ctx context.Context, programmeID string) ([]Prize, error)
	// LeaderboardPrizes lists every leaderboard prize of every programme.
	LeaderboardPrizes(ctx context.Context) ([]Prize, error)
	CreatePrize(ctx context.Context, p Prize) error
	// DeletePrize deletes a prize; ErrPrizeNotFound when absent.
	DeletePrize(ctx context.Context, programmeID, prizeID string) error
}

// PrizeStore keeps prize winners.
type PrizeStore interface {
	// PeriodResult returns the recorded result; found is false when there is none.
	PeriodResult(ctx context.Context, id string) (r PeriodResult, found bool, err error)
	// InsertPeriodResult records a result; inserted is false when one was recorded first.
	InsertPeriodResult(ctx context.Context, r PeriodResult) (inserted bool, err error)
	CompletePeriodResult(ctx context.Context, id string) error
	// InsertWinners stores winners and returns those that were not stored before.
	InsertWinners(ctx context.Context, ws []Winner) ([]Winner, error)
	// UnnotifiedWinners returns which of the winners were not yet marked notified.
	UnnotifiedWinners(ctx context.Context, ids []string) (map[string]bool, error)
	MarkWinnersNotified(ctx context.Context, ids []string) error
	// Winners lists a programme's winners, newest first.
	Winners(ctx context.Context, programmeID string) ([]Winner, error)
	// WinnersOf lists a person's wins in every programme, newest first.
	WinnersOf(ctx context.Context, userID string) ([]Winner, error)
	// HandOver marks a winner's prize handed over (once; later calls keep the first
	// time); ErrWinnerNotFound when absent.
	HandOver(ctx context.Context, programmeID, winnerID, by string, at time.Time) (Winner, error)
}

// BoardBatcher is implemented by stores that can write the leaderboard entries of several
// saved players at once (gamificationdb: a board or score that many players of a batch moved
// on is then one update instead of one per player). Under the returned context SavePlayer
// saves the player and leaves its board entries to flush, which writes them all; a board
// write that fails is caught up later, as when SavePlayer writes the entries itself.
type BoardBatcher interface {
	BatchBoards(ctx context.Context) (batched context.Context, flush func(context.Context))
}

// Store is all of gamification's storage.
type Store interface {
	PlayerStore
	LedgerStore
	BoardStore
	ConfigStore
	PrizeStore
}
