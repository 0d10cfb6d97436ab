package mentoring

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxTagLen is the longest tag, in characters, after normalisation.
const MaxTagLen = 40

// NormalizeText is the first step of tag normalisation: lower-case, surrounding punctuation
// and space trimmed, inner runs of white space collapsed to one space. "  Conflict
// Resolution. " and "conflict   resolution" both become "conflict resolution".
func NormalizeText(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || (unicode.IsPunct(r) && r != '#' && r != '+')
	})
}

// Vocabulary maps every normalised synonym of a programme's curated tags to its tag.
type Vocabulary map[string]string

// NewVocabulary builds the synonym map of tags.
func NewVocabulary(tags []Tag) Vocabulary {
	v := Vocabulary{}
	for _, t := range tags {
		for _, s := range t.Synonyms {
			v[s] = t.Name
		}
	}
	return v
}

// Canonical normalises free text into a tag: NormalizeText, then synonyms map to their tag.
func (v Vocabulary) Canonical(s string) string {
	n := NormalizeText(s)
	if t, ok := v[n]; ok {
		return t
	}
	return n
}

// Tags normalises free-text entries into a sorted set of tags (empty entries dropped).
func (v Vocabulary) Tags(texts []string) []string {
	out := make([]string, 0, len(texts))
	for _, s := range texts {
		if t := v.Canonical(s); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// validTag reports whether an already normalised tag is acceptable.
func validTag(t string) bool {
	return t != "" && utf8.RuneCountInString(t) <= MaxTagLen
}
