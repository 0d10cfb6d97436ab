package api

import (
	"bytes"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/evidence/cpdfile"
	"github.com/microlearn/microlearn/internal/apperr"
)

func (s *Server) mountCPD(r fiber.Router) {
	r.Get("/me/cpd", s.myCPD)
	r.Get("/cpd/verify/:code", s.verifyCPD)
}

// cpdFormat picks the format: the format parameter, else the Accept header (JSON unless
// CSV or PDF is asked for).
func cpdFormat(c *fiber.Ctx) (string, error) {
	switch f := c.Query("format"); f {
	case "json", "csv", "pdf":
		return f, nil
	case "":
	default:
		return "", apperr.Invalid("/format", "must be json, csv or pdf")
	}
	switch c.Accepts(fiber.MIMEApplicationJSON, "text/csv", "application/pdf") {
	case "text/csv":
		return "csv", nil
	case "application/pdf":
		return "pdf", nil
	}
	return "json", nil
}

func (s *Server) verifyURL(code string) string {
	return strings.TrimSuffix(s.deps.PublicURL, "/") + "/v1/cpd/verify/" + code
}

func (s *Server) myCPD(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	format, err := cpdFormat(c)
	if err != nil {
		return err
	}
	r, err := s.deps.Evidence.CPD(c.UserContext(), cl.UserID, strings.Clone(c.Query("from")), strings.Clone(c.Query("to")))
	if err != nil {
		return err
	}
	c.Vary(fiber.HeaderAccept)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	file := "cpd-record-" + r.From + "-to-" + r.To
	var buf bytes.Buffer
	switch format {
	case "csv":
		if err := cpdfile.CSV(&buf, r, s.verifyURL(r.Code)); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+file+`.csv"`)
		return c.Send(buf.Bytes())
	case "pdf":
		if err := cpdfile.PDF(&buf, r, s.verifyURL(r.Code)); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "application/pdf")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+file+`.pdf"`)
		return c.Send(buf.Bytes())
	}
	return respond(c, fiber.StatusOK, toCPDJSON(r, s.verifyURL(r.Code)))
}

func (s *Server) verifyCPD(c *fiber.Ctx) error {
	seal, err := s.deps.Evidence.Verify(c.UserContext(), strings.Clone(c.Params("code")))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return respond(c, fiber.StatusOK, cpdVerifyJSON{Valid: true, Code: seal.Code, Name: seal.Name, Programmes: nonNilStrings(seal.Programmes),
		Parties: nonNilStrings(seal.Parties), From: seal.From, To: seal.To, GeneratedAt: seal.GeneratedAt, Totals: toTotalsJSON(seal.Totals)})
}

type totalsJSON struct {
	MeetingMinutes    int            `json:"meetingMinutes"`
	ContentMinutes    int            `json:"contentMinutes"`
	TotalMinutes      int            `json:"totalMinutes"`
	MinutesByActivity map[string]int `json:"minutesByActivity"`
	MinutesByDomain   map[string]int `json:"minutesByDomain"`
	Reflections       int            `json:"reflections"`
	GoalsAchieved     int            `json:"goalsAchieved"`
	Checkins          int            `json:"checkins"`
}

func toTotalsJSON(t evidence.Totals) totalsJSON {
	return totalsJSON{MeetingMinutes: t.MeetingMinutes, ContentMinutes: t.ContentMinutes, TotalMinutes: t.MeetingMinutes + t.ContentMinutes,
		MinutesByActivity: t.MinutesByActivity, MinutesByDomain: t.MinutesByDomain, Reflections: t.ReflectionCount,
		GoalsAchieved: t.GoalsAchieved, Checkins: t.CheckinCount}
}

type cpdVerifyJSON struct {
	Valid       bool       `json:"valid"`
	Code        string     `json:"code"`
	Name        string     `json:"name"`
	Programmes  []string   `json:"programmes"`
	Parties     []string   `json:"parties"`
	From        string     `json:"from"`
	To          string     `json:"to"`
	GeneratedAt time.Time  `json:"generatedAt"`
	Totals      totalsJSON `json:"totals"`
}

