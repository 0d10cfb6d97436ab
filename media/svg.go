package media

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	svgNS      = "http://www.w3.org/2000/svg"
	xhtmlNS    = "http://www.w3.org/1999/xhtml"
	maxSVGDeep = 256
)

// svgRefused are elements that run code or embed other documents.
var svgRefused = map[string]string{
	"script":        "runs script",
	"foreignobject": "embeds HTML",
	"iframe":        "embeds another document",
	"embed":         "embeds another document",
	"object":        "embeds another document",
	"handler":       "runs script",
	"listener":      "runs script",
	"audio":         "loads media from elsewhere",
	"video":         "loads media from elsewhere",
}

var (
	cssURL       = regexp.MustCompile(`(?i)url\(\s*(['"]?)([^'")]*)`)
	safeDataURI  = regexp.MustCompile(`(?i)^data:image/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]*$`)
	svgLength    = regexp.MustCompile(`^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$`)
	viewBoxSplit = regexp.MustCompile(`[\s,]+`)
)

// inspectSVG checks an SVG without changing it: an SVG passes only when it can neither run
// code nor fetch anything (no script, no event-handler attributes, no foreignObject, no
// DOCTYPE or entities, no href, xlink:href or CSS url() pointing outside the file except
// raster data: URIs). A refusal names the element or attribute and its line, so that the
// author can fix the file; we do not strip silently, because a stripped infographic may no
// longer say what its author meant. The API also serves SVGs with a sandboxing CSP.
func inspectSVG(data []byte, lim Limits) (Info, error) {
	var info Info
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		return info, Rejected("svg_unsafe", "the SVG is not UTF-8 text: save it as UTF-8")
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	depth, root := 0, true
	var stack []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return info, Rejected("corrupt_file", "the SVG is not well-formed XML: %v", err)
		}
		line, _ := dec.InputPos()
		switch t := tok.(type) {
		case xml.Directive:
			return info, svgUnsafe(line, "has a <!%s> declaration: DOCTYPEs and entities are not allowed (they can expand without bound or load files)", firstWord(string(t)))
		case xml.ProcInst:
			if t.Target != "xml" {
				return info, svgUnsafe(line, "has a <?%s?> processing instruction, which can load a stylesheet from elsewhere", t.Target)
			}
		case xml.StartElement:
			depth++
			if depth > maxSVGDeep {
				return info, svgUnsafe(line, "nests elements more than %d deep", maxSVGDeep)
			}
			stack = append(stack, strings.ToLower(t.Name.Local))
			if err := checkSVGElement(t, line, root); err != nil {
				return info, err
			}
			if root {
				info.Width, info.Height = svgSize(t)
				root = false
			}
		case xml.EndElement:
			depth--
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1] == "style" {
				if err := checkCSS(string(t), line, "a <style> element"); err != nil {
					return info, err
				}
			}
		}
	}
	if root {
		return info, Rejected("corrupt_file", "the SVG has no <svg> element")
	}
	if info.Width > lim.MaxSide || info.Height > lim.MaxSide {
		return info, Rejected("image_too_large", "the SVG declares %d×%d pixels; at most %d pixels a side are allowed", info.Width, info.Height, lim.MaxSide)
	}
	return info, nil
}

func svgUnsafe(line int, format string, args ...any) error {
	return Rejected("svg_unsafe", "the SVG (line %d) "+format, append([]any{line}, args...)...)
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func checkSVGElement(t xml.StartElement, line int, root bool) error {
	name := strings.ToLower(t.Name.Local)
	if root && (name != "svg" || (t.Name.Space != svgNS && t.Name.Space != "")) {
		return svgUnsafe(line, "starts with <%s>, not <svg> in the SVG namespace", t.Name.Local)
	}
	if why, bad := svgRefused[name]; bad {
		return svgUnsafe(line, "has a <%s> element, which %s", t.Name.Local, why)
	}
	if t.Name.Space == xhtmlNS {
		return svgUnsafe(line, "has an HTML <%s> element", t.Name.Local)
	}
	animates := name == "set" || strings.HasPrefix(name, "animate")
	for _, a := range t.Attr {
		if err := checkSVGAttr(t, a, line, animates); err != nil {
			return err
		}
	}
	return nil
}

// checkSVGAttr refuses an attribute of element t that runs script or reaches outside the file.
func checkSVGAttr(t xml.StartElement, a xml.Attr, line int, animates bool) error {
	an := strings.ToLower(a.Name.Local)
	v := strings.TrimSpace(a.Value)
	switch {
	case strings.HasPrefix(an, "on"):
		return svgUnsafe(line, "has an event handler %s=\"…\" on <%s>, which runs script", a.Name.Local, t.Name.Local)
	case an == "href" || an == "src" || an == "action" || an == "formaction":
		if !localRef(v) {
			return svgUnsafe(line, "has %s=%q on <%s>: references outside the file are not allowed (use #id or an embedded PNG, JPEG, GIF or WebP data: URI)", a.Name.Local, truncate(v, 60), t.Name.Local)
		}
	case animates && an == "attributename":
		if l := strings.ToLower(v); strings.HasSuffix(l, "href") || strings.HasPrefix(l, "on") {
			return svgUnsafe(line, "animates %q on <%s>, which can turn into a link or script", v, t.Name.Local)
		}
	}
	if strings.Contains(strings.ToLower(v), "javascript:") {
		return svgUnsafe(line, "has a javascript: URL in %s on <%s>", a.Name.Local, t.Name.Local)
	}
	return checkCSS(v, line, a.Name.Local+" on <"+t.Name.Local+">")
}

// localRef reports whether an href stays inside the file: a fragment or a raster data: URI.
func localRef(v string) bool {
	return strings.HasPrefix(v, "#") || safeDataURI.MatchString(v)
}

// checkCSS refuses @import and url() that point outside the file.
func checkCSS(s string, line int, where string) error {
	l := strings.ToLower(s)
	if strings.Contains(l, "@import") {
		return svgUnsafe(line, "imports a stylesheet (@import) in %s", where)
	}
	if strings.Contains(l, "expression(") || strings.Contains(l, "javascript:") {
		return svgUnsafe(line, "has script in CSS in %s", where)
	}
	for _, m := range cssURL.FindAllStringSubmatch(s, -1) {
		if u := strings.TrimSpace(m[2]); !localRef(u) {
			return svgUnsafe(line, "has url(%s) in %s: references outside the file are not allowed", truncate(u, 60), where)
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// svgSize reads the root element's width and height (in px or unitless), else its viewBox.
func svgSize(t xml.StartElement) (int, int) {
	var w, h float64
	var vb string
	for _, a := range t.Attr {
		switch a.Name.Local {
		case "width":
			w = svgPx(a.Value)
		case "height":
			h = svgPx(a.Value)
		case "viewBox":
			vb = a.Value
		}
	}
	if (w == 0 || h == 0) && vb != "" {
		f := viewBoxSplit.Split(strings.TrimSpace(vb), -1)
		if len(f) == 4 {
			vw, _ := strconv.ParseFloat(f[2], 64)
			vh, _ := strconv.ParseFloat(f[3], 64)
			switch {
			case w == 0 && h == 0:
				w, h = vw, vh
			case w == 0 && vh > 0:
				w = h * vw / vh
			case h == 0 && vw > 0:
				h = w * vh / vw
			}
		}
	}
	return int(w + 0.5), int(h + 0.5)
}

func svgPx(v string) float64 {
	m := svgLength.FindStringSubmatch(v)
	if m == nil {
		return 0
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	return f
}
