package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/gamification"
)

// Every accepted or replayed event of POST /v1/sync says what it will earn, or why it earns
// nothing (before membership, too fast, daily cap, already earned, duplicate...): the phone
// can show "+10 XP" or "no XP: completed faster than it can be done" beside each offline
// event. Gamification still decides asynchronously; the answer is its forecast, made with the
// worker's own rules on the caller's standing as it was before the batch (one read).

type syncEarning struct {
	XP     int    `json:"xp"`
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
}

func toSyncEarning(e gamification.Earning) *syncEarning {
	out := &syncEarning{XP: e.XP}
	if e.XP == 0 {
		out.Reason, out.Detail = e.Reason, gamification.ReasonText(e.Reason)
	}
	return out
}

// forecast reads the caller's standing for the batch's earnings (nil without gamification).
func (s *Server) forecast(c *fiber.Ctx, userID string) (*gamification.Forecast, error) {
	if s.deps.Gamification == nil {
		return nil, nil
	}
	return s.deps.Gamification.Forecast(c.UserContext(), userID)
}

// earned is what one recorded event earns: nothing for a replay (it earned when it first
// arrived) or for progress that is no learning event, else the forecast's answer.
func (s *Server) earned(c *fiber.Ctx, fc *gamification.Forecast, rec recordedJSON) (*syncEarning, error) {
	switch {
	case fc == nil:
		return nil, nil
	case rec.dup:
		return toSyncEarning(gamification.Earning{Reason: gamification.ReasonDuplicate}), nil
	case rec.event == nil:
		return toSyncEarning(gamification.Earning{Reason: gamification.ReasonNotACompletion}), nil
	}
	e, err := fc.Earn(c.UserContext(), *rec.event)
	if err != nil {
		return nil, err
	}
	return toSyncEarning(e), nil
}

// syncEarnings says, in the order the events happened, what each accepted or duplicate
// event earns (the forecast applies them in that order, as the worker will).
func (s *Server) syncEarnings(c *fiber.Ctx, fc *gamification.Forecast, order []int, events []recordedJSON, out *syncResponse) error {
	for _, i := range order {
		res := &out.Results[i]
		if res.Status != syncAccepted && res.Status != syncDuplicate {
			continue
		}
		e, err := s.earned(c, fc, events[i])
		if err != nil {
			return err
		}
		res.Earned = e
		if e != nil {
			out.XP += e.XP
		}
	}
	return nil
}
