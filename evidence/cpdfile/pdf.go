package cpdfile

import (
	_ "embed"
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/microlearn/microlearn/evidence"
)

//go:embed fonts/DejaVuSans.ttf
var fontRegular []byte

//go:embed fonts/DejaVuSans-Bold.ttf
var fontBold []byte

const (
	family   = "DejaVu"
	margin   = 18.0
	lineH    = 5.2
	textSize = 9.5
)

// doc wraps fpdf with the few moves the record needs.
type doc struct {
	*fpdf.Fpdf
	width float64
}

func (d *doc) font(style string, size float64) { d.SetFont(family, style, size) }

// para writes text wrapped to the page width.
func (d *doc) para(style string, size float64, text string) {
	d.font(style, size)
	d.MultiCell(d.width, lineH*size/textSize, text, "", "L", false)
}

// field writes "Label: value" with the label in bold, wrapped.
func (d *doc) field(label, value string) {
	if strings.TrimSpace(value) == "" {
		return
	}
	d.font("B", textSize)
	w := d.GetStringWidth(label+": ") + 0.5
	d.CellFormat(w, lineH, label+": ", "", 0, "L", false, 0, "")
	d.font("", textSize)
	d.MultiCell(d.width-w, lineH, value, "", "L", false)
}

func (d *doc) heading(text string) {
	d.Ln(3)
	if d.GetY() > 250 {
		d.AddPage()
	}
	d.SetTextColor(20, 60, 110)
	d.para("B", 13, text)
	d.SetTextColor(0, 0, 0)
	d.SetDrawColor(20, 60, 110)
	d.Line(margin, d.GetY(), margin+d.width, d.GetY())
	d.Ln(2)
}

func (d *doc) item(title string) {
	d.Ln(1.5)
	if d.GetY() > 262 {
		d.AddPage()
	}
	d.para("B", 10.5, title)
}

// PDF writes the record as a printable A4 document: who, which programmes and parties,
// the period, the verification code (in every page's footer too), the totals, then every
// meeting with its objectives, topics, actions, feedback and the person's reflections, the
// other reflections, goals, content and check-ins.
func PDF(w io.Writer, r evidence.CPDRecord, verifyURL string) error {
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes(family, "", fontRegular)
	f.AddUTF8FontFromBytes(family, "B", fontBold)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, margin+6)
	f.SetTitle("CPD record: "+r.Name, true)
	f.SetAuthor("microlearn", true)
	f.SetCreationDate(r.GeneratedAt)
	f.SetModificationDate(r.GeneratedAt)
	f.AliasNbPages("{nb}")
	d := &doc{Fpdf: f, width: 210 - 2*margin}
	f.SetFooterFunc(func() {
		f.SetY(-margin)
		d.font("", 8)
		f.SetTextColor(90, 90, 90)
		f.CellFormat(d.width/2, 5, "Verification code "+r.Code, "", 0, "L", false, 0, "")
		f.CellFormat(d.width/2, 5, fmt.Sprintf("Page %d of {nb}", f.PageNo()), "", 0, "R", false, 0, "")
		f.SetTextColor(0, 0, 0)
	})
	f.AddPage()
	cover(d, r, verifyURL)
	meetings(d, r)
	reflections(d, r)
	goals(d, r)
	content(d, r)
	checkins(d, r)
	if err := f.Error(); err != nil {
		return fmt.Errorf("render CPD record: %w", err)
	}
	return f.Output(w)
}

