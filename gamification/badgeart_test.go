package gamification_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/microlearn/microlearn/gamification"
)

// Every built-in badge and every counter a programme badge can name has an embedded image,
// each a well-formed SVG with a title and nothing that runs or fetches.
func TestEveryBadgeHasArt(t *testing.T) {
	keys := map[string]bool{}
	for _, b := range gamification.BuiltInBadges() {
		keys[b.ArtKey()] = true
	}
	for _, c := range gamification.Counters() {
		keys[gamification.Badge{Criterion: gamification.Criterion{Counter: c}}.ArtKey()] = true
	}
	keys[gamification.Badge{ID: "deleted-since"}.ArtKey()] = true
	for k := range keys {
		svg, ok := gamification.BadgeArt(k)
		if !ok {
			t.Errorf("no art for %q", k)
			continue
		}
		checkSVG(t, k, svg)
	}
	for _, bad := range []string{"", "../badgeart", "first-lesson.svg", "nope"} {
		if _, ok := gamification.BadgeArt(bad); ok {
			t.Errorf("BadgeArt(%q) found something", bad)
		}
	}
}

func checkSVG(t *testing.T, key string, svg []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	titled := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Errorf("%s: not well-formed: %v", key, err)
			return
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "script", "foreignObject", "image", "use":
				t.Errorf("%s: has a <%s>", key, se.Name.Local)
			case "title":
				titled = true
			}
			for _, a := range se.Attr {
				if strings.HasPrefix(a.Name.Local, "on") || a.Name.Local == "href" {
					t.Errorf("%s: attribute %s", key, a.Name.Local)
				}
			}
		}
	}
	if !titled {
		t.Errorf("%s: no <title>", key)
	}
}

func TestCriterionText(t *testing.T) {
	for c, want := range map[gamification.Criterion]string{
		{Counter: gamification.CounterLessons, Target: 1}:                          "Complete a lesson.",
		{Counter: gamification.CounterLessons, Target: 5}:                          "Complete 5 lessons.",
		{Counter: gamification.CounterStreak, Target: 7}:                           "Keep a 7-day streak.",
		{Counter: gamification.CounterDomainItems, Domain: "affective", Target: 3}: "Complete 3 items in the affective domain.",
	} {
		if got := c.Text(); got != want {
			t.Errorf("%+v: %q, want %q", c, got, want)
		}
	}
	for _, c := range gamification.Counters() {
		if txt := (gamification.Criterion{Counter: c, Target: 2}).Text(); strings.HasPrefix(txt, "Reach 2 on") {
			t.Errorf("counter %s has no words of its own: %q", c, txt)
		}
	}
}