type cpdNoteJSON struct {
	ID         string    `json:"id"`
	MeetingID  string    `json:"meetingId,omitempty"`
	PairingID  string    `json:"pairingId"`
	Author     string    `json:"author"`
	AuthorID   string    `json:"authorId"`
	Reflection bool      `json:"reflection"`
	Body       string    `json:"body,omitempty"`
	Learned    string    `json:"learned,omitempty"`
	Apply      string    `json:"apply,omitempty"`
	Domains    []string  `json:"domains"`
	CreatedAt  time.Time `json:"createdAt"`
}

type cpdActionJSON struct {
	Text  string `json:"text"`
	Owner string `json:"owner"`
	DueOn string `json:"dueOn,omitempty"`
	Done  bool   `json:"done"`
}

type cpdMeetingJSON struct {
	ID              string          `json:"id"`
	Programme       string          `json:"programme"`
	PairingID       string          `json:"pairingId"`
	Start           time.Time       `json:"start"`
	StartLocal      string          `json:"startLocal"`
	Timezone        string          `json:"timezone"`
	DurationMinutes int             `json:"durationMinutes"`
	Format          string          `json:"format"`
	Objectives      []string        `json:"objectives"`
	Topics          []string        `json:"topics"`
	Actions         []cpdActionJSON `json:"actions"`
	Feedback        []cpdNoteJSON   `json:"feedback"`
	Reflections     []cpdNoteJSON   `json:"reflections"`
	Domains         []string        `json:"domains"`
}

type cpdGoalJSON struct {
	ID         string     `json:"id"`
	Specific   string     `json:"specific"`
	Measure    string     `json:"measure,omitempty"`
	TargetDate string     `json:"targetDate,omitempty"`
	Status     string     `json:"status"`
	Progress   int        `json:"progress"`
	AchievedAt *time.Time `json:"achievedAt,omitempty"`
}

type cpdContentJSON struct {
	EventID    string    `json:"eventId"`
	Kind       string    `json:"kind"`
	ItemID     string    `json:"itemId"`
	Title      string    `json:"title"`
	Minutes    int       `json:"minutes"`
	Domain     string    `json:"domain,omitempty"`
	OccurredAt time.Time `json:"occurredAt"`
	Score      *int      `json:"scorePercent,omitempty"`
	Passed     bool      `json:"passed"`
}

type cpdCheckinJSON struct {
	Label        string            `json:"label"`
	Programme    string            `json:"programme"`
	Occasion     string            `json:"occasion"`
	AnsweredAt   time.Time         `json:"answeredAt"`
	Ratings      map[string]int    `json:"ratings"`
	Texts        map[string]string `json:"texts"`
	Relationship int               `json:"relationship"`
}

type cpdPartyJSON struct {
	PairingID string   `json:"pairingId"`
	Programme string   `json:"programme"`
	Side      string   `json:"side"`
	Mentor    string   `json:"mentor"`
	Mentees   []string `json:"mentees"`
	StartedOn string   `json:"startedOn"`
	Status    string   `json:"status"`
}

type cpdJSON struct {
	UserID       string `json:"userId"`
	Name         string `json:"name"`
	Timezone     string `json:"timezone"`
	From         string `json:"from"`
	To           string `json:"to"`
	Verification struct {
		Code string `json:"code"`
		URL  string `json:"url"`
	} `json:"verification"`
	GeneratedAt time.Time        `json:"generatedAt"`
	Parties     []cpdPartyJSON   `json:"parties"`
	Meetings    []cpdMeetingJSON `json:"meetings"`
	Reflections []cpdNoteJSON    `json:"reflections"`
	Goals       []cpdGoalJSON    `json:"goals"`
	Content     []cpdContentJSON `json:"content"`
	Checkins    []cpdCheckinJSON `json:"checkins"`
	Totals      totalsJSON       `json:"totals"`
}

