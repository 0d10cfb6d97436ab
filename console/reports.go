package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/internal/apperr"
)

// The programme reports in the browser (issue 14): the same insight service and the same
// CSV rows as GET /v1/programmes/{id}/reports/*. Owners see every report; mentors, as in
// the API, only the at-risk rows of their own mentees and pairings; mentees none. The long
// lists (at risk, items) come a page at a time (?risk= and ?items= are where a page starts,
// ?per= how many rows it shows).
func (c *Console) reportRoutes() {
	m := c.mux
	m.HandleFunc("GET /p/{pid}/reports", c.wrap(c.inRole(c.reportsPage, owner, mentor), member))
	m.HandleFunc("GET /p/{pid}/reports/{name}", c.wrap(c.inRole(c.reportCSV, owner, mentor), member))
}

type reportsData struct {
	Owner                   bool
	Health                  insight.Health
	AtRisk                  insight.AtRiskPage
	Learning                insight.LearningReport
	Domains                 chart
	Items                   insight.ItemsPage
	Kinds                   []string
	Questions               questionsView
	Outcomes                *outcomesView // nil without evidence of learning
	AtRiskPager, ItemsPager pager
}

// pager links a long list's next page ("" on the last page) and its first (when this is
// not it); Label names the navigation for screen readers.
type pager struct {
	First, Next, Label, FirstText, NextText string
}

func newPager(v *view, key, anchor, list string, next string) pager {
	p := pager{Label: v.T("reports.pages", v.T(list)), FirstText: v.T("reports.firstPage"), NextText: v.T("reports.nextPage")}
	if next != "" {
		p.Next = pageURL(v, key, next, anchor)
	}
	if v.Req(key) != "" {
		p.First = pageURL(v, key, "", anchor)
	}
	return p
}

const (
	// reportWeeks is how many weeks the learning section covers.
	reportWeeks = 12
	// reportPage is how many rows a page of a long list shows unless ?per= says otherwise.
	reportPage    = 25
	maxReportPage = 100
)

func (c *Console) reportsPage(w http.ResponseWriter, v *view) error {
	ctx, pid := v.r.Context(), v.Programme.ID
	d := reportsData{Owner: v.Owner(), Kinds: []string{"lesson", "quiz", "checklist", "path", "assignment"}}
	per := pageSize(v.Req("per"))
	var err error
	if d.AtRisk, err = c.atRisk(v, decodeRiskCursor(v.Req("risk")), per); err != nil {
		return err
	}
	next := ""
	if d.AtRisk.Next != nil {
		next = encodeRiskCursor(*d.AtRisk.Next)
	}
	d.AtRiskPager = newPager(v, "risk", "atrisk-h", "reports.atRisk", next)
	if d.Owner {
		if err := c.ownerReports(ctx, v, pid, per, &d); err != nil {
			return err
		}
	}
	c.render(w, v, http.StatusOK, "reports", d)
	return nil
}

// ownerReports reads the sections only owners see: health, learning, items, questions and
// outcomes.
func (c *Console) ownerReports(ctx context.Context, v *view, pid string, per int, d *reportsData) error {
	var err error
	if d.Health, err = c.deps.Insight.Health(ctx, pid); err != nil {
		return err
	}
	if d.Learning, err = c.deps.Insight.Learning(ctx, pid, reportWeeks); err != nil {
		return err
	}
	after, _ := decodeItemCursor(v.Req("items"))
	if d.Items, err = c.deps.Insight.Items(ctx, pid, "", after, per); err != nil {
		return err
	}
	next := ""
	if d.Items.Next != nil {
		next = encodeItemCursor(*d.Items.Next)
	}
	d.ItemsPager = newPager(v, "items", "items-h", "reports.items", next)
	var bs []bar
	for _, f := range d.Learning.Domains {
		bs = append(bs, bar{Label: v.T("domain." + f.Domain), Value: f.Completions})
	}
	d.Domains = bars(v.T("reports.domainsChart"), v.T("reports.completions"), bs)
	q, err := c.deps.Insight.Questions(ctx, pid)
	if err != nil {
		return err
	}
	d.Questions = newQuestionsView(q)
	if c.deps.Evidence != nil {
		o, err := c.deps.Evidence.Outcomes(ctx, evidenceActor(v.Caller), evidence.AggregateKey{Level: evidence.LevelProgramme, ProgrammeID: pid})
		if err != nil {
			return err
		}
		ov := newOutcomesView(v, o)
		d.Outcomes = &ov
	}
	return nil
}

