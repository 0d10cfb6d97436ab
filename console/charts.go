package console

import (
	"strconv"
	"time"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/gamification"
)

// Charts are drawn on the server as SVG (no script, no inline style: the CSP forbids
// both) by the "chart" template; here they are only numbers laid out. Each chart also
// offers its data as a table, for screen readers and for people who prefer numbers.

type chart struct {
	Title   string
	Label   string // what the values are (XP, completions)
	Columns bool   // vertical columns (time series) or horizontal bars
	Bars    []bar
	Width   int
	Height  int
	Empty   bool
}

type bar struct {
	Label      string
	Short      string // axis label (columns); empty to skip
	Value      int64
	X, Y, W, H int
	TextX      int
	TextY      int
	Me         bool
}

const (
	chartWidth  = 560
	barHeight   = 22
	barGap      = 8
	labelWidth  = 170
	columnsHigh = 160
)

// bars lays out horizontal bars, label on the left and value at the end of each bar.
func bars(title, label string, items []bar) chart {
	ch := chart{Title: title, Label: label, Width: chartWidth, Height: max(1, len(items))*(barHeight+barGap) + barGap}
	var top int64
	for _, b := range items {
		top = max(top, b.Value)
	}
	ch.Empty = top == 0
	span := chartWidth - labelWidth - 60
	for i, b := range items {
		b.X, b.Y, b.H = labelWidth, barGap+i*(barHeight+barGap), barHeight
		if top > 0 {
			b.W = int(int64(span) * b.Value / top)
		}
		b.TextX, b.TextY = b.X+b.W+6, b.Y+barHeight-6
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

// columns lays out a time series as columns over a baseline, every few labelled.
func columns(title, label string, items []bar) chart {
	ch := chart{Title: title, Label: label, Columns: true, Width: chartWidth, Height: columnsHigh + 40}
	var top int64
	for _, b := range items {
		top = max(top, b.Value)
	}
	ch.Empty = top == 0
	n := max(1, len(items))
	step := (chartWidth - 20) / n
	for i, b := range items {
		h := 0
		if top > 0 {
			h = int(int64(columnsHigh) * b.Value / top)
		}
		b.X, b.W, b.H = 10+i*step+2, max(2, step-4), h
		b.Y = columnsHigh - h + 10
		b.TextX, b.TextY = b.X+b.W/2, columnsHigh+30
		if i%max(1, n/7) != 0 && i != n-1 {
			b.Short = ""
		}
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

// activityChart is the XP of each of the last n local days (the person's zone).
func activityChart(v *view, days []gamification.DayRecord, n int) chart {
	loc, err := time.LoadLocation(v.User.Timezone)
	if err != nil {
		loc = time.UTC
	}
	xp := map[string]int{}
	for _, d := range days {
		xp[d.Date] = d.XP
	}
	today := v.Now.In(loc)
	var items []bar
	for i := n - 1; i >= 0; i-- {
		day := time.Date(today.Year(), today.Month(), today.Day()-i, 12, 0, 0, 0, loc)
		key := day.Format(time.DateOnly)
		items = append(items, bar{Label: key, Short: day.Format("02.01"), Value: int64(xp[key])})
	}
	return columns(v.T("chart.activity", n), v.T("chart.xp"), items)
}

// domainChart is the person's completions per learning domain.
func domainChart(v *view, domains map[string]int) chart {
	var items []bar
	for _, d := range []content.Domain{content.DomainCognitive, content.DomainSkillBased, content.DomainAffective, content.DomainSocialNetworks} {
		items = append(items, bar{Label: v.T("domain." + string(d)), Value: int64(domains[string(d)])})
	}
	return bars(v.T("chart.domains"), v.T("chart.completions"), items)
}

// boardChart draws a leaderboard's top entries.
func boardChart(v *view, b gamification.Board) chart {
	var items []bar
	for _, e := range b.Top {
		name := e.DisplayName
		if e.Anonymous {
			name = v.T("board.anonymous")
		}
		items = append(items, bar{Label: strconv.Itoa(e.Rank) + ". " + name, Value: e.Score, Me: e.Me})
	}
	return bars(v.T("chart.board"), v.T("chart.xp"), items)
}
