package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
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
	p.Post("/pairings", s.createPairing)
	p.Get("/pairings", s.listPairings)

	r.Get("/pairings/:pairingId", s.getPairing)
	r.Put("/pairings/:pairingId/agreement", s.putAgreement)
	r.Post("/pairings/:pairingId/accept", s.acceptPairing)
	r.Post("/pairings/:pairingId/decline", s.declinePairing)
	r.Post("/pairings/:pairingId/status", s.setPairingStatus)
	r.Post("/pairings/:pairingId/assignments", s.idempotent, s.createAssignment)
	r.Get("/pairings/:pairingId/progress", s.pairingProgress)
	r.Get("/me/assignments", s.myAssignments)
}

// ---- helpers

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
	if _, err := signedIn(c); err != nil {
		return "", mentoring.Actor{}, err
	}
	id := strings.Clone(c.Params("pairingId"))
	programmeID, err := s.deps.Mentoring.PairingProgramme(c.UserContext(), id)
	if err != nil {
		return "", mentoring.Actor{}, err
	}
	cl, err := s.authorize(c, programmeID)
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

// ---- profiles

type profileRequest struct {
	Department           string   `json:"department"`
	Location             string   `json:"location"`
	Languages            []string `json:"languages"`
	Skills               []string `json:"skills"`
	Capacity             *int     `json:"capacity"`
	Available            *bool    `json:"available"`
	AvailabilityNote     *string  `json:"availabilityNote"`
	Objectives           []string `json:"objectives"`
	DepartmentPreference *string  `json:"departmentPreference"`
}

type profileResponse struct {
	ProgrammeID          string    `json:"programmeId"`
	UserID               string    `json:"userId"`
	DisplayName          string    `json:"displayName,omitempty"`
	Role                 string    `json:"role"`
	Department           string    `json:"department"`
	Location             string    `json:"location"`
	Languages            []string  `json:"languages"`
	Tags                 []string  `json:"tags"`
	Skills               []string  `json:"skills,omitempty"`
	Capacity             *int      `json:"capacity,omitempty"`
	Available            *bool     `json:"available,omitempty"`
	AvailabilityNote     string    `json:"availabilityNote,omitempty"`
	Objectives           []string  `json:"objectives,omitempty"`
	DepartmentPreference string    `json:"departmentPreference,omitempty"`
	UpdatedAt            time.Time `json:"updatedAt"`
}

func toProfileResponse(p mentoring.Profile, names map[string]string) profileResponse {
	out := profileResponse{ProgrammeID: p.ProgrammeID, UserID: p.UserID, DisplayName: names[p.UserID], Role: p.Role,
		Department: p.Department, Location: p.Location, Languages: nonNilStrings(p.Languages), Tags: nonNilStrings(p.Tags),
		UpdatedAt: p.UpdatedAt}
	if p.Role == mentoring.RoleMentor {
		capacity, available := p.Capacity, p.Available
		out.Skills, out.Capacity, out.Available, out.AvailabilityNote = nonNilStrings(p.Skills), &capacity, &available, p.AvailabilityNote
	} else {
		out.Objectives, out.DepartmentPreference = nonNilStrings(p.Objectives), string(p.DepartmentPreference)
	}
	return out
}

func nonNilStrings(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func (s *Server) getMyProfile(c *fiber.Ctx) error {
	pid, actor, err := s.programmeActor(c, programme.RoleMentor, programme.RoleMentee)
	if err != nil {
		return err
	}
	p, err := s.deps.Mentoring.ProfileOf(c.UserContext(), actor, pid, actor.UserID)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toProfileResponse(p, s.deps.Mentoring.DisplayNames(c.UserContext(), []string{p.UserID})))
}

func (s *Server) putMyProfile(c *fiber.Ctx) error {
	pid, actor, err := s.programmeActor(c, programme.RoleMentor, programme.RoleMentee)
	if err != nil {
		return err
	}
	var req profileRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p, err := s.deps.Mentoring.PutMyProfile(c.UserContext(), actor, pid, mentoring.ProfileInput{
		Department: req.Department, Location: req.Location, Languages: req.Languages, Skills: req.Skills,
		Capacity: req.Capacity, Available: req.Available, AvailabilityNote: req.AvailabilityNote,
		Objectives: req.Objectives, DepartmentPreference: req.DepartmentPreference})
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toProfileResponse(p, s.deps.Mentoring.DisplayNames(c.UserContext(), []string{p.UserID})))
}

