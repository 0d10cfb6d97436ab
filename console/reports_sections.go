package console

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/insight"
)

// questionsShown is how many of the most missed questions the page lists (the CSV has all).
const questionsShown = 20

// questionsView is the questions section: the most often missed first.
type questionsView struct {
	Rows  []questionRow
	Total int
}

type questionRow struct {
	Quiz, Key, Prompt string
	Answered, Correct int64
	// Percent is the correct rate as a whole percentage ("" before anyone answered).
	Percent string
}

func newQuestionsView(r insight.QuestionsReport) questionsView {
	qv := questionsView{Total: len(r.Questions)}
	for _, q := range r.Questions[:min(len(r.Questions), questionsShown)] {
		qv.Rows = append(qv.Rows, questionRow{Quiz: q.Quiz.Title, Key: q.Key, Prompt: q.Prompt, Answered: q.Answered, Correct: q.Correct,
			Percent: percent(q.CorrectRate)})
	}
	return qv
}

func percent(f *float64) string {
	if f == nil {
		return ""
	}
	return fmt.Sprintf("%.0f%%", *f*100)
}

// outcomesView is the programme's outcomes: the mean change per learning domain between the
// baseline and each later check-in, per side, and how often each factor was named.
type outcomesView struct {
	Domains []string // the domains' names, the table's columns
	Changes []changeRow
	Factors []factorRow
}

type changeRow struct {
	Occasion, Side string
	Cells          []changeCell
}

// changeCell is one domain's mean change ("+0.75") and how many baseline-to-occasion pairs
// it averages ("" and 0 without any).
type changeCell struct {
	Mean string
	N    int
}

type factorRow struct {
	Side, Direction, Label string
	Count                  int
	Share                  string
}

func newOutcomesView(v *view, o evidence.Outcomes) outcomesView {
	ov := outcomesView{}
	domains := evidence.Domains()
	for _, d := range domains {
		ov.Domains = append(ov.Domains, v.T("domain."+d))
	}
	for _, x := range o.Occasions {
		if len(x.ChangeN) == 0 {
			continue
		}
		label := x.Label
		if label == "" {
			label = x.Occasion
		}
		r := changeRow{Occasion: label, Side: v.T("reports.side." + x.Side)}
		for _, d := range domains {
			c := changeCell{N: x.ChangeN[d]}
			if c.N > 0 {
				c.Mean = fmt.Sprintf("%+.2f", x.MeanChange[d])
			}
			r.Cells = append(r.Cells, c)
		}
		ov.Changes = append(ov.Changes, r)
	}
	for _, f := range o.Factors {
		side := v.T("reports.side." + f.Side)
		for _, dir := range []struct {
			name string
			fs   []evidence.FactorCount
		}{{"enabling", f.Enabling}, {"hindering", f.Hindering}} {
			for _, x := range dir.fs {
				label := x.Label
				if label == "" {
					label = x.Key
				}
				ov.Factors = append(ov.Factors, factorRow{Side: side, Direction: v.T("reports.factor." + dir.name), Label: label,
					Count: x.Count, Share: fmt.Sprintf("%.0f%%", x.Share*100)})
			}
		}
	}
	return ov
}

// outcomeRows is the outcomes report, programme-wide and for every pairing, a page at a time.
func (c *Console) outcomeRows(ctx context.Context, v *view, pid string) ([][]string, error) {
	actor := evidenceActor(v.Caller)
	prog, err := c.deps.Evidence.Outcomes(ctx, actor, evidence.AggregateKey{Level: evidence.LevelProgramme, ProgrammeID: pid})
	if err != nil {
		return nil, err
	}
	var pairings []evidence.Outcomes
	names := map[string]evidence.PairingNames{}
	after := ""
	for range maxCSVPages {
		page, err := c.deps.Evidence.PairingOutcomes(ctx, actor, pid, after, evidence.MaxOutcomesPage)
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(page))
		for i, o := range page {
			ids[i] = o.Key.PairingID
		}
		parties, err := c.deps.Insight.PairingParties(ctx, ids)
		if err != nil {
			return nil, err
		}
		for id, p := range parties {
			n := evidence.PairingNames{Mentor: p.Mentor.DisplayName}
			for _, m := range p.Mentees {
				n.Mentees = append(n.Mentees, m.DisplayName)
			}
			names[id] = n
		}
		pairings = append(pairings, page...)
		if len(page) < evidence.MaxOutcomesPage {
			break
		}
		after = ids[len(ids)-1]
	}
	return evidence.OutcomesCSV(prog, pairings, names), nil
}

// The list cursors in the page's address: where the next page starts, opaque to the reader.

func encodeRiskCursor(c insight.Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.At.UTC().Format(time.RFC3339Nano) + "|" + c.ID))
}

// decodeRiskCursor reads a cursor this page made; anything else starts at the first page.
func decodeRiskCursor(s string) *insight.Cursor {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if s == "" || err != nil {
		return nil
	}
	at, id, ok := strings.Cut(string(b), "|")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || id == "" {
		return nil
	}
	return &insight.Cursor{At: t, ID: id}
}

func encodeItemCursor(c insight.ItemCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.SortKey + "\x00" + c.ID))
}

func decodeItemCursor(s string) (insight.ItemCursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if s == "" || err != nil {
		return insight.ItemCursor{}, false
	}
	k, id, ok := strings.Cut(string(b), "\x00")
	if !ok || id == "" {
		return insight.ItemCursor{}, false
	}
	return insight.ItemCursor{SortKey: k, ID: id}, true
}
