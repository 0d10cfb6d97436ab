package mail

import (
	"html"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// A text is a subject and paragraphs with {placeholders}. The link paragraph is marked so
// that the HTML part can make it a link; every value is escaped in the HTML part.
type text struct {
	subject, subjectNoInviter string
	greeting, greetingNoName  string
	paragraphs                []string // "{link}" alone is the link paragraph
	roles                     map[string]string
	months                    [12]string
	date                      string // layout with {d}, {month}, {yyyy}
}

var texts = map[Kind]map[string]text{
	KindInvitation: {
		"en": {
			subject:          "{inviter} invites you to {programme}",
			subjectNoInviter: "You are invited to {programme}",
			greeting:         "Hello {name},", greetingNoName: "Hello,",
			paragraphs: []string{
				"{inviter} invites you to join the mentoring programme “{programme}” on microlearn as a {role}.",
				"{link}",
				"The link works once, for this email address, until {expires}. If you have no account yet, you can create one with this email address after following the link.",
				"If you did not expect this invitation, you can ignore this email.",
			},
			roles:  map[string]string{"mentor": "mentor", "mentee": "mentee", "owner": "programme owner"},
			months: [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
			date:   "{d} {month} {yyyy}",
		},
		"de": {
			subject:          "{inviter} lädt Sie zu {programme} ein",
			subjectNoInviter: "Einladung zu {programme}",
			greeting:         "Hallo {name},", greetingNoName: "Guten Tag,",
			paragraphs: []string{
				"{inviter} lädt Sie ein, dem Mentoring-Programm „{programme}“ auf microlearn als {role} beizutreten.",
				"{link}",
				"Der Link gilt einmal, für diese E-Mail-Adresse, bis zum {expires}. Falls Sie noch kein Konto haben, können Sie nach dem Öffnen des Links eines mit dieser E-Mail-Adresse anlegen.",
				"Falls Sie diese Einladung nicht erwartet haben, können Sie diese E-Mail ignorieren.",
			},
			roles:  map[string]string{"mentor": "Mentorin oder Mentor", "mentee": "Mentee", "owner": "Programmverantwortliche"},
			months: [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
			date:   "{d}. {month} {yyyy}",
		},
		"fr": {
			subject:          "{inviter} vous invite à rejoindre {programme}",
			subjectNoInviter: "Invitation à rejoindre {programme}",
			greeting:         "Bonjour {name},", greetingNoName: "Bonjour,",
			paragraphs: []string{
				"{inviter} vous invite à rejoindre le programme de mentorat « {programme} » sur microlearn en tant que {role}.",
				"{link}",
				"Le lien est valable une seule fois, pour cette adresse e-mail, jusqu’au {expires}. Si vous n’avez pas encore de compte, vous pourrez en créer un avec cette adresse après avoir suivi le lien.",
				"Si vous n’attendiez pas cette invitation, vous pouvez ignorer cet e-mail.",
			},
			roles:  map[string]string{"mentor": "mentor", "mentee": "mentoré", "owner": "responsable du programme"},
			months: [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
			date:   "{d} {month} {yyyy}",
		},
	},
}

// linkLabels is the text of the HTML part's button.
var linkLabels = map[string]string{"en": "Join the programme", "de": "Dem Programm beitreten", "fr": "Rejoindre le programme"}

// Language returns the language of locale we have texts in ("en" when none).
func Language(locale string) string {
	l := strings.ToLower(locale)
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	if _, ok := texts[KindInvitation][l]; ok {
		return l
	}
	return "en"
}

// Render builds the letter of kind in c's language. Vars used by the invitation: name,
// inviter, programme, role (owner, mentor or mentee), link, expires (an RFC 3339 time, shown as
// a date in the recipient's language; expiresZone names the zone to show it in).
func Render(kind Kind, c Content) (subject, plain, htmlBody string) {
	lang := Language(c.Locale)
	t := texts[kind][lang]
	v := map[string]string{}
	for k, x := range c.Vars {
		// No control characters: names end up in a header (the subject) too.
		v[k] = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, x)
	}
	if r, ok := t.roles[v["role"]]; ok {
		v["role"] = r
	}
	if at, err := time.Parse(time.RFC3339, v["expires"]); err == nil {
		if loc, err := time.LoadLocation(v["expiresZone"]); err == nil {
			at = at.In(loc)
		}
		v["expires"] = strings.NewReplacer("{d}", strconv.Itoa(at.Day()), "{month}", t.months[at.Month()-1], "{yyyy}", strconv.Itoa(at.Year())).Replace(t.date)
	}
	if v["inviter"] == "" {
		subject = fill(t.subjectNoInviter, v, false)
		v["inviter"] = "microlearn"
	} else {
		subject = fill(t.subject, v, false)
	}
	greeting := t.greetingNoName
	if strings.TrimSpace(v["name"]) != "" {
		greeting = t.greeting
	}
	var p, h strings.Builder
	p.WriteString(fill(greeting, v, false) + "\n\n")
	h.WriteString("<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">\n<p>" + fill(greeting, v, true) + "</p>\n")
	for _, para := range t.paragraphs {
		if para == "{link}" {
			p.WriteString(v["link"] + "\n\n")
			h.WriteString(`<p><a href="` + html.EscapeString(v["link"]) + `" style="display:inline-block;padding:10px 16px;background:#1f6feb;color:#fff;text-decoration:none;border-radius:6px">` +
				html.EscapeString(linkLabels[lang]) + "</a></p>\n<p style=\"font-size:90%\">" + html.EscapeString(v["link"]) + "</p>\n")
			continue
		}
		p.WriteString(fill(para, v, false) + "\n\n")
		h.WriteString("<p>" + fill(para, v, true) + "</p>\n")
	}
	h.WriteString("</body></html>\n")
	return subject, strings.TrimRight(p.String(), "\n") + "\n", h.String()
}

func fill(s string, v map[string]string, escape bool) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		j := strings.IndexByte(s[max(i, 0):], '}')
		if i < 0 || j < 0 {
			b.WriteString(esc(s, escape))
			return b.String()
		}
		b.WriteString(esc(s[:i], escape))
		b.WriteString(esc(v[s[i+1:i+j]], escape))
		s = s[i+j+1:]
	}
}

func esc(s string, escape bool) string {
	if escape {
		return html.EscapeString(s)
	}
	return s
}
