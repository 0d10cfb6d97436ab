package evidence

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
)

// AnswerCheckin records actor's answer to their check-in c, exactly once: the answer's key
// is the check-in's, so a second answer (or two racing) finds it taken (ErrAnswered). The
// check-in must have opened, and its pairing must still run, except for the check-in at the
// end, which stays answerable for a while after the pairing ended. The steps after the
// insert (the check-in marked answered, the outcome counts, the xAPI statement) are
// idempotent and repeated by the worker if the process dies in between.
func (s *Service) AnswerCheckin(ctx context.Context, actor Actor, c CheckIn, in AnswerInput) (Answer, error) {
	if c.UserID != actor.UserID {
		if actor.Oversees() {
			return Answer{}, apperr.New(apperr.KindForbidden, "not_checkin_author", "only the person asked answers a check-in")
		}
		return Answer{}, ErrCheckinNotFound
	}
	p, err := s.Pairings.Pairing(ctx, c.PairingID)
	if err != nil {
		return Answer{}, fmt.Errorf("check-in's pairing: %w", err)
	}
	now := s.now()
	if err := answerable(c, p, now); err != nil {
		return Answer{}, err
	}
	plan, err := s.Plan(ctx, c.ProgrammeID)
	if err != nil {
		return Answer{}, err
	}
	a, err := validateAnswer(plan, in)
	if err != nil {
		return Answer{}, err
	}
	a.CheckinID, a.ProgrammeID, a.PairingID, a.Occasion, a.UserID, a.Side = c.ID, c.ProgrammeID, c.PairingID, c.Occasion, c.UserID, c.Side
	a.AnsweredAt, a.Pending, a.Applied = now, true, map[string]bool{}
	if c.State == StateScheduled { // the worker has not opened it yet: open it now
		if err := s.open(ctx, c, false); err != nil {
			return Answer{}, err
		}
	}
	if err := s.Store.InsertAnswer(ctx, a); err != nil {
		if errors.Is(err, ErrAnswered) {
			s.repairAnswered(ctx, c.ID)
		}
		return Answer{}, err
	}
	if err := s.finishAnswer(ctx, a); err != nil {
		if !errors.Is(err, ErrContention) {
			return Answer{}, err
		}
		// The answer is stored; the worker's sweep counts it once the rush is over.
		s.log().WarnContext(ctx, "check-in answer stored, outcomes follow", "checkinId", c.ID, "error", err.Error())
		return a, nil
	}
	a.Pending = false
	return a, nil
}

// answerable says whether c can be answered at now.
func answerable(c CheckIn, p Pairing, now time.Time) error {
	switch c.State {
	case StateAnswered:
		return ErrAnswered
	case StateCancelled:
		return ErrCancelled
	case StateClosed:
		return ErrPairingEnded
	}
	if now.Before(c.OpensAt) {
		return ErrNotOpen
	}
	if p.Status == PairingEnded {
		if !c.AtEnd {
			return ErrPairingEnded
		}
		if p.EndedAt != nil && now.After(p.EndedAt.AddDate(0, 0, endGraceDays)) {
			return ErrPairingEnded
		}
	}
	return nil
}

// validateAnswer checks an answer against the plan, naming every invalid field.
func validateAnswer(plan Plan, in AnswerInput) (Answer, error) {
	var f apperr.Fields
	a := Answer{Ratings: map[string]int{}, Texts: map[string]string{}, Enabling: []string{}, Hindering: []string{}, Shared: in.Shared}
	scale := fmt.Sprintf("must be a whole number from %d to %d", plan.Scale.Min, plan.Scale.Max)
	for dom, r := range in.Ratings {
		switch {
		case !slices.Contains(Domains(), dom):
			f.Add("/ratings/"+dom, "is not a learning domain: cognitive, skill-based, affective or social-networks")
		case !plan.Scale.Valid(r):
			f.Add("/ratings/"+dom, scale)
		default:
			a.Ratings[dom] = r
		}
	}
	for _, dom := range Domains() {
		if _, ok := in.Ratings[dom]; !ok {
			f.Add("/ratings/"+dom, "is required: rate every learning domain")
		}
	}
	for dom, t := range in.Texts {
		if !slices.Contains(Domains(), dom) {
			f.Add("/texts/"+dom, "is not a learning domain: cognitive, skill-based, affective or social-networks")
			continue
		}
		if t = answerText(&f, "/texts/"+dom, t, MaxAnswerText); t != "" {
			a.Texts[dom] = t
		}
	}
	a.Enabling = factors(&f, "/enabling", plan, true, in.Enabling)
	a.Hindering = factors(&f, "/hindering", plan, false, in.Hindering)
	a.OtherEnabling = answerText(&f, "/otherEnabling", in.OtherEnabling, MaxOtherFactor)
	a.OtherHindering = answerText(&f, "/otherHindering", in.OtherHindering, MaxOtherFactor)
	switch {
	case in.Relationship == nil:
		f.Add("/relationship", "is required: how is the mentoring relationship going?")
	case !plan.Scale.Valid(*in.Relationship):
		f.Add("/relationship", scale)
	default:
		a.Relationship = *in.Relationship
	}
	a.RelationshipText = answerText(&f, "/relationshipText", in.RelationshipText, MaxAnswerText)
	return a, f.Err()
}

