package gamification

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// Processing a claimed batch of learning events, phase by phase (process):
//  1. gather: each event's inputs from other domains, grouped by player;
//  2. applyPlayers: each player's events applied and written, one compare-and-swap per player;
//  3. effectsOf: what the applied events earned (ledger entries, level and badge awards,
//     badge prizes: badge), then writeEffects;
//  4. observe: the observers (mentoring) are told;
//  5. tell: the notices go to the notifier;
//  6. settle: the events are done, or released for another attempt.

// errNotify marks an event whose effects are written but whose notices the notifier did
// not take.
var errNotify = errors.New("notify")

// errSkip marks an event that cannot earn anything (unknown user or programme, not a member).
var errSkip = errors.New("event skipped")

// inputs gathers what applying e needs. Not-found answers from other domains mean the event
// cannot count (errSkip); other errors are worth a retry.
func (s *Service) inputs(ctx context.Context, e learning.Event) (Inputs, error) {
	in, err := s.earnInputs(ctx, e)
	if err != nil {
		return Inputs{}, err
	}
	if err := s.containers(ctx, e, &in); err != nil {
		return Inputs{}, err
	}
	if err := s.pairingOf(ctx, e, &in); err != nil {
		return Inputs{}, err
	}
	return in, nil
}

// earnInputs gathers what deciding e's XP needs: the programme's rules and badges, the
// person's profile and membership, the programme's zone (not the progress bars' containers).
func (s *Service) earnInputs(ctx context.Context, e learning.Event) (Inputs, error) {
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
	m, err := s.cached().members.Load(ctx, key, func(ctx context.Context) (Membership, error) {
		return s.Programmes.Membership(ctx, e.ProgrammeID, e.UserID)
	})
	if err != nil {
		return Inputs{}, skip(err)
	}
	return Inputs{Now: s.now(), Rules: cfg.Rules, Badges: cfg.Badges, Profile: prof, ProgrammeZone: zone, JoinedAt: m.JoinedAt, Role: m.Role}, nil
}

// completes reports whether e can complete a content item and so move progress bars.
func completes(e learning.Event) bool {
	switch e.Kind {
	case learning.LessonCompleted, learning.QuizAttempted, learning.ChecklistCompleted, learning.PathCompleted:
		return e.ItemID != ""
	}
	return false
}

// containers fills in the paths, the library size and the assignments whose progress bars
// the event's item moves.
func (s *Service) containers(ctx context.Context, e learning.Event, in *Inputs) error {
	if !completes(e) {
		return nil
	}
	item := learning.ItemRef{Kind: e.ItemKind, ID: e.ItemID}
	var err error
	if s.Catalog != nil {
		if item.Kind != learning.KindPath {
			if in.Paths, err = s.cached().paths.Load(ctx, item, func(ctx context.Context) ([]Container, error) {
				return s.Catalog.PathsContaining(ctx, e.ProgrammeID, item)
			}); err != nil {
				return err
			}
		}
		if in.LibrarySize, err = s.cached().library.Load(ctx, e.ProgrammeID, func(ctx context.Context) (int, error) {
			return s.Catalog.LibrarySize(ctx, e.ProgrammeID)
		}); err != nil {
			return err
		}
	}
	if s.Pairings != nil {
		key := assignmentKey{PlayerKey{e.ProgrammeID, e.UserID}, item}
		if in.Assignments, err = s.cached().assignments.Load(ctx, key, func(ctx context.Context) ([]Container, error) {
			return s.Pairings.AssignmentsContaining(ctx, e.ProgrammeID, e.UserID, item)
		}); err != nil {
			return err
		}
	}
	return nil
}

