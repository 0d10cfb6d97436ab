package evidence

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Outcomes are kept as counters, incrementally, in one document per pairing, per person (in
// a programme) and per programme, so that a report reads one document. Each fact (a
// check-in opening, counted as an invitation, and an answer) is counted exactly once in each
// aggregate, without transactions: an aggregate applies facts one at a time, each write a
// compare-and-set on its sequence number that also records the fact it counted (Last); the
// fact's own document is then marked as counted in that level. Before counting the next
// fact, a writer first marks the aggregate's Last fact (in case the writer that counted it
// died before marking it), so "counted" is always "marked, or the aggregate's Last", and a
// fact already counted is never counted again. docs/decisions.md has the document shape.

// The aggregate levels.
const (
	LevelPairing   = "pairing"
	LevelPerson    = "person"
	LevelProgramme = "programme"
)

// Levels lists the levels every fact is counted in.
var Levels = []string{LevelPairing, LevelPerson, LevelProgramme}

// AggregateKey names one aggregate.
type AggregateKey struct {
	Level       string
	ProgrammeID string
	PairingID   string // pairing level
	UserID      string // person level
}

// ID is the aggregate's document ID.
func (k AggregateKey) ID() string {
	switch k.Level {
	case LevelPairing:
		return "pairing:" + k.PairingID
	case LevelPerson:
		return "person:" + k.ProgrammeID + ":" + k.UserID
	}
	return "programme:" + k.ProgrammeID
}

// keyFor returns the aggregate of level that a fact about (programme, pairing, user) counts in.
func keyFor(level, programmeID, pairingID, userID string) AggregateKey {
	k := AggregateKey{Level: level, ProgrammeID: programmeID}
	switch level {
	case LevelPairing:
		k.PairingID = pairingID
	case LevelPerson:
		k.UserID = userID
	}
	return k
}

// Aggregate is an outcome aggregate: counters under flat keys (see counter names below), the
// sequence of the facts counted and the last fact counted.
type Aggregate struct {
	Key       AggregateKey
	Seq       int
	Last      string
	Counters  map[string]int
	UpdatedAt time.Time
}

// Counter names: "<occasion>.<side>.invited", ".answered", ".rating.<domain>.sum" and ".n",
// ".change.<domain>.sum" and ".n" (later rating minus the same person's baseline rating in
// the same pairing), ".relationship.sum" and ".n"; "factors.<side>.enabling.<key>",
// "factors.<side>.hindering.<key>", "factors.<side>.other.enabling" and ".hindering", and
// "answers.<side>".

// Fact IDs name the document a fact lives in.
func openingFact(checkinID string) string { return "opening:" + checkinID }
func answerFact(checkinID string) string  { return "answer:" + checkinID }

// SplitFact returns a fact's kind ("opening" or "answer") and check-in ID.
func SplitFact(fact string) (kind, checkinID string) {
	kind, checkinID, _ = strings.Cut(fact, ":")
	return kind, checkinID
}

const maxApplyRounds = 20

// apply counts fact in one aggregate exactly once. delta computes its contribution against
// the aggregate as it stands (every fact counted before it marked).
func (s *Service) apply(ctx context.Context, key AggregateKey, fact string,
	delta func(counted func(fact string) (bool, error)) (map[string]int, error)) error {
	for round := range maxApplyRounds {
		g, _, err := s.Store.Aggregate(ctx, key.ID())
		if err != nil {
			return err
		}
		if g.Last != "" {
			// Whoever counted Last may have died before marking it: mark it now, so that
			// from here on "counted" means "marked".
			if err := s.Store.MarkApplied(ctx, g.Last, key.Level); err != nil {
				return err
			}
			if g.Last == fact {
				return nil
			}
		}
		done, err := s.Store.FactApplied(ctx, fact, key.Level)
		if err != nil || done {
			return err
		}
		counted := func(f string) (bool, error) {
			if f == g.Last {
				return true, nil
			}
			return s.Store.FactApplied(ctx, f, key.Level)
		}
		d, err := delta(counted)
		if err != nil {
			return err
		}
		ok, err := s.Store.ApplyDelta(ctx, key, g.Seq, fact, d, s.now())
		if err != nil {
			return err
		}
		if ok {
			return s.Store.MarkApplied(ctx, fact, key.Level)
		}
		// Another fact was counted meanwhile: back off a little (racing writers spread
		// out), then read the aggregate again.
		time.Sleep(time.Duration(1+rand.IntN(4*(round+1))) * time.Millisecond)
	}
	return fmt.Errorf("count %s in %s: %w", fact, key.ID(), ErrContention)
}

// countOpening counts an opened check-in as one invitation in every level.
func (s *Service) countOpening(ctx context.Context, c CheckIn) error {
	for _, level := range Levels {
		if c.Applied[level] {
			continue
		}
		key := keyFor(level, c.ProgrammeID, c.PairingID, c.UserID)
		err := s.apply(ctx, key, openingFact(c.ID), func(func(string) (bool, error)) (map[string]int, error) {
			return map[string]int{c.Occasion + "." + c.Side + ".invited": 1}, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// countAnswer counts an answer in every level.
func (s *Service) countAnswer(ctx context.Context, a Answer) error {
	for _, level := range Levels {
		if a.Applied[level] {
			continue
		}
		key := keyFor(level, a.ProgrammeID, a.PairingID, a.UserID)
		err := s.apply(ctx, key, answerFact(a.CheckinID), func(counted func(string) (bool, error)) (map[string]int, error) {
			return s.answerDelta(ctx, a, counted)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// answerDelta is what answer a adds: its ratings, factors and relationship, and the change
// from the baseline for every pair of (baseline, later answer) of the same person in the
// same pairing that a completes (the other one already counted).
func (s *Service) answerDelta(ctx context.Context, a Answer, counted func(string) (bool, error)) (map[string]int, error) {
	d := map[string]int{}
	p := a.Occasion + "." + a.Side
	d[p+".answered"] = 1
	d["answers."+a.Side] = 1
	for dom, r := range a.Ratings {
		d[p+".rating."+dom+".sum"] += r
		d[p+".rating."+dom+".n"]++
	}
	d[p+".relationship.sum"] += a.Relationship
	d[p+".relationship.n"]++
	for _, f := range a.Enabling {
		d["factors."+a.Side+".enabling."+f]++
	}
	for _, f := range a.Hindering {
		d["factors."+a.Side+".hindering."+f]++
	}
	if a.OtherEnabling != "" {
		d["factors."+a.Side+".other.enabling"]++
	}
	if a.OtherHindering != "" {
		d["factors."+a.Side+".other.hindering"]++
	}
	others, err := s.Store.PersonAnswers(ctx, a.PairingID, a.UserID)
	if err != nil {
		return nil, err
	}
	for _, o := range others {
		if o.CheckinID == a.CheckinID || (o.Occasion != Baseline && a.Occasion != Baseline) {
			continue
		}
		ok, err := counted(answerFact(o.CheckinID))
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // whichever of the two is counted second adds the change
		}
		base, later := o, a
		if a.Occasion == Baseline {
			base, later = a, o
		}
		lp := later.Occasion + "." + later.Side
		for dom, r := range later.Ratings {
			if b, ok := base.Ratings[dom]; ok {
				d[lp+".change."+dom+".sum"] += r - b
				d[lp+".change."+dom+".n"]++
			}
		}
	}
	return d, nil
}

// OccasionOutcome is what one occasion shows for one side.
type OccasionOutcome struct {
	Occasion string
	Label    string
	Side     string
	Invited  int
	Answered int
	// ResponseRate is Answered / Invited (0 when nobody was invited yet).
	ResponseRate float64
	// MeanRating and MeanChange are per domain; RatingN and ChangeN say how many answers
	// (and baseline-to-occasion pairs) they average.
	MeanRating       map[string]float64
	RatingN          map[string]int
	MeanChange       map[string]float64
	ChangeN          map[string]int
	MeanRelationship float64
	RelationshipN    int
}

// FactorCount is how often one factor was named, and by what share of the side's answers.
type FactorCount struct {
	Key   string
	Label string
	Count int
	Share float64
}

// SideFactors are the factor frequencies of one side.
type SideFactors struct {
	Side           string
	Answers        int
	Enabling       []FactorCount
	Hindering      []FactorCount
	OtherEnabling  int
	OtherHindering int
}

// Outcomes is an aggregate as a report reads it.
type Outcomes struct {
	Key       AggregateKey
	Occasions []OccasionOutcome
	Factors   []SideFactors
	UpdatedAt time.Time
}

// outcomesOf turns an aggregate's counters into a report, in the plan's order of occasions
// and factors (keys no longer in the plan come after, by key).
func outcomesOf(plan Plan, g Aggregate) Outcomes {
	c := g.Counters
	out := Outcomes{Key: g.Key, UpdatedAt: g.UpdatedAt}
	labels := map[string]string{}
	var occs []string
	for _, o := range plan.Occasions {
		occs = append(occs, o.Key)
		labels[o.Key] = o.Label
	}
	occs = append(occs, extraKeys(c, occs)...)
	for _, occ := range occs {
		for _, side := range []string{SideMentee, SideMentor} {
			p := occ + "." + side
			o := OccasionOutcome{Occasion: occ, Label: labels[occ], Side: side, Invited: c[p+".invited"], Answered: c[p+".answered"],
				MeanRating: map[string]float64{}, RatingN: map[string]int{}, MeanChange: map[string]float64{}, ChangeN: map[string]int{}}
			if o.Invited == 0 && o.Answered == 0 {
				continue
			}
			if o.Invited > 0 {
				o.ResponseRate = ratio(o.Answered, o.Invited)
			}
			for _, dom := range Domains() {
				if n := c[p+".rating."+dom+".n"]; n > 0 {
					o.RatingN[dom], o.MeanRating[dom] = n, ratio(c[p+".rating."+dom+".sum"], n)
				}
				if n := c[p+".change."+dom+".n"]; n > 0 {
					o.ChangeN[dom], o.MeanChange[dom] = n, ratio(c[p+".change."+dom+".sum"], n)
				}
			}
			if n := c[p+".relationship.n"]; n > 0 {
				o.RelationshipN, o.MeanRelationship = n, ratio(c[p+".relationship.sum"], n)
			}
			out.Occasions = append(out.Occasions, o)
		}
	}
	for _, side := range []string{SideMentee, SideMentor} {
		n := c["answers."+side]
		if n == 0 {
			continue
		}
		sf := SideFactors{Side: side, Answers: n, OtherEnabling: c["factors."+side+".other.enabling"],
			OtherHindering: c["factors."+side+".other.hindering"]}
		sf.Enabling = factorCounts(c, "factors."+side+".enabling.", plan.Enabling, n)
		sf.Hindering = factorCounts(c, "factors."+side+".hindering.", plan.Hindering, n)
		out.Factors = append(out.Factors, sf)
	}
	return out
}

func factorCounts(c map[string]int, prefix string, list []Factor, answers int) []FactorCount {
	out := []FactorCount{}
	known := map[string]bool{}
	for _, f := range list {
		known[f.Key] = true
		out = append(out, FactorCount{Key: f.Key, Label: f.Label, Count: c[prefix+f.Key], Share: ratio(c[prefix+f.Key], answers)})
	}
	var extra []string
	for k := range c {
		if key, ok := strings.CutPrefix(k, prefix); ok && !known[key] {
			extra = append(extra, key)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		out = append(out, FactorCount{Key: k, Label: k, Count: c[prefix+k], Share: ratio(c[prefix+k], answers)})
	}
	return out
}

// extraKeys returns the occasion keys counted in c that are not in known, sorted.
func extraKeys(c map[string]int, known []string) []string {
	seen := map[string]bool{"answers": true, "factors": true}
	for _, k := range known {
		seen[k] = true
	}
	var out []string
	for k := range c {
		occ, _, _ := strings.Cut(k, ".")
		if !seen[occ] {
			seen[occ] = true
			out = append(out, occ)
		}
	}
	sort.Strings(out)
	return out
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(int(float64(a)/float64(b)*1000+0.5*sign(a))) / 1000
}

func sign(a int) float64 {
	if a < 0 {
		return -1
	}
	return 1
}
