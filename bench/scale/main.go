// Command scale measures what one request costs as a programme grows (issue 20): it builds a
// realistic programme directly through the stores and services (not through HTTP), grows it
// to each size in turn, and at each size times the requests a phone and a mentor make most
// over HTTP against the whole product on the embedded database, then runs concurrent mentees.
//
//	go run ./bench/scale -mentees 10000          # sizes 100, 1,000 and 10,000
//	go run ./bench/scale -sizes 100,1000 -load 50,200 -activity 100
//	go run ./bench/scale -mentees 1000 -load '' -keep -dir /tmp/scale1k
//	go run ./bench/scale -from /tmp/scale1k -load 50,200  # measure the kept programme again
//
// At each size: the median (and p90) of -n requests of each kind, the database's file size
// and the process's RSS (the server and the bench share the process). After the last size,
// one run per -load level: that many mentees reading and completing lessons for -duration,
// with requests per second, latency percentiles, errors, and the time the learning queue
// takes to drain after the load stops. At each size it also measures how fresh the reports are
// (issue 13: figures at most 60 s old) after a burst of joins and lesson completions. With
// -from it opens a data directory a run kept (-keep) with the current product, rebuilds what
// the bench knows of the programme from the database and measures it at its size, without
// building. It prints Markdown for docs/benchmarks.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

type options struct {
	sizes    []int
	activity int
	inbox    int
	n        int
	load     []int
	duration time.Duration
	syncN    int
	dir      string
	keep     bool
	// from is a kept data directory to measure without building (-from).
	from string

	cpuprofile    string
	recomputeMax  int
	autoRecompute bool // -recompute-max -1: within recomputeBudget
}

func main() {
	var o options
	mentees := flag.Int("mentees", 10000, "the largest programme (sizes 100, 1,000, ... up to it)")
	sizes := flag.String("sizes", "", "comma-separated programme sizes in mentees (default: 100, 1000, ... up to -mentees)")
	flag.IntVar(&o.activity, "activity", 100, "activity rows (learning events) per mentee")
	flag.IntVar(&o.inbox, "inbox", 10, "inbox notifications per mentee")
	flag.IntVar(&o.n, "n", 15, "requests of each kind per size")
	load := flag.String("load", "50,200", "concurrent mentees for the load runs at the largest size (empty: none)")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "length of each load run")
	flag.IntVar(&o.syncN, "sync", 3, "500-event syncs per size")
	flag.StringVar(&o.dir, "dir", "", "data directory (default: a new temporary one)")
	flag.BoolVar(&o.keep, "keep", false, "keep the data directory")
	flag.StringVar(&o.from, "from", "", "measure the programme kept in this data directory (a run's -keep -dir) at its size, without building; it is written to (fresh lessons, the freshness burst, the load), so give it a copy")
	flag.IntVar(&o.recomputeMax, "recompute-max", -1, "rebuild the reports' aggregates after building sizes up to this many mentees (-1: every size whose rebuild, extrapolated from the previous size's, takes under 15 minutes)")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	var err error
	if o.sizes, err = intList(*sizes); err != nil || len(o.sizes) == 0 {
		o.sizes = nil
		for s := 100; s < *mentees; s *= 10 {
			o.sizes = append(o.sizes, s)
		}
		o.sizes = append(o.sizes, *mentees)
	}
	if o.recomputeMax < 0 {
		o.recomputeMax, o.autoRecompute = slices.Max(o.sizes), true
	}
	if o.load, err = intList(*load); err != nil {
		fmt.Fprintln(os.Stderr, "bench: -load:", err)
		os.Exit(2)
	}
	stop, err := profile(o.cpuprofile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: -cpuprofile:", err)
		os.Exit(2)
	}
	err = run(o)
	stop()
	if err != nil {
		os.Exit(1) // run printed the error before it shut the product down
	}
}

