package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/mentoring"
)

// The mentoring record's routes: meetings and their actions (meetings.go), notes and
// reflections (notes.go), SMART goals (goals.go), the agreement's versions (agreement.go), the
// cadence and the calendar feed (calendar.go). Each handler loads the resource and its
// pairing once, authorizes the caller on the pairing's programme, and hands both to the
// mentoring.Record service, which applies the pairing-level rules.

func (s *Server) mountRecord(r fiber.Router) {
	s.mountMeetings(r)
	s.mountNotes(r)
	s.mountGoals(r)
	s.mountAgreement(r)
	s.mountCalendar(r)
}

// recordPairing loads the path's pairing and authorizes the caller on its programme.
func (s *Server) recordPairing(c *fiber.Ctx) (mentoring.Pairing, mentoring.Actor, error) {
	if _, err := signedIn(c); err != nil {
		return mentoring.Pairing{}, mentoring.Actor{}, err
	}
	p, err := s.deps.Record.Pairing(c.UserContext(), strings.Clone(c.Params("pairingId")))
	if err != nil {
		return mentoring.Pairing{}, mentoring.Actor{}, err
	}
	actor, err := s.recordActor(c, p)
	return p, actor, err
}

// recordActor authorizes the caller on p's programme (any member; the service then decides
// by their place in the pairing).
func (s *Server) recordActor(c *fiber.Ctx, p mentoring.Pairing) (mentoring.Actor, error) {
	cl, err := s.authorize(c, p.ProgrammeID)
	return mentoringActor(cl), err
}

// queryState reads the filter name from the query: open (the default) is false, done true,
// all nil.
func queryState(c *fiber.Ctx, name string, open, done string) (*bool, error) {
	switch c.Query(name, open) {
	case open:
		f := false
		return &f, nil
	case done:
		t := true
		return &t, nil
	case "all":
		return nil, nil
	}
	return nil, apperr.Invalid("/"+name, "must be "+open+", "+done+" or all")
}
