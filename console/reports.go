package console

import (
	"net/http"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/internal/apperr"
)

// The programme reports in the browser (issue 14): the same insight service and the same
// CSV rows as GET /v1/programmes/{id}/reports/*. Owners see every report; mentors, as in
// the API, only the at-risk rows of their own mentees and pairings; mentees none.
func (c *Console) reportRoutes() {
	m := c.mux
	m.HandleFunc("GET /p/{pid}/reports", c.wrap(c.inRole(c.reportsPage, owner, mentor), member))
	m.HandleFunc("GET /p/{pid}/reports/{name}", c.wrap(c.inRole(c.reportCSV, owner, mentor), member))
}

type reportsData struct {
	Owner    bool
	Health   insight.Health
	AtRisk   insight.AtRiskPage
	Learning insight.LearningReport
	Domains  chart
	Items    insight.ItemsPage
	Kinds    []string
}

// reportWeeks is how many weeks the learning section covers.
const reportWeeks = 12

func (c *Console) reportsPage(w http.ResponseWriter, v *view) error {
	ctx, pid := v.r.Context(), v.Programme.ID
	d := reportsData{Owner: v.Caller.Admin || v.Caller.Role == owner, Kinds: []string{"lesson", "quiz", "checklist", "path", "assignment"}}
	var err error
	if d.AtRisk, err = c.atRisk(v); err != nil {
		return err
	}
	if d.Owner {
		if d.Health, err = c.deps.Insight.Health(ctx, pid); err != nil {
			return err
		}
		if d.Learning, err = c.deps.Insight.Learning(ctx, pid, reportWeeks); err != nil {
			return err
		}
		if d.Items, err = c.deps.Insight.Items(ctx, pid, "", insight.ItemCursor{}, 50); err != nil {
			return err
		}
		var bs []bar
		for _, f := range d.Learning.Domains {
			bs = append(bs, bar{Label: v.T("domain." + f.Domain), Value: f.Completions})
		}
		d.Domains = bars(v.T("reports.domainsChart"), v.T("reports.completions"), bs)
	}
	c.render(w, v, http.StatusOK, "reports", d)
	return nil
}

// atRisk reads the first page of the at-risk list as the caller may see it.
func (c *Console) atRisk(v *view) (insight.AtRiskPage, error) {
	scope := insight.Scope{All: v.Caller.Admin || v.Caller.Role == owner, MentorID: v.Caller.UserID}
	return c.deps.Insight.AtRisk(v.r.Context(), v.Programme.ID, scope, "", nil, 100)
}

// reportCSV downloads one report as the API's CSV: health, at-risk, learning or items
// (mentors only at-risk, as in the API).
func (c *Console) reportCSV(w http.ResponseWriter, v *view) error {
	ctx, pid := v.r.Context(), v.Programme.ID
	name := v.r.PathValue("name")
	if name != "at-risk.csv" && !v.Caller.Admin && v.Caller.Role != owner {
		return apperr.ErrForbidden
	}
	var rows [][]string
	switch name {
	case "health.csv":
		h, err := c.deps.Insight.Health(ctx, pid)
		if err != nil {
			return err
		}
		rows = insight.HealthCSV(h)
	case "at-risk.csv":
		p, err := c.atRisk(v)
		if err != nil {
			return err
		}
		rows = insight.AtRiskCSV(p)
	case "learning.csv":
		r, err := c.deps.Insight.Learning(ctx, pid, reportWeeks)
		if err != nil {
			return err
		}
		rows = insight.LearningCSV(r)
	case "items.csv":
		p, err := c.deps.Insight.Items(ctx, pid, "", insight.ItemCursor{}, insight.MaxItemsPage)
		if err != nil {
			return err
		}
		rows = insight.ItemsCSV(p)
	default:
		return apperr.ErrNotFound
	}
	b, err := insight.WriteCSV(rows)
	if err != nil {
		return err
	}
	download(w, "text/csv; charset=utf-8; header=present", name[:len(name)-4]+"-"+pid+"-"+c.deps.Now().UTC().Format("2006-01-02")+".csv", b)
	return nil
}