func factors(f *apperr.Fields, ptr string, plan Plan, enabling bool, keys []string) []string {
	out := []string{}
	for i, k := range keys {
		switch {
		case !plan.HasFactor(enabling, k):
			f.Add(fmt.Sprintf("%s/%d", ptr, i), "is not a factor on this programme's list: see its evaluation plan (or use the free text)")
		case slices.Contains(out, k):
			f.Add(fmt.Sprintf("%s/%d", ptr, i), "is listed twice")
		default:
			out = append(out, k)
		}
	}
	return out
}

func answerText(f *apperr.Fields, ptr, s string, max int) string {
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s):
		f.Add(ptr, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		f.Add(ptr, fmt.Sprintf("must be at most %d characters", max))
	}
	return s
}

// repairAnswered finishes what an earlier answer left undone (its process died after the
// insert); errors are logged, the worker repeats it.
func (s *Service) repairAnswered(ctx context.Context, checkinID string) {
	a, err := s.Store.Answer(ctx, checkinID)
	if err == nil && a.Pending {
		err = s.finishAnswer(ctx, a)
	}
	if err != nil {
		s.log().WarnContext(ctx, "finish an earlier check-in answer", "checkinId", checkinID, "error", err.Error())
	}
}

// finishAnswer runs the idempotent steps after an answer is stored.
func (s *Service) finishAnswer(ctx context.Context, a Answer) error {
	if _, err := s.Store.SetState(ctx, a.CheckinID, StateAnswered, false, a.AnsweredAt, StateScheduled, StateOpen); err != nil {
		return err
	}
	if err := s.countAnswer(ctx, a); err != nil {
		return err
	}
	if s.Statements != nil {
		c, err := s.Store.Checkin(ctx, a.CheckinID)
		if err != nil {
			return err
		}
		p, err := s.Pairings.Pairing(ctx, a.PairingID)
		if err != nil {
			return err
		}
		if err := s.Statements.CheckinCompleted(ctx, a, c, p); err != nil {
			return fmt.Errorf("check-in statement: %w", err)
		}
	}
	return s.Store.SetDone(ctx, answerFact(a.CheckinID))
}

// open opens a scheduled check-in whose time has come: it becomes open (pending), its
// person is told, and it counts as an invitation. A check-in already opened by someone else
// is left to them (or to the sweep).
func (s *Service) open(ctx context.Context, c CheckIn, tell bool) error {
	ok, err := s.Store.SetState(ctx, c.ID, StateOpen, true, s.now(), StateScheduled)
	if err != nil || !ok {
		return err
	}
	c.State, c.Pending = StateOpen, true
	err = s.finishOpening(ctx, c, tell)
	if errors.Is(err, ErrContention) {
		// Opened and pending: the worker's sweep counts it once the rush is over.
		s.log().WarnContext(ctx, "check-in opened, outcomes follow", "checkinId", c.ID, "error", err.Error())
		return nil
	}
	return err
}

// finishOpening runs the idempotent steps after a check-in opened: the push (unless its
// person is answering it right now, or it is overdue already), then the invitation count.
func (s *Service) finishOpening(ctx context.Context, c CheckIn, tell bool) error {
	if tell && s.Notifier != nil && c.State == StateOpen && !c.Overdue(s.now()) {
		if err := s.Notifier.CheckinDue(ctx, c); err != nil {
			return fmt.Errorf("tell check-in due: %w", err)
		}
	}
	if err := s.countOpening(ctx, c); err != nil {
		return err
	}
	return s.Store.SetDone(ctx, openingFact(c.ID))
}
