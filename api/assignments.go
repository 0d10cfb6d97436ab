package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
)

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
	// EstimatedMinutes and MyProgress: in the mentee's own list (GET /v1/me/assignments).
	EstimatedMinutes *int          `json:"estimatedMinutes,omitempty"`
	MyProgress       *standingJSON `json:"myProgress,omitempty"`
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
	if err := s.withMyProgress(c, cl.UserID, out.Items); err != nil {
		return err
	}
	return respond(c, http.StatusOK, out)
}

// withMyProgress adds the caller's progress and each item's minutes to their assignments'
// items (one read of their activity on them).
func (s *Server) withMyProgress(c *fiber.Ctx, userID string, views []assignmentViewResponse) error {
	var refs []learning.ItemRef
	for _, v := range views {
		for _, it := range v.Items {
			refs = append(refs, learning.ItemRef{Kind: it.Kind, ID: it.ID})
		}
	}
	if len(refs) == 0 || s.deps.Content == nil {
		return nil
	}
	mine, err := s.deps.Content.StandingsOfRefs(c.UserContext(), userID, refs)
	if err != nil {
		return err
	}
	minutes, err := s.deps.Content.Minutes(c.UserContext(), refs)
	if err != nil {
		return err
	}
	for i := range views {
		for j := range views[i].Items {
			it := &views[i].Items[j]
			if st, ok := mine[it.ID]; ok {
				sj := toStandingJSON(st)
				it.MyProgress = &sj
			}
			if m, ok := minutes[it.ID]; ok {
				it.EstimatedMinutes = &m
			}
		}
	}
	return nil
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
