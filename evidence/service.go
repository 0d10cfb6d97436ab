package evidence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Pairings tells evidence about mentoring pairings (mentoring implements it).
type Pairings interface {
	// Pairing returns one pairing; a NotFound-kind error when absent.
	Pairing(ctx context.Context, id string) (Pairing, error)
	// ChangedSince lists up to limit pairings changed at or after since, in (UpdatedAt, ID)
	// order after the cursor: the scheduler follows new, changed and ended pairings.
	ChangedSince(ctx context.Context, after Cursor, limit int) ([]Pairing, error)
	// ProgrammePairings lists up to limit of a programme's pairings by ID after afterID
	// (re-planning after the plan changed).
	ProgrammePairings(ctx context.Context, programmeID, afterID string, limit int) ([]Pairing, error)
	// PersonPairings lists the pairings userID is a mentor or mentee of.
	PersonPairings(ctx context.Context, userID string) ([]Pairing, error)
}

// People tells evidence about people.
type People interface {
	// Location returns the person's time zone (UTC when unknown).
	Location(ctx context.Context, userID string) (*time.Location, error)
	// Names returns the display names of the users it knows among ids.
	Names(ctx context.Context, ids []string) (map[string]string, error)
}

// Notifier tells people that a check-in is due (notify implements it, respecting quiet
// hours and opt-outs). It must be idempotent per check-in.
type Notifier interface {
	CheckinDue(ctx context.Context, c CheckIn) error
}

// StatementSink is told about every answer counted, so that it can be recorded as an xAPI
// statement; it must be idempotent per answer.
type StatementSink interface {
	CheckinCompleted(ctx context.Context, a Answer, c CheckIn, p Pairing) error
}

// Service runs evaluation plans, check-ins and outcomes, and assembles CPD records. Store,
// Pairings and People are required; the rest are optional (a record without them shows less).
type Service struct {
	Store      Store
	Pairings   Pairings
	People     People
	Notifier   Notifier
	Statements StatementSink
	// The CPD record's sources: the mentoring record, the content activity log (which
	// ObserveLearningEvent fills, looking items up in Catalog), programme names.
	Record     RecordSource
	Activity   ActivityStore
	Catalog    Catalog
	Programmes Programmes
	// LearningStatements turns learning events into xAPI statements; XAPI is the recorder
	// whose statements the programme's list pages (nil: no xAPI).
	LearningStatements LearningSink
	XAPI               *Recorder
	Now                func() time.Time
	Log                *slog.Logger
}

func (s *Service) now() time.Time { return s.Now().UTC() }

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Plan returns the programme's evaluation plan (the default plan until owners write one).
func (s *Service) Plan(ctx context.Context, programmeID string) (Plan, error) {
	p, found, err := s.Store.Plan(ctx, programmeID)
	if err != nil {
		return Plan{}, fmt.Errorf("evaluation plan: %w", err)
	}
	if !found {
		return DefaultPlan(programmeID), nil
	}
	return p, nil
}

// PutPlan replaces the programme's plan (owners and admins) and re-plans the check-ins of its
// pairings that have not opened yet. revision, when given, must be the stored revision.
func (s *Service) PutPlan(ctx context.Context, actor Actor, programmeID string, p Plan, revision *int) (Plan, error) {
	if !actor.Oversees() {
		return Plan{}, ErrForbidden
	}
	if err := p.Validate(); err != nil {
		return Plan{}, err
	}
	cur, found, err := s.Store.Plan(ctx, programmeID)
	if err != nil {
		return Plan{}, err
	}
	prev := 0
	if found {
		prev = cur.Revision
	}
	if revision != nil && *revision != prev {
		return Plan{}, ErrPlanChanged
	}
	p.ProgrammeID, p.Revision, p.UpdatedBy, p.UpdatedAt = programmeID, prev+1, actor.UserID, s.now()
	if err := s.Store.PutPlan(ctx, p, prev); err != nil {
		return Plan{}, err
	}
	if err := s.replanProgramme(ctx, programmeID); err != nil {
		return Plan{}, fmt.Errorf("re-plan check-ins: %w", err)
	}
	return p, nil
}

func (s *Service) replanProgramme(ctx context.Context, programmeID string) error {
	after := ""
	for {
		ps, err := s.Pairings.ProgrammePairings(ctx, programmeID, after, 200)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if err := s.SyncPairing(ctx, p); err != nil {
				return err
			}
		}
		if len(ps) < 200 {
			return nil
		}
		after = ps[len(ps)-1].ID
	}
}

