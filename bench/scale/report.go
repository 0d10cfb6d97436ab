package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

func ms(d time.Duration) string {
	switch {
	case d == 0:
		return "–"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	default:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
}

// commands renders a per-request command count (kept as a stat of nanoseconds): the median,
// and the range when the requests differed; "?" when the server did not record them.
func commands(c stat) string {
	lo, med, hi := int64(c.p50), int64(c.p50), int64(c.max)
	if c.n > 0 {
		lo = int64(c.min)
	}
	switch {
	case c.n == 0 || lo < 0:
		return "?"
	case lo == hi:
		return fmt.Sprint(med)
	default:
		return fmt.Sprintf("%d (%d-%d)", med, lo, hi)
	}
}

func mib(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

// printSize prints one size's figures as soon as they are measured (stderr-friendly lines).
func printSize(out io.Writer, r sizeResult) {
	rec := "reports not recomputed"
	if r.recompute > 0 {
		rec = "reports recomputed in " + r.recompute.Round(time.Second).String()
	}
	built := "built in " + r.build.Round(time.Second).String()
	if r.resumed > 0 {
		built = "resumed from a kept directory in " + r.resumed.Round(time.Second).String()
	}
	fmt.Fprintf(out, "== %d mentees (%s, %s, DB %s, RSS %s)\n", r.mentees, built, rec, mib(r.dbBytes), mib(r.rssBytes))
	for _, n := range append(requestNames, reportNames...) {
		s, c := r.medians[n], r.cmds[n]
		fmt.Fprintf(out, "  %-42s p50 %-9s p90 %-9s max %-9s errors %d  DB commands %s\n", n, ms(s.p50), ms(s.p90), ms(s.max), s.errors, commands(c))
	}
	fmt.Fprintf(out, "  %-42s p50 %-9s max %-9s errors %d\n", "POST /v1/sync (500 events)", ms(r.sync.p50), ms(r.sync.max), r.sync.errors)
	fmt.Fprintf(out, "  %-42s %s\n", "reports/health fresh after a burst", freshCell(r.fresh))
}

// printReport prints the Markdown tables for docs/benchmarks.md.
func printReport(out io.Writer, o options, rows []sizeResult, loads []loadResult) {
	fmt.Fprintf(out, "\n<!-- go run ./bench/scale %s; %s/%s, %d CPUs, %s -->\n\n", strings.Join(argsOf(o), " "), runtime.GOOS, runtime.GOARCH,
		runtime.NumCPU(), time.Now().Format("2006-01-02"))
	fmt.Fprint(out, "| request (median, p90 in brackets) |")
	for _, r := range rows {
		fmt.Fprintf(out, " %d mentees |", r.mentees)
	}
	fmt.Fprint(out, "\n|---|")
	for range rows {
		fmt.Fprint(out, "---|")
	}
	fmt.Fprintln(out)
	for _, n := range append(requestNames, reportNames...) {
		fmt.Fprintf(out, "| %s |", n)
		for _, r := range rows {
			s := r.medians[n]
			cell := fmt.Sprintf("%s (%s), %s cmds", ms(s.p50), ms(s.p90), commands(r.cmds[n]))
			if s.errors > 0 {
				cell += fmt.Sprintf(", %d errors", s.errors)
			}
			fmt.Fprintf(out, " %s |", cell)
		}
		fmt.Fprintln(out)
	}
	fmt.Fprint(out, "| POST /v1/sync, 500 events |")
	for _, r := range rows {
		cell := fmt.Sprintf("%s (max %s)", ms(r.sync.p50), ms(r.sync.max))
		if r.sync.errors > 0 {
			cell += fmt.Sprintf(", %d errors", r.sync.errors)
		}
		fmt.Fprintf(out, " %s |", cell)
	}
	printTotals(out, o, rows)
	fmt.Fprintln(out)
	if len(loads) == 0 {
		return
	}
	fmt.Fprintf(out, "\nLoad at %d mentees (each mentee: GET lesson, POST lesson progress completed, every third round GET /v1/me/gamification; no pause):\n\n", rows[len(rows)-1].mentees)
	fmt.Fprintln(out, "| concurrent mentees | requests/s | p50 | p95 | p99 | errors | completion p50 / p95 | queue when the load stopped | drained after |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|")
	for _, l := range loads {
		fmt.Fprintln(out, loadRow(l))
	}
}

// printTotals prints the table's rows about each size as a whole: sizes, freshness, build.
func printTotals(out io.Writer, o options, rows []sizeResult) {
	fmt.Fprint(out, "\n| activity rows (learning events) |")
	for _, r := range rows {
		if r.resumed > 0 {
			fmt.Fprint(out, " as the kept run built them (its -activity per mentee) |")
			continue
		}
		fmt.Fprintf(out, " %d |", r.mentees*o.activity)
	}
	fmt.Fprint(out, "\n| database files |")
	for _, r := range rows {
		fmt.Fprintf(out, " %s |", mib(r.dbBytes))
	}
	fmt.Fprint(out, "\n| process RSS (server and bench) |")
	for _, r := range rows {
		fmt.Fprintf(out, " %s |", mib(r.rssBytes))
	}
	fmt.Fprint(out, "\n| background work after the build (waited before measuring) |")
	for _, r := range rows {
		fmt.Fprintf(out, " %s |", r.settled.Round(time.Second))
	}
	fmt.Fprintf(out, "\n| reports/health shows a burst (%d joins, %d lesson completions) after the last write; bound %s |", freshJoins, freshCompletions, freshBound)
	for _, r := range rows {
		fmt.Fprintf(out, " %s |", freshCell(r.fresh))
	}
	fmt.Fprint(out, "\n| time to build this size from the previous |")
	for _, r := range rows {
		if r.resumed > 0 {
			fmt.Fprintf(out, " not built: opened a kept directory in %s |", r.resumed.Round(time.Second))
			continue
		}
		fmt.Fprintf(out, " %s |", r.build.Round(time.Second))
	}
	fmt.Fprint(out, "\n| reports recompute after the build (`app.RecomputeReports`) |")
	for _, r := range rows {
		if r.recompute == 0 {
			fmt.Fprint(out, " not run |")
		} else {
			fmt.Fprintf(out, " %s |", r.recompute.Round(time.Second))
		}
	}
}

func argsOf(o options) []string {
	var sizes []string
	for _, s := range o.sizes {
		sizes = append(sizes, fmt.Sprint(s))
	}
	var load []string
	for _, l := range o.load {
		load = append(load, fmt.Sprint(l))
	}
	first := "-sizes " + strings.Join(sizes, ",")
	if o.from != "" {
		first = "-from " + o.from
	}
	return []string{first, fmt.Sprintf("-activity %d -inbox %d -n %d", o.activity, o.inbox, o.n),
		"-load '" + strings.Join(load, ",") + "'", "-duration " + o.duration.String(), fmt.Sprintf("-recompute-max %d", o.recomputeMax)}
}

// loadRow is one load run as a row of the load table (also printed as soon as it is measured).
func loadRow(l loadResult) string {
	lag := l.drain.Round(100 * time.Millisecond).String()
	if l.drainErr != nil {
		lag = l.drainErr.Error()
	}
	return fmt.Sprintf("| %d | %.0f | %s | %s | %s | %d of %d | %s / %s | %d events | %s |", l.mentees, float64(l.requests)/l.duration.Seconds(),
		ms(l.all.p50), ms(l.all.p95), ms(l.all.p99), l.errors, l.requests, ms(l.writes.p50), ms(l.writes.p95), l.pending, lag)
}
