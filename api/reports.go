package api

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/programme"
)

// Programme reports (issue 13): health, at risk, learning by domain, per item, per question,
// and the at-risk thresholds. Owners (and admins) read every report with people's real names;
// mentors read the at-risk rows of their own mentees and pairings; mentees none. Each report
// is JSON, or CSV with ?format=csv or Accept: text/csv (reports_csv.go).

func (s *Server) mountReports(r fiber.Router) {
	p := r.Group("/programmes/:programmeId/reports")
	p.Get("/health", s.healthReport)
	p.Get("/at-risk", s.atRiskReport)
	p.Get("/learning", s.learningReport)
	p.Get("/items", s.itemsReport)
	p.Get("/questions", s.questionsReport)
	p.Get("/outcomes", s.outcomesReport)
	p.Get("/settings", s.getReportSettings)
	p.Put("/settings", s.putReportSettings)
}

// reportFormat is json or csv: the format parameter, else the Accept header.
func reportFormat(c *fiber.Ctx) (string, error) {
	switch f := c.Query("format"); f {
	case "json", "csv":
		return f, nil
	case "":
	default:
		return "", apperr.Invalid("/format", "must be json or csv")
	}
	c.Vary(fiber.HeaderAccept)
	if c.Accepts(fiber.MIMEApplicationJSON, "text/csv") == "text/csv" {
		return "csv", nil
	}
	return "json", nil
}

// reportOf authorizes an owner's report and picks its format.
func (s *Server) reportOf(c *fiber.Ctx, allowed ...programme.Role) (string, Caller, string, error) {
	format, err := reportFormat(c)
	if err != nil {
		return "", Caller{}, "", err
	}
	if len(allowed) == 0 {
		allowed = []programme.Role{programme.RoleOwner}
	}
	id := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, id, allowed...)
	return id, cl, format, err
}

type personJSON struct {
	UserID      string `json:"userId"`
	DisplayName string `json:"displayName"`
	Email       string `json:"email,omitempty"`
}

func toPersonJSON(p insight.Person) personJSON {
	return personJSON{UserID: p.ID, DisplayName: p.DisplayName, Email: p.Email}
}

func (s *Server) healthReport(c *fiber.Ctx) error {
	pid, _, format, err := s.reportOf(c)
	if err != nil {
		return err
	}
	h, err := s.deps.Insight.Health(c.UserContext(), pid)
	if err != nil {
		return err
	}
	if format == "csv" {
		return sendCSV(c, "health", pid, h.GeneratedAt, insight.HealthCSV(h))
	}
	return respond(c, fiber.StatusOK, toHealthJSON(h))
}

func (s *Server) learningReport(c *fiber.Ctx) error {
	pid, _, format, err := s.reportOf(c)
	if err != nil {
		return err
	}
	weeks := 12
	if v := c.Query("weeks"); v != "" {
		if weeks, err = strconv.Atoi(v); err != nil {
			return apperr.Invalid("/weeks", "must be a whole number of weeks")
		}
	}
	r, err := s.deps.Insight.Learning(c.UserContext(), pid, weeks)
	if err != nil {
		return err
	}
	if format == "csv" {
		return sendCSV(c, "learning", pid, r.GeneratedAt, insight.LearningCSV(r))
	}
	return respond(c, fiber.StatusOK, toLearningJSON(r))
}

// reportLimit reads a report page's limit (default def, at most max).
func reportLimit(c *fiber.Ctx, def, max int) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, apperr.Invalid("/limit", "must be an integer from 1 to "+strconv.Itoa(max))
	}
	return n, nil
}

func (s *Server) itemsReport(c *fiber.Ctx) error {
	pid, _, format, err := s.reportOf(c)
	if err != nil {
		return err
	}
	kind := c.Query("kind")
	switch kind {
	case "", "lesson", "quiz", "checklist", "path":
	default:
		return apperr.Invalid("/kind", "must be lesson, quiz, checklist or path")
	}
	limit, err := reportLimit(c, 50, insight.MaxItemsPage)
	if err != nil {
		return err
	}
	var after insight.ItemCursor
	if v := c.Query("cursor"); v != "" {
		k, id, ok := decodeCursor(v)
		if !ok {
			return apperr.Invalid("/cursor", "is not a cursor this server made")
		}
		after = insight.ItemCursor{SortKey: k, ID: id}
	}
	page, err := s.deps.Insight.Items(c.UserContext(), pid, kind, after, limit)
	if err != nil {
		return err
	}
	if format == "csv" {
		return sendCSV(c, "items", pid, page.GeneratedAt, insight.ItemsCSV(page))
	}
	return respond(c, fiber.StatusOK, toItemsJSON(page))
}

func (s *Server) questionsReport(c *fiber.Ctx) error {
	pid, _, format, err := s.reportOf(c)
	if err != nil {
		return err
	}
	r, err := s.deps.Insight.Questions(c.UserContext(), pid)
	if err != nil {
		return err
	}
	if format == "csv" {
		return sendCSV(c, "questions", pid, r.GeneratedAt, insight.QuestionsCSV(r))
	}
	return respond(c, fiber.StatusOK, toQuestionsJSON(r))
}