// pairingOf fills in the pairing of an assignment_completed event (a pairing gone since
// leaves it out).
func (s *Service) pairingOf(ctx context.Context, e learning.Event, in *Inputs) error {
	if s.Pairings == nil || e.Kind != learning.AssignmentCompleted || e.PairingID == "" {
		return nil
	}
	pr, err := s.cached().pairings.Load(ctx, e.PairingID, func(ctx context.Context) (Pairing, error) {
		return s.Pairings.Pairing(ctx, e.PairingID)
	})
	switch {
	case err == nil:
		in.Pairing = &pr
	case apperr.KindOf(err) != apperr.KindNotFound:
		return err
	}
	return nil
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
	ctx, span := startBatchSpan(ctx, ds)
	err = s.process(ctx, owner, claimed, ds)
	endSpan(span, err)
	return len(ds), err
}

func (s *Service) process(ctx context.Context, owner string, claimed time.Time, ds []learning.Delivery) error {
	// Other domains' lookups are shared within the batch (learning.Remember).
	ctx = learning.WithMemo(ctx)
	b := s.gather(ctx, ds)
	players, err := s.applyPlayers(ctx, b)
	if err != nil {
		return err
	}
	if err := runHook(s.Hooks.AfterState, b.ids); err != nil {
		return err
	}
	fx := s.effectsOf(ctx, b.items, players)
	if err := s.writeEffects(ctx, &fx, b.ids); err != nil {
		return err
	}
	// Observers come before notifications: an observer that fails sends the event round
	// again, and the notifications should not go out on every round.
	s.observe(ctx, b.items)
	s.tell(ctx, b.items, fx, claimed)
	return s.settle(ctx, owner, b.items)
}

// batch is a claimed batch of events with their inputs, grouped by player.
type batch struct {
	items  []*work
	ids    []string
	groups map[PlayerKey][]*work
	keys   []PlayerKey // the players, in the order their first event came
}

// gather reads every event's inputs and groups the events that can count by player.
func (s *Service) gather(ctx context.Context, ds []learning.Delivery) *batch {
	b := &batch{items: make([]*work, len(ds)), ids: make([]string, len(ds)), groups: map[PlayerKey][]*work{}}
	for i, d := range ds {
		e := d.Event
		w := &work{d: d, key: PlayerKey{e.ProgrammeID, e.UserID}}
		b.items[i], b.ids[i] = w, e.ID
		if !s.prepare(ctx, w) {
			continue
		}
		if _, ok := b.groups[w.key]; !ok {
			b.keys = append(b.keys, w.key)
		}
		b.groups[w.key] = append(b.groups[w.key], w)
	}
	return b
}

// prepare reads w's inputs. It returns false for an event that cannot count (marked
// ignored) and for one whose inputs could not be read (w.err: worth a retry).
func (s *Service) prepare(ctx context.Context, w *work) bool {
	e := w.d.Event
	if e.UserID == "" || e.ProgrammeID == "" {
		w.outcome = OutcomeIgnored
		return false
	}
	w.in, w.err = s.inputs(ctx, e)
	if errors.Is(w.err, errSkip) {
		w.outcome, w.err = OutcomeIgnored, nil
		return false
	}
	return w.err == nil
}

// applyPlayers applies each player's events and writes the player (applyGroup), and returns
// the players as written. When the store batches board writes (BoardBatcher), the batch's
// players' board entries are written together after the last player; the profiles of players
// created in the batch are settled after that, so that a profile change found then reaches
// entries that exist.
func (s *Service) applyPlayers(ctx context.Context, b *batch) (map[PlayerKey]Player, error) {
	players, err := s.playersFor(ctx, b.keys)
	if err != nil {
		return nil, err
	}
	wctx, flush := ctx, func(context.Context) {}
	if bb, ok := s.Store.(BoardBatcher); ok {
		wctx, flush = bb.BatchBoards(ctx)
	}
	var created []Player
	for _, key := range b.keys {
		p, ok := players[key]
		if !ok {
			p = Player{ProgrammeID: key.ProgrammeID, UserID: key.UserID}
		}
		players[key] = s.applyGroup(wctx, p, b.groups[key])
		if p.Version == 0 && players[key].Version == 1 {
			created = append(created, players[key])
		}
	}
	flush(ctx)
	for _, p := range created {
		s.settleProfile(ctx, p)
	}
	return players, nil
}

