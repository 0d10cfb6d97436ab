// Package xapi turns learning activity into xAPI 1.0.3 statements (Experience API, ADL): a
// lesson completed, a quiz passed or failed with its score, a checklist completed, a meeting
// attended, a reflection written, a goal achieved and a check-in completed. The statement is
// a wire format, so its types carry JSON tags; it is stored and forwarded as the JSON bytes
// made here, byte for byte, which is what lets an LRS recognise a resent statement as the same
// one (xAPI defines a statement ID as idempotent). It imports the standard library and the
// learning kernel only.
package xapi

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/microlearn/microlearn/learning"
)

// Version is the xAPI version of the statements and of the X-Experience-API-Version header.
const Version = "1.0.3"

// ADL verbs and activity types used where one fits.
const (
	VerbCompleted = "http://adlnet.gov/expapi/verbs/completed"
	VerbPassed    = "http://adlnet.gov/expapi/verbs/passed"
	VerbFailed    = "http://adlnet.gov/expapi/verbs/failed"
	VerbAttended  = "http://adlnet.gov/expapi/verbs/attended"

	TypeLesson     = "http://adlnet.gov/expapi/activities/lesson"
	TypeAssessment = "http://adlnet.gov/expapi/activities/assessment"
	TypeMeeting    = "http://adlnet.gov/expapi/activities/meeting"
	TypeObjective  = "http://adlnet.gov/expapi/activities/objective"
	TypeCourse     = "http://adlnet.gov/expapi/activities/course"
)

// LanguageMap maps RFC 5646 tags to text.
type LanguageMap map[string]string

// Account is an account on a system (the IFI of our agents and groups).
type Account struct {
	HomePage string `json:"homePage"`
	Name     string `json:"name"`
}

// Agent is a person, or with ObjectType "Group" and Members, a group.
type Agent struct {
	ObjectType string   `json:"objectType"`
	Name       string   `json:"name,omitempty"`
	Account    *Account `json:"account,omitempty"`
	Members    []Agent  `json:"member,omitempty"`
}

// Verb is what the actor did.
type Verb struct {
	ID      string      `json:"id"`
	Display LanguageMap `json:"display"`
}

// Definition describes an activity.
type Definition struct {
	Name        LanguageMap    `json:"name,omitempty"`
	Description LanguageMap    `json:"description,omitempty"`
	Type        string         `json:"type,omitempty"`
	Extensions  map[string]any `json:"extensions,omitempty"`
}

// Activity is the object of a statement, or one of its context activities.
type Activity struct {
	ObjectType string      `json:"objectType"`
	ID         string      `json:"id"`
	Definition *Definition `json:"definition,omitempty"`
}

// Score is a result's score.
type Score struct {
	Scaled float64 `json:"scaled"`
	Raw    int     `json:"raw"`
	Min    int     `json:"min"`
	Max    int     `json:"max"`
}

