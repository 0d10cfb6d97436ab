package api

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/programme"
)

type weightsJSON struct {
	Overlap    *float64 `json:"overlap"`
	Capacity   *float64 `json:"capacity"`
	Department *float64 `json:"department"`
	Location   *float64 `json:"location"`
	Language   *float64 `json:"language"`
}

type pairRefJSON struct {
	MentorID string `json:"mentorId"`
	MenteeID string `json:"menteeId"`
}

type settingsRequest struct {
	Weights               *weightsJSON  `json:"weights"`
	MustHave              []string      `json:"mustHave"`
	ExcludeSameDepartment bool          `json:"excludeSameDepartment"`
	ExcludedPairs         []pairRefJSON `json:"excludedPairs"`
	AllowSelfSelection    bool          `json:"allowSelfSelection"`
}

type weightsResponse struct {
	Overlap    float64 `json:"overlap"`
	Capacity   float64 `json:"capacity"`
	Department float64 `json:"department"`
	Location   float64 `json:"location"`
	Language   float64 `json:"language"`
}

type settingsResponse struct {
	Weights               weightsResponse `json:"weights"`
	MustHave              []string        `json:"mustHave"`
	ExcludeSameDepartment bool            `json:"excludeSameDepartment"`
	ExcludedPairs         []pairRefJSON   `json:"excludedPairs"`
	AllowSelfSelection    bool            `json:"allowSelfSelection"`
	UpdatedAt             *time.Time      `json:"updatedAt,omitempty"`
}

func toSettingsResponse(set mentoring.Settings) settingsResponse {
	out := settingsResponse{Weights: weightsResponse(set.Weights), MustHave: []string{}, ExcludedPairs: []pairRefJSON{},
		ExcludeSameDepartment: set.ExcludeSameDepartment, AllowSelfSelection: set.AllowSelfSelection}
	for _, c := range set.MustHave {
		out.MustHave = append(out.MustHave, string(c))
	}
	for _, p := range set.ExcludedPairs {
		out.ExcludedPairs = append(out.ExcludedPairs, pairRefJSON(p))
	}
	if !set.UpdatedAt.IsZero() {
		at := set.UpdatedAt
		out.UpdatedAt = &at
	}
	return out
}

func (s *Server) getMatchingSettings(c *fiber.Ctx) error {
	pid, _, err := s.programmeActor(c, programme.RoleOwner)
	if err != nil {
		return err
	}
	set, err := s.deps.Mentoring.Settings(c.UserContext(), pid)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toSettingsResponse(set))
}

