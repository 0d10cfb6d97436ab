package gamification

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Prize kinds.
const (
	PrizeLeaderboard = "leaderboard"
	PrizeBadge       = "badge"
)

// Prize is something an owner hands out: to the holders of leaderboard places when a week
// or month closes, or to everyone who earns a badge.
type Prize struct {
	ID          string
	ProgrammeID string
	Name        string
	Description string
	Kind        string
	// Leaderboard prizes: the period kind (week or month) and the places (1-based,
	// inclusive) that win.
	Period    string
	PlaceFrom int
	PlaceTo   int
	// Badge prizes: the badge that wins it.
	BadgeID string
	// ClaimInstructions tell winners how to get the prize (where, from whom, by when).
	ClaimInstructions string
	CreatedBy         string
	CreatedAt         time.Time
}

// Validate checks a new prize.
func (p *Prize) Validate() error {
	var f apperr.Fields
	p.Name = strings.TrimSpace(p.Name)
	f.Check(p.Name != "" && utf8.RuneCountInString(p.Name) <= 120, "/name", "must be 1 to 120 characters")
	f.Check(utf8.RuneCountInString(p.Description) <= 1000, "/description", "must be at most 1000 characters")
	p.ClaimInstructions = strings.TrimSpace(p.ClaimInstructions)
	f.Check(utf8.RuneCountInString(p.ClaimInstructions) <= 1000, "/claimInstructions", "must be at most 1000 characters")
	switch p.Kind {
	case PrizeLeaderboard:
		f.Check(p.Period == PeriodWeek || p.Period == PeriodMonth, "/period", "must be week or month")
		f.Check(p.PlaceFrom >= 1 && p.PlaceFrom <= 100, "/placeFrom", "must be 1 to 100")
		f.Check(p.PlaceTo >= p.PlaceFrom && p.PlaceTo <= 100, "/placeTo", "must be placeFrom to 100")
		f.Check(p.BadgeID == "", "/badgeId", "only applies to badge prizes")
	case PrizeBadge:
		f.Check(badgeIDPattern.MatchString(p.BadgeID), "/badgeId", "must name a badge")
		f.Check(p.Period == "", "/period", "only applies to leaderboard prizes")
		f.Check(p.PlaceFrom == 0 && p.PlaceTo == 0, "/placeFrom", "only applies to leaderboard prizes")
	default:
		f.Add("/kind", "must be leaderboard or badge")
	}
	return f.Err()
}

// Winner is one recorded prize winner. Its ID is derived from what it is for (prize and
// period and place, or prize and user), so recording it twice stores it once.
type Winner struct {
	ID      string
	PrizeID string
	// PrizeName is the prize's name when it was won, so that a win stays legible after the
	// owner deletes the prize.
	PrizeName   string
	ProgrammeID string
	UserID      string
	// PeriodKey and Place are set for leaderboard prizes.
	PeriodKey    string
	Place        int
	Score        int64
	BadgeID      string
	AwardedAt    time.Time
	HandedOverAt *time.Time
	HandedOverBy string
}

// PeriodResult is the decision, recorded once, of who won a leaderboard prize for a period.
type PeriodResult struct {
	ID        string // prize ID "|" period key
	PrizeID   string
	PeriodKey string
	Winners   []Winner
	ClosedAt  time.Time
	Complete  bool
}

func winnerID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "|")))
	return hex.EncodeToString(h[:12])
}

func leaderboardWinnerID(prizeID, periodKey string, place int) string {
	return winnerID(prizeID, periodKey, strconv.Itoa(place))
}

func badgeWinnerID(prizeID, userID string) string { return winnerID(prizeID, "user", userID) }
