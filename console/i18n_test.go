package console

import (
	"io/fs"
	"regexp"
	"sort"
	"testing"
)

// Every message exists in every language, and every key a template names exists.
func TestCatalogsAreComplete(t *testing.T) {
	cat, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages[1:] {
		for key := range cat["en"] {
			if cat[lang][key] == "" {
				t.Errorf("%s lacks %q", lang, key)
			}
		}
		for key := range cat[lang] {
			if _, ok := cat["en"][key]; !ok {
				t.Errorf("%s has %q, which English lacks", lang, key)
			}
		}
	}
	used := regexp.MustCompile(`\.T "([a-zA-Z.]+)"`)
	names, _ := fs.Glob(templateFiles, "templates/*.html")
	offline, _ := fs.Glob(offlineFiles, "templates/offline/*.html")
	var missing []string
	read := func(n string) []byte {
		if b, err := templateFiles.ReadFile(n); err == nil {
			return b
		}
		b, _ := offlineFiles.ReadFile(n)
		return b
	}
	for _, n := range append(names, offline...) {
		b := read(n)
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if _, ok := cat["en"][m[1]]; !ok {
				missing = append(missing, n+": "+m[1])
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("template key without a message: %s", m)
	}
}

func TestLanguageNegotiation(t *testing.T) {
	for _, tc := range []struct{ in, want string }{{"de-DE", "de"}, {"fr_CH", "fr"}, {"EN", "en"}, {"es", ""}, {"", ""}} {
		if got := supported(tc.in); got != tc.want {
			t.Errorf("supported(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