func runHook(h func(eventIDs []string) error, ids []string) error {
	if h == nil {
		return nil
	}
	return h(ids)
}

// effects is what a batch's applied events earned, to be written after the players.
type effects struct {
	ledger       []LedgerEntry
	awards       []Award // levels and badges
	badgeWins    []badgeWin
	prizeWinners []Winner
	winnerEvent  map[string]string // winner ID -> the event that won it
	newAwards    map[string]bool   // the awards this batch's ledger insert recorded first
}

// effectsOf collects what the batch's applied events earned, from each player's record of
// the event (Applied). An event whose programme configuration cannot be read gets w.err:
// without its badges' names and prizes the notices would be lost, so it goes round again
// (its effects are then found applied).
func (s *Service) effectsOf(ctx context.Context, items []*work, players map[PlayerKey]Player) effects {
	fx := effects{winnerEvent: map[string]string{}}
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
		fx.ledger = append(fx.ledger, a.LedgerEntries(p.Key())...)
		for _, l := range a.Levels {
			fx.awards = append(fx.awards, Award{ID: fmt.Sprintf("%s:%s:level:%d", e.ProgrammeID, e.UserID, l), Kind: "level",
				ProgrammeID: e.ProgrammeID, UserID: e.UserID, Level: l, EventID: e.ID, At: a.At})
		}
		if len(a.Badges) == 0 {
			continue
		}
		cfg, ok := cfgs[e.ProgrammeID]
		if !ok {
			var err error
			if cfg, err = s.config(ctx, e.ProgrammeID); err != nil {
				w.err = fmt.Errorf("programme configuration: %w", err)
				continue
			}
			cfgs[e.ProgrammeID] = cfg
		}
		for _, id := range a.Badges {
			fx.badge(cfg, e, id, a.At)
		}
	}
	return fx
}

// badge records the award of badge id to e's user, and decides its prizes: the user wins
// every badge prize of the programme for that badge.
func (fx *effects) badge(cfg programmeConfig, e learning.Event, id string, at time.Time) {
	aw := Award{ID: e.ProgrammeID + ":" + e.UserID + ":badge:" + id, Kind: "badge", ProgrammeID: e.ProgrammeID,
		UserID: e.UserID, BadgeID: id, EventID: e.ID, At: at}
	fx.awards = append(fx.awards, aw)
	for _, b := range cfg.Badges {
		if b.ID == id {
			fx.badgeWins = append(fx.badgeWins, badgeWin{b, aw})
		}
	}
	for _, pz := range cfg.Prizes {
		if pz.Kind == PrizeBadge && pz.BadgeID == id {
			w := Winner{ID: badgeWinnerID(pz.ID, e.UserID), PrizeID: pz.ID, PrizeName: pz.Name, ProgrammeID: e.ProgrammeID, UserID: e.UserID, BadgeID: id, AwardedAt: at}
			fx.prizeWinners = append(fx.prizeWinners, w)
			fx.winnerEvent[w.ID] = e.ID
		}
	}
}

// writeEffects writes the ledger entries and award rows (one insert; it learns which awards
// are new) and the badge prize winners. Every write is idempotent.
func (s *Service) writeEffects(ctx context.Context, fx *effects, ids []string) error {
	if len(fx.ledger)+len(fx.awards) > 0 {
		var err error
		if _, fx.newAwards, err = s.Store.AppendLedger(ctx, fx.ledger, fx.awards); err != nil {
			return err
		}
	}
	if err := runHook(s.Hooks.AfterLedger, ids); err != nil {
		return err
	}
	if len(fx.prizeWinners) > 0 {
		if _, err := s.Store.InsertWinners(ctx, fx.prizeWinners); err != nil {
			return err
		}
	}
	return runHook(s.Hooks.BeforeDone, ids)
}

// observe tells the observers about every event still on course; one that fails sends its
// event round again.
func (s *Service) observe(ctx context.Context, items []*work) {
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
}

