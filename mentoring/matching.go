package mentoring

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Criterion is one thing matching scores.
type Criterion string

// The criteria. Capacity is always a must-have (a full mentor is never proposed); the others
// can be made must-haves per programme.
const (
	CriterionOverlap    Criterion = "overlap"
	CriterionCapacity   Criterion = "capacity"
	CriterionDepartment Criterion = "department"
	CriterionLocation   Criterion = "location"
	CriterionLanguage   Criterion = "language"
)

// Criteria lists the criteria in the order contributions are reported.
func Criteria() []Criterion {
	return []Criterion{CriterionOverlap, CriterionCapacity, CriterionDepartment, CriterionLocation, CriterionLanguage}
}

// Weights are the relative weights of the criteria (0..100 each; at least one positive).
type Weights struct {
	Overlap, Capacity, Department, Location, Language float64
}

func (w Weights) of(c Criterion) float64 {
	switch c {
	case CriterionOverlap:
		return w.Overlap
	case CriterionCapacity:
		return w.Capacity
	case CriterionDepartment:
		return w.Department
	case CriterionLocation:
		return w.Location
	case CriterionLanguage:
		return w.Language
	}
	return 0
}

func (w Weights) total() float64 {
	return w.Overlap + w.Capacity + w.Department + w.Location + w.Language
}

// PairRef names a mentor and a mentee.
type PairRef struct {
	MentorID string
	MenteeID string
}

// Settings are a programme's matching rules, weights and whether mentees may choose.
type Settings struct {
	ProgrammeID string
	Weights     Weights
	// MustHave criteria must be met for a mentor to be a candidate at all: overlap (at least
	// one objective matches a skill), department (the mentee's preference is met), location
	// (same location), language (a shared language).
	MustHave []Criterion
	// ExcludeSameDepartment never pairs people of the same department (e.g. to keep line
	// management out of mentoring), whatever the mentee prefers.
	ExcludeSameDepartment bool
	// ExcludedPairs are never proposed (a declared conflict of interest).
	ExcludedPairs []PairRef
	// AllowSelfSelection lets mentees see their suggestions and ask a mentor themselves.
	AllowSelfSelection bool
	UpdatedAt          time.Time
}

// DefaultSettings are used until an owner saves settings: objective/skill overlap weighs most.
func DefaultSettings(programmeID string) Settings {
	return Settings{ProgrammeID: programmeID,
		Weights: Weights{Overlap: 50, Capacity: 10, Department: 15, Location: 15, Language: 10}}
}

// MaxExcludedPairs bounds the exclusion list of one programme.
const MaxExcludedPairs = 1000

// Validate checks settings and reports each invalid field.
func (s *Settings) Validate() error {
	var f apperr.Fields
	for _, c := range Criteria() {
		w := s.Weights.of(c)
		f.Check(w >= 0 && w <= 100 && !math.IsNaN(w), "/weights/"+string(c), "must be between 0 and 100")
	}
	f.Check(s.Weights.total() > 0, "/weights", "at least one weight must be positive")
	seen := map[Criterion]bool{}
	for i, c := range s.MustHave {
		ok := c == CriterionOverlap || c == CriterionDepartment || c == CriterionLocation || c == CriterionLanguage
		f.Check(ok, fmt.Sprintf("/mustHave/%d", i), "must be one of overlap, department, location, language (capacity always applies)")
		f.Check(!seen[c], fmt.Sprintf("/mustHave/%d", i), "is listed twice")
		seen[c] = true
	}
	f.Check(len(s.ExcludedPairs) <= MaxExcludedPairs, "/excludedPairs", fmt.Sprintf("must list at most %d pairs", MaxExcludedPairs))
	for i, p := range s.ExcludedPairs {
		f.Check(p.MentorID != "" && len(p.MentorID) <= 64, fmt.Sprintf("/excludedPairs/%d/mentorId", i), "must be a user id")
		f.Check(p.MenteeID != "" && len(p.MenteeID) <= 64, fmt.Sprintf("/excludedPairs/%d/menteeId", i), "must be a user id")
	}
	return f.Err()
}

// Contribution is what one criterion added to a candidate's score.
type Contribution struct {
	Criterion Criterion
	Weight    float64
	// Value is how well the criterion is met, 0..1.
	Value float64
	// Points is the share of the 0..100 score this criterion gave: 100*Weight*Value/ΣWeights.
	Points float64
	// Detail says why, for people: "2 of 3 objectives match: budgeting, rota planning".
	Detail string
}

