package insight

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"time"
)

// The reports as CSV rows, shared by the API and the console (one writer, one set of columns).
// Reports as CSV: RFC 4180 (CRLF line ends, fields with commas, quotes or line breaks
// quoted, quotes doubled), UTF-8, a header row first. A spreadsheet runs a cell that starts
// with = + - @ (or a tab or carriage return) as a formula, so such a value is written with
// a leading apostrophe (OWASP's advice): a mentee named "=HYPERLINK(...)" stays text.

// csvSafe neutralises a value a spreadsheet would take for a formula.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// WriteCSV writes rows (the header first) as RFC 4180 CSV.
func WriteCSV(rows [][]string) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	for _, r := range rows {
		safe := make([]string, len(r))
		for i, v := range r {
			safe[i] = csvSafe(v)
		}
		if err := w.Write(safe); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func ftoa(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

func rate(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', 4, 64)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// HealthCSV is the health report as (section, metric, value) rows.
func HealthCSV(h Health) [][]string {
	rows := [][]string{{"section", "metric", "value"}}
	add := func(section, metric, value string) { rows = append(rows, []string{section, metric, value}) }
	add("report", "generated_at", stamp(h.GeneratedAt))
	add("report", "timezone", h.Timezone)
	add("report", "week", h.Week)
	for _, r := range []string{RoleOwner, RoleMentor, RoleMentee} {
		add("members", r, itoa(h.Members[r]))
		add("active_last_7_days", r, itoa(h.Active7[r]))
		add("active_last_30_days", r, itoa(h.Active30[r]))
	}
	for name, w := range map[string]WeekFigures{"this_week": h.ThisWeek, "previous_week": h.PrevWeek} {
		for _, k := range []string{"lesson", "quiz", "checklist", "path", "assignment"} {
			add(name, k+"_completed", itoa(w.Completions[k]))
		}
		add(name, "active_mentees", itoa(w.ActiveMentees))
		add(name, "median_minutes_per_active_mentee", ftoa(w.MedianMinutes))
		add(name, "minutes", itoa(w.Minutes))
	}
	a := h.Assignments
	add("assignments", "on_time", itoa(a.OnTime))
	add("assignments", "late", itoa(a.Late))
	add("assignments", "overdue", itoa(a.Overdue))
	add("assignments", "open", itoa(a.Open))
	for _, p := range h.Pairings {
		add("pairings", p.Status+" "+p.Type, itoa(p.Count))
	}
	m := h.Meetings
	add("meetings", "pairings_with_cadence", itoa(m.PairingsWithCadence))
	add("meetings", "periods_elapsed", itoa(m.PeriodsElapsed))
	add("meetings", "periods_kept", itoa(m.PeriodsKept))
	add("meetings", "meetings_held", itoa(m.MeetingsHeld))
	add("meetings", "pairings_overdue", itoa(m.PairingsOverdue))
	if h.Checkins != nil {
		add("checkins", "invited", itoa(h.Checkins.Invited))
		add("checkins", "answered", itoa(h.Checkins.Answered))
		add("checkins", "response_rate", rate(h.Checkins.ResponseRate))
	}
	add("at_risk", "mentees", itoa(h.AtRiskMentees))
	add("at_risk", "pairings", itoa(h.AtRiskPairings))
	return rows
}

// LearningCSV has a row per week and domain ("all" totals the week).
func LearningCSV(r LearningReport) [][]string {
	rows := [][]string{{"week", "domain", "completions", "minutes", "active_mentees", "median_minutes_per_active_mentee"}}
	for _, w := range r.Weeks {
		var done int64
		for _, n := range w.Completions {
			done += n
		}
		rows = append(rows, []string{w.Week, "all", itoa(done), itoa(w.Minutes), itoa(w.ActiveMentees), ftoa(w.MedianMinutes)})
		for _, d := range w.Domains {
			rows = append(rows, []string{w.Week, d.Domain, itoa(d.Completions), itoa(d.Minutes), "", ""})
		}
	}
	return rows
}

// ItemsCSV has a row per item of the page.
func ItemsCSV(p ItemsPage) [][]string {
	rows := [][]string{{"item_id", "kind", "title", "domain", "reach", "completed", "completion_rate", "median_seconds", "total_minutes",
		"attempts", "pass_rate", "first_attempt_pass_rate"}}
	for _, f := range p.Items {
		rows = append(rows, []string{f.Item.ID, f.Item.Kind, f.Item.Title, f.Item.Domain, itoa(f.Reach), itoa(f.Completed), rate(f.CompletionRate),
			ftoa(f.MedianSeconds), itoa(f.TotalMinutes), itoa(f.Attempts), rate(f.PassRate), rate(f.FirstPassRate)})
	}
	return rows
}

// QuestionsCSV has a row per quiz question.
func QuestionsCSV(r QuestionsReport) [][]string {
	rows := [][]string{{"quiz_id", "quiz_title", "question_key", "prompt", "answered", "correct", "correct_rate"}}
	for _, q := range r.Questions {
		rows = append(rows, []string{q.Quiz.ID, q.Quiz.Title, q.Key, q.Prompt, itoa(q.Answered), itoa(q.Correct), rate(q.CorrectRate)})
	}
	return rows
}

// AtRiskCSV has a row per subject and reason.
func AtRiskCSV(p AtRiskPage) [][]string {
	rows := [][]string{{"kind", "id", "name", "email", "mentor", "mentees", "reason", "since", "days", "count", "streak", "threshold", "people"}}
	for _, r := range p.Rows {
		sub := r.Subject
		kind, id, name, email, mentor, mentees := "mentee", sub.UserID, "", "", "", ""
		if r.Person != nil {
			name, email = r.Person.DisplayName, r.Person.Email
		}
		if sub.Kind == KindPairing {
			kind, id = "pairing", sub.PairingID
			mentor = r.Mentor.DisplayName
			var ms []string
			for _, m := range r.Mentees {
				ms = append(ms, m.DisplayName)
			}
			mentees = strings.Join(ms, "; ")
		}
		for _, reason := range sub.Reasons {
			var people []string
			for _, u := range reason.UserIDs {
				people = append(people, p.People[u].DisplayName)
			}
			rows = append(rows, []string{kind, id, name, email, mentor, mentees, reason.Code, stamp(reason.Since), strconv.Itoa(reason.Days),
				strconv.Itoa(reason.Count), strconv.Itoa(reason.Streak), strconv.Itoa(reason.Threshold), strings.Join(people, "; ")})
		}
	}
	return rows
}
