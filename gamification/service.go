package gamification

import (
	"context"
	"log/slog"
	"time"

	"github.com/microlearn/microlearn/learning"
)

// Service is the gamification service: it processes learning events (ProcessOnce, run by
// Worker) and answers the read API. The API only calls the read methods.
type Service struct {
	Store      Store
	Queue      Queue
	People     People
	Programmes Programmes
	Catalog    Catalog  // optional
	Pairings   Pairings // optional
	Notifier   Notifier // optional
	// Observers are told about every processed event, at least once.
	Observers []learning.Observer
	Now       func() time.Time
	Log       *slog.Logger
	// CacheTTL is how long lookups in other domains and programme configuration are
	// reused by event processing (0: not at all). Changes made through this Service
	// (rules, badges, prizes, ProfileChanged) take effect at once in it regardless.
	CacheTTL time.Duration
	// Lease is how long a claimed event is reserved for its worker (default 30s).
	Lease time.Duration
	// MaxAttempts is how often an event is tried before it is parked (default 12).
	MaxAttempts int
	// CloseGrace is how long after a period ends its prizes are decided, so that events
	// in flight at the end still count (default 15m).
	CloseGrace time.Duration
	// Hooks inject faults in tests.
	Hooks Hooks

	caches caches
}

type assignmentKey struct {
	PlayerKey
	Item learning.ItemRef
}

// Hooks are called at the points between the writes of event processing. An error stops the
// batch right there, as if the process had died: nothing more is written and the claimed
// events stay leased until the lease ends. Tests use them to prove crash safety.
type Hooks struct {
	// AfterState runs after the players' documents were written, before any effect.
	AfterState func(eventIDs []string) error
	// AfterLedger runs after the ledger entries were written.
	AfterLedger func(eventIDs []string) error
	// BeforeDone runs after every effect, before the events are marked done.
	BeforeDone func(eventIDs []string) error
}

type programmeConfig struct {
	Rules  Rules
	Badges []Badge
	Prizes []Prize
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

func (s *Service) lease() time.Duration {
	if s.Lease <= 0 {
		return 30 * time.Second
	}
	return s.Lease
}

func (s *Service) maxAttempts() int {
	if s.MaxAttempts <= 0 {
		return 12
	}
	return s.MaxAttempts
}

// config returns a programme's rules, badges (built-in first) and prizes.
func (s *Service) config(ctx context.Context, programmeID string) (programmeConfig, error) {
	return s.cached().configs.Load(ctx, programmeID, func(ctx context.Context) (programmeConfig, error) {
		r, found, err := s.Store.Rules(ctx, programmeID)
		if err != nil {
			return programmeConfig{}, err
		}
		if !found {
			r = DefaultRules()
		}
		own, err := s.Store.ProgrammeBadges(ctx, programmeID)
		if err != nil {
			return programmeConfig{}, err
		}
		prizes, err := s.Store.Prizes(ctx, programmeID)
		if err != nil {
			return programmeConfig{}, err
		}
		return programmeConfig{Rules: r, Badges: append(BuiltInBadges(), own...), Prizes: prizes}, nil
	})
}

func (s *Service) profile(ctx context.Context, userID string) (Profile, error) {
	return s.cached().profiles.Load(ctx, userID, func(ctx context.Context) (Profile, error) {
		p, err := s.People.Profile(ctx, userID)
		if err != nil {
			return p, err
		}
		if !p.Visibility.Valid() {
			p.Visibility = Visible
		}
		if p.DailyXPGoal <= 0 {
			p.DailyXPGoal = DefaultDailyXPGoal
		}
		p.UserID = userID
		return p, nil
	})
}

func (s *Service) programmeZone(ctx context.Context, programmeID string) (*time.Location, error) {
	tz, err := s.cached().zones.Load(ctx, programmeID, func(ctx context.Context) (string, error) {
		return s.Programmes.Timezone(ctx, programmeID)
	})
	return loadZone(tz), err
}
