package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/mentoring"
)

// GET /v1/sync?since=CURSOR: the pull half of the offline protocol (docs/offline-sync.md).
// A phone that was offline asks what changed for its person since its cursor: their own
// progress from any device, published or archived content of their programmes, their
// assignments, awards and inbox. Each answer carries a new cursor; "more" says a page was
// full and the phone asks again at once. Changes are delivered at least once (a cursor keeps a
// short overlap so that nothing written while it was read is skipped): the phone keeps them
// by ID. Every read is of the caller's own documents or their libraries, by index.

const (
	// pullPage is how many activity records and how many content changes one pull answers.
	pullPage = 100
	// pullOverlap is how far back a cursor reaches before the time it was made, for writes
	// that were in flight then.
	pullOverlap = 2 * time.Second
)

// pullCursor is what a pull cursor holds: where the phone is in its activity and in its
// libraries' changes, and since when it knows its assignments, awards and inbox.
type pullCursor struct {
	ActivityAt time.Time `json:"a"`
	ActivityID string    `json:"ai,omitempty"`
	ItemsAt    time.Time `json:"c"`
	ItemsID    string    `json:"ci,omitempty"`
	Since      time.Time `json:"s"`
}

func (pc pullCursor) encode() string {
	b, _ := json.Marshal(pc)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodePullCursor(s string) (pullCursor, error) {
	var pc pullCursor
	if s == "" {
		return pc, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(s) > 400 || json.Unmarshal(b, &pc) != nil {
		return pullCursor{}, apperr.Invalid("/since", "must be a cursor from an earlier GET /v1/sync (or absent for everything)")
	}
	return pc, nil
}

type pulledActivity struct {
	EventID     string    `json:"eventId"`
	Type        string    `json:"type"`
	ItemKind    string    `json:"itemKind"`
	ItemID      string    `json:"itemId"`
	ProgrammeID string    `json:"programmeId,omitempty"`
	Completes   bool      `json:"completes"`
	OccurredAt  time.Time `json:"occurredAt"`
	RecordedAt  time.Time `json:"recordedAt"`
}

type pulledContent struct {
	contentCommon
}

type pulledAward struct {
	ProgrammeID string `json:"programmeId"`
	recentAwardResponse
}

type syncPullResponse struct {
	Cursor        string                   `json:"cursor"`
	More          bool                     `json:"more"`
	Progress      []pulledActivity         `json:"progress"`
	Content       []pulledContent          `json:"content"`
	Assignments   []assignmentViewResponse `json:"assignments"`
	Awards        []pulledAward            `json:"awards"`
	Notifications []notificationResponse   `json:"notifications"`
}

func (s *Server) syncPull(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	pc, err := decodePullCursor(strings.Clone(c.Query("since")))
	if err != nil {
		return err
	}
	now := s.now()
	out := syncPullResponse{Progress: []pulledActivity{}, Content: []pulledContent{}, Assignments: []assignmentViewResponse{},
		Awards: []pulledAward{}, Notifications: []notificationResponse{}}
	pids, err := s.pullAwards(c, cl.UserID, pc.Since, &out)
	if err != nil {
		return err
	}
	next, err := s.pullContent(c, cl.UserID, pids, pc, &out)
	if err != nil {
		return err
	}
	if err := s.pullAssignments(c, cl.UserID, pc.Since, &out); err != nil {
		return err
	}
	if err := s.pullInbox(c, cl.UserID, pc.Since, &out); err != nil {
		return err
	}
	next.Since = now.Add(-pullOverlap)
	if next.Since.Before(pc.Since) {
		next.Since = pc.Since
	}
	out.Cursor = next.encode()
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return respond(c, http.StatusOK, out)
}

// pullAwards adds the caller's awards after since and returns their programmes.
func (s *Server) pullAwards(c *fiber.Ctx, userID string, since time.Time, out *syncPullResponse) ([]string, error) {
	sums, err := s.deps.Gamification.Summaries(c.UserContext(), userID, "")
	if err != nil {
		return nil, err
	}
	base := s.baseURL(c)
	pids := make([]string, 0, len(sums))
	for _, sm := range sums {
		pids = append(pids, sm.ProgrammeID)
		rendered := toSummaryResponse(base, sm).RecentAwards
		for i, r := range sm.Recent {
			if r.At.After(since) {
				out.Awards = append(out.Awards, pulledAward{ProgrammeID: sm.ProgrammeID, recentAwardResponse: rendered[i]})
			}
		}
	}
	return pids, nil
}

// pullContent adds the caller's activity and their libraries' changes after the cursor's
// positions and returns the positions to continue from.
func (s *Server) pullContent(c *fiber.Ctx, userID string, pids []string, pc pullCursor, out *syncPullResponse) (pullCursor, error) {
	ch, err := s.deps.Content.ChangesSince(c.UserContext(), userID, pids, content.Position{At: pc.ActivityAt, ID: pc.ActivityID},
		content.Position{At: pc.ItemsAt, ID: pc.ItemsID}, pullPage)
	if err != nil {
		return pullCursor{}, err
	}
	for _, a := range ch.Activity {
		out.Progress = append(out.Progress, pulledActivity{EventID: a.EventID, Type: string(a.Type), ItemKind: string(a.ItemKind), ItemID: a.ItemID,
			ProgrammeID: a.ProgrammeID, Completes: a.Completes, OccurredAt: a.OccurredAt, RecordedAt: a.RecordedAt})
	}
	for _, it := range ch.Items {
		out.Content = append(out.Content, pulledContent{toCommon(it)})
	}
	out.More = ch.More
	return pullCursor{ActivityAt: ch.ActivityAt.At, ActivityID: ch.ActivityAt.ID, ItemsAt: ch.ItemsAt.At, ItemsID: ch.ItemsAt.ID}, nil
}

// pullAssignments adds the caller's assignments given or completed after since (of their
// 50 newest).
func (s *Server) pullAssignments(c *fiber.Ctx, userID string, since time.Time, out *syncPullResponse) error {
	if s.deps.Mentoring == nil {
		return nil
	}
	views, _, err := s.deps.Mentoring.MyAssignments(c.UserContext(), userID, "", nil, 50)
	if err != nil {
		return err
	}
	var changed []mentoring.AssignmentView
	for _, v := range views {
		if v.CreatedAt.After(since) || (v.CompletedAt != nil && v.CompletedAt.After(since)) {
			changed = append(changed, v)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	ids := []string{userID}
	for _, v := range changed {
		ids = append(ids, v.MentorID)
	}
	names := s.deps.Mentoring.DisplayNames(c.UserContext(), ids)
	for _, v := range changed {
		out.Assignments = append(out.Assignments, toAssignmentView(v, names))
	}
	return nil
}

// pullInbox adds the caller's notifications delivered after since (of their 50 newest).
func (s *Server) pullInbox(c *fiber.Ctx, userID string, since time.Time, out *syncPullResponse) error {
	if s.deps.Notify == nil {
		return nil
	}
	page, err := s.deps.Notify.Inbox(c.UserContext(), userID, nil, 50)
	if err != nil {
		return err
	}
	for _, e := range page.Entries {
		if e.At.After(since) {
			out.Notifications = append(out.Notifications, toNotificationResponse(e))
		}
	}
	return nil
}
