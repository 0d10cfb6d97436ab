package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/insight"
)

// Reports as CSV: RFC 4180 (CRLF line ends, fields with commas, quotes or line breaks
// quoted, quotes doubled), UTF-8, a header row first. A spreadsheet runs a cell that starts
// with = + - @ (or a tab or carriage return) as a formula, so such a value is written with
// a leading apostrophe (OWASP's advice): a mentee named "=HYPERLINK(...)" stays text.

// sendCSV answers with a report as a CSV attachment named after the report, the programme
// and the day.
func sendCSV(c *fiber.Ctx, report, programmeID string, at time.Time, rows [][]string) error {
	b, err := insight.WriteCSV(rows)
	if err != nil {
		return err
	}
	name := report + "-" + programmeID + "-" + at.UTC().Format("2006-01-02") + ".csv"
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8; header=present")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Status(fiber.StatusOK).Send(b)
}
