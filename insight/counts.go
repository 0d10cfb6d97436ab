package insight

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Counts are the figures of one aggregate: dotted field paths ("c.lesson", "d.affective.sec")
// to numbers. The store adds Counts to documents with $inc and reads them back flattened.
type Counts map[string]int64

// Add adds n to path.
func (c Counts) Add(path string, n int64) {
	if n != 0 {
		c[path] += n
	}
}

// Get returns the figure at path (0 when absent).
func (c Counts) Get(path string) int64 { return c[path] }

// Merge adds every figure of o.
func (c Counts) Merge(o Counts) {
	for k, v := range o {
		c[k] += v
	}
}

// Sub returns c minus o, without zeros: what moves a contribution from o to c.
func (c Counts) Sub(o Counts) Counts {
	out := Counts{}
	for k, v := range c {
		out.Add(k, v-o[k])
	}
	for k, v := range o {
		if _, ok := c[k]; !ok {
			out.Add(k, -v)
		}
	}
	return out
}

// Under returns the figures below prefix ("h.mentee." gives {"m12": 3, ...}).
func (c Counts) Under(prefix string) map[string]int64 {
	out := map[string]int64{}
	for k, v := range c {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			out[rest] = v
		}
	}
	return out
}

// pathPattern is what a field path may look like: fixed names and validated keys joined by
// dots, never a `$` or an empty part, so that no value ever becomes a MongoDB operator.
var pathPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}(\.[a-z0-9][a-z0-9_-]{0,63})*$`)

// SafePath reports whether p can be a field path of an aggregate.
func SafePath(p string) bool { return pathPattern.MatchString(p) }

// Histogram counts people by a whole number (minutes, seconds bucket): keys are "<prefix><n>".
type Histogram map[int]int64

// histogram reads the histogram stored under prefix with key letter tag ("m" for minutes).
func histogram(c Counts, prefix, tag string) Histogram {
	h := Histogram{}
	for k, v := range c.Under(prefix) {
		n, err := strconv.Atoi(strings.TrimPrefix(k, tag))
		if err != nil || !strings.HasPrefix(k, tag) || v <= 0 {
			continue
		}
		h[n] += v
	}
	return h
}

// Total is the number of people counted.
func (h Histogram) Total() int64 {
	var n int64
	for _, v := range h {
		n += v
	}
	return n
}

// Median returns the median value (the mean of the two middle ones for an even count) and
// whether there was anything to take it of. Reading it costs the number of distinct values,
// never the number of people.
func (h Histogram) Median() (float64, bool) {
	a, b, ok := h.Middle()
	return float64(a+b) / 2, ok
}

// Middle returns the two middle values (the same one twice for an odd count).
func (h Histogram) Middle() (int, int, bool) {
	n := h.Total()
	if n == 0 {
		return 0, 0, false
	}
	keys := make([]int, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	lo, hi := (n-1)/2, n/2 // 0-based ranks of the middle values
	var seen int64
	var a, b int
	gotA := false
	for _, k := range keys {
		seen += h[k]
		if !gotA && seen > lo {
			a, gotA = k, true
		}
		if seen > hi {
			b = k
			break
		}
	}
	return a, b, true
}
