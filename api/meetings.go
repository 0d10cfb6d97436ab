package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/mentoring"
)

func (s *Server) mountMeetings(r fiber.Router) {
	r.Post("/pairings/:pairingId/meetings", s.planMeeting)
	r.Get("/pairings/:pairingId/meetings", s.listMeetings)
	r.Get("/meetings/:meetingId", s.getMeeting)
	r.Patch("/meetings/:meetingId", s.editMeeting)
	r.Post("/meetings/:meetingId/confirmation", s.confirmMeeting)
	r.Post("/meetings/:meetingId/actions", s.addActions)
	r.Patch("/actions/:actionId", s.editAction)
	r.Get("/me/actions", s.myActions)
}

type actionRequest struct {
	Text    *string `json:"text"`
	OwnerID *string `json:"ownerId"`
	Due     *string `json:"due"`
	Done    *bool   `json:"done"`
}

func (a actionRequest) toInput() mentoring.ActionInput {
	return mentoring.ActionInput{Text: a.Text, OwnerID: a.OwnerID, Due: a.Due, Done: a.Done}
}

type meetingRequest struct {
	Start           *string         `json:"start"`
	Timezone        *string         `json:"timezone"`
	DurationMinutes *int            `json:"durationMinutes"`
	Format          *string         `json:"format"`
	Place           *string         `json:"place"`
	Objectives      []string        `json:"objectives"`
	Topics          []string        `json:"topics"`
	AttendeeIDs     []string        `json:"attendeeIds"`
	Status          *string         `json:"status"`
	Actions         []actionRequest `json:"actions"`
	Revision        *int            `json:"revision"`
}

func (m meetingRequest) toInput() mentoring.MeetingInput {
	in := mentoring.MeetingInput{Start: m.Start, Timezone: m.Timezone, DurationMinutes: m.DurationMinutes, Format: m.Format,
		Place: m.Place, Objectives: m.Objectives, Topics: m.Topics, AttendeeIDs: m.AttendeeIDs, Status: m.Status, Revision: m.Revision}
	if m.Actions != nil {
		in.Actions = make([]mentoring.ActionInput, len(m.Actions))
		for i, a := range m.Actions {
			in.Actions[i] = a.toInput()
		}
	}
	return in
}

type actionResponse struct {
	ID        string     `json:"id"`
	MeetingID string     `json:"meetingId"`
	PairingID string     `json:"pairingId"`
	OwnerID   string     `json:"ownerId"`
	Text      string     `json:"text"`
	DueAt     time.Time  `json:"dueAt"`
	DueLocal  string     `json:"dueLocal"`
	Timezone  string     `json:"timezone"`
	Done      bool       `json:"done"`
	DoneAt    *time.Time `json:"doneAt,omitempty"`
	CreatedBy string     `json:"createdBy"`
	CreatedAt time.Time  `json:"createdAt"`
	UpdatedAt time.Time  `json:"updatedAt"`
}

func toActionResponse(a mentoring.Action) actionResponse {
	return actionResponse{ID: a.ID, MeetingID: a.MeetingID, PairingID: a.PairingID, OwnerID: a.OwnerID, Text: a.Text, DueAt: a.DueAt,
		DueLocal: a.DueLocal, Timezone: a.Timezone, Done: a.Done, DoneAt: a.DoneAt, CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt,
		UpdatedAt: a.UpdatedAt}
}

func toActionResponses(as []mentoring.Action) []actionResponse {
	out := make([]actionResponse, len(as))
	for i, a := range as {
		out[i] = toActionResponse(a)
	}
	return out
}

type confirmationResponse struct {
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	Revision int       `json:"revision"`
	Status   string    `json:"status"`
}

