package mentoring_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/mentoring"
)

func mentor(id, dept, loc string, capacity int, tags []string, langs ...string) mentoring.Profile {
	return mentoring.Profile{UserID: id, Role: mentoring.RoleMentor, Department: dept, Location: loc, Capacity: capacity,
		Available: true, Tags: tags, Languages: langs}
}

func mentee(id, dept, loc string, pref mentoring.DepartmentPreference, tags []string, langs ...string) mentoring.Profile {
	return mentoring.Profile{UserID: id, Role: mentoring.RoleMentee, Department: dept, Location: loc,
		DepartmentPreference: pref, Tags: tags, Languages: langs}
}

func TestNormalizeAndVocabulary(t *testing.T) {
	v := mentoring.NewVocabulary([]mentoring.Tag{{Name: "leadership", Synonyms: []string{"leading teams", "people management"}}})
	tests := []struct {
		in   []string
		want []string
	}{
		{[]string{"  Leadership. ", "LEADING   teams", "Budgeting"}, []string{"budgeting", "leadership"}},
		{[]string{"People Management!", "", "  "}, []string{"leadership"}},
		{[]string{"C++", "#nursing"}, []string{"#nursing", "c++"}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, v.Tags(tc.in)); diff != "" {
			t.Errorf("Tags(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestSuggestScoresAndExplains(t *testing.T) {
	in := mentoring.MatchInput{
		Settings: mentoring.DefaultSettings("p"),
		Mentors: []mentoring.Profile{
			mentor("m-skills", "surgery", "leeds", 2, []string{"budgeting", "rota planning"}, "en"),
			mentor("m-near", "surgery", "york", 2, []string{"budgeting"}, "en"),
			mentor("m-full", "surgery", "york", 1, []string{"budgeting", "rota planning"}, "en"),
			{UserID: "m-away", Role: mentoring.RoleMentor, Capacity: 3, Available: false, Tags: []string{"budgeting", "rota planning"}},
		},
		Mentees: []mentoring.Profile{mentee("e", "surgery", "york", mentoring.PreferAnyDepartment, []string{"budgeting", "rota planning"}, "en")},
		Load:    map[string]int{"m-full": 1},
	}
	got, err := mentoring.Suggest(in, "e", 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, c.MentorID)
	}
	// m-skills covers both objectives (50) but is elsewhere; m-near covers one (25) and is in
	// York (15): 50+10+15+0+10 = 85 against 25+10+15+15+10 = 75. Full and unavailable mentors
	// are never candidates.
	if diff := cmp.Diff([]string{"m-skills", "m-near"}, ids); diff != "" {
		t.Fatalf("candidates (-want +got):\n%s", diff)
	}
	if got[0].Score != 85 || got[1].Score != 75 {
		t.Errorf("scores %v, %v; want 85, 75", got[0].Score, got[1].Score)
	}
	want := []mentoring.Contribution{
		{Criterion: "overlap", Weight: 50, Value: 1, Points: 50, Detail: "2 of 2 objectives match the mentor's skills: budgeting, rota planning"},
		{Criterion: "capacity", Weight: 10, Value: 1, Points: 10, Detail: "2 of 2 places free"},
		{Criterion: "department", Weight: 15, Value: 1, Points: 15, Detail: "the mentee has no department preference"},
		{Criterion: "location", Weight: 15, Value: 0, Points: 0, Detail: "different or unknown location"},
		{Criterion: "language", Weight: 10, Value: 1, Points: 10, Detail: "they share a language"},
	}
	if diff := cmp.Diff(want, got[0].Contributions); diff != "" {
		t.Errorf("contributions (-want +got):\n%s", diff)
	}
}

func TestSuggestRules(t *testing.T) {
	mentors := []mentoring.Profile{
		mentor("same-dept", "icu", "york", 3, []string{"x"}, "en"),
		mentor("other-dept", "surgery", "york", 3, []string{"x"}, "fr"),
		mentor("no-overlap", "surgery", "leeds", 3, []string{"y"}, "en"),
	}
	e := mentee("e", "icu", "york", mentoring.PreferDifferentDepartment, []string{"x"}, "en")
	tests := []struct {
		name   string
		adjust func(*mentoring.Settings)
		want   []string
	}{
		{"no rules", func(*mentoring.Settings) {}, []string{"other-dept", "same-dept", "no-overlap"}},
		{"overlap must", func(s *mentoring.Settings) { s.MustHave = []mentoring.Criterion{"overlap"} }, []string{"other-dept", "same-dept"}},
		{"language must", func(s *mentoring.Settings) { s.MustHave = []mentoring.Criterion{"language"} }, []string{"same-dept", "no-overlap"}},
		{"department must", func(s *mentoring.Settings) { s.MustHave = []mentoring.Criterion{"department"} }, []string{"other-dept", "no-overlap"}},
		{"location must", func(s *mentoring.Settings) { s.MustHave = []mentoring.Criterion{"location"} }, []string{"other-dept", "same-dept"}},
		{"exclude same department", func(s *mentoring.Settings) { s.ExcludeSameDepartment = true }, []string{"other-dept", "no-overlap"}},
		{"excluded pair", func(s *mentoring.Settings) {
			s.ExcludedPairs = []mentoring.PairRef{{MentorID: "other-dept", MenteeID: "e"}}
		}, []string{"same-dept", "no-overlap"}},
		{"only overlap counts", func(s *mentoring.Settings) {
			s.Weights = mentoring.Weights{Overlap: 1}
			s.MustHave = []mentoring.Criterion{"overlap", "language"}
		}, []string{"same-dept"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mentoring.DefaultSettings("p")
			tc.adjust(&s)
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			got, err := mentoring.Suggest(mentoring.MatchInput{Settings: s, Mentors: mentors, Mentees: []mentoring.Profile{e}}, "e", 0)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, c := range got {
				ids = append(ids, c.MentorID)
			}
			if diff := cmp.Diff(tc.want, ids); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSettingsValidate(t *testing.T) {
	s := mentoring.Settings{Weights: mentoring.Weights{Overlap: -1, Language: 101}, MustHave: []mentoring.Criterion{"capacity", "overlap", "overlap"},
		ExcludedPairs: []mentoring.PairRef{{MentorID: "", MenteeID: "x"}}}
	err := s.Validate()
	if err == nil {
		t.Fatal("invalid settings accepted")
	}
	for _, p := range []string{"/weights/overlap", "/weights/language", "/mustHave/0", "/mustHave/2", "/excludedPairs/0/mentorId"} {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not name %s", err, p)
		}
	}
}

func TestProposeRespectsCapacityAndSpreads(t *testing.T) {
	// Two equally skilled mentors with two places each, four identical mentees: the capacity
	// term spreads them two and two rather than filling one mentor first; a third mentor with
	// no overlap only gets someone when the others are full.
	in := mentoring.MatchInput{
		Settings: mentoring.DefaultSettings("p"),
		Mentors: []mentoring.Profile{
			mentor("a", "", "", 2, []string{"x"}), mentor("b", "", "", 2, []string{"x"}), mentor("c", "", "", 5, []string{"z"}),
		},
		Load: map[string]int{"b": 1},
	}
	for i := range 5 {
		in.Mentees = append(in.Mentees, mentee(fmt.Sprintf("e%d", i), "", "", "", []string{"x"}))
	}
	in.Mentees = append(in.Mentees, mentee("paired", "", "", "", []string{"x"}))
	in.Paired = map[string]bool{"paired": true}
	p := mentoring.Propose(in)
	count := map[string]int{}
	for _, pr := range p.Pairs {
		count[pr.Candidate.MentorID]++
	}
	if diff := cmp.Diff(map[string]int{"a": 2, "b": 1, "c": 2}, count); diff != "" {
		t.Errorf("mentees per mentor (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]mentoring.Unmatched{{MenteeID: "paired", Reason: "already_paired"}}, p.Unmatched); diff != "" {
		t.Errorf("unmatched (-want +got):\n%s", diff)
	}
}

// Randomised: whatever the input, no mentor gets more than its free places, no mentee twice,
// and every pair is feasible.
func TestProposeNeverExceedsCapacity(t *testing.T) {
	for seed := range uint64(20) {
		in := syntheticInput(rand.New(rand.NewPCG(seed, 7)), 30, 100)
		p := mentoring.Propose(in)
		caps := map[string]int{}
		for _, m := range in.Mentors {
			if m.Available {
				caps[m.UserID] = m.Capacity - in.Load[m.UserID]
			}
		}
		seen := map[string]bool{}
		for _, pr := range p.Pairs {
			caps[pr.Candidate.MentorID]--
			if caps[pr.Candidate.MentorID] < 0 {
				t.Fatalf("seed %d: mentor %s over capacity", seed, pr.Candidate.MentorID)
			}
			if seen[pr.MenteeID] {
				t.Fatalf("seed %d: mentee %s proposed twice", seed, pr.MenteeID)
			}
			seen[pr.MenteeID] = true
		}
		if len(p.Pairs)+len(p.Unmatched) != len(in.Mentees) {
			t.Fatalf("seed %d: %d pairs + %d unmatched != %d mentees", seed, len(p.Pairs), len(p.Unmatched), len(in.Mentees))
		}
	}
}

var (
	depts = []string{"surgery", "icu", "pharmacy", "radiology", "finance", "hr", "estates", "paediatrics", "oncology", "it"}
	locs  = []string{"york", "leeds", "hull", "harrogate", "scarborough"}
	langs = []string{"en", "fr", "pl", "ur"}
	prefs = []mentoring.DepartmentPreference{"same", "different", "any"}
)

func syntheticInput(r *rand.Rand, mentors, mentees int) mentoring.MatchInput {
	tags := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("tag-%02d", r.IntN(60))
		}
		return out
	}
	in := mentoring.MatchInput{Settings: mentoring.DefaultSettings("bench"), Load: map[string]int{}, Paired: map[string]bool{}}
	in.Settings.MustHave = []mentoring.Criterion{"language"}
	for i := range mentors {
		p := mentor(fmt.Sprintf("mentor-%04d", i), depts[r.IntN(len(depts))], locs[r.IntN(len(locs))], 1+r.IntN(5),
			tags(3+r.IntN(6)), "en", langs[r.IntN(len(langs))])
		p.Available = r.IntN(20) > 0
		in.Mentors = append(in.Mentors, p)
		if r.IntN(4) == 0 {
			in.Load[p.UserID] = 1
		}
	}
	for i := range mentees {
		p := mentee(fmt.Sprintf("mentee-%04d", i), depts[r.IntN(len(depts))], locs[r.IntN(len(locs))], prefs[r.IntN(3)],
			tags(1+r.IntN(5)), langs[r.IntN(len(langs))])
		in.Mentees = append(in.Mentees, p)
		if r.IntN(50) == 0 {
			in.Paired[p.UserID] = true
		}
	}
	return in
}

// Without the live capacity term, ties would all go to the first mentor; with it, four
// mentees spread two and two over two equal mentors with four places each.
func TestProposeSpreadsLoad(t *testing.T) {
	in := mentoring.MatchInput{Settings: mentoring.DefaultSettings("p"),
		Mentors: []mentoring.Profile{mentor("a", "", "", 4, []string{"x"}), mentor("b", "", "", 4, []string{"x"})}}
	for i := range 4 {
		in.Mentees = append(in.Mentees, mentee(fmt.Sprintf("e%d", i), "", "", "", []string{"x"}))
	}
	count := map[string]int{}
	for _, pr := range mentoring.Propose(in).Pairs {
		count[pr.Candidate.MentorID]++
	}
	if diff := cmp.Diff(map[string]int{"a": 2, "b": 2}, count); diff != "" {
		t.Errorf("mentees per mentor (-want +got):\n%s", diff)
	}
}

// baseScores returns, for every feasible (mentee, mentor) pair, its score without the
// capacity term (the part that depends on who is paired, not on how full the mentor is).
func baseScores(t *testing.T, in mentoring.MatchInput) map[[2]string]float64 {
	t.Helper()
	out := map[[2]string]float64{}
	for _, e := range in.Mentees {
		cands, err := mentoring.Suggest(in, e.UserID, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cands {
			s := c.Score
			for _, x := range c.Contributions {
				if x.Criterion == mentoring.CriterionCapacity {
					s -= x.Points
				}
			}
			out[[2]string{e.UserID, c.MentorID}] = s
		}
	}
	return out
}

// Property: over random programmes, capacity is never exceeded, and no exchange improves the
// proposal: swapping the mentors of two placed mentees never raises the total score, and no
// unplaced mentee could take a placed mentee's mentor for a higher score (or, having no
// mentor at all, from someone who has one).
func TestProposeIsOptimalUnderSwaps(t *testing.T) {
	const tol = 0.05 // contributions are reported rounded to 0.01
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 11))
		in := syntheticInput(r, 4+r.IntN(12), 10+r.IntN(40))
		in.HasMentor = map[string]bool{}
		for _, e := range in.Mentees {
			if r.IntN(3) == 0 {
				in.HasMentor[e.UserID] = true
			}
		}
		p := mentoring.Propose(in)
		score := baseScores(t, in)
		left := map[string]int{}
		for _, m := range in.Mentors {
			if m.Available {
				left[m.UserID] = max(m.Capacity-in.Load[m.UserID], 0)
			}
		}
		mentorOf := map[string]string{}
		for _, pr := range p.Pairs {
			mentorOf[pr.MenteeID] = pr.Candidate.MentorID
			left[pr.Candidate.MentorID]--
			if left[pr.Candidate.MentorID] < 0 {
				t.Fatalf("seed %d: mentor %s over capacity", seed, pr.Candidate.MentorID)
			}
			if _, ok := score[[2]string{pr.MenteeID, pr.Candidate.MentorID}]; !ok {
				t.Fatalf("seed %d: infeasible pair %s-%s proposed", seed, pr.MenteeID, pr.Candidate.MentorID)
			}
		}
		for a, ra := range mentorOf {
			for b, rb := range mentorOf {
				if a >= b || ra == rb {
					continue
				}
				sa, okA := score[[2]string{a, rb}]
				sb, okB := score[[2]string{b, ra}]
				if okA && okB && sa+sb > score[[2]string{a, ra}]+score[[2]string{b, rb}]+tol {
					t.Errorf("seed %d: swapping %s and %s raises the total: %.2f+%.2f > %.2f+%.2f", seed, a, b,
						sa, sb, score[[2]string{a, ra}], score[[2]string{b, rb}])
				}
			}
		}
		for _, u := range p.Unmatched {
			if u.Reason != mentoring.ReasonCapacityTaken {
				continue
			}
			for a, ra := range mentorOf {
				su, ok := score[[2]string{u.MenteeID, ra}]
				if !ok {
					continue
				}
				switch {
				case !in.HasMentor[u.MenteeID] && in.HasMentor[a]:
					t.Errorf("seed %d: %s (no mentor at all) left out while %s (who has one) holds %s", seed, u.MenteeID, a, ra)
				case in.HasMentor[u.MenteeID] == in.HasMentor[a] && su > score[[2]string{a, ra}]+tol:
					t.Errorf("seed %d: %s would score %.2f with %s, more than %s's %.2f", seed, u.MenteeID, su, ra, a, score[[2]string{a, ra}])
				}
			}
		}
	}
}

// On programmes small enough to try every assignment, the proposal's objective equals the
// best one: most mentees placed, then most mentees without any mentor placed, then the
// highest total score with the capacity term counted per place taken.
func TestProposeMatchesBruteForce(t *testing.T) {
	for seed := range uint64(60) {
		r := rand.New(rand.NewPCG(seed, 23))
		in := syntheticInput(r, 2+r.IntN(2), 2+r.IntN(5))
		in.Settings.MustHave = nil
		in.HasMentor = map[string]bool{}
		for _, e := range in.Mentees {
			if r.IntN(2) == 0 {
				in.HasMentor[e.UserID] = true
			}
		}
		score := baseScores(t, in)
		w := in.Settings.Weights
		wTotal := w.Overlap + w.Capacity + w.Department + w.Location + w.Language
		capOf := map[string]int{}
		left := map[string]int{}
		var mentors []string
		for _, m := range in.Mentors {
			if m.Available && m.Capacity-in.Load[m.UserID] > 0 {
				mentors = append(mentors, m.UserID)
				capOf[m.UserID] = m.Capacity
				left[m.UserID] = m.Capacity - in.Load[m.UserID]
			}
		}
		objective := func(assign map[string]string) [3]float64 {
			var o [3]float64
			taken := map[string]int{}
			for e, m := range assign {
				o[0]++
				if !in.HasMentor[e] {
					o[1]++
				}
				o[2] += score[[2]string{e, m}]
				o[2] += 100 * w.Capacity * float64(left[m]-taken[m]) / float64(capOf[m]) / wTotal
				taken[m]++
			}
			return o
		}
		better := func(a, b [3]float64) bool {
			for i := range a {
				if math.Abs(a[i]-b[i]) > 0.05 {
					return a[i] > b[i]
				}
			}
			return false
		}
		var eligible []string
		for _, e := range in.Mentees {
			if !in.Paired[e.UserID] {
				eligible = append(eligible, e.UserID)
			}
		}
		var best [3]float64
		assign := map[string]string{}
		var try func(i int)
		try = func(i int) {
			if i == len(eligible) {
				if o := objective(assign); better(o, best) {
					best = o
				}
				return
			}
			try(i + 1)
			for _, m := range mentors {
				if _, ok := score[[2]string{eligible[i], m}]; !ok {
					continue
				}
				n := 0
				for _, x := range assign {
					if x == m {
						n++
					}
				}
				if n < left[m] {
					assign[eligible[i]] = m
					try(i + 1)
					delete(assign, eligible[i])
				}
			}
		}
		try(0)
		got := map[string]string{}
		for _, pr := range mentoring.Propose(in).Pairs {
			got[pr.MenteeID] = pr.Candidate.MentorID
		}
		if o := objective(got); better(best, o) {
			t.Errorf("seed %d: proposal objective %v, the best is %v", seed, o, best)
		}
	}
}
