package api

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/programme"
)

func (s *Server) mountMentoring(r fiber.Router) {
	p := r.Group("/programmes/:programmeId")
	p.Get("/profiles/me", s.getMyProfile)
	p.Put("/profiles/me", s.putMyProfile)
	p.Get("/profiles", s.listProfiles)
	p.Get("/profiles/:userId", s.getProfile)
	p.Get("/tags", s.listTags)
	p.Post("/tags", s.defineTag)
	p.Post("/tags/merge", s.mergeTags)
	p.Post("/tags/rename", s.renameTag)
	p.Get("/matching-settings", s.getMatchingSettings)
	p.Put("/matching-settings", s.putMatchingSettings)
	p.Get("/matching/suggestions/:menteeId", s.suggestions)
	p.Get("/matching/proposal", s.proposal)
	p.Post("/matching/profile-reminders", s.remindProfiles)
	p.Post("/pairings", s.createPairing)
	p.Get("/pairings", s.listPairings)

	r.Get("/pairings/:pairingId", s.getPairing)
	r.Post("/pairings/:pairingId/accept", s.acceptPairing)
	r.Post("/pairings/:pairingId/decline", s.declinePairing)
	r.Post("/pairings/:pairingId/status", s.setPairingStatus)
	r.Post("/pairings/:pairingId/assignments", s.idempotent, s.createAssignment)
	r.Get("/pairings/:pairingId/progress", s.pairingProgress)
	r.Get("/me/assignments", s.myAssignments)
	r.Get("/me/mentees", s.myMentees)
}

func mentoringActor(cl Caller) mentoring.Actor {
	return mentoring.Actor{UserID: cl.UserID, Role: string(cl.Role), Admin: cl.Admin}
}

// programmeActor authorizes the caller on the path's programme with the allowed roles.
func (s *Server) programmeActor(c *fiber.Ctx, allowed ...programme.Role) (string, mentoring.Actor, error) {
	id := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, id, allowed...)
	return id, mentoringActor(cl), err
}

// pairingActor loads the path's pairing's programme and authorizes the caller on it (any
// member; the service then applies the pairing-level rules).
func (s *Server) pairingActor(c *fiber.Ctx) (string, mentoring.Actor, error) {
	cl, err := signedIn(c)
	if err != nil {
		return "", mentoring.Actor{}, err
	}
	id := strings.Clone(c.Params("pairingId"))
	cl, _, err = s.authz.Pairing(c.UserContext(), cl, id)
	return id, mentoringActor(cl), err
}

func queryLimit(c *fiber.Ctx) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return 20, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100 {
		return 0, apperr.Invalid("/limit", "must be an integer from 1 to 100")
	}
	return n, nil
}

func queryType(c *fiber.Ctx) (mentoring.Type, error) {
	t := mentoring.Type(c.Query("type", string(mentoring.OneToOne)))
	if !t.Valid() {
		return "", apperr.Invalid("/type", "must be one-to-one, group, flash, reverse or mutual")
	}
	return t, nil
}

type personResponse struct {
	UserID      string `json:"userId"`
	DisplayName string `json:"displayName,omitempty"`
}

func person(id string, names map[string]string) personResponse {
	return personResponse{UserID: id, DisplayName: names[id]}
}

func nonNilStrings(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// decodeMentoringCursor reads the cursor of a pairing or assignment list; nil for "".
func decodeMentoringCursor(s string) (*mentoring.Cursor, error) {
	if s == "" {
		return nil, nil
	}
	at, id, ok := decodeTimeCursor(s)
	if !ok {
		return nil, mentoring.ErrBadCursor
	}
	return &mentoring.Cursor{At: at, ID: id}, nil
}