func (s *Server) getProfile(c *fiber.Ctx) error {
	pid, actor, err := s.programmeActor(c)
	if err != nil {
		return err
	}
	userID := strings.Clone(c.Params("userId"))
	p, err := s.deps.Mentoring.ProfileOf(c.UserContext(), actor, pid, userID)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toProfileResponse(p, s.deps.Mentoring.DisplayNames(c.UserContext(), []string{p.UserID})))
}

type profileList struct {
	Items      []profileResponse `json:"items"`
	NextCursor string            `json:"nextCursor,omitempty"`
}

func (s *Server) listProfiles(c *fiber.Ctx) error {
	pid, _, err := s.programmeActor(c, programme.RoleOwner)
	if err != nil {
		return err
	}
	role := c.Query("role")
	if role != "" && role != mentoring.RoleMentor && role != mentoring.RoleMentee {
		return apperr.Invalid("/role", "must be mentor or mentee")
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	after := strings.Clone(c.Query("cursor"))
	if len(after) > 64 {
		return mentoring.ErrBadCursor
	}
	ps, err := s.deps.Mentoring.Profiles(c.UserContext(), pid, role, after, limit+1)
	if err != nil {
		return err
	}
	out := profileList{Items: []profileResponse{}}
	if len(ps) > limit {
		ps = ps[:limit]
		out.NextCursor = ps[len(ps)-1].UserID
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.UserID
	}
	names := s.deps.Mentoring.DisplayNames(c.UserContext(), ids)
	for _, p := range ps {
		out.Items = append(out.Items, toProfileResponse(p, names))
	}
	return respond(c, http.StatusOK, out)
}

// ---- tags

type tagResponse struct {
	Name      string    `json:"name"`
	Synonyms  []string  `json:"synonyms"`
	Mentors   int       `json:"mentors"`
	Mentees   int       `json:"mentees"`
	CreatedAt time.Time `json:"createdAt"`
}

func toTagResponse(t mentoring.Tag) tagResponse {
	return tagResponse{Name: t.Name, Synonyms: nonNilStrings(t.Synonyms), Mentors: t.Mentors, Mentees: t.Mentees, CreatedAt: t.CreatedAt}
}

type tagList struct {
	Items []tagResponse `json:"items"`
}

type defineTagRequest struct {
	Name     string   `json:"name"`
	Synonyms []string `json:"synonyms"`
}

type mergeTagsRequest struct {
	From []string `json:"from"`
	Into string   `json:"into"`
}

type renameTagRequest struct {
	From string `json:"from"`
	To   string `json:"to"`
}

func (s *Server) listTags(c *fiber.Ctx) error {
	pid, _, err := s.programmeActor(c)
	if err != nil {
		return err
	}
	tags, err := s.deps.Mentoring.Tags(c.UserContext(), pid)
	if err != nil {
		return err
	}
	out := tagList{Items: make([]tagResponse, len(tags))}
	for i, t := range tags {
		out.Items[i] = toTagResponse(t)
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) defineTag(c *fiber.Ctx) error {
	pid, _, err := s.programmeActor(c, programme.RoleOwner)
	if err != nil {
		return err
	}
	var req defineTagRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	t, err := s.deps.Mentoring.DefineTag(c.UserContext(), pid, req.Name, req.Synonyms)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toTagResponse(t))
}

func (s *Server) mergeTags(c *fiber.Ctx) error {
	pid, _, err := s.programmeActor(c, programme.RoleOwner)
	if err != nil {
		return err
	}
	var req mergeTagsRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	t, err := s.deps.Mentoring.MergeTags(c.UserContext(), pid, req.From, req.Into)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toTagResponse(t))
}

