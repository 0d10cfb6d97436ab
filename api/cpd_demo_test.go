package api_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/app"
)

// The demo's mentee and mentor each get a CPD record with their check-ins (baseline and
// 3 months, from both sides) and the demo's mentoring. With CPD_PDF_DIR set the PDFs are
// written there too (docs/cpd-*.png are pdftoppm renderings of them).
func TestDemoCPDRecords(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.WithDemo())
	for _, who := range []struct{ email, file, name string }{
		{"mentee1@example.com", "cpd-mentee.pdf", "Ada Mentee"},
		{"mentor@example.com", "cpd-mentor.pdf", "Malik Mentor"},
	} {
		token := env.Login(who.email, app.DemoPassword)
		r := env.Do(apitest.Req{Method: "GET", Path: "/v1/me/cpd?format=pdf", Token: token})
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", who.email, r.Status, r.Body)
		}
		text := pdfText(t, r.Body)
		for _, want := range []string{who.name, "Clinical Leadership Mentoring 2026", "Baseline", "3 months", "Verification code", "Totals"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s's record lacks %q", who.email, want)
			}
		}
		if dir := os.Getenv("CPD_PDF_DIR"); dir != "" {
			if err := os.WriteFile(filepath.Join(dir, who.file), r.Body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