// Candidate is a mentor scored for a mentee.
type Candidate struct {
	MentorID      string
	Score         float64
	Contributions []Contribution
	// CapacityLeft is how many more mentees the mentor can take (before this proposal).
	CapacityLeft int
	// MatchedTags are the mentee's objectives the mentor's skills cover.
	MatchedTags []string
}

// MatchInput is everything matching reads: profiles, the mentors' current load and the
// mentees who already have a live pairing of the type being matched.
type MatchInput struct {
	Settings   Settings
	Vocabulary Vocabulary
	Mentors    []Profile
	Mentees    []Profile
	// Load is how many mentees each mentor holds now (live pairings of any type).
	Load map[string]int
	// Paired are the mentees who already hold a live pairing of the type being matched.
	Paired map[string]bool
	// HasMentor are the mentees who hold a live pairing of any type as a mentee: the
	// proposal places mentees without any mentor first.
	HasMentor map[string]bool
}

// Proposal is a bulk matching proposal for a programme.
type Proposal struct {
	Pairs     []ProposedPair
	Unmatched []Unmatched
	// Algorithm names how the proposal was made.
	Algorithm string
	// MentorsWithoutProfile are mentors who have no profile yet: their capacity is unknown,
	// so they are nobody's candidate until they fill it in.
	MentorsWithoutProfile []string
}

// ProposedPair is one mentee proposed to one mentor.
type ProposedPair struct {
	MenteeID  string
	Candidate Candidate
	// ProfileMissing: the mentee has no profile and was matched on what the programme knows.
	ProfileMissing bool
}

// Unmatched is a mentee the proposal could not place, and why.
type Unmatched struct {
	MenteeID       string
	Reason         string
	ProfileMissing bool
}

// Reasons a mentee is left out of a proposal.
const (
	ReasonAlreadyPaired = "already_paired"
	ReasonNoCandidate   = "no_candidate"
	ReasonCapacityTaken = "capacity_taken"
	// ReasonProfileMissing: a member who has no mentoring profile yet (remind them, or match
	// on what the programme knows).
	ReasonProfileMissing = "profile_missing"
)

// AlgorithmOptimal names the bulk proposal's algorithm (docs/decisions.md, "Matching").
const AlgorithmOptimal = "optimal assignment (min-cost flow)"

// matcher is the matching input compiled to integers: tags, departments, locations and
// languages become small ids, so scoring one pair is a few comparisons and a merge of two
// short sorted slices.
type matcher struct {
	s       Settings
	wTotal  float64
	mentors []compiled
	mentees []compiled
	cap     []int // capacity per mentor
	left    []int // capacity left per mentor
	exclude map[[2]int32]bool
	must    [5]bool // by criterion index
	tagName []string
}

type compiled struct {
	id       string
	tags     []int32
	dept     int32 // 0: unknown
	loc      int32
	langs    []int32
	pref     DepartmentPreference
	eligible bool // mentors: available with capacity; mentees: not already paired
}