func (s *Server) renameTag(c *fiber.Ctx) error {
	pid, _, err := s.programmeActor(c, programme.RoleOwner)
	if err != nil {
		return err
	}
	var req renameTagRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	t, err := s.deps.Mentoring.RenameTag(c.UserContext(), pid, req.From, req.To)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toTagResponse(t))
}

// ---- matching

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
	Mentee    personResponse    `json:"mentee"`
	Candidate candidateResponse `json:"candidate"`
}

type unmatchedResponse struct {
	Mentee personResponse `json:"mentee"`
	Reason string         `json:"reason"`
}

type proposalResponse struct {
	Type      string                 `json:"type"`
	Algorithm string                 `json:"algorithm"`
	Pairs     []proposedPairResponse `json:"pairs"`
	Unmatched []unmatchedResponse    `json:"unmatched"`
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
	p, err := s.deps.Mentoring.Propose(c.UserContext(), pid, t)
	if err != nil {
		return err
	}
	var ids []string
	for _, x := range p.Pairs {
		ids = append(ids, x.MenteeID, x.Candidate.MentorID)
	}
	for _, x := range p.Unmatched {
		ids = append(ids, x.MenteeID)
	}
	names := s.deps.Mentoring.DisplayNames(c.UserContext(), ids)
	out := proposalResponse{Type: string(t), Algorithm: p.Algorithm, Pairs: []proposedPairResponse{}, Unmatched: []unmatchedResponse{}}
	for _, x := range p.Pairs {
		out.Pairs = append(out.Pairs, proposedPairResponse{Mentee: person(x.MenteeID, names), Candidate: toCandidate(x.Candidate, names)})
	}
	for _, x := range p.Unmatched {
		out.Unmatched = append(out.Unmatched, unmatchedResponse{Mentee: person(x.MenteeID, names), Reason: x.Reason})
	}
	return respond(c, http.StatusOK, out)
}

// ---- pairings

type agreementJSON struct {
	MeetingFrequency string   `json:"meetingFrequency,omitempty"`
	Goals            []string `json:"goals"`
	Boundaries       string   `json:"boundaries,omitempty"`
	StartsOn         string   `json:"startsOn,omitempty"`
	EndsOn           string   `json:"endsOn,omitempty"`
}

func (a agreementJSON) toAgreement() mentoring.Agreement {
	return mentoring.Agreement{MeetingFrequency: mentoring.Frequency(a.MeetingFrequency), Goals: a.Goals,
		Boundaries: a.Boundaries, StartsOn: a.StartsOn, EndsOn: a.EndsOn}
}

type pairingRequest struct {
	MentorID          string         `json:"mentorId"`
	MenteeIDs         []string       `json:"menteeIds"`
	Type              string         `json:"type"`
	Agreement         *agreementJSON `json:"agreement"`
	RequireAcceptance bool           `json:"requireAcceptance"`
}

type pairingResponse struct {
	ID          string           `json:"id"`
	ProgrammeID string           `json:"programmeId"`
	Mentor      personResponse   `json:"mentor"`
	Mentees     []personResponse `json:"mentees"`
	Type        string           `json:"type"`
	Status      string           `json:"status"`
	Agreement   agreementJSON    `json:"agreement"`
	Origin      string           `json:"origin"`
	CreatedBy   string           `json:"createdBy"`
	CreatedAt   time.Time        `json:"createdAt"`
	UpdatedAt   time.Time        `json:"updatedAt"`
	ActivatedAt *time.Time       `json:"activatedAt,omitempty"`
	EndedAt     *time.Time       `json:"endedAt,omitempty"`
	EndReason   string           `json:"endReason,omitempty"`
}

func pairingPeople(ps ...mentoring.Pairing) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.MentorID)
		ids = append(ids, p.MenteeIDs...)
	}
	return ids
}

