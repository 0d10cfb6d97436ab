package console_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/microlearn/microlearn/content"
)

// lessonMedia: a mentee reading a lesson in the browser sees its media library items: the
// image loads, the video loads its metadata and carries its captions track, the document is a
// download; all through signed URLs of the API's media route, which the page's CSP allows.
func (s *suite) lessonMedia(t *testing.T) {
	listening := s.demoItem(t, content.KindLesson, "active-listening")
	preparing := s.demoItem(t, content.KindLesson, "preparing-a-session")
	agreement := s.demoItem(t, content.KindLesson, "mentoring-agreement")
	b := s.tab(t)
	b.signIn("mentee1@example.com")

	b.open(p("learn", listening))
	img := evaluate[map[string]any](b, `(async () => { const i = document.querySelector(".block-image img");
		if (!i) return {}; i.scrollIntoView(); await i.decode().catch(() => {}); return {w: i.naturalWidth, alt: i.alt, src: i.getAttribute("src")}; })()`)
	if w, _ := img["w"].(float64); w == 0 {
		t.Fatalf("the lesson's image did not load: %v", img)
	}
	if alt, _ := img["alt"].(string); !strings.Contains(alt, "ladder") {
		t.Errorf("image alt %q, want the item's description", alt)
	}
	if src, _ := img["src"].(string); !strings.HasPrefix(src, "/v1/media/") || !strings.Contains(src, "sig=") {
		t.Errorf("image src %q, want a signed media URL", src)
	}
	vid := evaluate[map[string]any](b, `(async () => { const v = document.querySelector(".block-video video");
		if (!v) return {};
		if (v.readyState < 1) await new Promise(r => { v.addEventListener("loadedmetadata", r, {once: true}); setTimeout(r, 10000); v.load(); });
		const t = v.querySelector("track");
		return {d: v.duration || 0, err: v.error ? v.error.code : 0, track: t ? t.srclang : "", kind: t ? t.kind : ""}; })()`)
	if d, _ := vid["d"].(float64); d <= 0 {
		t.Fatalf("the lesson's video did not load its metadata: %v", vid)
	}
	if vid["track"] != "en" || vid["kind"] != "captions" {
		t.Errorf("video captions track %v, want English captions", vid)
	}
	// The captions track is fetched through its own signed URL.
	trackURL := evaluate[string](b, `document.querySelector(".block-video track").src`)
	b.axe()
	b.screenshot("mentee-lesson-media")
	feedback := s.demoItem(t, content.KindLesson, "giving-and-receiving-feedback")
	b.open(p("learn", feedback))
	b.axe()
	if w := evaluate[float64](b, `(async () => { const i = document.querySelector(".block-animation img"); if (!i) return 0; i.scrollIntoView();
		await i.decode().catch(() => {}); return i.naturalWidth; })()`); w == 0 {
		t.Error("the lesson's animation did not load")
	}

	resp, err := http.Get(trackURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/vtt") {
		t.Errorf("captions track: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// A raster image offers its resized variants.
	b.open(p("learn", preparing))
	if set := evaluate[string](b, `(document.querySelector(".block-image img") || {}).srcset || ""`); !strings.Contains(set, "w=320") {
		t.Errorf("the screenshot offers no variants: %q", set)
	}
	// A document is a download.
	b.open(p("learn", agreement))
	b.contains(".block-document", "One-page mentoring agreement template")
	b.axe()
	href := evaluate[string](b, `document.querySelector(".block-document a[download]").href`)
	resp, err = http.Get(href)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("document download: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// Without the signature the media route wants a signed-in API caller.
	resp, err = http.Get(s.base + strings.SplitN(strings.TrimPrefix(href, s.base), "?", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned media URL: %d, want 401", resp.StatusCode)
	}
}

// offlineLesson: a mentee downloads a lesson to read offline: one zip with the page and the
// very bytes of its media (and captions), which the page names by relative path; a draft
// lesson cannot be downloaded by a mentee.
func (s *suite) offlineLesson(t *testing.T) {
	listening := s.demoItem(t, content.KindLesson, "active-listening")
	c := s.httpClient(t)
	s.httpSignIn(t, c, "mentee1@example.com")
	resp, err := c.Get(s.base + p("learn", listening, "offline.zip"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("offline zip: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(r)
		r.Close()
	}
	page := string(files["index.html"])
	if !strings.Contains(page, "Active listening in a mentoring session") || files["style.css"] == nil {
		t.Fatalf("offline page: %.300s", page)
	}
	it, err := s.env.App.Content.Item(context.Background(), listening)
	if err != nil {
		t.Fatal(err)
	}
	found, err := s.env.App.Media.Items(context.Background(), it.MediaIDs())
	if err != nil || len(found) == 0 {
		t.Fatalf("the lesson's media: %v %v", found, err)
	}
	for id, m := range found {
		var name string
		for n := range files {
			if strings.HasPrefix(n, "media/"+id) {
				name = n
			}
		}
		if name == "" || !strings.Contains(page, `src="`+name+`"`) {
			t.Errorf("media %s (%s): not in the zip or not named by the page (%q)", id, m.Filename, name)
			continue
		}
		if sum := sha256.Sum256(files[name]); hex.EncodeToString(sum[:]) != m.SHA256 {
			t.Errorf("media %s: the zip's bytes are not the item's", id)
		}
		for _, tr := range m.Captions {
			if !strings.Contains(page, `src="media/`+tr.MediaID) {
				t.Errorf("captions %s of %s are not on the offline page", tr.MediaID, id)
			}
		}
	}
	draft := s.draft(t, "Offline draft", "Not for mentees.")
	resp, err = c.Get(s.base + p("learn", draft.ID, "offline.zip"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("a mentee downloads a draft for offline: %d, want 404", resp.StatusCode)
	}
}
