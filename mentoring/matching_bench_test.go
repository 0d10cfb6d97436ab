package mentoring_test

import (
	"math/rand/v2"
	"testing"

	"github.com/microlearn/microlearn/mentoring"
)

// BenchmarkPropose300x1000 is the target: a bulk proposal for 300 mentors and 1,000
// mentees (pure: profiles already loaded). Figures in docs/benchmarks.md, "## Matching".
func BenchmarkPropose300x1000(b *testing.B) {
	in := syntheticInput(rand.New(rand.NewPCG(1, 2)), 300, 1000)
	b.ReportAllocs()
	var pairs int
	for b.Loop() {
		pairs = len(mentoring.Propose(in).Pairs)
	}
	b.ReportMetric(float64(pairs), "pairs")
}

// BenchmarkSuggest300 ranks 300 mentors for one mentee.
func BenchmarkSuggest300(b *testing.B) {
	in := syntheticInput(rand.New(rand.NewPCG(1, 2)), 300, 1000)
	id := in.Mentees[0].UserID
	b.ReportAllocs()
	for b.Loop() {
		if _, err := mentoring.Suggest(in, id, 10); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPropose300x1000NoRules is the worst case: no must-have, so all 300,000 pairs are
// feasible and enter the heap.
func BenchmarkPropose300x1000NoRules(b *testing.B) {
	in := syntheticInput(rand.New(rand.NewPCG(1, 2)), 300, 1000)
	in.Settings.MustHave = nil
	b.ReportAllocs()
	var pairs int
	for b.Loop() {
		pairs = len(mentoring.Propose(in).Pairs)
	}
	b.ReportMetric(float64(pairs), "pairs")
}