func toPairingResponse(p mentoring.Pairing, names map[string]string) pairingResponse {
	out := pairingResponse{ID: p.ID, ProgrammeID: p.ProgrammeID, Mentor: person(p.MentorID, names),
		Mentees: make([]personResponse, len(p.MenteeIDs)), Type: string(p.Type), Status: string(p.Status),
		Agreement: agreementJSON{MeetingFrequency: string(p.Agreement.MeetingFrequency), Goals: nonNilStrings(p.Agreement.Goals),
			Boundaries: p.Agreement.Boundaries, StartsOn: p.Agreement.StartsOn, EndsOn: p.Agreement.EndsOn},
		Origin: p.Origin, CreatedBy: p.CreatedBy, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		ActivatedAt: p.ActivatedAt, EndedAt: p.EndedAt, EndReason: p.EndReason}
	for i, m := range p.MenteeIDs {
		out.Mentees[i] = person(m, names)
	}
	return out
}

func (s *Server) respondPairing(c *fiber.Ctx, status int, p mentoring.Pairing) error {
	return respond(c, status, toPairingResponse(p, s.deps.Mentoring.DisplayNames(c.UserContext(), pairingPeople(p))))
}

func (s *Server) createPairing(c *fiber.Ctx) error {
	pid, actor, err := s.programmeActor(c, programme.RoleOwner, programme.RoleMentee)
	if err != nil {
		return err
	}
	var req pairingRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	in := mentoring.NewPairing{MentorID: req.MentorID, MenteeIDs: req.MenteeIDs, Type: mentoring.Type(req.Type), RequireAcceptance: req.RequireAcceptance}
	if req.Agreement != nil {
		in.Agreement = req.Agreement.toAgreement()
	}
	p, err := s.deps.Mentoring.CreatePairing(c.UserContext(), actor, pid, in)
	if err != nil {
		return err
	}
	c.Location("/v1/pairings/" + p.ID)
	return s.respondPairing(c, http.StatusCreated, p)
}

type pairingList struct {
	Items      []pairingResponse `json:"items"`
	NextCursor string            `json:"nextCursor,omitempty"`
}