func (s *Server) putMatchingSettings(c *fiber.Ctx) error {
	pid, _, err := s.programmeActor(c, programme.RoleOwner)
	if err != nil {
		return err
	}
	var req settingsRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	var f apperr.Fields
	set := mentoring.Settings{ProgrammeID: pid, ExcludeSameDepartment: req.ExcludeSameDepartment, AllowSelfSelection: req.AllowSelfSelection}
	if req.Weights == nil {
		f.Add("/weights", "is required")
	} else {
		for _, w := range []struct {
			name string
			v    *float64
			dst  *float64
		}{{"overlap", req.Weights.Overlap, &set.Weights.Overlap}, {"capacity", req.Weights.Capacity, &set.Weights.Capacity},
			{"department", req.Weights.Department, &set.Weights.Department}, {"location", req.Weights.Location, &set.Weights.Location},
			{"language", req.Weights.Language, &set.Weights.Language}} {
			if w.v == nil {
				f.Add("/weights/"+w.name, "is required")
				continue
			}
			*w.dst = *w.v
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	for _, m := range req.MustHave {
		set.MustHave = append(set.MustHave, mentoring.Criterion(m))
	}
	for _, p := range req.ExcludedPairs {
		set.ExcludedPairs = append(set.ExcludedPairs, mentoring.PairRef(p))
	}
	set, err = s.deps.Mentoring.PutSettings(c.UserContext(), set)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toSettingsResponse(set))
}

type contributionResponse struct {
	Criterion string  `json:"criterion"`
	Weight    float64 `json:"weight"`
	Value     float64 `json:"value"`
	Points    float64 `json:"points"`
	Detail    string  `json:"detail"`
}

type candidateResponse struct {
	Mentor        personResponse         `json:"mentor"`
	Score         float64                `json:"score"`
	CapacityLeft  int                    `json:"capacityLeft"`
	MatchedTags   []string               `json:"matchedTags"`
	Contributions []contributionResponse `json:"contributions"`
}

func toCandidate(cand mentoring.Candidate, names map[string]string) candidateResponse {
	out := candidateResponse{Mentor: person(cand.MentorID, names), Score: cand.Score, CapacityLeft: cand.CapacityLeft,
		MatchedTags: nonNilStrings(cand.MatchedTags), Contributions: make([]contributionResponse, len(cand.Contributions))}
	for i, x := range cand.Contributions {
		out.Contributions[i] = contributionResponse{Criterion: string(x.Criterion), Weight: x.Weight, Value: x.Value, Points: x.Points, Detail: x.Detail}
	}
	return out
}

type suggestionsResponse struct {
	Mentee        personResponse      `json:"mentee"`
	Type          string              `json:"type"`
	AlreadyPaired bool                `json:"alreadyPaired"`
	Items         []candidateResponse `json:"items"`
}

func (s *Server) suggestions(c *fiber.Ctx) error {
	pid, actor, err := s.programmeActor(c, programme.RoleOwner, programme.RoleMentee)
	if err != nil {
		return err
	}
	t, err := queryType(c)
	if err != nil {
		return err
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	menteeID := strings.Clone(c.Params("menteeId"))
	cands, paired, err := s.deps.Mentoring.Suggestions(c.UserContext(), actor, pid, menteeID, t, limit)
	if err != nil {
		return err
	}
	ids := []string{menteeID}
	for _, x := range cands {
		ids = append(ids, x.MentorID)
	}
	names := s.deps.Mentoring.DisplayNames(c.UserContext(), ids)
	out := suggestionsResponse{Mentee: person(menteeID, names), Type: string(t), AlreadyPaired: paired, Items: make([]candidateResponse, len(cands))}
	for i, x := range cands {
		out.Items[i] = toCandidate(x, names)
	}
	return respond(c, http.StatusOK, out)
}

type proposedPairResponse struct {
	Mentee         personResponse    `json:"mentee"`
	Candidate      candidateResponse `json:"candidate"`
	ProfileMissing bool              `json:"profileMissing"`
}

type unmatchedResponse struct {
	Mentee         personResponse `json:"mentee"`
	Reason         string         `json:"reason"`
	ProfileMissing bool           `json:"profileMissing"`
}

type proposalResponse struct {
	Type                  string                 `json:"type"`
	Algorithm             string                 `json:"algorithm"`
	Pairs                 []proposedPairResponse `json:"pairs"`
	Unmatched             []unmatchedResponse    `json:"unmatched"`
	MentorsWithoutProfile []personResponse       `json:"mentorsWithoutProfile"`
}

func (s *Server) proposal(c *fiber.Ctx) error {
	pid, _, err := s.programmeActor(c, programme.RoleOwner)
	if err != nil {
		return err
	}
	t, err := queryType(c)
	if err != nil {
		return err
	}
	var opt mentoring.ProposeOptions
	switch c.Query("withoutProfile", "list") {
	case "list":
	case "match":
		opt.MatchWithoutProfile = true
	default:
		return apperr.Invalid("/withoutProfile", "must be list or match")
	}
	p, err := s.deps.Mentoring.ProposeWith(c.UserContext(), pid, t, opt)
	if err != nil {
		return err
	}
	ids := slices.Clone(p.MentorsWithoutProfile)
	for _, x := range p.Pairs {
		ids = append(ids, x.MenteeID, x.Candidate.MentorID)
	}
	for _, x := range p.Unmatched {
		ids = append(ids, x.MenteeID)
	}
	names := s.deps.Mentoring.DisplayNames(c.UserContext(), ids)
	out := proposalResponse{Type: string(t), Algorithm: p.Algorithm, Pairs: []proposedPairResponse{}, Unmatched: []unmatchedResponse{},
		MentorsWithoutProfile: []personResponse{}}
	for _, x := range p.Pairs {
		out.Pairs = append(out.Pairs, proposedPairResponse{Mentee: person(x.MenteeID, names), Candidate: toCandidate(x.Candidate, names),
			ProfileMissing: x.ProfileMissing})
	}
	for _, x := range p.Unmatched {
		out.Unmatched = append(out.Unmatched, unmatchedResponse{Mentee: person(x.MenteeID, names), Reason: x.Reason, ProfileMissing: x.ProfileMissing})
	}
	for _, id := range p.MentorsWithoutProfile {
		out.MentorsWithoutProfile = append(out.MentorsWithoutProfile, person(id, names))
	}
	return respond(c, http.StatusOK, out)
}

type remindersResponse struct {
	Reminded []personResponse `json:"reminded"`
}

// remindProfiles pushes a reminder to every member who has no mentoring profile yet.
func (s *Server) remindProfiles(c *fiber.Ctx) error {
	pid, _, err := s.programmeActor(c, programme.RoleOwner)
	if err != nil {
		return err
	}
	ids, err := s.deps.Mentoring.RemindProfiles(c.UserContext(), pid)
	if err != nil {
		return err
	}
	names := s.deps.Mentoring.DisplayNames(c.UserContext(), ids)
	out := remindersResponse{Reminded: []personResponse{}}
	for _, id := range ids {
		out.Reminded = append(out.Reminded, person(id, names))
	}
	return respond(c, http.StatusOK, out)
}
