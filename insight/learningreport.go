package insight

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// LearningReport is learning over time: per programme week, completions and minutes by
// learning domain, with the active mentees and their median minutes.
type LearningReport struct {
	ProgrammeID string
	GeneratedAt time.Time
	Timezone    string
	Weeks       []LearningWeek
	// Domains totals the weeks by domain.
	Domains []DomainFigures
}

// LearningWeek is one week of the learning report.
type LearningWeek struct {
	Week string
	WeekFigures
	Domains []DomainFigures
}

// DomainFigures are completions and minutes in one learning domain ("none" for content
// without a domain).
type DomainFigures struct {
	Domain      string
	Completions int64
	Minutes     int64
}

// MaxReportWeeks bounds the weeks of a learning report.
const MaxReportWeeks = 104

// domainsShown lists the learning domains in report order.
func domainsShown() []string { return append(learning.Domains(), "none") }

// Learning reads the last n weeks (this one included) in one read of the aggregates.
func (s *Service) Learning(ctx context.Context, programmeID string, n int) (LearningReport, error) {
	if n < 1 || n > MaxReportWeeks {
		return LearningReport{}, apperr.Invalid("/weeks", fmt.Sprintf("must be 1 to %d", MaxReportWeeks))
	}
	loc, err := s.location(ctx, programmeID)
	if err != nil {
		return LearningReport{}, err
	}
	now := s.now()
	weeks := Weeks(now, loc, n)
	ts := make([]Target, len(weeks))
	for i, w := range weeks {
		ts[i] = Target{Kind: TargetWeek, ProgrammeID: programmeID, Key: w}
	}
	got, err := s.Store.Read(ctx, ts)
	if err != nil {
		return LearningReport{}, err
	}
	r := LearningReport{ProgrammeID: programmeID, GeneratedAt: now, Timezone: loc.String()}
	totals := map[string]*DomainFigures{}
	for i, w := range weeks {
		c := got[ts[i]]
		lw := LearningWeek{Week: w, WeekFigures: weekFigures(c)}
		for _, d := range domainsShown() {
			df := DomainFigures{Domain: d, Completions: c.Get("d." + d + ".c"), Minutes: c.Get("d."+d+".sec") / 60}
			lw.Domains = append(lw.Domains, df)
			if totals[d] == nil {
				totals[d] = &DomainFigures{Domain: d}
			}
			totals[d].Completions += df.Completions
			totals[d].Minutes += df.Minutes
		}
		r.Weeks = append(r.Weeks, lw)
	}
	for _, d := range domainsShown() {
		r.Domains = append(r.Domains, *totals[d])
	}
	return r, nil
}

// ItemFigures are one content item's figures.
type ItemFigures struct {
	Item CatalogItem
	// Reach counts the people who did anything on it; Completed those who completed it.
	Reach, Completed int64
	CompletionRate   *float64 // Completed of Reach
	// MedianSeconds is the median time of those who completed it (to within 10 seconds up
	// to an hour, then 5 minutes); TotalMinutes everyone's time on it.
	MedianSeconds *float64
	TotalMinutes  int64
	// Quizzes: attempts and passes, first attempts and first-attempt passes, questions.
	Attempts, Passed, FirstAttempts, FirstPassed int64
	PassRate, FirstPassRate                      *float64
	Questions                                    []QuestionFigures
}

// QuestionFigures are one quiz question's answers: how often answered, how often right.
type QuestionFigures struct {
	Key, Prompt       string
	Answered, Correct int64
	CorrectRate       *float64
}

// ItemsPage is a page of the per-item report, in item ID order.
type ItemsPage struct {
	ProgrammeID string
	GeneratedAt time.Time
	Items       []ItemFigures
	// Next is where the next page starts (nil on the last page).
	Next *ItemCursor
}

// MaxItemsPage bounds a page of the per-item report.
const MaxItemsPage = 200

// Items reads a page of the per-item report: one read of the catalogue, one of the
// aggregates.
func (s *Service) Items(ctx context.Context, programmeID, kind string, after ItemCursor, limit int) (ItemsPage, error) {
	if s.Catalog == nil {
		return ItemsPage{ProgrammeID: programmeID, GeneratedAt: s.now(), Items: []ItemFigures{}}, nil
	}
	limit = min(max(limit, 1), MaxItemsPage)
	items, err := s.Catalog.Items(ctx, programmeID, kind, after, limit+1)
	if err != nil {
		return ItemsPage{}, err
	}
	page := ItemsPage{ProgrammeID: programmeID, GeneratedAt: s.now(), Items: []ItemFigures{}}
	if len(items) > limit {
		items = items[:limit]
		page.Next = &ItemCursor{SortKey: items[limit-1].SortKey, ID: items[limit-1].ID}
	}
	ts := make([]Target, len(items))
	for i, it := range items {
		ts[i] = Target{Kind: TargetItem, ProgrammeID: programmeID, Key: it.ID}
	}
	got, err := s.Store.Read(ctx, ts)
	if err != nil {
		return ItemsPage{}, err
	}
	for i, it := range items {
		page.Items = append(page.Items, itemFigures(it, got[ts[i]]))
	}
	return page, nil
}

func itemFigures(it CatalogItem, c Counts) ItemFigures {
	f := ItemFigures{Item: it, Reach: c.Get("reach"), Completed: c.Get("done"), TotalMinutes: c.Get("sec") / 60,
		Attempts: c.Get("att"), Passed: c.Get("pass"), FirstAttempts: c.Get("first.att"), FirstPassed: c.Get("first.pass")}
	f.CompletionRate = ratio(f.Completed, f.Reach)
	if a, b, ok := histogram(c, "h.", "b").Middle(); ok {
		sec := (BucketSeconds(a) + BucketSeconds(b)) / 2
		f.MedianSeconds = &sec
	}
	if it.Kind == learning.KindQuiz {
		f.PassRate, f.FirstPassRate = ratio(f.Passed, f.Attempts), ratio(f.FirstPassed, f.FirstAttempts)
		f.Questions = questionFigures(it, c)
	}
	return f
}

// questionFigures lists the quiz's current questions, then any answered question no longer
// in it, each with its correct rate.
func questionFigures(it CatalogItem, c Counts) []QuestionFigures {
	out := []QuestionFigures{}
	known := map[string]bool{}
	for _, q := range it.Questions {
		known[q.Key] = true
		out = append(out, question(q.Key, q.Prompt, c))
	}
	var gone []string
	for k := range c.Under("q.") {
		key, field, ok := cutLast(k)
		if ok && field == "n" && !known[key] {
			gone = append(gone, key)
		}
	}
	sort.Strings(gone)
	for _, k := range gone {
		out = append(out, question(k, "", c))
	}
	return out
}

func question(key, prompt string, c Counts) QuestionFigures {
	q := QuestionFigures{Key: key, Prompt: prompt, Answered: c.Get("q." + key + ".n"), Correct: c.Get("q." + key + ".ok")}
	q.CorrectRate = ratio(q.Correct, q.Answered)
	return q
}

func cutLast(k string) (string, string, bool) {
	for i := len(k) - 1; i >= 0; i-- {
		if k[i] == '.' {
			return k[:i], k[i+1:], true
		}
	}
	return "", "", false
}