// SyncPairing makes p's check-ins match its programme's plan and its dates: new ones are
// scheduled, those not opened yet follow changed dates, and those that no longer fall
// (the occasion left the plan, or the pairing ended before them) are cancelled, or closed
// when they had opened already. Idempotent.
func (s *Service) SyncPairing(ctx context.Context, p Pairing) error {
	if !p.Started() {
		return nil
	}
	plan, err := s.Plan(ctx, p.ProgrammeID)
	if err != nil {
		return err
	}
	existing, err := s.Store.Checkins(ctx, CheckinQuery{PairingID: p.ID, Limit: 1000})
	if err != nil {
		return err
	}
	have := map[string]CheckIn{}
	for _, c := range existing {
		have[c.ID] = c
	}
	now := s.now()
	want := map[string]CheckIn{}
	var fresh []CheckIn
	for _, userID := range p.Members() {
		loc, err := s.People.Location(ctx, userID)
		if err != nil {
			return err
		}
		for _, c := range schedule(plan, p, userID, p.SideOf(userID), loc, now) {
			want[c.ID] = c
			old, ok := have[c.ID]
			switch {
			case !ok:
				fresh = append(fresh, c)
			case old.State == StateScheduled && (!old.OpensAt.Equal(c.OpensAt) || old.Label != c.Label || !old.OverdueAt.Equal(c.OverdueAt)):
				if _, err := s.Store.Reschedule(ctx, c); err != nil {
					return err
				}
			}
		}
	}
	if err := s.Store.InsertCheckins(ctx, fresh); err != nil {
		return err
	}
	return s.retireCheckins(ctx, p, existing, want, now)
}

// retireCheckins cancels the existing check-ins that are no longer wanted, or that the end
// of the pairing overtook (closing those that had opened already).
func (s *Service) retireCheckins(ctx context.Context, p Pairing, existing []CheckIn, want map[string]CheckIn, now time.Time) error {
	for _, c := range existing {
		_, wanted := want[c.ID]
		ended := p.Status == PairingEnded && !c.AtEnd
		if wanted && !ended {
			continue
		}
		if _, err := s.Store.SetState(ctx, c.ID, StateCancelled, false, now, StateScheduled); err != nil {
			return err
		}
		if ended {
			if _, err := s.Store.SetState(ctx, c.ID, StateClosed, false, now, StateOpen); err != nil {
				return err
			}
		}
	}
	return nil
}

// Checkin loads a check-in for the API to authorize on its programme.
func (s *Service) Checkin(ctx context.Context, id string) (CheckIn, error) {
	return s.Store.Checkin(ctx, id)
}