func compile(in MatchInput) *matcher {
	m := &matcher{s: in.Settings, wTotal: in.Settings.Weights.total(), exclude: map[[2]int32]bool{}}
	for _, c := range in.Settings.MustHave {
		m.must[slices.Index(Criteria(), c)] = true
	}
	ids := map[string]int32{}
	intern := func(kind, s string) int32 {
		if s == "" {
			return 0
		}
		k := kind + "\x00" + s
		if id, ok := ids[k]; ok {
			return id
		}
		id := int32(len(ids) + 1)
		ids[k] = id
		if kind == "t" {
			for int(id) >= len(m.tagName) {
				m.tagName = append(m.tagName, "")
			}
			m.tagName[id] = s
		}
		return id
	}
	set := func(kind string, xs []string, canon func(string) string) []int32 {
		out := make([]int32, 0, len(xs))
		for _, x := range xs {
			if x = canon(x); x != "" {
				out = append(out, intern(kind, x))
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	plain := func(s string) string { return NormalizeText(s) }
	do := func(p Profile) compiled {
		return compiled{id: p.UserID, tags: set("t", p.Tags, in.Vocabulary.Canonical),
			dept: intern("d", NormalizeText(p.Department)), loc: intern("l", NormalizeText(p.Location)),
			langs: set("g", p.Languages, plain), pref: p.DepartmentPreference}
	}
	mentors := slices.Clone(in.Mentors)
	slices.SortFunc(mentors, func(a, b Profile) int { return strings.Compare(a.UserID, b.UserID) })
	mentees := slices.Clone(in.Mentees)
	slices.SortFunc(mentees, func(a, b Profile) int { return strings.Compare(a.UserID, b.UserID) })
	mentorIx, menteeIx := map[string]int32{}, map[string]int32{}
	for i, p := range mentors {
		c := do(p)
		left := max(p.Capacity-in.Load[p.UserID], 0)
		c.eligible = p.Available && left > 0
		m.mentors = append(m.mentors, c)
		m.cap = append(m.cap, p.Capacity)
		m.left = append(m.left, left)
		mentorIx[p.UserID] = int32(i)
	}
	for i, p := range mentees {
		c := do(p)
		c.eligible = !in.Paired[p.UserID]
		m.mentees = append(m.mentees, c)
		menteeIx[p.UserID] = int32(i)
	}
	for _, x := range in.Settings.ExcludedPairs {
		a, ok1 := mentorIx[x.MentorID]
		b, ok2 := menteeIx[x.MenteeID]
		if ok1 && ok2 {
			m.exclude[[2]int32{a, b}] = true
		}
	}
	return m
}

// overlap counts the common elements of two sorted slices.
func overlap(a, b []int32) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			n++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return n
}

// values returns each criterion's value (0..1) for mentee e and mentor r, and whether the pair
// is feasible (rules and must-haves met). Capacity's value is filled by the caller.
func (m *matcher) values(e, r int) (v [5]float64, ok bool) {
	me, mr := &m.mentees[e], &m.mentors[r]
	if me.id == mr.id || m.exclude[[2]int32{int32(r), int32(e)}] {
		return v, false
	}
	if m.s.ExcludeSameDepartment && me.dept != 0 && me.dept == mr.dept {
		return v, false
	}
	if len(me.tags) > 0 {
		v[0] = float64(overlap(me.tags, mr.tags)) / float64(len(me.tags))
	}
	v[2] = departmentValue(me.pref, me.dept, mr.dept)
	if me.loc != 0 && me.loc == mr.loc {
		v[3] = 1
	}
	if overlap(me.langs, mr.langs) > 0 {
		v[4] = 1
	}
	if m.must[0] && v[0] == 0 || m.must[2] && v[2] < 1 || m.must[3] && v[3] == 0 || m.must[4] && v[4] == 0 {
		return v, false
	}
	return v, true
}

// departmentValue is how well a mentor's department suits a mentee's preference (0..1); an
// unknown department is neither rewarded nor punished.
func departmentValue(pref DepartmentPreference, mentee, mentor int32) float64 {
	switch {
	case mentee == 0 || mentor == 0:
		return 0.5
	case pref == PreferSameDepartment:
		return b2f(mentee == mentor)
	case pref == PreferDifferentDepartment:
		return b2f(mentee != mentor)
	}
	return 1
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// baseScore is the score without the capacity term, in weight units.
func (m *matcher) baseScore(v [5]float64) float64 {
	w := m.s.Weights
	return w.Overlap*v[0] + w.Department*v[2] + w.Location*v[3] + w.Language*v[4]
}

func (m *matcher) capValue(r int) float64 {
	if m.cap[r] <= 0 {
		return 0
	}
	return float64(m.left[r]) / float64(m.cap[r])
}

// candidate explains the score of mentee e with mentor r at the current capacity.
func (m *matcher) candidate(e, r int, v [5]float64) Candidate {
	v[1] = m.capValue(r)
	me, mr := &m.mentees[e], &m.mentors[r]
	c := Candidate{MentorID: mr.id, CapacityLeft: m.left[r]}
	for i, x := range me.tags {
		if _, found := slices.BinarySearch(mr.tags, x); found {
			c.MatchedTags = append(c.MatchedTags, m.tagName[me.tags[i]])
		}
	}
	sum := 0.0
	for i, crit := range Criteria() {
		w := m.s.Weights.of(crit)
		pts := 0.0
		if m.wTotal > 0 {
			pts = 100 * w * v[i] / m.wTotal
		}
		sum += pts
		c.Contributions = append(c.Contributions, Contribution{Criterion: crit, Weight: w, Value: round2(v[i]),
			Points: round2(pts), Detail: m.detail(crit, e, r, v[i], c.MatchedTags)})
	}
	c.Score = round2(sum)
	return c
}

func (m *matcher) detail(c Criterion, e, r int, v float64, matched []string) string {
	me, mr := &m.mentees[e], &m.mentors[r]
	switch c {
	case CriterionOverlap:
		if len(me.tags) == 0 {
			return "the mentee has no learning objectives yet"
		}
		d := fmt.Sprintf("%d of %d objectives match the mentor's skills", len(matched), len(me.tags))
		if len(matched) > 0 {
			d += ": " + strings.Join(matched, ", ")
		}
		return d
	case CriterionCapacity:
		return fmt.Sprintf("%d of %d places free", m.left[r], m.cap[r])
	case CriterionDepartment:
		switch {
		case me.dept == 0 || mr.dept == 0:
			return "a department is not known"
		case me.pref == PreferSameDepartment || me.pref == PreferDifferentDepartment:
			if v == 1 {
				return "meets the mentee's preference for a " + string(me.pref) + " department"
			}
			return "does not meet the mentee's preference for a " + string(me.pref) + " department"
		}
		return "the mentee has no department preference"
	case CriterionLocation:
		if v == 1 {
			return "same location"
		}
		return "different or unknown location"
	case CriterionLanguage:
		if v == 1 {
			return "they share a language"
		}
		return "no shared language"
	}
	return ""
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// Suggest ranks the mentors for one mentee, best first, at most limit of them. Mentors who
// are full, unavailable, excluded or miss a must-have are not candidates. ErrProfileNotFound
// when the mentee has no profile.
func Suggest(in MatchInput, menteeID string, limit int) ([]Candidate, error) {
	m := compile(in)
	e := slices.IndexFunc(m.mentees, func(c compiled) bool { return c.id == menteeID })
	if e < 0 {
		return nil, ErrProfileNotFound
	}
	type scored struct {
		r     int
		v     [5]float64
		score float64
	}
	var all []scored
	for r := range m.mentors {
		if !m.mentors[r].eligible {
			continue
		}
		v, ok := m.values(e, r)
		if !ok {
			continue
		}
		all = append(all, scored{r, v, m.baseScore(v) + m.s.Weights.Capacity*m.capValue(r)})
	}
	slices.SortStableFunc(all, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	out := make([]Candidate, len(all))
	for i, s := range all {
		out[i] = m.candidate(e, s.r, s.v)
	}
	return out, nil
}

// Propose makes a bulk proposal for every eligible mentee: an optimal assignment, not a
// greedy pass. It places as many mentees as the places and rules allow; among those
// placements it places as many mentees who have no mentor at all (MatchInput.HasMentor) as
// possible, and then maximises the total score, with the capacity term counted per place
// taken so that load spreads over mentors who fit equally well. A mentor never receives more
// mentees than places left. Solved as a min-cost flow (assign.go); ties resolve the same way
// on every run.
func Propose(in MatchInput) Proposal {
	m := compile(in)
	nE, nR := len(m.mentees), len(m.mentors)
	prob := &flowProblem{nE: nE, nR: nR, arcs: make([][]flowArc, nE), left: slices.Clone(m.left)}
	hasCandidate := make([]bool, nE)
	bonus := int64(unit) * int64(nE+1) // more than any possible sum of scores
	for e := range m.mentees {
		if !m.mentees[e].eligible {
			continue
		}
		prio := int64(0)
		if !in.HasMentor[m.mentees[e].id] {
			prio = bonus
		}
		for r := range m.mentors {
			if !m.mentors[r].eligible {
				continue
			}
			v, ok := m.values(e, r)
			if !ok {
				continue
			}
			hasCandidate[e] = true
			reward := prio + m.points(m.baseScore(v))
			prob.arcs[e] = append(prob.arcs[e], flowArc{r: int32(r), cost: bonus + unit - reward})
		}
	}
	wCap := m.s.Weights.Capacity
	prob.capCost = func(r, k int) int64 {
		if m.cap[r] <= 0 {
			return unit
		}
		return unit - m.points(wCap*float64(prob.left[r]-k)/float64(m.cap[r]))
	}
	assigned := prob.solve()
	p := Proposal{Algorithm: AlgorithmOptimal}
	for e := range m.mentees {
		id := m.mentees[e].id
		switch r := assigned[e]; {
		case !m.mentees[e].eligible:
			p.Unmatched = append(p.Unmatched, Unmatched{MenteeID: id, Reason: ReasonAlreadyPaired})
		case r >= 0:
			// Explained at the capacity the mentor had before the proposal, which is what an
			// owner confirming one pair at a time will see.
			v, _ := m.values(e, int(r))
			p.Pairs = append(p.Pairs, ProposedPair{MenteeID: id, Candidate: m.candidate(e, int(r), v)})
		case hasCandidate[e]:
			p.Unmatched = append(p.Unmatched, Unmatched{MenteeID: id, Reason: ReasonCapacityTaken})
		default:
			p.Unmatched = append(p.Unmatched, Unmatched{MenteeID: id, Reason: ReasonNoCandidate})
		}
	}
	return p
}

// points converts a score in weight units to integer hundredths of a point (0..unit).
func (m *matcher) points(weightUnits float64) int64 {
	if m.wTotal <= 0 {
		return 0
	}
	return int64(math.Round(unit * weightUnits / m.wTotal))
}