type meetingResponse struct {
	ID              string                `json:"id"`
	ProgrammeID     string                `json:"programmeId"`
	PairingID       string                `json:"pairingId"`
	Status          string                `json:"status"`
	Start           time.Time             `json:"start"`
	StartLocal      string                `json:"startLocal"`
	Timezone        string                `json:"timezone"`
	End             time.Time             `json:"end"`
	DurationMinutes int                   `json:"durationMinutes"`
	Format          string                `json:"format"`
	Place           string                `json:"place"`
	Objectives      []string              `json:"objectives"`
	Topics          []string              `json:"topics"`
	ParticipantIDs  []string              `json:"participantIds"`
	AttendeeIDs     []string              `json:"attendeeIds"`
	CreatedBy       string                `json:"createdBy"`
	UpdatedBy       string                `json:"updatedBy"`
	CreatedAt       time.Time             `json:"createdAt"`
	UpdatedAt       time.Time             `json:"updatedAt"`
	Revision        int                   `json:"revision"`
	Confirmed       bool                  `json:"confirmed"`
	Evidence        bool                  `json:"evidence"`
	AwaitingSide    string                `json:"awaitingConfirmationFrom,omitempty"`
	Confirmation    *confirmationResponse `json:"confirmation,omitempty"`
	Actions         []actionResponse      `json:"actions"`
}

func toMeetingResponse(v mentoring.MeetingView, p mentoring.Pairing) meetingResponse {
	m := v.Meeting
	out := meetingResponse{ID: m.ID, ProgrammeID: m.ProgrammeID, PairingID: m.PairingID, Status: string(m.Status), Start: m.StartAt,
		StartLocal: m.StartLocal(), Timezone: m.Timezone, End: m.EndAt(), DurationMinutes: m.DurationMinutes, Format: string(m.Format),
		Place: m.Place, Objectives: nonNilStrings(m.Objectives), Topics: nonNilStrings(m.Topics), ParticipantIDs: nonNilStrings(m.Participants),
		AttendeeIDs: nonNilStrings(m.AttendeeIDs), CreatedBy: m.CreatedBy, UpdatedBy: m.UpdatedBy, CreatedAt: m.CreatedAt,
		UpdatedAt: m.UpdatedAt, Revision: m.Revision, Confirmed: m.Confirmed(), Evidence: m.Evidence(), Actions: toActionResponses(v.Actions)}
	if c := m.Confirmation; c != nil {
		out.Confirmation = &confirmationResponse{By: c.By, At: c.At, Revision: c.Revision, Status: string(c.Status)}
	}
	if !m.Confirmed() && m.Status != mentoring.MeetingCancelled {
		switch mentoring.SideOf(p, m.UpdatedBy) {
		case mentoring.SideMentor:
			out.AwaitingSide = string(mentoring.SideMentee)
		case mentoring.SideMentee:
			out.AwaitingSide = string(mentoring.SideMentor)
		}
	}
	return out
}

// meetingOf loads the path's meeting and its pairing and authorizes the caller on the
// pairing's programme; who in the programme reaches the meeting is the record service's
// rule (mentoring.MeetingReadable), which the console's meeting pages meet too.
func (s *Server) meetingOf(c *fiber.Ctx) (mentoring.Meeting, mentoring.Pairing, mentoring.Actor, error) {
	if _, err := signedIn(c); err != nil {
		return mentoring.Meeting{}, mentoring.Pairing{}, mentoring.Actor{}, err
	}
	m, p, err := s.deps.Record.MeetingOf(c.UserContext(), strings.Clone(c.Params("meetingId")))
	if err != nil {
		return m, p, mentoring.Actor{}, err
	}
	actor, err := s.recordActor(c, p)
	if err == nil {
		// Before the body is read, so that a bad body cannot tell an outsider the meeting
		// exists; the service's methods apply the same rule again.
		err = mentoring.MeetingReadable(actor, p, m)
	}
	return m, p, actor, err
}

func (s *Server) planMeeting(c *fiber.Ctx) error {
	p, actor, err := s.recordPairing(c)
	if err != nil {
		return err
	}
	var req meetingRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	v, err := s.deps.Record.PlanMeeting(c.UserContext(), actor, p, req.toInput())
	if err != nil {
		return err
	}
	c.Location("/v1/meetings/" + v.ID)
	return respond(c, http.StatusCreated, toMeetingResponse(v, p))
}