// tell hands the notices of the events still on course to the notifier. If it fails,
// nothing is lost: the events with notices go round again, and their notices are handed
// over again (the notifier drops the ones it has).
func (s *Service) tell(ctx context.Context, items []*work, fx effects, claimed time.Time) {
	failed := map[string]bool{}
	for _, w := range items {
		if w.err != nil {
			failed[w.d.Event.ID] = true
		}
	}
	var winners []Winner
	for _, w := range fx.prizeWinners {
		if !failed[fx.winnerEvent[w.ID]] {
			winners = append(winners, w)
		}
	}
	// A notice is fresh when this batch recorded its award (whoever recorded it first
	// hands it over first) and the notifier takes it in before any other worker could have
	// taken the event over: within half a lease of the claim (allowing for clocks that far
	// apart). The notifier checks that deadline after its insert.
	freshUntil := claimed.Add(s.lease() / 2)
	err := s.notify(ctx, fx.awards, fx.badgeWins, winners, failed, fx.newAwards, freshUntil)
	if err == nil {
		return
	}
	noticed := map[string]bool{}
	for _, a := range fx.awards {
		noticed[a.EventID] = true
	}
	for _, id := range fx.winnerEvent {
		noticed[id] = true
	}
	for _, w := range items {
		if w.err == nil && noticed[w.d.Event.ID] {
			w.err = fmt.Errorf("%w: %w", errNotify, err)
		}
	}
}

// settle marks the events that went through as done (one write) and releases the others
// for another attempt, or parks them.
func (s *Service) settle(ctx context.Context, owner string, items []*work) error {
	var done []string
	var delivered []learning.Delivery
	now := s.now()
	for _, w := range items {
		if w.err == nil {
			done = append(done, w.d.Event.ID)
			delivered = append(delivered, w.d)
			continue
		}
		if err := s.release(ctx, owner, w, now); err != nil {
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

// release gives a failed event back to the queue with exponential back-off (half a second
// doubling to 10 minutes), or parks it after MaxAttempts. An event whose only failure is
// telling the notifier is never parked: its effects are written, and parked its notices
// could be lost for good (once the player forgets the event, a requeue applies it as new
// and earns, and tells, nothing).
func (s *Service) release(ctx context.Context, owner string, w *work, now time.Time) error {
	dead := w.d.Attempts >= s.maxAttempts() && !errors.Is(w.err, errNotify)
	delay := min(time.Duration(1<<min(w.d.Attempts, 10))*time.Second/2, 10*time.Minute)
	s.log().Warn("learning event processing failed; will retry", "eventId", w.d.Event.ID, "attempts", w.d.Attempts, "dead", dead, "error", w.err.Error())
	return s.Queue.Release(ctx, w.d.Event.ID, owner, now.Add(delay), w.err.Error(), dead)
}

// settleProfile runs after a player was created with the name and visibility of a profile
// that may be cached from before a change: a change made meanwhile found no player to update
// (SetProfile changes existing ones), so the profile is read afresh and, if it differs,
// written to the boards. A failure is logged: the next profile change corrects it.
func (s *Service) settleProfile(ctx context.Context, created Player) {
	if s.CacheTTL <= 0 {
		return // the profile was read for this very event
	}
	s.cached().profiles.Delete(created.UserID)
	prof, err := s.profile(ctx, created.UserID)
	if err == nil && (prof.DisplayName != created.DisplayName || prof.Visibility != created.Visibility) {
		err = s.Store.SetProfile(ctx, created.UserID, prof.DisplayName, prof.Visibility)
		s.cached().known.Delete(created.Key()) // its version moved on
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
		if p, ok := s.cached().known.Get(k); ok {
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
		s.cached().known.Put(p.Key(), p)
	}
	return out, nil
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
			s.cached().known.Put(saved.Key(), saved)
			return saved
		}
		s.cached().known.Delete(p.Key())
		if errors.Is(err, ErrVersionConflict) && attempt < 20 {
			fresh, ferr := s.Store.Players(ctx, []PlayerKey{p.Key()})
			if ferr == nil {
				if f, ok := fresh[p.Key()]; ok {
					p = f
					s.cached().known.Put(f.Key(), f)
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
