package api

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/programme"
)

func (s *Server) mountOutcomes(r fiber.Router) {
	r.Get("/programmes/:programmeId/outcomes", s.programmeOutcomes)
	r.Get("/pairings/:pairingId/outcomes", s.pairingOutcomes)
	r.Get("/programmes/:programmeId/people/:userId/outcomes", s.personOutcomes)
}

type occasionOutcomeJSON struct {
	Occasion         string             `json:"occasion"`
	Label            string             `json:"label"`
	Side             string             `json:"side"`
	Invited          int                `json:"invited"`
	Answered         int                `json:"answered"`
	ResponseRate     float64            `json:"responseRate"`
	MeanRating       map[string]float64 `json:"meanRating"`
	RatingN          map[string]int     `json:"ratingN"`
	MeanChange       map[string]float64 `json:"meanChange"`
	ChangeN          map[string]int     `json:"changeN"`
	MeanRelationship float64            `json:"meanRelationship"`
	RelationshipN    int                `json:"relationshipN"`
}

type factorCountJSON struct {
	Key   string  `json:"key"`
	Label string  `json:"label"`
	Count int     `json:"count"`
	Share float64 `json:"share"`
}

type sideFactorsJSON struct {
	Side           string            `json:"side"`
	Answers        int               `json:"answers"`
	Enabling       []factorCountJSON `json:"enabling"`
	Hindering      []factorCountJSON `json:"hindering"`
	OtherEnabling  int               `json:"otherEnabling"`
	OtherHindering int               `json:"otherHindering"`
}

type outcomesJSON struct {
	Level       string                `json:"level"`
	ProgrammeID string                `json:"programmeId"`
	PairingID   string                `json:"pairingId,omitempty"`
	UserID      string                `json:"userId,omitempty"`
	Occasions   []occasionOutcomeJSON `json:"occasions"`
	Factors     []sideFactorsJSON     `json:"factors"`
	UpdatedAt   *time.Time            `json:"updatedAt,omitempty"`
}

func factorCountsJSON(fs []evidence.FactorCount) []factorCountJSON {
	out := make([]factorCountJSON, len(fs))
	for i, f := range fs {
		out[i] = factorCountJSON{f.Key, f.Label, f.Count, f.Share}
	}
	return out
}

func toOutcomesJSON(o evidence.Outcomes) outcomesJSON {
	out := outcomesJSON{Level: o.Key.Level, ProgrammeID: o.Key.ProgrammeID, PairingID: o.Key.PairingID, UserID: o.Key.UserID,
		Occasions: []occasionOutcomeJSON{}, Factors: []sideFactorsJSON{}}
	for _, x := range o.Occasions {
		out.Occasions = append(out.Occasions, occasionOutcomeJSON{Occasion: x.Occasion, Label: x.Label, Side: x.Side, Invited: x.Invited,
			Answered: x.Answered, ResponseRate: x.ResponseRate, MeanRating: x.MeanRating, RatingN: x.RatingN, MeanChange: x.MeanChange,
			ChangeN: x.ChangeN, MeanRelationship: x.MeanRelationship, RelationshipN: x.RelationshipN})
	}
	for _, f := range o.Factors {
		out.Factors = append(out.Factors, sideFactorsJSON{Side: f.Side, Answers: f.Answers, Enabling: factorCountsJSON(f.Enabling),
			Hindering: factorCountsJSON(f.Hindering), OtherEnabling: f.OtherEnabling, OtherHindering: f.OtherHindering})
	}
	if !o.UpdatedAt.IsZero() {
		t := o.UpdatedAt
		out.UpdatedAt = &t
	}
	return out
}

func (s *Server) outcomes(c *fiber.Ctx, cl Caller, key evidence.AggregateKey) error {
	o, err := s.deps.Evidence.Outcomes(c.UserContext(), evidenceActor(cl), key)
	if err != nil {
		return err
	}
	return respond(c, fiber.StatusOK, toOutcomesJSON(o))
}

func (s *Server) programmeOutcomes(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, id, programme.RoleOwner)
	if err != nil {
		return err
	}
	return s.outcomes(c, cl, evidence.AggregateKey{Level: evidence.LevelProgramme, ProgrammeID: id})
}

func (s *Server) pairingOutcomes(c *fiber.Ctx) error {
	if _, err := signedIn(c); err != nil {
		return err
	}
	p, err := s.deps.Evidence.Pairings.Pairing(c.UserContext(), strings.Clone(c.Params("pairingId")))
	if err != nil {
		return err
	}
	cl, err := s.authorize(c, p.ProgrammeID, programme.RoleOwner)
	if err != nil {
		return err
	}
	return s.outcomes(c, cl, evidence.AggregateKey{Level: evidence.LevelPairing, ProgrammeID: p.ProgrammeID, PairingID: p.ID})
}

func (s *Server) personOutcomes(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, id)
	if err != nil {
		return err
	}
	return s.outcomes(c, cl, evidence.AggregateKey{Level: evidence.LevelPerson, ProgrammeID: id, UserID: strings.Clone(c.Params("userId"))})
}
