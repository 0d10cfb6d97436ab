// Package cpdfile writes a CPD record as files people hand on: CSV for a spreadsheet and a
// printable, paginated PDF (go-pdf/fpdf, with the DejaVu Sans font embedded so that every
// name prints, whatever its script; the font's licence is in fonts/LICENSE-DejaVu).
package cpdfile

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/microlearn/microlearn/evidence"
)

// Domains in the order records list them, with their names.
var domainNames = map[string]string{"cognitive": "Cognitive", "skill-based": "Skill-based", "affective": "Affective",
	"social-networks": "Social networks", evidence.DomainUnassigned: "Not assigned to a domain"}

func domainName(d string) string {
	if n, ok := domainNames[d]; ok {
		return n
	}
	return d
}

func domainOrder() []string {
	return append(append([]string{}, evidence.Domains()...), evidence.DomainUnassigned)
}

// Hours formats minutes as hours and minutes ("3 h 05 min").
func Hours(min int) string {
	if min < 60 {
		return fmt.Sprintf("%d min", min)
	}
	return fmt.Sprintf("%d h %02d min", min/60, min%60)
}

func name(r evidence.CPDRecord, id string) string {
	if n := r.Names[id]; n != "" {
		return n
	}
	if id == r.UserID {
		return r.Name
	}
	return "someone"
}

func localDate(t time.Time, tz string) string {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

var kindNames = map[string]string{"lesson_completed": "Lesson completed", "quiz_attempted": "Quiz attempted", "checklist_completed": "Checklist completed"}

// CSV writes the record as one row per entry: section, date, programme, item, minutes,
// domain, status, details. The first rows name the person, the period and the code; the
// last rows hold the totals.
func CSV(w io.Writer, r evidence.CPDRecord, verifyURL string) error {
	cw := csv.NewWriter(w)
	row := func(cells ...string) { _ = cw.Write(cells) }
	row("section", "date", "programme", "item", "minutes", "domain", "status", "details")
	row("record", r.GeneratedAt.UTC().Format(time.RFC3339), strings.Join(programmes(r), "; "), r.Name, "", "", "",
		fmt.Sprintf("period %s to %s; verification code %s; %s", r.From, r.To, r.Code, verifyURL))
	for _, p := range r.Parties {
		row("pairing", p.StartedOn, p.ProgrammeName, "as "+p.Side, "", "", p.Status,
			"mentor "+p.MentorName+"; mentees "+strings.Join(p.MenteeNames, ", "))
	}
	for _, m := range r.Meetings {
		var details []string
		details = append(details, "format "+m.Format)
		if len(m.Objectives) > 0 {
			details = append(details, "objectives: "+strings.Join(m.Objectives, " | "))
		}
		if len(m.Topics) > 0 {
			details = append(details, "topics: "+strings.Join(m.Topics, " | "))
		}
		for _, a := range m.Actions {
			details = append(details, "action: "+actionText(r, a))
		}
		for _, n := range m.Feedback {
			details = append(details, "feedback from "+name(r, n.AuthorID)+": "+noteText(n))
		}
		for _, n := range m.Reflections {
			details = append(details, "my note: "+noteText(n))
		}
		row("meeting", localDate(m.StartAt, m.Timezone), m.ProgrammeName, "Mentoring meeting", strconv.Itoa(m.DurationMinutes),
			strings.Join(m.Domains, " "), "confirmed", strings.Join(details, "; "))
	}
	for _, n := range r.Reflections {
		row("reflection", localDate(n.CreatedAt, r.Timezone), r.ProgrammeOf(n.PairingID), "Reflection", "", strings.Join(n.Domains, " "), "", noteText(n))
	}
	for _, g := range r.Goals {
		row("goal", g.TargetDate, r.ProgrammeOf(g.PairingID), g.Specific, "", "", fmt.Sprintf("%s %d%%", g.Status, g.Progress), g.Measure)
	}
	for _, c := range r.Content {
		row("content", localDate(c.OccurredAt, r.Timezone), r.ProgrammeName(c.ProgrammeID), c.Title, strconv.Itoa(c.Minutes), c.Domain,
			kindNames[c.Kind], scoreText(c))
	}
	for _, c := range r.Checkins {
		row("checkin", localDate(c.AnsweredAt, r.Timezone), c.ProgrammeName, c.Label, "", "", "answered", checkinText(c))
	}
	t := r.Totals
	for _, a := range []string{evidence.ActivityMeetings, evidence.ActivityContent} {
		row("total", "", "", "activity "+a, strconv.Itoa(t.MinutesByActivity[a]), "", "", Hours(t.MinutesByActivity[a]))
	}
	for _, d := range domainOrder() {
		if m, ok := t.MinutesByDomain[d]; ok {
			row("total", "", "", "domain", strconv.Itoa(m), d, "", Hours(m))
		}
	}
	row("total", "", "", "counts", "", "", "", fmt.Sprintf("%d meetings, %d reflections, %d goals achieved, %d check-ins",
		len(r.Meetings), t.ReflectionCount, t.GoalsAchieved, t.CheckinCount))
	cw.Flush()
	return cw.Error()
}

func programmes(r evidence.CPDRecord) []string {
	var out []string
	for _, p := range r.Parties {
		if p.ProgrammeName != "" && !contains(out, p.ProgrammeName) {
			out = append(out, p.ProgrammeName)
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func actionText(r evidence.CPDRecord, a evidence.CPDAction) string {
	state := "open"
	if a.Done {
		state = "done"
	}
	s := a.Text + " (" + name(r, a.OwnerID)
	if a.DueOn != "" {
		s += ", by " + a.DueOn
	}
	return s + ", " + state + ")"
}

func noteText(n evidence.CPDNote) string {
	if !n.Reflection {
		return n.Body
	}
	var parts []string
	if n.Learned != "" {
		parts = append(parts, "learned: "+n.Learned)
	}
	if n.Apply != "" {
		parts = append(parts, "will apply: "+n.Apply)
	}
	if len(n.Domains) > 0 {
		var ds []string
		for _, d := range n.Domains {
			ds = append(ds, domainName(d))
		}
		parts = append(parts, "domains: "+strings.Join(ds, ", "))
	}
	if n.Body != "" {
		parts = append(parts, n.Body)
	}
	return strings.Join(parts, " / ")
}

func scoreText(c evidence.CPDContent) string {
	if c.Score == nil {
		return ""
	}
	s := fmt.Sprintf("score %d%%", *c.Score)
	if c.Passed {
		s += ", passed"
	}
	return s
}

func checkinText(c evidence.CPDCheckin) string {
	var parts []string
	for _, d := range evidence.Domains() {
		if r, ok := c.Ratings[d]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", domainName(d), r))
		}
	}
	parts = append(parts, fmt.Sprintf("relationship %d", c.Relationship))
	keys := make([]string, 0, len(c.Texts))
	for k := range c.Texts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, domainName(k)+": "+c.Texts[k])
	}
	return strings.Join(parts, "; ")
}