func cover(d *doc, r evidence.CPDRecord, verifyURL string) {
	d.SetTextColor(20, 60, 110)
	d.para("B", 17, "Continuing Professional Development record")
	d.SetTextColor(0, 0, 0)
	d.Ln(1)
	d.para("B", 13, r.Name)
	d.Ln(1)
	d.field("Period", fmt.Sprintf("%s to %s (%s)", r.From, r.To, r.Timezone))
	d.field("Generated", r.GeneratedAt.UTC().Format("2006-01-02 15:04 UTC"))
	d.field("Verification code", r.Code)
	d.field("Verify at", verifyURL)
	d.heading("Programme and parties")
	if len(r.Parties) == 0 {
		d.para("", textSize, "No mentoring pairing in this period.")
	}
	for _, p := range r.Parties {
		d.item(p.ProgrammeName)
		d.field("Role", p.Side)
		d.field("Mentor", p.MentorName)
		d.field("Mentee", strings.Join(p.MenteeNames, ", "))
		d.field("Since", p.StartedOn+" ("+p.Status+")")
	}
	t := r.Totals
	d.heading("Totals")
	d.field("Mentoring meetings", fmt.Sprintf("%s in %d confirmed meetings", Hours(t.MeetingMinutes), len(r.Meetings)))
	d.field("Learning content", fmt.Sprintf("%s in %d items", Hours(t.ContentMinutes), len(r.Content)))
	d.field("Total", Hours(t.MeetingMinutes+t.ContentMinutes))
	for _, dom := range domainOrder() {
		if m, ok := t.MinutesByDomain[dom]; ok {
			d.field(domainName(dom), Hours(m))
		}
	}
	d.field("Reflections", fmt.Sprint(t.ReflectionCount))
	d.field("Goals achieved", fmt.Sprintf("%d of %d", t.GoalsAchieved, len(r.Goals)))
	d.field("Check-ins answered", fmt.Sprint(t.CheckinCount))
	d.Ln(1)
	d.para("", 8, "Hours by domain: content counts under its item's learning domain; a meeting's minutes are "+
		"spread over the domains the person's own reflections on it named.")
}

func meetings(d *doc, r evidence.CPDRecord) {
	d.heading("Mentoring meetings (held, confirmed by the other side)")
	if len(r.Meetings) == 0 {
		d.para("", textSize, "None in this period.")
	}
	for _, m := range r.Meetings {
		d.item(fmt.Sprintf("%s · %d min · %s · %s", localDate(m.StartAt, m.Timezone), m.DurationMinutes, m.Format, m.ProgrammeName))
		d.field("Objectives", strings.Join(m.Objectives, "; "))
		d.field("Topics", strings.Join(m.Topics, "; "))
		for _, a := range m.Actions {
			d.field("Action", actionText(r, a))
		}
		for _, n := range m.Feedback {
			d.field("Feedback from "+name(r, n.AuthorID), noteText(n))
		}
		for _, n := range m.Reflections {
			d.field("My reflection", noteText(n))
		}
	}
}

func reflections(d *doc, r evidence.CPDRecord) {
	if len(r.Reflections) == 0 {
		return
	}
	d.heading("Other notes and reflections")
	for _, n := range r.Reflections {
		d.item(localDate(n.CreatedAt, r.Timezone) + " · " + r.ProgrammeOf(n.PairingID))
		d.para("", textSize, noteText(n))
	}
}

func goals(d *doc, r evidence.CPDRecord) {
	d.heading("Goals")
	if len(r.Goals) == 0 {
		d.para("", textSize, "No goals.")
	}
	for _, g := range r.Goals {
		d.item(g.Specific)
		d.field("Status", fmt.Sprintf("%s, %d%% progress", strings.ReplaceAll(g.Status, "_", " "), g.Progress))
		d.field("Measure", g.Measure)
		d.field("Target date", g.TargetDate)
		if g.AchievedAt != nil {
			d.field("Achieved", g.AchievedAt.Format("2006-01-02"))
		}
	}
}

func content(d *doc, r evidence.CPDRecord) {
	d.heading("Learning content completed")
	if len(r.Content) == 0 {
		d.para("", textSize, "None in this period.")
	}
	for _, c := range r.Content {
		line := fmt.Sprintf("%s · %s · %s · %d min · %s", localDate(c.OccurredAt, r.Timezone), kindNames[c.Kind], c.Title, c.Minutes, domainName(c.Domain))
		if s := scoreText(c); s != "" {
			line += " · " + s
		}
		d.para("", textSize, line)
	}
}

func checkins(d *doc, r evidence.CPDRecord) {
	d.heading("Check-ins")
	if len(r.Checkins) == 0 {
		d.para("", textSize, "None in this period.")
		return
	}
	d.para("", 8, "Self-ratings of the person's own current level in each learning domain, on the programme's rating scale.")
	for _, c := range r.Checkins {
		d.item(fmt.Sprintf("%s · %s · %s", localDate(c.AnsweredAt, r.Timezone), c.Label, c.ProgrammeName))
		d.para("", textSize, checkinText(c))
	}
}
