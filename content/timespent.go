package content

import (
	"context"

	"github.com/microlearn/microlearn/learning"
)

// Completions say how long the person spent on the item, measured from the events their
// phone sent (each event's secondsSpent: time on the item since the previous one), so that
// gamification pays only plausible completions (learning.Event.SecondsOnItem). A completion
// whose own seconds reach the estimate needs no history (no rule asks for more than the whole
// estimate), so the common case costs no extra read; a shorter one reads the person's
// activity on the item once.

// estimatedSeconds is what an item is expected to take: its estimate in minutes.
func estimatedSeconds(it Item) int { return it.EstimatedMinutes * 60 }

// measure adds the item's estimate and the time spent on it to a completion's event. prior
// is the person's activity on the item before this one, nil when it was not read.
func (s *Service) measure(ctx context.Context, ev *learning.Event, it Item, a Activity, prior []Activity) error {
	ev.EstimatedSeconds = estimatedSeconds(it)
	ev.SecondsOnItem = a.SecondsSpent
	if ev.SecondsOnItem >= ev.EstimatedSeconds {
		return nil
	}
	if prior == nil {
		var err error
		if prior, err = s.Store.Activities(ctx, a.UserID, []string{it.ID}); err != nil {
			return err
		}
	}
	for _, p := range prior {
		if p.EventID != a.EventID {
			ev.SecondsOnItem += p.SecondsSpent
		}
	}
	return nil
}

// nonNil makes an empty history read (no earlier activity) distinct from "not read".
func nonNil(acts []Activity) []Activity {
	if acts == nil {
		return []Activity{}
	}
	return acts
}