func pageSize(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return reportPage
	}
	return min(n, maxReportPage)
}

// pageURL is this page with one list's start moved (start "" for its first page), the
// other lists where they are.
func pageURL(v *view, key, start, anchor string) string {
	q := url.Values{}
	for _, k := range []string{"per", "risk", "items"} {
		if x := v.Req(k); x != "" && k != key {
			q.Set(k, x)
		}
	}
	if start != "" {
		q.Set(key, start)
	}
	u := v.P("reports")
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u + "#" + anchor
}

// atRisk reads a page of the at-risk list as the caller may see it.
func (c *Console) atRisk(v *view, after *insight.Cursor, limit int) (insight.AtRiskPage, error) {
	scope := insight.Scope{All: v.Owner(), MentorID: v.Caller.UserID}
	return c.deps.Insight.AtRisk(v.r.Context(), v.Programme.ID, scope, "", after, limit)
}

// reportCSV downloads one report, whole, as the API's CSV: health, at-risk, learning, items,
// questions or outcomes (mentors only at-risk, their rows, as in the API).
func (c *Console) reportCSV(w http.ResponseWriter, v *view) error {
	name := v.r.PathValue("name")
	if name != "at-risk.csv" && !v.Owner() {
		return apperr.ErrForbidden
	}
	rows, err := c.reportRows(v, name)
	if err != nil {
		return err
	}
	b, err := insight.WriteCSV(rows)
	if err != nil {
		return err
	}
	pid := v.Programme.ID
	download(w, "text/csv; charset=utf-8; header=present", name[:len(name)-4]+"-"+pid+"-"+c.deps.Now().UTC().Format("2006-01-02")+".csv", b)
	return nil
}

// maxCSVPages bounds the pages a download reads (a list longer than that is cut there).
const maxCSVPages = 100

func (c *Console) reportRows(v *view, name string) ([][]string, error) {
	ctx, pid := v.r.Context(), v.Programme.ID
	switch name {
	case "health.csv":
		h, err := c.deps.Insight.Health(ctx, pid)
		return insight.HealthCSV(h), err
	case "at-risk.csv":
		return c.atRiskRows(v)
	case "learning.csv":
		r, err := c.deps.Insight.Learning(ctx, pid, reportWeeks)
		return insight.LearningCSV(r), err
	case "items.csv":
		return c.itemRows(ctx, pid)
	case "questions.csv":
		r, err := c.deps.Insight.Questions(ctx, pid)
		return insight.QuestionsCSV(r), err
	case "outcomes.csv":
		if c.deps.Evidence != nil {
			return c.outcomeRows(ctx, v, pid)
		}
	}
	return nil, apperr.ErrNotFound
}

// atRiskRows is the whole at-risk list the caller may see, a page at a time.
func (c *Console) atRiskRows(v *view) ([][]string, error) {
	var all insight.AtRiskPage
	var after *insight.Cursor
	for range maxCSVPages {
		p, err := c.atRisk(v, after, insight.MaxAtRiskPage)
		if err != nil {
			return nil, err
		}
		all.Rows = append(all.Rows, p.Rows...)
		if all.People == nil {
			all.People = map[string]insight.Person{}
		}
		for k, x := range p.People {
			all.People[k] = x
		}
		if after = p.Next; after == nil {
			break
		}
	}
	return insight.AtRiskCSV(all), nil
}

// itemRows is every item of the library, a page at a time.
func (c *Console) itemRows(ctx context.Context, pid string) ([][]string, error) {
	var all insight.ItemsPage
	after := insight.ItemCursor{}
	for range maxCSVPages {
		p, err := c.deps.Insight.Items(ctx, pid, "", after, insight.MaxItemsPage)
		if err != nil {
			return nil, err
		}
		all.Items = append(all.Items, p.Items...)
		if p.Next == nil {
			break
		}
		after = *p.Next
	}
	return insight.ItemsCSV(all), nil
}
