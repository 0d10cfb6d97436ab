package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/mentoring"
)

func (s *Server) mountAgreement(r fiber.Router) {
	r.Get("/pairings/:pairingId/agreement", s.getAgreement)
	r.Patch("/pairings/:pairingId/agreement", s.patchAgreement)
	r.Get("/pairings/:pairingId/agreement/versions", s.agreementVersions)
	r.Post("/pairings/:pairingId/agreement/versions/:version/acknowledgement", s.acknowledgeAgreement)
	r.Get("/pairings/:pairingId/cadence", s.getCadence)
}

type agreementChangeJSON struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

type acknowledgementJSON struct {
	UserID string    `json:"userId"`
	At     time.Time `json:"at"`
}

type agreementVersionResponse struct {
	Version   int                   `json:"version"`
	Agreement agreementJSON         `json:"agreement"`
	Changes   []agreementChangeJSON `json:"changes"`
	By        string                `json:"by"`
	Side      string                `json:"side,omitempty"`
	At        time.Time             `json:"at"`
	Awaiting  []string              `json:"awaiting"`
	Acks      []acknowledgementJSON `json:"acknowledgements"`
	Agreed    bool                  `json:"agreed"`
}

func toAgreementVersion(v mentoring.AgreementVersion) agreementVersionResponse {
	out := agreementVersionResponse{Version: v.Version, By: v.By, Side: string(v.Side), At: v.At, Awaiting: nonNilStrings(v.Awaiting),
		Agreement: agreementJSON{MeetingFrequency: string(v.Agreement.MeetingFrequency), Goals: []string{}, Boundaries: v.Agreement.Boundaries,
			StartsOn: v.Agreement.StartsOn, EndsOn: v.Agreement.EndsOn},
		Changes: make([]agreementChangeJSON, len(v.Changes)), Acks: make([]acknowledgementJSON, len(v.Acks)), Agreed: v.Agreed()}
	for i, c := range v.Changes {
		out.Changes[i] = agreementChangeJSON(c)
	}
	for i, a := range v.Acks {
		out.Acks[i] = acknowledgementJSON(a)
	}
	return out
}

type agreementViewResponse struct {
	PairingID string                    `json:"pairingId"`
	Current   agreementVersionResponse  `json:"current"`
	Pending   *agreementVersionResponse `json:"pending"`
}

func toAgreementView(p mentoring.Pairing, v mentoring.AgreementView) agreementViewResponse {
	out := agreementViewResponse{PairingID: p.ID, Current: toAgreementVersion(v.Current)}
	if v.Pending != nil {
		pending := toAgreementVersion(*v.Pending)
		out.Pending = &pending
	}
	return out
}

func (s *Server) getAgreement(c *fiber.Ctx) error {
	p, actor, err := s.recordPairing(c)
	if err != nil {
		return err
	}
	v, err := s.deps.Record.Agreement(c.UserContext(), actor, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toAgreementView(p, v))
}

// decodeMergePatch reads an RFC 7396 merge patch of the agreement: an object whose members
// are strings (set) or null (cleared); nothing else can reach the store.
func decodeMergePatch(c *fiber.Ctx) (mentoring.AgreementPatch, error) {
	body := bytes.TrimSpace(c.Body())
	if len(body) == 0 {
		return mentoring.AgreementPatch{}, apperr.Invalid("", "a JSON merge patch is required")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return mentoring.AgreementPatch{}, apperr.Invalid("", "must be a JSON object (an RFC 7396 merge patch)")
	}
	patch := mentoring.AgreementPatch{Set: map[string]string{}}
	for name, v := range raw {
		switch name {
		case "meetingFrequency", "boundaries", "startsOn", "endsOn", "goals":
		default:
			return mentoring.AgreementPatch{}, apperr.Invalid("/"+name, "unknown field")
		}
		if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			patch.Clear = append(patch.Clear, name)
			continue
		}
		var str string
		if err := json.Unmarshal(v, &str); err != nil {
			if name == "goals" {
				patch.Set[name] = ""
				continue
			}
			return mentoring.AgreementPatch{}, apperr.Invalid("/"+name, "must be a string, or null to clear it")
		}
		patch.Set[name] = str
	}
	return patch, nil
}

func (s *Server) patchAgreement(c *fiber.Ctx) error {
	p, actor, err := s.recordPairing(c)
	if err != nil {
		return err
	}
	patch, err := decodeMergePatch(c)
	if err != nil {
		return err
	}
	v, err := s.deps.Record.ChangeAgreement(c.UserContext(), actor, p, patch)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toAgreementView(p, v))
}

type agreementVersionList struct {
	Items []agreementVersionResponse `json:"items"`
}

func (s *Server) agreementVersions(c *fiber.Ctx) error {
	p, actor, err := s.recordPairing(c)
	if err != nil {
		return err
	}
	vs, err := s.deps.Record.AgreementVersions(c.UserContext(), actor, p)
	if err != nil {
		return err
	}
	out := agreementVersionList{Items: make([]agreementVersionResponse, len(vs))}
	for i, v := range vs {
		out.Items[i] = toAgreementVersion(v)
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) acknowledgeAgreement(c *fiber.Ctx) error {
	p, actor, err := s.recordPairing(c)
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(c.Params("version"))
	if err != nil || version < 1 {
		return apperr.Invalid("/version", "must be a version number")
	}
	v, err := s.deps.Record.AcknowledgeAgreement(c.UserContext(), actor, p, version)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toAgreementView(p, v))
}

type cadencePeriodJSON struct {
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Held      int       `json:"held"`
	Confirmed int       `json:"confirmed"`
	Complete  bool      `json:"complete"`
}

type cadenceResponse struct {
	PairingID     string              `json:"pairingId"`
	Frequency     string              `json:"meetingFrequency"`
	Elapsed       int                 `json:"periodsElapsed"`
	Kept          int                 `json:"periodsKept"`
	KeptConfirmed int                 `json:"periodsKeptConfirmed"`
	Percent       *int                `json:"cadenceKeptPercent"`
	StreakMonths  int                 `json:"streakMonths"`
	LastMeetingAt *time.Time          `json:"lastMeetingAt,omitempty"`
	NextMeetingAt *time.Time          `json:"nextMeetingAt,omitempty"`
	DueAt         *time.Time          `json:"meetingDueAt,omitempty"`
	Periods       []cadencePeriodJSON `json:"periods"`
}

func (s *Server) getCadence(c *fiber.Ctx) error {
	p, actor, err := s.recordPairing(c)
	if err != nil {
		return err
	}
	cd, err := s.deps.Record.Cadence(c.UserContext(), actor, p)
	if err != nil {
		return err
	}
	out := cadenceResponse{PairingID: p.ID, Frequency: string(cd.Frequency), Elapsed: cd.Elapsed, Kept: cd.Kept,
		KeptConfirmed: cd.KeptConfirmed, Percent: cd.Percent, StreakMonths: cd.StreakMonths, LastMeetingAt: cd.LastMeetingAt,
		NextMeetingAt: cd.NextMeetingAt, DueAt: cd.DueAt, Periods: make([]cadencePeriodJSON, len(cd.Periods))}
	for i, per := range cd.Periods {
		out.Periods[i] = cadencePeriodJSON{Start: per.Start.UTC(), End: per.End.UTC(), Held: per.Held, Confirmed: per.Confirmed, Complete: per.Complete}
	}
	if out.Frequency == "" {
		out.Frequency = "unset"
	}
	return respond(c, http.StatusOK, out)
}
