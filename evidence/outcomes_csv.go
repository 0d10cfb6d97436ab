package evidence

import (
	"sort"
	"strconv"
	"strings"
)

// PairingNames are the people a pairing's rows of the outcomes CSV name.
type PairingNames struct {
	Mentor  string
	Mentees []string
}

// OutcomesCSV is the outcomes report as rows (the header first), shared by the API and the
// console: one row per figure, with its scope (programme or pairing), the pairing and its
// people, then occasion, side, measure, key (a domain or a factor) and value. Means are per
// answer (ratings) or per baseline-to-occasion pair (changes).
func OutcomesCSV(programme Outcomes, pairings []Outcomes, names map[string]PairingNames) [][]string {
	rows := [][]string{{"scope", "pairing_id", "mentor", "mentees", "occasion", "side", "measure", "key", "value"}}
	rows = appendOutcomeRows(rows, []string{"programme", "", "", ""}, programme)
	for _, o := range pairings {
		n := names[o.Key.PairingID]
		rows = appendOutcomeRows(rows, []string{"pairing", o.Key.PairingID, n.Mentor, strings.Join(n.Mentees, "; ")}, o)
	}
	return rows
}

func appendOutcomeRows(rows [][]string, lead []string, o Outcomes) [][]string {
	add := func(occasion, side, measure, key, value string) {
		rows = append(rows, append(append([]string{}, lead...), occasion, side, measure, key, value))
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', 4, 64) }
	for _, x := range o.Occasions {
		add(x.Occasion, x.Side, "invited", "", strconv.Itoa(x.Invited))
		add(x.Occasion, x.Side, "answered", "", strconv.Itoa(x.Answered))
		add(x.Occasion, x.Side, "response_rate", "", num(x.ResponseRate))
		for _, d := range sortedKeys(x.RatingN) {
			add(x.Occasion, x.Side, "mean_rating", d, num(x.MeanRating[d]))
			add(x.Occasion, x.Side, "ratings", d, strconv.Itoa(x.RatingN[d]))
		}
		for _, d := range sortedKeys(x.ChangeN) {
			add(x.Occasion, x.Side, "mean_change", d, num(x.MeanChange[d]))
			add(x.Occasion, x.Side, "changes", d, strconv.Itoa(x.ChangeN[d]))
		}
		if x.RelationshipN > 0 {
			add(x.Occasion, x.Side, "mean_relationship", "", num(x.MeanRelationship))
			add(x.Occasion, x.Side, "relationship_ratings", "", strconv.Itoa(x.RelationshipN))
		}
	}
	for _, f := range o.Factors {
		add("", f.Side, "answers", "", strconv.Itoa(f.Answers))
		for _, x := range f.Enabling {
			add("", f.Side, "enabling", x.Key, strconv.Itoa(x.Count))
		}
		for _, x := range f.Hindering {
			add("", f.Side, "hindering", x.Key, strconv.Itoa(x.Count))
		}
		add("", f.Side, "enabling_other", "", strconv.Itoa(f.OtherEnabling))
		add("", f.Side, "hindering_other", "", strconv.Itoa(f.OtherHindering))
	}
	return rows
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