func toCPDNotes(r evidence.CPDRecord, ns []evidence.CPDNote) []cpdNoteJSON {
	out := make([]cpdNoteJSON, len(ns))
	for i, n := range ns {
		out[i] = cpdNoteJSON{ID: n.ID, MeetingID: n.MeetingID, PairingID: n.PairingID, Author: r.Names[n.AuthorID], AuthorID: n.AuthorID,
			Reflection: n.Reflection, Body: n.Body, Learned: n.Learned, Apply: n.Apply, Domains: nonNilStrings(n.Domains), CreatedAt: n.CreatedAt}
	}
	return out
}

func toCPDJSON(r evidence.CPDRecord, url string) cpdJSON {
	out := cpdJSON{UserID: r.UserID, Name: r.Name, Timezone: r.Timezone, From: r.From, To: r.To, GeneratedAt: r.GeneratedAt,
		Parties: []cpdPartyJSON{}, Meetings: []cpdMeetingJSON{}, Reflections: toCPDNotes(r, r.Reflections), Goals: []cpdGoalJSON{},
		Content: []cpdContentJSON{}, Checkins: []cpdCheckinJSON{}, Totals: toTotalsJSON(r.Totals)}
	out.Verification.Code, out.Verification.URL = r.Code, url
	for _, p := range r.Parties {
		out.Parties = append(out.Parties, cpdPartyJSON{PairingID: p.PairingID, Programme: p.ProgrammeName, Side: p.Side, Mentor: p.MentorName,
			Mentees: nonNilStrings(p.MenteeNames), StartedOn: p.StartedOn, Status: p.Status})
	}
	for _, m := range r.Meetings {
		mj := cpdMeetingJSON{ID: m.ID, Programme: m.ProgrammeName, PairingID: m.PairingID, Start: m.StartAt, Timezone: m.Timezone,
			StartLocal: m.StartAt.In(location(m.Timezone)).Format("2006-01-02T15:04"), DurationMinutes: m.DurationMinutes, Format: m.Format,
			Objectives: nonNilStrings(m.Objectives), Topics: nonNilStrings(m.Topics), Actions: []cpdActionJSON{},
			Feedback: toCPDNotes(r, m.Feedback), Reflections: toCPDNotes(r, m.Reflections), Domains: nonNilStrings(m.Domains)}
		for _, a := range m.Actions {
			mj.Actions = append(mj.Actions, cpdActionJSON{Text: a.Text, Owner: r.Names[a.OwnerID], DueOn: a.DueOn, Done: a.Done})
		}
		out.Meetings = append(out.Meetings, mj)
	}
	for _, g := range r.Goals {
		out.Goals = append(out.Goals, cpdGoalJSON{ID: g.ID, Specific: g.Specific, Measure: g.Measure, TargetDate: g.TargetDate, Status: g.Status,
			Progress: g.Progress, AchievedAt: g.AchievedAt})
	}
	for _, c := range r.Content {
		out.Content = append(out.Content, cpdContentJSON{EventID: c.EventID, Kind: c.Kind, ItemID: c.ItemID, Title: c.Title, Minutes: c.Minutes,
			Domain: c.Domain, OccurredAt: c.OccurredAt, Score: c.Score, Passed: c.Passed})
	}
	for _, c := range r.Checkins {
		out.Checkins = append(out.Checkins, cpdCheckinJSON{Label: c.Label, Programme: c.ProgrammeName, Occasion: c.Occasion, AnsweredAt: c.AnsweredAt,
			Ratings: c.Ratings, Texts: c.Texts, Relationship: c.Relationship})
	}
	return out
}

func location(tz string) *time.Location {
	if loc, err := time.LoadLocation(tz); err == nil {
		return loc
	}
	return time.UTC
}