type meetingList struct {
	Items      []meetingResponse `json:"items"`
	NextCursor string            `json:"nextCursor,omitempty"`
}

func (s *Server) listMeetings(c *fiber.Ctx) error {
	p, actor, err := s.recordPairing(c)
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
	q := mentoring.MeetingQuery{Status: mentoring.MeetingStatus(strings.Clone(c.Query("status"))), After: after, Limit: limit}
	if q.From, err = queryTime(c, "from"); err != nil {
		return err
	}
	if q.To, err = queryTime(c, "to"); err != nil {
		return err
	}
	views, next, err := s.deps.Record.Meetings(c.UserContext(), actor, p, q)
	if err != nil {
		return err
	}
	out := meetingList{Items: make([]meetingResponse, len(views))}
	for i, v := range views {
		out.Items[i] = toMeetingResponse(v, p)
	}
	if next != nil {
		out.NextCursor = encodeTimeCursor(next.At, next.ID)
	}
	return respond(c, http.StatusOK, out)
}

// queryTime reads an optional RFC 3339 query parameter.
func queryTime(c *fiber.Ctx, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, apperr.Invalid("/"+name, "must be an RFC 3339 time such as 2026-10-01T00:00:00Z")
	}
	return t, nil
}

func (s *Server) getMeeting(c *fiber.Ctx) error {
	m, p, actor, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	v, err := s.deps.Record.MeetingView(c.UserContext(), actor, p, m)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toMeetingResponse(v, p))
}

func (s *Server) editMeeting(c *fiber.Ctx) error {
	m, p, actor, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	var req meetingRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	v, err := s.deps.Record.EditMeeting(c.UserContext(), actor, p, m, req.toInput())
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toMeetingResponse(v, p))
}

type confirmRequest struct {
	Revision *int `json:"revision"`
}

func (s *Server) confirmMeeting(c *fiber.Ctx) error {
	m, p, actor, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	var req confirmRequest
	if len(c.Body()) > 0 {
		if err := decode(c, &req); err != nil {
			return err
		}
	}
	v, err := s.deps.Record.ConfirmMeeting(c.UserContext(), actor, p, m, req.Revision)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toMeetingResponse(v, p))
}

type addActionsRequest struct {
	Actions []actionRequest `json:"actions"`
}

type actionList struct {
	Items      []actionResponse `json:"items"`
	NextCursor string           `json:"nextCursor,omitempty"`
}

func (s *Server) addActions(c *fiber.Ctx) error {
	m, p, actor, err := s.meetingOf(c)
	if err != nil {
		return err
	}
	var req addActionsRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	in := make([]mentoring.ActionInput, len(req.Actions))
	for i, a := range req.Actions {
		in[i] = a.toInput()
	}
	as, err := s.deps.Record.AddActions(c.UserContext(), actor, p, m, in)
	if err != nil {
		return err
	}
	return respond(c, http.StatusCreated, actionList{Items: toActionResponses(as)})
}

func (s *Server) editAction(c *fiber.Ctx) error {
	if _, err := signedIn(c); err != nil {
		return err
	}
	a, p, err := s.deps.Record.ActionOf(c.UserContext(), strings.Clone(c.Params("actionId")))
	if err != nil {
		return err
	}
	actor, err := s.recordActor(c, p)
	if err != nil {
		return err
	}
	var req actionRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	out, err := s.deps.Record.EditAction(c.UserContext(), actor, p, a, req.toInput())
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toActionResponse(out))
}

func (s *Server) myActions(c *fiber.Ctx) error {
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
	done, err := queryState(c, "state", "open", "done")
	if err != nil {
		return err
	}
	as, next, err := s.deps.Record.MyActions(c.UserContext(), cl.UserID, done, after, limit)
	if err != nil {
		return err
	}
	out := actionList{Items: toActionResponses(as)}
	if next != nil {
		out.NextCursor = encodeTimeCursor(next.At, next.ID)
	}
	return respond(c, http.StatusOK, out)
}
