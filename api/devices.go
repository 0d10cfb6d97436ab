package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/notify"
)

type deviceRequest struct {
	Token      string `json:"token"`
	Platform   string `json:"platform"`
	AppVersion string `json:"appVersion"`
}

// deviceResponse never carries the token: it is an address for pushes, not something the
// API hands back.
type deviceResponse struct {
	InstallationID string    `json:"installationId"`
	Platform       string    `json:"platform"`
	AppVersion     string    `json:"appVersion"`
	LastSeen       time.Time `json:"lastSeen"`
	CreatedAt      time.Time `json:"createdAt"`
}

func toDeviceResponse(d notify.Device) deviceResponse {
	return deviceResponse{InstallationID: d.InstallationID, Platform: string(d.Platform), AppVersion: d.AppVersion,
		LastSeen: d.LastSeen, CreatedAt: d.CreatedAt}
}

// putDevice registers the caller's app installation for pushes, or refreshes its token and
// last-seen time (apps call it at every start and whenever FCM rotates the token).
func (s *Server) putDevice(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	var req deviceRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	d, created, err := s.deps.Notify.RegisterDevice(c.UserContext(), cl.UserID, notify.DeviceInput{
		InstallationID: strings.Clone(c.Params("installationId")), Token: req.Token, Platform: req.Platform, AppVersion: req.AppVersion})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return respond(c, status, toDeviceResponse(d))
}

func (s *Server) deleteDevice(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	if err := s.deps.Notify.RemoveDevice(c.UserContext(), cl.UserID, strings.Clone(c.Params("installationId"))); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
