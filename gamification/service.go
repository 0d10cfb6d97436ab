package gamification

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
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

	profiles    cache[string, Profile]
	zones       cache[string, string]
	members     cache[PlayerKey, Membership]
	configs     cache[string, programmeConfig]
	paths       cache[learning.ItemRef, []Container]
	library     cache[string, int]
	assignments cache[assignmentKey, []Container]
	pairings    cache[string, Pairing]
	known       known

	doneMu    sync.Mutex
	done      map[string]bool
	doneOrder []string
}

const doneMemory = 50000

// markDone remembers events this instance finished, so that their effects can be pruned
// from the players' documents at their next write.
func (s *Service) markDone(ids []string) {
	s.doneMu.Lock()
	defer s.doneMu.Unlock()
	if s.done == nil {
		s.done = map[string]bool{}
	}
	for _, id := range ids {
		if !s.done[id] {
			s.done[id] = true
			s.doneOrder = append(s.doneOrder, id)
		}
	}
	for len(s.doneOrder) > doneMemory {
		delete(s.done, s.doneOrder[0])
		s.doneOrder = s.doneOrder[1:]
	}
}

func (s *Service) isDone(id string) bool {
	s.doneMu.Lock()
	defer s.doneMu.Unlock()
	return s.done[id]
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
	return s.configs.get(ctx, programmeID, s.CacheTTL, func(ctx context.Context) (programmeConfig, error) {
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
	return s.profiles.get(ctx, userID, s.CacheTTL, func(ctx context.Context) (Profile, error) {
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
	tz, err := s.zones.get(ctx, programmeID, s.CacheTTL, func(ctx context.Context) (string, error) {
		return s.Programmes.Timezone(ctx, programmeID)
	})
	return loadZone(tz), err
}

// errNotify marks an event whose effects are written but whose notices the notifier did
// not take.
var errNotify = errors.New("notify")

// errSkip marks an event that cannot earn anything (unknown user or programme, not a member).
var errSkip = errors.New("event skipped")

// inputs gathers what applying e needs. Not-found answers from other domains mean the event
// cannot count (errSkip); other errors are worth a retry.
func (s *Service) inputs(ctx context.Context, e learning.Event) (Inputs, error) {
	skip := func(err error) error {
		if apperr.KindOf(err) == apperr.KindNotFound {
			return fmt.Errorf("%w: %v", errSkip, err)
		}
		return err
	}
	cfg, err := s.config(ctx, e.ProgrammeID)
	if err != nil {
		return Inputs{}, err
	}
	prof, err := s.profile(ctx, e.UserID)
	if err != nil {
		return Inputs{}, skip(err)
	}
	zone, err := s.programmeZone(ctx, e.ProgrammeID)
	if err != nil {
		return Inputs{}, skip(err)
	}
	key := PlayerKey{e.ProgrammeID, e.UserID}
	m, err := s.members.get(ctx, key, s.CacheTTL, func(ctx context.Context) (Membership, error) {
		return s.Programmes.Membership(ctx, e.ProgrammeID, e.UserID)
	})
	if err != nil {
		return Inputs{}, skip(err)
	}
	in := Inputs{Now: s.now(), Rules: cfg.Rules, Badges: cfg.Badges, Profile: prof, ProgrammeZone: zone, JoinedAt: m.JoinedAt}
	item := learning.ItemRef{Kind: e.ItemKind, ID: e.ItemID}
	completes := e.Kind == learning.LessonCompleted || e.Kind == learning.QuizAttempted || e.Kind == learning.ChecklistCompleted || e.Kind == learning.PathCompleted
	if s.Catalog != nil && completes && e.ItemID != "" {
		if item.Kind != learning.KindPath {
			if in.Paths, err = s.paths.get(ctx, item, s.CacheTTL, func(ctx context.Context) ([]Container, error) {
				return s.Catalog.PathsContaining(ctx, e.ProgrammeID, item)
			}); err != nil {
				return Inputs{}, err
			}
		}
		if in.LibrarySize, err = s.library.get(ctx, e.ProgrammeID, s.CacheTTL, func(ctx context.Context) (int, error) {
			return s.Catalog.LibrarySize(ctx, e.ProgrammeID)
		}); err != nil {
			return Inputs{}, err
		}
	}
	if s.Pairings != nil && completes && e.ItemID != "" {
		if in.Assignments, err = s.assignments.get(ctx, assignmentKey{key, item}, s.CacheTTL, func(ctx context.Context) ([]Container, error) {
			return s.Pairings.AssignmentsContaining(ctx, e.ProgrammeID, e.UserID, item)
		}); err != nil {
			return Inputs{}, err
		}
	}
	if s.Pairings != nil && e.Kind == learning.AssignmentCompleted && e.PairingID != "" {
		pr, err := s.pairings.get(ctx, e.PairingID, s.CacheTTL, func(ctx context.Context) (Pairing, error) {
			return s.Pairings.Pairing(ctx, e.PairingID)
		})
		switch {
		case err == nil:
			in.Pairing = &pr
		case apperr.KindOf(err) != apperr.KindNotFound:
			return Inputs{}, err
		}
	}
	return in, nil
}

type work struct {
	d       learning.Delivery
	key     PlayerKey
	in      Inputs
	err     error // worth a retry
	outcome Outcome
}

// ProcessOnce claims up to max events for owner and processes them; it returns how many it
// claimed. Per event the order of writes is: the player document (state, and the event's
// ID with what it caused, in one compare-and-swap), then the ledger entries, award records
// and badge prize winners (all idempotent), then
// observers and notifications, then the queue is told the event is done. A crash anywhere
// leaves the event leased; its retry finds the event applied and writes the effects again.
func (s *Service) ProcessOnce(ctx context.Context, owner string, max int) (int, error) {
	claimed := s.now()
	ds, err := s.Queue.Claim(ctx, owner, claimed, s.lease(), max)
	if err != nil || len(ds) == 0 {
		return 0, err
	}
	return len(ds), s.process(ctx, owner, claimed, ds)
}

func (s *Service) process(ctx context.Context, owner string, claimed time.Time, ds []learning.Delivery) error {
	// Other domains' lookups are shared within the batch (learning.Remember).
	ctx = learning.WithMemo(ctx)
	items := make([]*work, len(ds))
	groups := map[PlayerKey][]*work{}
	var keys []PlayerKey
	ids := make([]string, len(ds))
	for i, d := range ds {
		e := d.Event
		w := &work{d: d, key: PlayerKey{e.ProgrammeID, e.UserID}}
		items[i], ids[i] = w, e.ID
		if e.UserID == "" || e.ProgrammeID == "" {
			w.outcome = OutcomeIgnored
			continue
		}
		w.in, w.err = s.inputs(ctx, e)
		if errors.Is(w.err, errSkip) {
			w.outcome, w.err = OutcomeIgnored, nil
			continue
		}
		if w.err != nil {
			continue
		}
		if _, ok := groups[w.key]; !ok {
			keys = append(keys, w.key)
		}
		groups[w.key] = append(groups[w.key], w)
	}
	players, err := s.playersFor(ctx, keys)
	if err != nil {
		return err
	}
	for _, key := range keys {
		p, ok := players[key]
		if !ok {
			p = Player{ProgrammeID: key.ProgrammeID, UserID: key.UserID}
		}
		players[key] = s.applyGroup(ctx, p, groups[key])
	}
	if h := s.Hooks.AfterState; h != nil {
		if err := h(ids); err != nil {
			return err
		}
	}

	var ledger []LedgerEntry
	var awards []Award
	var badgeWins []badgeWin
	var prizeWinners []Winner
	winnerEvent := map[string]string{}
	cfgs := map[string]programmeConfig{}
	for _, w := range items {
		if w.err != nil || w.outcome == OutcomeIgnored {
			continue
		}
		p := players[w.key]
		a, ok := p.AppliedEntry(w.d.Event.ID)
		if !ok {
			continue
		}
		e := w.d.Event
		ledger = append(ledger, a.LedgerEntries(p.Key())...)
		for _, l := range a.Levels {
			awards = append(awards, Award{ID: fmt.Sprintf("%s:%s:level:%d", e.ProgrammeID, e.UserID, l), Kind: "level",
				ProgrammeID: e.ProgrammeID, UserID: e.UserID, Level: l, EventID: e.ID, At: a.At})
		}
		if len(a.Badges) > 0 {
			cfg, ok := cfgs[e.ProgrammeID]
			if !ok {
				var err error
				if cfg, err = s.config(ctx, e.ProgrammeID); err != nil {
					// Without the badges' names and prizes the notices would be lost: the
					// event goes round again (its effects are found applied).
					w.err = fmt.Errorf("programme configuration: %w", err)
					continue
				}
				cfgs[e.ProgrammeID] = cfg
			}
			for _, id := range a.Badges {
				aw := Award{ID: e.ProgrammeID + ":" + e.UserID + ":badge:" + id, Kind: "badge", ProgrammeID: e.ProgrammeID,
					UserID: e.UserID, BadgeID: id, EventID: e.ID, At: a.At}
				awards = append(awards, aw)
				for _, b := range cfg.Badges {
					if b.ID == id {
						badgeWins = append(badgeWins, badgeWin{b, aw})
					}
				}
				for _, pz := range cfg.Prizes {
					if pz.Kind == PrizeBadge && pz.BadgeID == id {
						w := Winner{ID: badgeWinnerID(pz.ID, e.UserID), PrizeID: pz.ID, ProgrammeID: e.ProgrammeID, UserID: e.UserID, BadgeID: id, AwardedAt: a.At}
						prizeWinners = append(prizeWinners, w)
						winnerEvent[w.ID] = e.ID
					}
				}
			}
		}
	}
	var newAwards map[string]bool
	if len(ledger)+len(awards) > 0 {
		var err error
		if _, newAwards, err = s.Store.AppendLedger(ctx, ledger, awards); err != nil {
			return err
		}
	}
	if h := s.Hooks.AfterLedger; h != nil {
		if err := h(ids); err != nil {
			return err
		}
	}
	if len(prizeWinners) > 0 {
		if _, err := s.Store.InsertWinners(ctx, prizeWinners); err != nil {
			return err
		}
	}
	if h := s.Hooks.BeforeDone; h != nil {
		if err := h(ids); err != nil {
			return err
		}
	}
	// Observers come before notifications: an observer that fails sends the event round
	// again, and the notifications should not go out on every round.
	for _, w := range items {
		if w.err != nil {
			continue
		}
		for _, o := range s.Observers {
			if err := o.ObserveLearningEvent(ctx, w.d.Event); err != nil {
				w.err = fmt.Errorf("observer: %w", err)
				break
			}
		}
	}
	failed := map[string]bool{}
	for _, w := range items {
		if w.err != nil {
			failed[w.d.Event.ID] = true
		}
	}
	var winners []Winner
	for _, w := range prizeWinners {
		if !failed[winnerEvent[w.ID]] {
			winners = append(winners, w)
		}
	}
	// A notice is fresh when this batch recorded its award (whoever recorded it first
	// hands it over first) and the notifier takes it in before any other worker could have
	// taken the event over: within half a lease of the claim (allowing for clocks that far
	// apart). The notifier checks that deadline after its insert.
	freshUntil := claimed.Add(s.lease() / 2)
	if err := s.notify(ctx, awards, badgeWins, winners, failed, newAwards, freshUntil); err != nil {
		// Nothing was lost: the events go round again, and their notices are handed over
		// again (the notifier drops the ones it has).
		noticed := map[string]bool{}
		for _, a := range awards {
			noticed[a.EventID] = true
		}
		for _, id := range winnerEvent {
			noticed[id] = true
		}
		for _, w := range items {
			if w.err == nil && noticed[w.d.Event.ID] {
				w.err = fmt.Errorf("%w: %w", errNotify, err)
			}
		}
	}

	var done []string
	var delivered []learning.Delivery
	now := s.now()
	for _, w := range items {
		if w.err == nil {
			done = append(done, w.d.Event.ID)
			delivered = append(delivered, w.d)
			continue
		}
		// An event whose only failure is telling the notifier is never parked: its effects
		// are written, and parked its notices could be lost for good (once the player
		// forgets the event, a requeue applies it as new and earns, and tells, nothing).
		dead := w.d.Attempts >= s.maxAttempts() && !errors.Is(w.err, errNotify)
		delay := min(time.Duration(1<<min(w.d.Attempts, 10))*time.Second/2, 10*time.Minute)
		s.log().Warn("learning event processing failed; will retry", "eventId", w.d.Event.ID, "attempts", w.d.Attempts, "dead", dead, "error", w.err.Error())
		if err := s.Queue.Release(ctx, w.d.Event.ID, owner, now.Add(delay), w.err.Error(), dead); err != nil {
			return err
		}
	}
	if len(done) > 0 {
		if err := s.Queue.Done(ctx, delivered, now); err != nil {
			return err
		}
		s.markDone(done)
	}
	return nil
}

// settleProfile runs after a player was created with the name and visibility of a profile
// that may be cached from before a change: a change made meanwhile found no player to update
// (SetProfile changes existing ones), so the profile is read afresh and, if it differs,
// written to the boards. A failure is logged: the next profile change corrects it.
func (s *Service) settleProfile(ctx context.Context, created Player) {
	if s.CacheTTL <= 0 {
		return // the profile was read for this very event
	}
	s.profiles.forget(created.UserID)
	prof, err := s.profile(ctx, created.UserID)
	if err == nil && (prof.DisplayName != created.DisplayName || prof.Visibility != created.Visibility) {
		err = s.Store.SetProfile(ctx, created.UserID, prof.DisplayName, prof.Visibility)
		s.known.forget(created.Key()) // its version moved on
	}
	if err != nil {
		s.log().Warn("refreshing a new player's board profile failed", "userId", created.UserID, "error", err.Error())
	}
}

// playersFor returns the players of keys: those this instance knows without a read, the rest
// in one read (see known).
func (s *Service) playersFor(ctx context.Context, keys []PlayerKey) (map[PlayerKey]Player, error) {
	out := make(map[PlayerKey]Player, len(keys))
	var missing []PlayerKey
	for _, k := range keys {
		if p, ok := s.known.get(k); ok {
			out[k] = p
		} else {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	read, err := s.Store.Players(ctx, missing)
	if err != nil {
		return nil, err
	}
	for k, p := range read {
		out[k] = p
		s.known.put(p)
	}
	return out, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// applyGroup applies a player's events and writes the player with a compare-and-swap. When
// another worker changed the player meanwhile, it reads it again and reapplies: events the
// other worker applied are then found applied and not applied twice.
func (s *Service) applyGroup(ctx context.Context, p Player, group []*work) Player {
	for attempt := 0; ; attempt++ {
		next := p.Clone()
		next.Prune(s.isDone)
		changed := false
		for _, w := range group {
			if w.err != nil {
				continue
			}
			w.outcome = next.Apply(w.d.Event, w.in)
			changed = changed || w.outcome == OutcomeApplied
		}
		if !changed {
			return p
		}
		saved, err := s.Store.SavePlayer(ctx, next)
		if err == nil {
			s.known.put(saved)
			if p.Version == 0 {
				s.settleProfile(ctx, saved)
			}
			return saved
		}
		s.known.forget(p.Key())
		if errors.Is(err, ErrVersionConflict) && attempt < 20 {
			fresh, ferr := s.Store.Players(ctx, []PlayerKey{p.Key()})
			if ferr == nil {
				if f, ok := fresh[p.Key()]; ok {
					p = f
					s.known.put(f)
				}
				continue
			}
			err = ferr
		}
		for _, w := range group {
			if w.err == nil {
				w.err = err
			}
		}
		return p
	}
}

type badgeWin struct {
	badge Badge
	award Award
}

// notify hands every level-up and badge of the batch to the Notifier at once, and tells
// prize winners. The Notifier deduplicates by notice key, so a retried event's notices are
// simply handed over again: gamification keeps no notified marks for them (a read and an
// update of the awards per batch, which FerretDB answers by scanning). Notices of awards
// this batch recorded (newAwards) carry freshUntil.
func (s *Service) notify(ctx context.Context, awards []Award, badges []badgeWin, winners []Winner, failed, newAwards map[string]bool, freshUntil time.Time) error {
	if s.Notifier == nil {
		return nil
	}
	fresh := func(id string) time.Time {
		if newAwards[id] {
			return freshUntil
		}
		return time.Time{}
	}
	var levels []LevelNotice
	var earned []BadgeNotice
	for _, a := range awards {
		if a.Kind == "level" && !failed[a.EventID] {
			levels = append(levels, LevelNotice{Key: a.ID, UserID: a.UserID, ProgrammeID: a.ProgrammeID, Level: a.Level, FreshUntil: fresh(a.ID)})
		}
	}
	for _, b := range badges {
		if !failed[b.award.EventID] {
			earned = append(earned, BadgeNotice{Key: b.award.ID, UserID: b.award.UserID, ProgrammeID: b.award.ProgrammeID, Badge: b.badge,
				FreshUntil: fresh(b.award.ID)})
		}
	}
	if len(levels)+len(earned) > 0 {
		if err := s.Notifier.NotifyAll(ctx, levels, earned); err != nil {
			s.log().Warn("award notifications failed; the events will be retried", "error", err.Error())
			return err
		}
	}
	return s.notifyPrizes(ctx, winners)
}

// notifyPrizes tells winners not yet notified about their prize; it marks those it told,
// and returns an error if it could not tell them all (they are told on the next attempt).
func (s *Service) notifyPrizes(ctx context.Context, winners []Winner) error {
	if s.Notifier == nil || len(winners) == 0 {
		return nil
	}
	ids := make([]string, len(winners))
	for i, w := range winners {
		ids[i] = w.ID
	}
	pending, err := s.Store.UnnotifiedWinners(ctx, ids)
	if err != nil {
		return fmt.Errorf("prize notifications: %w", err)
	}
	var sent []string
	var firstErr error
	for _, w := range winners {
		if !pending[w.ID] {
			continue
		}
		cfg, err := s.config(ctx, w.ProgrammeID)
		if err == nil {
			for _, pz := range cfg.Prizes {
				if pz.ID == w.PrizeID {
					err = s.Notifier.PrizeWon(ctx, PrizeNotice{Key: w.ID, UserID: w.UserID, ProgrammeID: w.ProgrammeID, Prize: pz, Winner: w})
				}
			}
		}
		if err != nil {
			s.log().Warn("prize notification failed; it will be retried", "winner", w.ID, "error", err.Error())
			firstErr = cmp.Or(firstErr, err)
			continue
		}
		sent = append(sent, w.ID)
	}
	if len(sent) > 0 {
		if err := s.Store.MarkWinnersNotified(ctx, sent); err != nil {
			// Told but not marked: told again next time, and the notifier drops the repeat.
			s.log().Warn("marking prize notifications failed", "error", err.Error())
		}
	}
	if firstErr != nil {
		return fmt.Errorf("prize notifications: %w", firstErr)
	}
	return nil
}
