package console

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

//go:embed i18n/*.json
var i18nFiles embed.FS

// Languages are the console's languages, the first the fallback.
var Languages = []string{"en", "de", "fr"}

// catalog holds every message of every language by key.
type catalog map[string]map[string]string

func loadCatalog() (catalog, error) {
	cat := catalog{}
	for _, lang := range Languages {
		b, err := i18nFiles.ReadFile("i18n/" + lang + ".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("console messages %s: %w", lang, err)
		}
		cat[lang] = m
	}
	return cat, nil
}

// translate returns the message key in lang (English when lang lacks it, the key itself
// when English does too), formatted with args.
func (cat catalog) translate(lang, key string, args ...any) string {
	msg, ok := cat[lang][key]
	if !ok {
		if msg, ok = cat["en"][key]; !ok {
			msg = key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

func supported(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_;"); i >= 0 {
		lang = lang[:i]
	}
	for _, l := range Languages {
		if l == lang {
			return l
		}
	}
	return ""
}

// language picks the page's language: the one chosen in the console, else the person's
// profile locale, else the browser's Accept-Language, else English.
func language(r *http.Request, profileLocale string) string {
	if l := supported(readCookie(r, langCookie)); l != "" {
		return l
	}
	if l := supported(profileLocale); l != "" {
		return l
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		if l := supported(part); l != "" {
			return l
		}
	}
	return Languages[0]
}
