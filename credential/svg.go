package credential

import (
	"crypto/sha256"
	"fmt"
	"html"
	"strings"
	"unicode"
)

// BadgeSVG draws a badge's image: a medal in a colour derived from the badge, with its
// initials and name. With a credential (a VC-JWT) it is baked in as OB 3.0 specifies for
// SVG: the openbadges namespace on the root element and an openbadges:credential element
// whose verify attribute holds the JWT, so the image file is itself the credential.
func BadgeSVG(a Achievement, jwt string) []byte {
	h := sha256.Sum256([]byte(a.ProgrammeID + "/" + a.BadgeID))
	hue := int(h[0])*360/256 + 0
	name := a.Name
	if name == "" {
		name = a.BadgeID
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg"`)
	if jwt != "" {
		fmt.Fprintf(&b, ` xmlns:openbadges="%s"`, BakingNamespace)
	}
	b.WriteString(` width="256" height="256" viewBox="0 0 256 256" role="img">` + "\n")
	if jwt != "" {
		// A JWT is base64url and dots only, but escape anyway: nothing unescaped reaches XML.
		fmt.Fprintf(&b, `  <openbadges:credential verify="%s"></openbadges:credential>`+"\n", html.EscapeString(jwt))
	}
	fmt.Fprintf(&b, "  <title>%s</title>\n", html.EscapeString(name))
	fmt.Fprintf(&b, `  <circle cx="128" cy="128" r="120" fill="hsl(%d,60%%,42%%)"/>`+"\n", hue)
	fmt.Fprintf(&b, `  <circle cx="128" cy="128" r="100" fill="none" stroke="hsl(%d,70%%,85%%)" stroke-width="6"/>`+"\n", hue)
	fmt.Fprintf(&b, `  <text x="128" y="142" text-anchor="middle" font-family="sans-serif" font-size="64" font-weight="bold" fill="#fff">%s</text>`+"\n",
		html.EscapeString(initials(name)))
	fmt.Fprintf(&b, `  <text x="128" y="196" text-anchor="middle" font-family="sans-serif" font-size="16" fill="#fff">%s</text>`+"\n",
		html.EscapeString(shorten(name, 26)))
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

func initials(name string) string {
	var out []rune
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		out = append(out, unicode.ToUpper([]rune(w)[0]))
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "★"
	}
	return string(out)
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
