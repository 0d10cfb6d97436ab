package console_test

import (
	"net/http"
	"strings"
	"testing"
)

// reviewsAndCredentials: Ada answers the review card due since yesterday's quiz, and issues
// the badge she earned as an Open Badges credential, then downloads it; no one else reaches
// her credential.
func (s *suite) reviewsAndCredentials(t *testing.T) {
	b := s.tab(t)
	b.signIn("mentee1@example.com")
	due := func() int {
		return evaluate[int](b, `document.querySelectorAll("section.review form").length`)
	}
	waitFor(t, func() (string, bool) {
		b.open(p("reviews"))
		return b.text("main"), due() > 0
	})
	b.axe()
	b.screenshot("mentee-reviews")
	before := due()
	b.click("section.review input[name=option]")
	b.submit("section.review button[type=submit]")
	b.contains(".flash", "Next review:")
	if after := due(); after != before-1 {
		t.Errorf("due cards after answering: %d, want %d", after, before-1)
	}

	waitFor(t, func() (string, bool) {
		b.open(p("credentials"))
		return b.text("main"), evaluate[int](b, `document.querySelectorAll("form[action$='/credentials'] button").length`) > 0
	})
	b.axe()
	b.submit("form[action$='/credentials'] button")
	b.contains(".flash", "Credential issued.")
	b.axe()
	b.screenshot("mentee-credentials")
	svgURL := evaluate[string](b, `document.querySelector("a[href$='/badge.svg']").getAttribute("href")`)
	jwtURL := evaluate[string](b, `document.querySelector("a[href$='/credential.jwt']").getAttribute("href")`)
	got := evaluate[string](b, `Promise.all([fetch(`+quoteJS(svgURL)+`).then(async r => r.status + " " + r.headers.get("content-type") + " " + (await r.text()).slice(0, 200)),
		fetch(`+quoteJS(jwtURL)+`).then(async r => r.status + " " + (await r.text()).slice(0, 3))]).then(a => a.join(" | "))`)
	if !strings.HasPrefix(got, "200 image/svg+xml") || !strings.Contains(got, "<svg") || !strings.HasSuffix(got, "| 200 eyJ") {
		t.Errorf("credential downloads: %s", got)
	}
	// The status address is public and says the credential is valid.
	status := evaluate[string](b, `fetch(document.querySelector("a[href*='/open-badges/credentials/']").href).then(r => r.status + " " + r.statusText)`)
	if !strings.HasPrefix(status, "200") {
		t.Errorf("public status: %s", status)
	}

	// Another mentee, the mentor and the owner do not reach Ada's credential.
	for _, email := range []string{"mentee2@example.com", "mentor@example.com", "owner@example.com"} {
		c := s.httpClient(t)
		s.httpSignIn(t, c, email)
		for _, u := range []string{svgURL, jwtURL} {
			resp, err := c.Get(s.base + u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s GET %s: %d, want 404", email, u, resp.StatusCode)
			}
		}
	}
}

func quoteJS(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