// Result is the outcome.
type Result struct {
	Score      *Score         `json:"score,omitempty"`
	Success    *bool          `json:"success,omitempty"`
	Completion *bool          `json:"completion,omitempty"`
	Duration   string         `json:"duration,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// ContextActivities are the activities a statement happened within.
type ContextActivities struct {
	Parent   []Activity `json:"parent,omitempty"`
	Grouping []Activity `json:"grouping,omitempty"`
	Category []Activity `json:"category,omitempty"`
}

// Context is where the statement happened: the pairing as the team, the programme as parent.
type Context struct {
	Team              *Agent             `json:"team,omitempty"`
	ContextActivities *ContextActivities `json:"contextActivities,omitempty"`
	Platform          string             `json:"platform,omitempty"`
	Language          string             `json:"language,omitempty"`
	Extensions        map[string]any     `json:"extensions,omitempty"`
}

// Statement is one xAPI statement.
type Statement struct {
	ID        string   `json:"id"`
	Actor     Agent    `json:"actor"`
	Verb      Verb     `json:"verb"`
	Object    Activity `json:"object"`
	Result    *Result  `json:"result,omitempty"`
	Context   *Context `json:"context,omitempty"`
	Timestamp string   `json:"timestamp"`
}

// IRIs makes the stable IRIs of one installation from its base (XAPI_BASE_IRI): programmes are
// <base>/programmes/<id> (the home page of their members' accounts), activities
// <base>/xapi/activities/<kind>/<id>, our own verbs, types and extensions under
// <base>/xapi/verbs, /xapi/activity-types and /xapi/extensions.
type IRIs struct{ Base string }

func (i IRIs) base() string { return strings.TrimSuffix(i.Base, "/") }

// Programme is a programme's home page.
func (i IRIs) Programme(id string) string { return i.base() + "/programmes/" + url.PathEscape(id) }

// Activity is an activity's IRI.
func (i IRIs) Activity(kind, id string) string {
	return i.base() + "/xapi/activities/" + kind + "/" + url.PathEscape(id)
}

// Own returns one of our own IRIs (kind is verbs, activity-types or extensions).
func (i IRIs) Own(kind, name string) string { return i.base() + "/xapi/" + kind + "/" + name }

var namespace = [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8} // RFC 4122 URL namespace

// StatementID is the deterministic statement ID of a source (an RFC 4122 version 5 UUID of
// "microlearn:" + source), so that the same learning event always makes the same statement.
func StatementID(source string) string {
	h := sha1.New()
	h.Write(namespace[:])
	h.Write([]byte("microlearn:" + source))
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Duration formats seconds as an ISO 8601 duration (PT7M30S).
func Duration(seconds int) string {
	d := time.Duration(seconds) * time.Second
	h, m, s := int(d.Hours()), int(d.Minutes())%60, seconds%60
	out := "PT"
	if h > 0 {
		out += fmt.Sprintf("%dH", h)
	}
	if m > 0 {
		out += fmt.Sprintf("%dM", m)
	}
	if s > 0 || out == "PT" {
		out += fmt.Sprintf("%dS", s)
	}
	return out
}

// Subject is what a statement needs to know besides the event.
type Subject struct {
	// Title names the object ("" leaves the definition's name out).
	Title string
	// Team is the pairing the act belongs to (nil outside one).
	Team *Team
}

// Team is a pairing as the statement's team.
type Team struct {
	PairingID string
	Members   []string
}

func boolp(b bool) *bool { return &b }

// FromEvent makes the statement of a learning event; ok is false for kinds that have none.
func (i IRIs) FromEvent(e learning.Event, sub Subject) (Statement, bool) {
	s := Statement{ID: StatementID("event:" + e.ID), Actor: i.agent(e.ProgrammeID, e.UserID), Timestamp: e.OccurredAt.UTC().Format(time.RFC3339Nano)}
	def := &Definition{}
	if sub.Title != "" {
		def.Name = LanguageMap{"en": sub.Title}
	}
	switch e.Kind {
	case learning.LessonCompleted:
		s.Verb, def.Type = verb(VerbCompleted, "completed"), TypeLesson
		s.Object = Activity{ObjectType: "Activity", ID: i.Activity("lesson", e.ItemID)}
		s.Result = &Result{Completion: boolp(true)}
	case learning.QuizAttempted:
		s.Verb = verb(VerbFailed, "failed")
		if e.Passed {
			s.Verb = verb(VerbPassed, "passed")
		}
		def.Type = TypeAssessment
		s.Object = Activity{ObjectType: "Activity", ID: i.Activity("quiz", e.ItemID)}
		s.Result = &Result{Score: &Score{Scaled: float64(e.ScorePercent) / 100, Raw: e.ScorePercent, Min: 0, Max: 100},
			Success: boolp(e.Passed), Completion: boolp(true),
			Extensions: map[string]any{i.Own("extensions", "attempt"): e.Attempt}}
	case learning.ChecklistCompleted:
		s.Verb, def.Type = verb(VerbCompleted, "completed"), i.Own("activity-types", "checklist")
		s.Object = Activity{ObjectType: "Activity", ID: i.Activity("checklist", e.ItemID)}
		s.Result = &Result{Completion: boolp(true)}
	case learning.MeetingConfirmed:
		s.Verb, def.Type = verb(VerbAttended, "attended"), TypeMeeting
		s.Object = Activity{ObjectType: "Activity", ID: i.Activity("meeting", e.ItemID)}
	case learning.ReflectionWritten:
		s.Verb, def.Type = Verb{ID: i.Own("verbs", "reflected"), Display: LanguageMap{"en": "reflected on"}}, i.Own("activity-types", "reflection")
		s.Object = Activity{ObjectType: "Activity", ID: i.Activity("reflection", e.ItemID)}
	case learning.GoalAchieved:
		s.Verb, def.Type = verb(VerbCompleted, "completed"), TypeObjective
		s.Object = Activity{ObjectType: "Activity", ID: i.Activity("goal", e.ItemID)}
		s.Result = &Result{Success: boolp(true), Completion: boolp(true)}
	default:
		return Statement{}, false
	}
	if e.SecondsSpent > 0 {
		if s.Result == nil {
			s.Result = &Result{}
		}
		s.Result.Duration = Duration(e.SecondsSpent)
	}
	s.Object.Definition = def
	s.Context = i.context(e.ProgrammeID, e.Role, e.Domain, sub.Team)
	return s, true
}

// CheckinRatings are a check-in answer's ratings, as the statement's result carries them.
type CheckinRatings struct {
	CheckinID, ProgrammeID, UserID, Role, Label string
	Ratings                                     map[string]int
	Relationship                                int
	AnsweredAt                                  time.Time
	Team                                        *Team
}

// FromCheckin makes the statement of a completed check-in: the ratings (numbers only, never
// the author's words) are result extensions.
func (i IRIs) FromCheckin(c CheckinRatings) Statement {
	ratings := map[string]any{}
	for d, r := range c.Ratings {
		ratings[d] = r
	}
	s := Statement{ID: StatementID("checkin:" + c.CheckinID), Actor: i.agent(c.ProgrammeID, c.UserID),
		Verb: verb(VerbCompleted, "completed"), Timestamp: c.AnsweredAt.UTC().Format(time.RFC3339Nano),
		Object: Activity{ObjectType: "Activity", ID: i.Activity("checkin", c.CheckinID),
			Definition: &Definition{Name: LanguageMap{"en": "Check-in: " + c.Label}, Type: i.Own("activity-types", "check-in")}},
		Result: &Result{Completion: boolp(true), Extensions: map[string]any{
			i.Own("extensions", "domain-ratings"): ratings, i.Own("extensions", "relationship-rating"): c.Relationship}},
		Context: i.context(c.ProgrammeID, c.Role, "", c.Team)}
	return s
}

func verb(id, display string) Verb { return Verb{ID: id, Display: LanguageMap{"en-US": display}} }

func (i IRIs) agent(programmeID, userID string) Agent {
	return Agent{ObjectType: "Agent", Account: &Account{HomePage: i.Programme(programmeID), Name: userID}}
}

func (i IRIs) context(programmeID, role, domain string, team *Team) *Context {
	c := &Context{Platform: "microlearn", ContextActivities: &ContextActivities{
		Parent: []Activity{{ObjectType: "Activity", ID: i.Activity("programme", programmeID), Definition: &Definition{Type: TypeCourse}}}}}
	ext := map[string]any{}
	if role != "" {
		ext[i.Own("extensions", "role")] = role
	}
	if domain != "" {
		ext[i.Own("extensions", "learning-domain")] = domain
	}
	if len(ext) > 0 {
		c.Extensions = ext
	}
	if team != nil {
		g := Agent{ObjectType: "Group", Account: &Account{HomePage: i.Programme(programmeID), Name: "pairing:" + team.PairingID}}
		for _, m := range team.Members {
			g.Members = append(g.Members, i.agent(programmeID, m))
		}
		c.Team = &g
		c.ContextActivities.Grouping = []Activity{{ObjectType: "Activity", ID: i.Activity("pairing", team.PairingID)}}
	}
	return c
}

// Marshal is the statement's JSON, the bytes stored and forwarded.
func Marshal(s Statement) ([]byte, error) { return json.Marshal(s) }