func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(strings.ReplaceAll(f, "_", ""))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func run(o options) error {
	ctx := context.Background()
	dir := o.dir
	if o.from != "" {
		if _, err := os.Stat(filepath.Join(o.from, "jwt-keys.json")); err != nil {
			logf("bench: -from %s is not a kept data directory: %v", o.from, err)
			return err
		}
		dir, o.keep = o.from, true
	}
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "microlearn-scale-"); err != nil {
			return err
		}
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	logf("data in %s", dir)
	t0 := time.Now()
	w, err := start(ctx, dir, newDBTime())
	if err != nil {
		logf("bench: start: %v", err)
		return err
	}
	loads1 := sampleLoad(30 * time.Second)
	if o.from != "" {
		// Opening older data runs the product's start-up backfills and index builds.
		logf("opened %s in %s", dir, time.Since(t0).Round(time.Second))
		err = w.runFrom(ctx, o, time.Since(t0))
	} else {
		err = w.runSizes(ctx, o, dir)
	}
	if err != nil {
		// Said before the shutdown: closing the product waits behind whatever holds the
		// database's one connection, and a run that failed there lost its message.
		logf("bench: %v", err)
	}
	logf("load average (1 min, every 30 s) during the run: %s", loads1())
	logf("shutting the product down")
	stopped := make(chan struct{})
	go func() { w.stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(time.Minute):
		logf("the product did not shut down within a minute; leaving it")
	}
	return err
}

// runSizes grows the programme to each size in turn and measures it, then runs the load.
func (w *world) runSizes(ctx context.Context, o options, dir string) error {
	var rows []sizeResult
	for _, size := range o.sizes {
		t0 := time.Now()
		logf("growing to %d mentees", size)
		if err := w.grow(ctx, size, o); err != nil {
			return fmt.Errorf("grow to %d mentees: %w", size, err)
		}
		built := time.Since(t0)
		logf("%d mentees built in %s", size, built.Round(time.Second))
		rec, err := w.recompute(ctx, size, o)
		if err != nil {
			return err
		}
		logf("measuring at %d mentees", size)
		r, err := w.measure(ctx, o)
		if err != nil {
			return fmt.Errorf("measure at %d mentees: %w", size, err)
		}
		r.mentees, r.build, r.recompute = size, built, rec
		r.fresh = w.freshness(ctx)
		logf("  freshness: %s", freshCell(r.fresh))
		r.dbBytes = dirSize(dir)
		r.rssBytes = rss()
		rows = append(rows, r)
		printSize(os.Stdout, r)
	}
	loads, err := w.loads(ctx, o)
	if err != nil {
		return err
	}
	printReport(os.Stdout, o, rows, loads)
	return nil
}

// loads runs one load run per -load level.
func (w *world) loads(ctx context.Context, o options) ([]loadResult, error) {
	var loads []loadResult
	for _, k := range o.load {
		logf("load: %d concurrent mentees for %s", k, o.duration)
		l, err := w.loadRun(ctx, k, o.duration)
		if err != nil {
			return loads, fmt.Errorf("load run with %d mentees: %w", k, err)
		}
		loads = append(loads, l)
		fmt.Println("load:", loadRow(l))
	}
	return loads, nil
}

// sampleLoad reads the 1-minute load average every interval until the returned function is
// called, which says min / mean / max of the samples.
func sampleLoad(interval time.Duration) func() string {
	var mu sync.Mutex
	var xs []float64
	done := make(chan struct{})
	read := func() {
		b, err := os.ReadFile("/proc/loadavg")
		if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
			if x, err := strconv.ParseFloat(f[0], 64); err == nil {
				mu.Lock()
				xs = append(xs, x)
				mu.Unlock()
			}
		}
	}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for read(); ; read() {
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() string {
		close(done)
		mu.Lock()
		defer mu.Unlock()
		if len(xs) == 0 {
			return "not read"
		}
		lo, hi, sum := xs[0], xs[0], 0.0
		for _, x := range xs {
			lo, hi, sum = min(lo, x), max(hi, x), sum+x
		}
		return fmt.Sprintf("min %.2f, mean %.2f, max %.2f (%d samples)", lo, sum/float64(len(xs)), hi, len(xs))
	}
}

// profile starts a CPU profile into file ("" none) and returns what stops it.
func profile(file string) (func(), error) {
	if file == "" {
		return func() {}, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// rss is the process's resident set size (Linux).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}
