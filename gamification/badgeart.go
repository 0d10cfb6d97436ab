package gamification

import (
	"embed"
	"strings"
)

// The badge images are SVG files embedded in the binary (gamification/badgeart): one for each
// built-in badge, and one for each counter that a programme's own badges fall back on when
// their owner gave no image.
//
//go:embed badgeart/*.svg
var badgeArt embed.FS

// ArtKey names the embedded image of a badge: the badge's own for built-in badges, its
// counter's ("counter-lessons") for the others, a plain medal ("badge") for one whose
// definition is gone. Programme badges with an ImageURL show that instead.
func (b Badge) ArtKey() string {
	switch {
	case b.BuiltIn:
		return b.ID
	case b.Criterion.Counter == "":
		return "badge" // a badge deleted since it was earned: its criterion is gone
	}
	return "counter-" + b.Criterion.Counter
}

// BadgeArt returns the embedded SVG named key (see ArtKey); ok is false for any other name.
func BadgeArt(key string) (svg []byte, ok bool) {
	if key == "" || strings.ContainsAny(key, "/.\\") {
		return nil, false
	}
	b, err := badgeArt.ReadFile("badgeart/" + key + ".svg")
	return b, err == nil
}
