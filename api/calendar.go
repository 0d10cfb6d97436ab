package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/mentoring"
)

func (s *Server) mountCalendar(r fiber.Router) {
	r.Post("/me/calendar-token", s.newCalendarToken)
	r.Delete("/me/calendar-token", s.revokeCalendarToken)
	r.Get("/me/calendar.ics", s.calendarFeed)
}

type calendarTokenResponse struct {
	Token string `json:"token"`
	URL   string `json:"url"`
}

func (s *Server) newCalendarToken(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	token, err := s.deps.Record.NewFeedToken(c.UserContext(), cl.UserID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return respond(c, http.StatusCreated, calendarTokenResponse{Token: token, URL: c.BaseURL() + "/v1/me/calendar.ics?token=" + token})
}

func (s *Server) revokeCalendarToken(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	if err := s.deps.Record.RevokeFeedToken(c.UserContext(), cl.UserID); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) calendarFeed(c *fiber.Ctx) error {
	_, items, err := s.deps.Record.CalendarFeed(c.UserContext(), strings.Clone(c.Query("token")))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "private, max-age=300")
	return c.Status(http.StatusOK).SendString(renderICS(items, s.now()))
}

// renderICS writes an RFC 5545 calendar: UTC times (no VTIMEZONE needed; calendars show
// them in their own zone), all-day entries as DATE values, CRLF line ends, text escaped and
// lines folded at 75 octets.
func renderICS(items []mentoring.CalendarItem, now time.Time) string {
	var b strings.Builder
	line := func(name, value string) { foldLine(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//microlearn//mentoring record//EN")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	line("X-WR-CALNAME", "Mentoring")
	stamp := now.UTC().Format("20060102T150405Z")
	for _, it := range items {
		line("BEGIN", "VEVENT")
		line("UID", it.UID)
		line("DTSTAMP", stamp)
		if it.AllDay {
			line("DTSTART;VALUE=DATE", it.Start.Format("20060102"))
			line("DTEND;VALUE=DATE", it.End.Format("20060102"))
		} else {
			line("DTSTART", it.Start.UTC().Format("20060102T150405Z"))
			line("DTEND", it.End.UTC().Format("20060102T150405Z"))
		}
		line("SUMMARY", escapeText(it.Summary))
		if it.Description != "" {
			line("DESCRIPTION", escapeText(it.Description))
		}
		if it.Location != "" {
			line("LOCATION", escapeText(it.Location))
		}
		if !it.Updated.IsZero() {
			line("LAST-MODIFIED", it.Updated.UTC().Format("20060102T150405Z"))
		}
		line("SEQUENCE", strconv.Itoa(max(it.Revision-1, 0)))
		if it.Cancelled {
			line("STATUS", "CANCELLED")
		} else {
			line("STATUS", "CONFIRMED")
		}
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	return b.String()
}

// escapeText escapes a TEXT value (RFC 5545 3.3.11).
func escapeText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// foldLine writes one content line, folded so no line exceeds 75 octets, never splitting a
// UTF-8 sequence.
func foldLine(b *strings.Builder, l string) {
	const limit = 75
	n := 0
	for i := 0; i < len(l); {
		size := 1
		for i+size < len(l) && l[i+size]&0xC0 == 0x80 {
			size++
		}
		if n+size > limit {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteString(l[i : i+size])
		n += size
		i += size
	}
	b.WriteString("\r\n")
}
