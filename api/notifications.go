package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/notify"
)

func (s *Server) mountNotifications(r fiber.Router) {
	r.Get("/me/notifications", s.listNotifications)
	r.Post("/me/notifications/read-all", s.readAllNotifications)
	r.Patch("/me/notifications/:notificationId", s.patchNotification)
	r.Put("/me/devices/:installationId", s.putDevice)
	r.Delete("/me/devices/:installationId", s.deleteDevice)
}

type notificationResponse struct {
	ID          string            `json:"id"`
	Kind        string            `json:"kind"`
	Title       string            `json:"title"`
	Body        string            `json:"body"`
	Link        string            `json:"link"`
	Data        map[string]string `json:"data"`
	ProgrammeID string            `json:"programmeId,omitempty"`
	Status      string            `json:"status"`
	Read        bool              `json:"read"`
	ReadAt      *time.Time        `json:"readAt,omitempty"`
	CreatedAt   time.Time         `json:"createdAt"`
	DeliveredAt time.Time         `json:"deliveredAt"`
}

func toNotificationResponse(e notify.Entry) notificationResponse {
	data := map[string]string{"type": string(e.Kind), "notificationId": e.ID, "link": e.Link}
	for k, v := range e.Refs {
		data[k] = v
	}
	return notificationResponse{ID: e.ID, Kind: string(e.Kind), Title: e.Title, Body: e.Body, Link: e.Link, Data: data,
		ProgrammeID: e.ProgrammeID, Status: string(e.Status), Read: e.ReadAt != nil, ReadAt: e.ReadAt,
		CreatedAt: e.CreatedAt, DeliveredAt: e.At}
}

type notificationPage struct {
	Items       []notificationResponse `json:"items"`
	NextCursor  *string                `json:"nextCursor"`
	UnreadCount int                    `json:"unreadCount"`
}

func decodeInboxCursor(s string) (*notify.Cursor, error) {
	if s == "" {
		return nil, nil
	}
	at, id, ok := decodeTimeCursor(s)
	if !ok {
		return nil, notify.ErrBadCursor
	}
	return &notify.Cursor{At: at, ID: id}, nil
}

func (s *Server) listNotifications(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	limit := 20
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return apperr.Invalid("/limit", "must be a whole number from 1 to 100")
		}
		limit = n
	}
	after, err := decodeInboxCursor(strings.Clone(c.Query("cursor")))
	if err != nil {
		return err
	}
	page, err := s.deps.Notify.Inbox(c.UserContext(), cl.UserID, after, limit)
	if err != nil {
		return err
	}
	out := notificationPage{Items: make([]notificationResponse, 0, len(page.Entries)), UnreadCount: page.Unread}
	for _, e := range page.Entries {
		out.Items = append(out.Items, toNotificationResponse(e))
	}
	if page.Next != nil {
		next := encodeTimeCursor(page.Next.At, page.Next.ID)
		out.NextCursor = &next
	}
	return respond(c, http.StatusOK, out)
}

type patchNotificationRequest struct {
	Read *bool `json:"read"`
}

func (s *Server) patchNotification(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	var req patchNotificationRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Read == nil {
		return apperr.Invalid("/read", "is required")
	}
	e, err := s.deps.Notify.MarkRead(c.UserContext(), cl.UserID, strings.Clone(c.Params("notificationId")), *req.Read)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toNotificationResponse(e))
}

type readAllResponse struct {
	Marked int `json:"marked"`
}

func (s *Server) readAllNotifications(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	n, err := s.deps.Notify.MarkAllRead(c.UserContext(), cl.UserID)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, readAllResponse{Marked: n})
}
