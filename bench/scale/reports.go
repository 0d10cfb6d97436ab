package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// The programme reports of issue 13, read by the owner (and one mentor's at-risk list).
var reportNames = []string{
	"GET reports/health (owner)",
	"GET reports/at-risk (owner)",
	"GET reports/at-risk (a mentor's mentees)",
	"GET reports/learning (owner)",
	"GET reports/items (owner)",
	"GET reports/questions (owner)",
	"GET reports/outcomes (owner)",
}

func (w *world) reportKinds(ctx context.Context) []kind {
	base := "/v1/programmes/" + w.pid + "/reports/"
	owner := func(path string) func() (time.Duration, error) {
		return func() (time.Duration, error) { return w.timed(ctx, w.owner, "GET", base+path, nil, 200) }
	}
	return []kind{
		{reportNames[0], owner("health")},
		{reportNames[1], owner("at-risk")},
		{reportNames[2], func() (time.Duration, error) {
			g := w.groups[w.rng.IntN(len(w.groups))]
			return w.timed(ctx, g.mentor, "GET", base+"at-risk", nil, 200)
		}},
		{reportNames[3], owner("learning")},
		{reportNames[4], owner("items")},
		{reportNames[5], owner("questions")},
		{reportNames[6], owner("outcomes")},
	}
}

// checkReports fails unless the reports show the programme built: every mentee counted in
// the health report, items with completions, and learning in the last 30 days (when the
// aggregates were rebuilt after the build). It logs what the reports hold, so a table of
// empty reports cannot pass for figures.
func (w *world) checkReports(ctx context.Context, recomputed bool) error {
	base := "/v1/programmes/" + w.pid + "/reports/"
	var health struct {
		Members map[string]int `json:"members"`
		Active  struct {
			Last30Days map[string]int `json:"last30Days"`
		} `json:"active"`
	}
	var items struct {
		Items []json.RawMessage `json:"items"`
	}
	var atRisk struct {
		Items []json.RawMessage `json:"items"`
	}
	for path, into := range map[string]any{"health": &health, "items?limit=200": &items, "at-risk?limit=500": &atRisk} {
		status, b, err := w.call(ctx, w.owner, "GET", base+path, nil)
		if err == nil && status != 200 {
			err = fmt.Errorf("GET reports/%s: %d %s", path, status, truncate(b))
		}
		if err == nil {
			err = json.Unmarshal(b, into)
		}
		if err != nil {
			return err
		}
	}
	logf("  reports: members %v, active in 30 days %v, %d items, %d at-risk rows (first page)",
		health.Members, health.Active.Last30Days, len(items.Items), len(atRisk.Items))
	if !recomputed {
		return nil // the seeded history is not in the aggregates; members are (touched when added)
	}
	if health.Members["mentee"] < len(w.mentees) || len(items.Items) == 0 || health.Active.Last30Days["mentee"] == 0 {
		return fmt.Errorf("the reports do not show the programme built (%d mentees): members %v, active %v, %d items",
			len(w.mentees), health.Members, health.Active.Last30Days, len(items.Items))
	}
	return nil
}