func (s *Server) atRiskReport(c *fiber.Ctx) error {
	pid, cl, format, err := s.reportOf(c, programme.RoleOwner, programme.RoleMentor)
	if err != nil {
		return err
	}
	scope := insight.Scope{All: cl.Admin || cl.Role == programme.RoleOwner, MentorID: cl.UserID}
	var kind insight.SubjectKind
	switch c.Query("kind") {
	case "":
	case "mentee":
		kind = insight.KindMember
	case "pairing":
		kind = insight.KindPairing
	default:
		return apperr.Invalid("/kind", "must be mentee or pairing")
	}
	limit, err := reportLimit(c, 100, insight.MaxAtRiskPage)
	if err != nil {
		return err
	}
	var after *insight.Cursor
	if v := c.Query("cursor"); v != "" {
		at, id, ok := decodeTimeCursor(v)
		if !ok {
			return apperr.Invalid("/cursor", "is not a cursor this server made")
		}
		after = &insight.Cursor{At: at, ID: id}
	}
	page, err := s.deps.Insight.AtRisk(c.UserContext(), pid, scope, kind, after, limit)
	if err != nil {
		return err
	}
	if format == "csv" {
		return sendCSV(c, "at-risk", pid, page.GeneratedAt, insight.AtRiskCSV(page))
	}
	return respond(c, fiber.StatusOK, toAtRiskJSON(page))
}

type reportSettingsJSON struct {
	InactiveDays       *int       `json:"inactiveDays"`
	OverdueAssignments *int       `json:"overdueAssignments"`
	StreakLostDays     *int       `json:"streakLostDays"`
	MeetingGraceDays   *int       `json:"meetingGraceDays"`
	GoalGraceDays      *int       `json:"goalGraceDays"`
	CheckinGraceDays   *int       `json:"checkinGraceDays"`
	UpdatedAt          *time.Time `json:"updatedAt,omitempty"`
	UpdatedBy          string     `json:"updatedBy,omitempty"`
}

func toReportSettingsJSON(s insight.Settings) reportSettingsJSON {
	out := reportSettingsJSON{InactiveDays: &s.InactiveDays, OverdueAssignments: &s.OverdueAssignments, StreakLostDays: &s.StreakLostDays,
		MeetingGraceDays: &s.MeetingGraceDays, GoalGraceDays: &s.GoalGraceDays, CheckinGraceDays: &s.CheckinGraceDays, UpdatedBy: s.UpdatedBy}
	if !s.UpdatedAt.IsZero() {
		at := s.UpdatedAt
		out.UpdatedAt = &at
	}
	return out
}

// toSettings converts a PUT body: every threshold is required and in range; one answer
// names every field that is missing or out of range.
func (r reportSettingsJSON) toSettings(programmeID string) (insight.Settings, error) {
	var f apperr.Fields
	get := func(ptr string, v *int) int {
		f.Check(v != nil, ptr, "is required")
		if v == nil {
			return 0
		}
		return *v
	}
	s := insight.Settings{ProgrammeID: programmeID, InactiveDays: get("/inactiveDays", r.InactiveDays),
		OverdueAssignments: get("/overdueAssignments", r.OverdueAssignments), StreakLostDays: get("/streakLostDays", r.StreakLostDays),
		MeetingGraceDays: get("/meetingGraceDays", r.MeetingGraceDays), GoalGraceDays: get("/goalGraceDays", r.GoalGraceDays),
		CheckinGraceDays: get("/checkinGraceDays", r.CheckinGraceDays)}
	var ve *apperr.ValidationError
	if errors.As(s.Validate(), &ve) {
		for _, fe := range ve.Fields {
			if fe.Pointer != "" && !missing(r, fe.Pointer) {
				f.Add(fe.Pointer, fe.Detail)
			}
		}
	}
	return s, f.Err()
}

// missing reports whether the body left out the field at ptr.
func missing(r reportSettingsJSON, ptr string) bool {
	return map[string]*int{"/inactiveDays": r.InactiveDays, "/overdueAssignments": r.OverdueAssignments, "/streakLostDays": r.StreakLostDays,
		"/meetingGraceDays": r.MeetingGraceDays, "/goalGraceDays": r.GoalGraceDays, "/checkinGraceDays": r.CheckinGraceDays}[ptr] == nil
}

func (s *Server) getReportSettings(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid, programme.RoleOwner); err != nil {
		return err
	}
	set, err := s.deps.Insight.Settings(c.UserContext(), pid)
	if err != nil {
		return err
	}
	return respond(c, fiber.StatusOK, toReportSettingsJSON(set))
}

func (s *Server) putReportSettings(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, pid, programme.RoleOwner)
	if err != nil {
		return err
	}
	var req reportSettingsJSON
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.UpdatedAt != nil || req.UpdatedBy != "" {
		return apperr.Invalid("/updatedAt", "is set by the server")
	}
	set, err := req.toSettings(pid)
	if err != nil {
		return err
	}
	set, err = s.deps.Insight.PutSettings(c.UserContext(), set, cl.UserID)
	if err != nil {
		return err
	}
	return respond(c, fiber.StatusOK, toReportSettingsJSON(set))
}
