package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/internal/apperr"
)

// The outcomes report (issue 13 must-have 4, over evidence of learning): the programme's
// outcomes and a page of its pairings' outcomes with their people named, as JSON or CSV. The
// figures are evidence's incrementally kept aggregates (one document per programme and per
// pairing); a page reads the plan, the programme's aggregate, a page of pairing aggregates,
// their report subjects and names: a fixed number of commands.

type outcomesPairingJSON struct {
	PairingID string       `json:"pairingId"`
	Type      string       `json:"type,omitempty"`
	Mentor    *personJSON  `json:"mentor,omitempty"`
	Mentees   []personJSON `json:"mentees"`
	Outcomes  outcomesJSON `json:"outcomes"`
}

type outcomesReportJSON struct {
	ProgrammeID string                `json:"programmeId"`
	GeneratedAt time.Time             `json:"generatedAt"`
	Programme   outcomesJSON          `json:"programme"`
	Pairings    []outcomesPairingJSON `json:"pairings"`
	NextCursor  string                `json:"nextCursor,omitempty"`
}

// outcomesReport is what the handler read.
type outcomesReport struct {
	programmeID string
	at          time.Time
	programme   evidence.Outcomes
	pairings    []evidence.Outcomes
	parties     map[string]insight.Parties
	next        string
}

func (s *Server) outcomesReport(c *fiber.Ctx) error {
	pid, cl, format, err := s.reportOf(c)
	if err != nil {
		return err
	}
	limit, err := reportLimit(c, 50, evidence.MaxOutcomesPage)
	if err != nil {
		return err
	}
	after := ""
	if v := c.Query("cursor"); v != "" {
		k, id, ok := decodeCursor(v)
		if !ok || k != "outcomes" {
			return apperr.Invalid("/cursor", "is not a cursor this server made")
		}
		after = id
	}
	ctx, actor := c.UserContext(), evidenceActor(cl)
	r := outcomesReport{programmeID: pid, at: s.deps.Insight.Clock()}
	if r.programme, err = s.deps.Evidence.Outcomes(ctx, actor, evidence.AggregateKey{Level: evidence.LevelProgramme, ProgrammeID: pid}); err != nil {
		return err
	}
	if r.pairings, err = s.deps.Evidence.PairingOutcomes(ctx, actor, pid, after, limit+1); err != nil {
		return err
	}
	if len(r.pairings) > limit {
		r.pairings = r.pairings[:limit]
		r.next = encodeCursor("outcomes", r.pairings[limit-1].Key.PairingID)
	}
	ids := make([]string, len(r.pairings))
	for i, o := range r.pairings {
		ids[i] = o.Key.PairingID
	}
	if r.parties, err = s.deps.Insight.PairingParties(ctx, ids); err != nil {
		return err
	}
	if format == "csv" {
		return sendCSV(c, "outcomes", pid, r.at, outcomesCSV(r))
	}
	return respond(c, fiber.StatusOK, toOutcomesReportJSON(r))
}

func toOutcomesReportJSON(r outcomesReport) outcomesReportJSON {
	out := outcomesReportJSON{ProgrammeID: r.programmeID, GeneratedAt: r.at, Programme: toOutcomesJSON(r.programme),
		Pairings: []outcomesPairingJSON{}, NextCursor: r.next}
	for _, o := range r.pairings {
		p := r.parties[o.Key.PairingID]
		row := outcomesPairingJSON{PairingID: o.Key.PairingID, Type: p.Type, Mentees: []personJSON{}, Outcomes: toOutcomesJSON(o)}
		if p.Mentor.ID != "" {
			m := toPersonJSON(p.Mentor)
			row.Mentor = &m
		}
		for _, m := range p.Mentees {
			row.Mentees = append(row.Mentees, toPersonJSON(m))
		}
		out.Pairings = append(out.Pairings, row)
	}
	return out
}

// outcomesCSV is the outcomes report as evidence writes it for the API and the console.
func outcomesCSV(r outcomesReport) [][]string {
	names := make(map[string]evidence.PairingNames, len(r.parties))
	for id, p := range r.parties {
		n := evidence.PairingNames{Mentor: p.Mentor.DisplayName}
		for _, m := range p.Mentees {
			n.Mentees = append(n.Mentees, m.DisplayName)
		}
		names[id] = n
	}
	return evidence.OutcomesCSV(r.programme, r.pairings, names)
}