// readable reports whether actor may see check-in c at all: its author and the programme's
// owners. The other side of the pairing sees it only when the author shared the answer.
func (s *Service) readable(ctx context.Context, actor Actor, c CheckIn) (*Answer, error) {
	if c.UserID == actor.UserID || actor.Oversees() {
		a, err := s.Store.Answer(ctx, c.ID)
		if errors.Is(err, ErrAnswerNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &a, nil
	}
	a, err := s.Store.Answer(ctx, c.ID)
	if err == nil && a.Shared {
		if p, perr := s.Pairings.Pairing(ctx, c.PairingID); perr == nil && p.SideOf(actor.UserID) != "" {
			return &a, nil
		}
	}
	if err != nil && !errors.Is(err, ErrAnswerNotFound) {
		return nil, err
	}
	return nil, ErrCheckinNotFound
}

// View returns c with its answer as actor may see it; ErrCheckinNotFound when actor may not.
func (s *Service) View(ctx context.Context, actor Actor, c CheckIn) (CheckInView, error) {
	a, err := s.readable(ctx, actor, c)
	if err != nil {
		return CheckInView{}, err
	}
	return CheckInView{CheckIn: c, Answer: a}, nil
}

// ReadAnswer returns c's answer if actor may read it: its author, the programme's owners,
// and the pairing when the author shared it. ErrAnswerNotFound otherwise, and while there is
// none.
func (s *Service) ReadAnswer(ctx context.Context, actor Actor, c CheckIn) (Answer, error) {
	a, err := s.readable(ctx, actor, c)
	if errors.Is(err, ErrCheckinNotFound) || (err == nil && a == nil) {
		return Answer{}, ErrAnswerNotFound
	}
	if err != nil {
		return Answer{}, err
	}
	return *a, nil
}

// Share lets the pairing read the author's answer, or stops it.
func (s *Service) Share(ctx context.Context, actor Actor, c CheckIn, shared bool) (Answer, error) {
	if c.UserID != actor.UserID {
		if actor.Oversees() {
			return Answer{}, apperr.New(apperr.KindForbidden, "not_answer_author", "only its author shares an answer")
		}
		return Answer{}, ErrAnswerNotFound
	}
	a, err := s.Store.Answer(ctx, c.ID)
	if err != nil {
		return Answer{}, err
	}
	if a.Shared != shared {
		if err := s.Store.SetShared(ctx, c.ID, shared); err != nil {
			return Answer{}, err
		}
		a.Shared = shared
	}
	return a, nil
}

// MyCheckins lists userID's check-ins in the given states (all when none), soonest first.
func (s *Service) MyCheckins(ctx context.Context, userID string, states []State, after *Cursor, limit int) ([]CheckIn, error) {
	return s.Store.Checkins(ctx, CheckinQuery{UserID: userID, States: states, After: after, Limit: limit})
}

// DueCheckins lists the check-ins waiting for userID's answer now (the home view's "due
// check-in"), soonest first; at most limit.
func (s *Service) DueCheckins(ctx context.Context, userID string, limit int) ([]CheckIn, error) {
	now := s.now()
	return s.Store.Checkins(ctx, CheckinQuery{UserID: userID, States: []State{StateScheduled, StateOpen}, OpenedBy: now, Limit: limit})
}

// PairingCheckins lists p's check-ins as actor may see them: owners every one, members their
// own and the other side's whose answer was shared with them. It schedules p's check-ins
// first, so a pairing that just started shows its baseline at once.
func (s *Service) PairingCheckins(ctx context.Context, actor Actor, p Pairing) ([]CheckInView, error) {
	if !actor.Oversees() && p.SideOf(actor.UserID) == "" {
		return nil, ErrPairingNotFound
	}
	if err := s.SyncPairing(ctx, p); err != nil {
		return nil, err
	}
	cs, err := s.Store.Checkins(ctx, CheckinQuery{PairingID: p.ID, Limit: 1000})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	answers, err := s.Store.Answers(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := []CheckInView{}
	for _, c := range cs {
		a, ok := answers[c.ID]
		switch {
		case c.UserID == actor.UserID || actor.Oversees():
		case ok && a.Shared:
		default:
			continue
		}
		v := CheckInView{CheckIn: c}
		if ok {
			v.Answer = &a
		}
		out = append(out, v)
	}
	return out, nil
}

// ProgrammeCheckins lists a programme's check-ins for its owners: status "overdue" (due and
// past the window), "due" (open now, overdue included) or "answered".
func (s *Service) ProgrammeCheckins(ctx context.Context, actor Actor, programmeID, status string, after *Cursor, limit int) ([]CheckIn, error) {
	if !actor.Oversees() {
		return nil, ErrForbidden
	}
	now := s.now()
	q := CheckinQuery{ProgrammeID: programmeID, After: after, Limit: limit}
	switch status {
	case "overdue":
		q.States, q.OverdueBy = []State{StateScheduled, StateOpen}, now
	case "due":
		q.States, q.OpenedBy = []State{StateScheduled, StateOpen}, now
	case "answered":
		q.States = []State{StateAnswered}
	default:
		return nil, apperr.Invalid("/status", "must be overdue, due or answered")
	}
	return s.Store.Checkins(ctx, q)
}

// Outcomes returns an aggregate as a report: a programme's (owners), a pairing's (owners) or
// a person's in a programme (owners and the person).
func (s *Service) Outcomes(ctx context.Context, actor Actor, key AggregateKey) (Outcomes, error) {
	switch {
	case actor.Oversees():
	case key.Level == LevelPerson && key.UserID == actor.UserID:
	default:
		return Outcomes{}, ErrForbidden
	}
	plan, err := s.Plan(ctx, key.ProgrammeID)
	if err != nil {
		return Outcomes{}, err
	}
	g, _, err := s.Store.Aggregate(ctx, key.ID())
	if err != nil {
		return Outcomes{}, err
	}
	g.Key = key
	return outcomesOf(plan, g), nil
}