func (s *Server) listPairings(c *fiber.Ctx) error {
	pid, actor, err := s.programmeActor(c)
	if err != nil {
		return err
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	after, err := decodeMentoringCursor(c.Query("cursor"))
	if err != nil {
		return err
	}
	q := mentoring.PairingQuery{ProgrammeID: pid, MentorID: strings.Clone(c.Query("mentorId")), MenteeID: strings.Clone(c.Query("menteeId")),
		Status: mentoring.Status(strings.Clone(c.Query("status"))), After: after, Limit: limit + 1}
	ps, err := s.deps.Mentoring.Pairings(c.UserContext(), actor, q)
	if err != nil {
		return err
	}
	out := pairingList{Items: []pairingResponse{}}
	if len(ps) > limit {
		ps = ps[:limit]
		last := ps[len(ps)-1]
		out.NextCursor = encodeTimeCursor(last.CreatedAt, last.ID)
	}
	names := s.deps.Mentoring.DisplayNames(c.UserContext(), pairingPeople(ps...))
	for _, p := range ps {
		out.Items = append(out.Items, toPairingResponse(p, names))
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) getPairing(c *fiber.Ctx) error {
	id, actor, err := s.pairingActor(c)
	if err != nil {
		return err
	}
	p, err := s.deps.Mentoring.Pairing(c.UserContext(), actor, id)
	if err != nil {
		return err
	}
	return s.respondPairing(c, http.StatusOK, p)
}

func (s *Server) putAgreement(c *fiber.Ctx) error {
	id, actor, err := s.pairingActor(c)
	if err != nil {
		return err
	}
	var req agreementJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	p, err := s.deps.Mentoring.SetAgreement(c.UserContext(), actor, id, req.toAgreement())
	if err != nil {
		return err
	}
	return s.respondPairing(c, http.StatusOK, p)
}

func (s *Server) acceptPairing(c *fiber.Ctx) error {
	id, actor, err := s.pairingActor(c)
	if err != nil {
		return err
	}
	p, err := s.deps.Mentoring.Accept(c.UserContext(), actor, id)
	if err != nil {
		return err
	}
	return s.respondPairing(c, http.StatusOK, p)
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) declinePairing(c *fiber.Ctx) error {
	id, actor, err := s.pairingActor(c)
	if err != nil {
		return err
	}
	var req reasonRequest
	if len(c.Body()) > 0 {
		if err := decode(c, &req); err != nil {
			return err
		}
	}
	p, err := s.deps.Mentoring.Decline(c.UserContext(), actor, id, req.Reason)
	if err != nil {
		return err
	}
	return s.respondPairing(c, http.StatusOK, p)
}

type statusRequest struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

func (s *Server) setPairingStatus(c *fiber.Ctx) error {
	id, actor, err := s.pairingActor(c)
	if err != nil {
		return err
	}
	var req statusRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	switch mentoring.Status(req.Status) {
	case mentoring.StatusActive, mentoring.StatusPaused, mentoring.StatusEnded:
	default:
		return apperr.Invalid("/status", "must be active, paused or ended")
	}
	p, err := s.deps.Mentoring.SetStatus(c.UserContext(), actor, id, mentoring.Status(req.Status), req.Reason)
	if err != nil {
		return err
	}
	return s.respondPairing(c, http.StatusOK, p)
}

// ---- assignments

type itemRefJSON struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

type assignmentRequest struct {
	Items     []itemRefJSON `json:"items"`
	MenteeIDs []string      `json:"menteeIds"`
	Due       string        `json:"due"`
	Note      string        `json:"note"`
	Title     string        `json:"title"`
}

type assignedItemResponse struct {
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Title string `json:"title"`
	Done  *bool  `json:"done,omitempty"`
}

type assignmentResponse struct {
	ID        string                 `json:"id"`
	PairingID string                 `json:"pairingId"`
	Mentees   []personResponse       `json:"mentees"`
	Title     string                 `json:"title"`
	Note      string                 `json:"note"`
	Items     []assignedItemResponse `json:"items"`
	DueAt     time.Time              `json:"dueAt"`
	DueLocal  string                 `json:"dueLocal"`
	Timezone  string                 `json:"timezone"`
	CreatedAt time.Time              `json:"createdAt"`
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

func (s *Server) createAssignment(c *fiber.Ctx) error {
	id, actor, err := s.pairingActor(c)
	if err != nil {
		return err
	}
	var req assignmentRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	in := mentoring.NewAssignment{MenteeIDs: req.MenteeIDs, Due: req.Due, Note: req.Note, Title: req.Title,
		RequestKey: c.Get(HeaderIdempotencyKey)}
	for _, it := range req.Items {
		in.Items = append(in.Items, learning.ItemRef{Kind: it.Kind, ID: it.ID})
	}
	a, err := s.deps.Mentoring.Assign(c.UserContext(), actor, id, in)
	if err != nil {
		return err
	}
	first := a.Copies[0]
	names := s.deps.Mentoring.DisplayNames(c.UserContext(), a.MenteeIDs)
	out := assignmentResponse{ID: a.ID, PairingID: a.PairingID, Mentees: make([]personResponse, len(a.MenteeIDs)), Title: first.Title,
		Note: first.Note, DueAt: first.DueAt, DueLocal: first.DueLocal, Timezone: first.Timezone, CreatedAt: first.CreatedAt}
	for i, m := range a.MenteeIDs {
		out.Mentees[i] = person(m, names)
	}
	for _, it := range first.Items {
		out.Items = append(out.Items, assignedItemResponse{Kind: it.Ref.Kind, ID: it.Ref.ID, Title: it.Title})
	}
	return respond(c, http.StatusCreated, out)
}

type progressJSON struct {
	Done    int `json:"done"`
	Total   int `json:"total"`
	Percent int `json:"percent"`
}

type assignmentViewResponse struct {
	ID           string                 `json:"id"`
	AssignmentID string                 `json:"assignmentId"`
	ProgrammeID  string                 `json:"programmeId"`
	PairingID    string                 `json:"pairingId"`
	Mentor       personResponse         `json:"mentor"`
	Mentee       personResponse         `json:"mentee"`
	Title        string                 `json:"title"`
	Note         string                 `json:"note"`
	Items        []assignedItemResponse `json:"items"`
	DueAt        time.Time              `json:"dueAt"`
	DueLocal     string                 `json:"dueLocal"`
	Timezone     string                 `json:"timezone"`
	State        string                 `json:"state"`
	DueState     string                 `json:"dueState"`
	Progress     progressJSON           `json:"progress"`
	CompletedAt  *time.Time             `json:"completedAt,omitempty"`
	OnTime       *bool                  `json:"onTime,omitempty"`
	CreatedAt    time.Time              `json:"createdAt"`
}

func toAssignmentView(v mentoring.AssignmentView, names map[string]string) assignmentViewResponse {
	out := assignmentViewResponse{ID: v.ID, AssignmentID: v.AssignmentID, ProgrammeID: v.ProgrammeID, PairingID: v.PairingID,
		Mentor: person(v.MentorID, names), Mentee: person(v.MenteeID, names), Title: v.Title, Note: v.Note,
		Items: make([]assignedItemResponse, len(v.Items)), DueAt: v.DueAt, DueLocal: v.DueLocal, Timezone: v.Timezone,
		State: string(v.State), DueState: string(v.DueState), Progress: progressJSON(v.Progress), CompletedAt: v.CompletedAt,
		CreatedAt: v.CreatedAt}
	for i, it := range v.Items {
		done := v.ItemDone[i]
		out.Items[i] = assignedItemResponse{Kind: it.Ref.Kind, ID: it.Ref.ID, Title: it.Title, Done: &done}
	}
	if v.State == mentoring.AssignmentCompleted {
		onTime := v.OnTime
		out.OnTime = &onTime
	}
	return out
}

type myAssignmentList struct {
	Items      []assignmentViewResponse `json:"items"`
	NextCursor string                   `json:"nextCursor,omitempty"`
}

func (s *Server) myAssignments(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	after, err := decodeMentoringCursor(c.Query("cursor"))
	if err != nil {
		return err
	}
	state := mentoring.AssignmentState(c.Query("state", "open"))
	if state == "all" {
		state = ""
	}
	views, next, err := s.deps.Mentoring.MyAssignments(c.UserContext(), cl.UserID, state, after, limit)
	if err != nil {
		return err
	}
	var ids []string
	for _, v := range views {
		ids = append(ids, v.MentorID)
	}
	ids = append(ids, cl.UserID)
	names := s.deps.Mentoring.DisplayNames(c.UserContext(), ids)
	out := myAssignmentList{Items: make([]assignmentViewResponse, len(views))}
	if next != nil {
		out.NextCursor = encodeTimeCursor(next.At, next.ID)
	}
	for i, v := range views {
		out.Items[i] = toAssignmentView(v, names)
	}
	return respond(c, http.StatusOK, out)
}

type menteeProgressResponse struct {
	Mentee      personResponse           `json:"mentee"`
	Items       progressJSON             `json:"items"`
	Completed   int                      `json:"completed"`
	Overdue     int                      `json:"overdue"`
	Assignments []assignmentViewResponse `json:"assignments"`
}

type pairingProgressResponse struct {
	Pairing pairingResponse          `json:"pairing"`
	Mentees []menteeProgressResponse `json:"mentees"`
}

func (s *Server) pairingProgress(c *fiber.Ctx) error {
	id, actor, err := s.pairingActor(c)
	if err != nil {
		return err
	}
	p, progress, err := s.deps.Mentoring.PairingProgress(c.UserContext(), actor, id)
	if err != nil {
		return err
	}
	names := s.deps.Mentoring.DisplayNames(c.UserContext(), pairingPeople(p))
	out := pairingProgressResponse{Pairing: toPairingResponse(p, names), Mentees: make([]menteeProgressResponse, len(progress))}
	for i, mp := range progress {
		r := menteeProgressResponse{Mentee: person(mp.MenteeID, names), Items: progressJSON(mp.Items),
			Completed: mp.Completed, Overdue: mp.Overdue, Assignments: make([]assignmentViewResponse, len(mp.Assignments))}
		for j, v := range mp.Assignments {
			r.Assignments[j] = toAssignmentView(v, names)
		}
		out.Mentees[i] = r
	}
	return respond(c, http.StatusOK, out)
}
