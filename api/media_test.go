package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/media/mediadb"
)

type uploadOut struct {
	ID           string
	Offset       int64
	ChunkSize    int
	MaxPartBytes int64
	State        string
	URL          string
}

type mediaOut struct {
	ID, URL, Kind, ContentType, SHA256, Alt, Caption, Blurhash, DominantColor string
	Bytes                                                                     int64
	Width, Height, DurationSeconds                                            int
	VariantWidths                                                             []int
	Captions                                                                  []struct{ MediaID, Language, Label, URL string }
	Version                                                                   int
}

type progressOut struct {
	Upload       *uploadOut
	Media        *mediaOut
	Deduplicated bool
}

func hexSum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// uploadHTTP uploads data through the API in parts of the largest size the session allows
// and returns the last answer.
func (w *contentWorld) uploadHTTP(t *testing.T, tok, name, ct string, data []byte, extra map[string]any) *apitest.Response {
	t.Helper()
	body := map[string]any{"filename": name, "contentType": ct, "size": len(data), "alt": "Described for the test"}
	for k, v := range extra {
		body[k] = v
	}
	r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.pid + "/media/uploads", Token: tok, Body: body})
	if r.Status != http.StatusCreated {
		return r
	}
	var p progressOut
	r.JSON(t, &p)
	part := int(p.Upload.MaxPartBytes)
	for off := 0; off < len(data); off += part {
		end := min(len(data), off+part)
		r = w.env.Do(apitest.Req{Method: "PUT", Path: p.Upload.URL, Token: tok, Body: data[off:end], ContentType: "application/octet-stream",
			Header: map[string]string{"Content-Range": fmt.Sprintf("bytes %d-%d/%d", off, end-1, len(data))}})
		if r.Status >= 300 {
			return r
		}
	}
	return r
}

func (w *contentWorld) mustUpload(t *testing.T, name, ct string, data []byte, extra map[string]any) mediaOut {
	t.Helper()
	r := w.uploadHTTP(t, w.owner.Token, name, ct, data, extra)
	if r.Status != http.StatusCreated && r.Status != http.StatusOK {
		t.Fatalf("upload %s: %d %s", name, r.Status, r.Body)
	}
	var p progressOut
	r.JSON(t, &p)
	if p.Media == nil {
		t.Fatalf("upload %s: no media in %s", name, r.Body)
	}
	return *p.Media
}

func demoFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "content", "packs", "demo", "media", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mediaTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "media", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func problemCode(t *testing.T, r *apitest.Response) (string, string) {
	t.Helper()
	var p struct{ Code, Detail string }
	r.JSON(t, &p)
	return p.Code, p.Detail
}

// An upload in several parts over HTTP, resumed after an interruption; the bytes come back
// as stored, cached for good, resized on request, and fetched with a signed URL by a player
// with no token.
func TestMediaUploadResumeServeAndVariants(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	data := noisePNG(t, 700, 500, 7) // ~1.4 MB: two parts at the default body limit
	start := w.do(t, "POST", "/v1/programmes/"+w.pid+"/media/uploads", w.owner.Token,
		map[string]any{"filename": "photo.png", "contentType": "image/png", "size": len(data), "alt": "Noise"}, http.StatusCreated)
	var p progressOut
	start.JSON(t, &p)
	u := p.Upload
	if u.ChunkSize != 255<<10 || u.MaxPartBytes != 4*int64(u.ChunkSize) || u.Offset != 0 || int64(len(data)) <= u.MaxPartBytes {
		t.Fatalf("session %+v for %d bytes", u, len(data))
	}
	put := func(off, end int, tok string) *apitest.Response {
		return w.env.Do(apitest.Req{Method: "PUT", Path: u.URL, Token: tok, Body: data[off:end], ContentType: "application/octet-stream",
			Header: map[string]string{"Content-Range": fmt.Sprintf("bytes %d-%d/%d", off, end-1, len(data))}})
	}
	first := int(u.MaxPartBytes)
	if r := put(0, first, w.owner.Token); r.Status != http.StatusOK {
		t.Fatalf("part 1: %d %s", r.Status, r.Body)
	}
	// The phone lost its connection; it asks where to resume.
	r := w.do(t, "GET", u.URL, w.owner.Token, nil, http.StatusOK)
	r.JSON(t, &p)
	if p.Upload.Offset != int64(first) || p.Media != nil {
		t.Fatalf("status after part 1: %s", r.Body)
	}
	if r := put(0, first, w.mentor.Token); r.Status != http.StatusForbidden {
		t.Fatalf("another author continued the upload: %d", r.Status)
	}
	// Nothing is visible yet.
	var list struct{ Items []mediaOut }
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/media", w.owner.Token, nil, http.StatusOK).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("half an upload is listed: %+v", list.Items)
	}
	r = put(first, len(data), w.owner.Token)
	if r.Status != http.StatusCreated {
		t.Fatalf("last part: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &p)
	m := *p.Media
	if m.Width != 700 || m.Height != 500 || m.Kind != "image" || m.SHA256 != hexSum(data) || m.Blurhash == "" || m.URL != "/v1/media/"+m.ID {
		t.Fatalf("media %+v", m)
	}
	if want := []int{160, 320, 640}; fmt.Sprint(m.VariantWidths) != fmt.Sprint(want) {
		t.Errorf("variant widths %v, want %v", m.VariantWidths, want)
	}

	// A mentee fetches it; the ETag revalidates to 304; the answer may be cached for good.
	got := w.env.Do(apitest.Req{Method: "GET", Path: m.URL, Token: w.mentee.Token})
	if got.Status != http.StatusOK || !bytes.Equal(got.Body, data) || got.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("GET media: %d %s, %d bytes", got.Status, got.Header.Get("Content-Type"), len(got.Body))
	}
	if cc := got.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "private") {
		t.Errorf("Cache-Control %q", cc)
	}
	etag := got.Header.Get("ETag")
	if r := w.env.Do(apitest.Req{Method: "GET", Path: m.URL, Token: w.mentee.Token, Header: map[string]string{"If-None-Match": etag}}); r.Status != http.StatusNotModified {
		t.Fatalf("revalidation: %d", r.Status)
	}
	if r := w.env.Do(apitest.Req{Method: "GET", Path: m.URL, Token: w.outsdr.Token}); r.Status != http.StatusNotFound {
		t.Fatalf("outsider: %d", r.Status)
	}
	if r := w.env.Do(apitest.Req{Method: "GET", Path: m.URL}); r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d", r.Status)
	}

	// A variant from the fixed set, resized on the first request and the same after.
	v := w.env.Do(apitest.Req{Method: "GET", Path: m.URL + "?w=320", Token: w.mentee.Token})
	img, err := png.Decode(bytes.NewReader(v.Body))
	if v.Status != http.StatusOK || err != nil || img.Bounds().Dx() != 320 || img.Bounds().Dy() != 229 {
		t.Fatalf("variant: %d %v %v", v.Status, err, img)
	}
	if again := w.env.Do(apitest.Req{Method: "GET", Path: m.URL + "?w=320", Token: w.mentee.Token}); !bytes.Equal(again.Body, v.Body) || again.Header.Get("ETag") != v.Header.Get("ETag") {
		t.Fatal("the variant changed between requests")
	}
	if r := w.env.Do(apitest.Req{Method: "GET", Path: m.URL + "?w=500", Token: w.mentee.Token}); r.Status != http.StatusBadRequest {
		t.Fatalf("width outside the set: %d", r.Status)
	}
	if r := w.env.Do(apitest.Req{Method: "GET", Path: m.URL + "?w=1920", Token: w.mentee.Token}); !bytes.Equal(r.Body, data) {
		t.Fatal("a variant wider than the image is not the original")
	}

	// A player without a Bearer header uses a signed URL; altered or expired, it fails.
	var signed struct {
		URL       string
		ExpiresAt time.Time
	}
	w.do(t, "POST", "/v1/media/"+m.ID+"/signed-url", w.mentee.Token, map[string]any{"width": 160}, http.StatusOK).JSON(t, &signed)
	if r := w.env.Do(apitest.Req{Method: "GET", Path: signed.URL}); r.Status != http.StatusOK || len(r.Body) == 0 {
		t.Fatalf("signed URL: %d", r.Status)
	}
	if r := w.env.Do(apitest.Req{Method: "GET", Path: strings.Replace(signed.URL, "w=160", "w=320", 1)}); r.Status != http.StatusUnauthorized {
		t.Fatalf("signed URL for another width: %d", r.Status)
	}

	// The same bytes again: the library holds them once.
	r = w.uploadHTTP(t, w.mentor.Token, "copy.png", "image/png", data, nil)
	r.JSON(t, &p)
	if r.Status != http.StatusOK || !p.Deduplicated || p.Media.ID != m.ID {
		t.Fatalf("dedup: %d %s", r.Status, r.Body)
	}
	r = w.do(t, "POST", "/v1/programmes/"+w.pid+"/media/uploads", w.mentor.Token,
		map[string]any{"filename": "x.png", "contentType": "image/png", "size": len(data), "sha256": hexSum(data), "alt": "x"}, http.StatusOK)
	p = progressOut{}
	r.JSON(t, &p)
	if !p.Deduplicated || p.Media.ID != m.ID || p.Upload != nil {
		t.Fatalf("declared hash: %s", r.Body)
	}
}

// A test seeks in the demo video with Range requests, as a phone's player does.
func TestSeekInTheDemoVideoWithRanges(t *testing.T) {
	t.Parallel()
	// Small chunks, so that the 80 KB demo video spans several and seeks cross chunk boundaries.
	w := newContentWorld(t, apitest.WithEnv(map[string]string{"MEDIA_CHUNK_BYTES": "16384"}))
	video := demoFile(t, "session-walkthrough.mp4")
	m := w.mustUpload(t, "session-walkthrough.mp4", "video/mp4", video, map[string]any{"alt": nil})
	if m.Kind != "video" || m.DurationSeconds != 90 || m.Width != 640 || m.Height != 360 {
		t.Fatalf("demo video %+v", m)
	}
	get := func(h map[string]string, method string) *apitest.Response {
		return w.env.Do(apitest.Req{Method: method, Path: m.URL, Token: w.mentee.Token, Header: h})
	}
	size := int64(len(video))
	// The player probes the start, then seeks to the middle, then reads the last bytes.
	for _, tc := range []struct {
		rng        string
		start, end int64
	}{
		{"bytes=0-1", 0, 1},
		{fmt.Sprintf("bytes=%d-", size/2), size / 2, size - 1},
		{fmt.Sprintf("bytes=%d-%d", size/3, size/3+30000), size / 3, size/3 + 30000},
		{"bytes=-4096", size - 4096, size - 1},
		{fmt.Sprintf("bytes=%d-%d", 16384*2-10, size+1000), 16384*2 - 10, size - 1},
	} {
		r := get(map[string]string{"Range": tc.rng}, "GET")
		if r.Status != http.StatusPartialContent {
			t.Fatalf("%s: %d %s", tc.rng, r.Status, r.Body)
		}
		if want := fmt.Sprintf("bytes %d-%d/%d", tc.start, tc.end, size); r.Header.Get("Content-Range") != want {
			t.Errorf("%s: Content-Range %q, want %q", tc.rng, r.Header.Get("Content-Range"), want)
		}
		if !bytes.Equal(r.Body, video[tc.start:tc.end+1]) {
			t.Errorf("%s: %d bytes that differ from the file", tc.rng, len(r.Body))
		}
	}
	// If-Range with a stale validator gets the whole file.
	if r := get(map[string]string{"Range": "bytes=10-20", "If-Range": `"stale"`}, "GET"); r.Status != http.StatusOK || int64(len(r.Body)) != size {
		t.Fatalf("stale If-Range: %d, %d bytes", r.Status, len(r.Body))
	}
	// HEAD says how large the file is without sending it.
	if r := get(nil, "HEAD"); r.Status != http.StatusOK || r.Header.Get("Content-Length") != fmt.Sprint(size) || len(r.Body) != 0 || r.Header.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("HEAD: %d %v %d bytes", r.Status, r.Header, len(r.Body))
	}
	// Bad ranges: beyond the end, several at once, malformed.
	for _, rng := range []string{fmt.Sprintf("bytes=%d-", size), "bytes=0-10,20-30", "bytes=abc"} {
		r := get(map[string]string{"Range": rng}, "GET")
		code, detail := problemCode(t, r)
		if r.Status != http.StatusRequestedRangeNotSatisfiable || code != "range_not_satisfiable" || r.Header.Get("Content-Range") != fmt.Sprintf("bytes */%d", size) {
			t.Errorf("%s: %d %s %q", rng, r.Status, code, r.Header.Get("Content-Range"))
		}
		if strings.HasPrefix(rng, "bytes=8") && !strings.Contains(detail, fmt.Sprintf("the file has %d bytes", size)) {
			t.Errorf("%s: detail %q does not name the size", rng, detail)
		}
	}
}

// Every bad file is a problem naming what is wrong, and none leaves anything behind.
func TestMediaBadInputLeavesNothing(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	svgScript := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	svgExternal := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><image href="https://tracker.example/pixel.png"/></svg>`)
	bomb := pngBomb(t)
	h264 := mediaTestdata(t, "h264.mp4")
	for _, tc := range []struct {
		name, ct string
		data     []byte
		extra    map[string]any
		status   int
		code     string
		detail   string
	}{
		{"photo.jpg", "image/jpeg", smoothPNG(t, 20, 20, 1), nil, 422, "type_mismatch", "a PNG image, not a JPEG image"},
		{"bomb.png", "image/png", bomb, nil, 422, "image_too_large", "decompression bomb"},
		{"script.svg", "image/svg+xml", svgScript, nil, 422, "svg_unsafe", "<script>"},
		{"tracker.svg", "image/svg+xml", svgExternal, nil, 422, "svg_unsafe", "https://tracker.example/pixel.png"},
		{"long.mp4", "video/mp4", mediaTestdata(t, "eleven-minutes.mp4"), nil, 422, "too_long", "the video is 11 min long"},
		{"recorded.webm", "video/webm", mediaTestdata(t, "vp9-no-duration.webm"), nil, 422, "no_duration", "no duration"},
		{"cut.mp4", "video/mp4", h264[:len(h264)-1500], nil, 422, "truncated_file", "truncated"},
		{"cut.png", "image/png", noisePNG(t, 40, 40, 3)[:3000], map[string]any{"sha256": hexSum(noisePNG(t, 40, 40, 3))}, 422, "checksum_mismatch", "cut off"},
		{"huge.mp4", "video/mp4", nil, map[string]any{"size": 300 << 20}, 422, "validation_failed", "at most 200 MiB"},
		{"noalt.png", "image/png", smoothPNG(t, 4, 4, 9), map[string]any{"alt": ""}, 422, "validation_failed", "/alt"},
		{"archive.zip", "application/zip", []byte("PK\x03\x04"), nil, 422, "validation_failed", "/contentType"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data
			if data == nil {
				data = []byte("x")
			}
			r := w.uploadHTTP(t, w.owner.Token, tc.name, tc.ct, data, tc.extra)
			code, detail := problemCode(t, r)
			if r.Status != tc.status || code != tc.code || !strings.Contains(detail+string(r.Body), tc.detail) {
				t.Fatalf("%d %s: %s", r.Status, code, r.Body)
			}
		})
	}
	// A part cut off on the way (fewer bytes than its Content-Range says), or compressed.
	data := noisePNG(t, 30, 30, 5)
	r := w.do(t, "POST", "/v1/programmes/"+w.pid+"/media/uploads", w.owner.Token,
		map[string]any{"filename": "a.png", "contentType": "image/png", "size": len(data), "alt": "a"}, http.StatusCreated)
	var p progressOut
	r.JSON(t, &p)
	short := w.env.Do(apitest.Req{Method: "PUT", Path: p.Upload.URL, Token: w.owner.Token, Body: data[:100], ContentType: "application/octet-stream",
		Header: map[string]string{"Content-Range": fmt.Sprintf("bytes 0-%d/%d", len(data)-1, len(data))}})
	if _, detail := problemCode(t, short); short.Status != http.StatusBadRequest || !strings.Contains(string(short.Body), "cut off") {
		t.Fatalf("short part: %d %s", short.Status, detail)
	}
	gz := w.env.Do(apitest.Req{Method: "PUT", Path: p.Upload.URL, Token: w.owner.Token, Body: data, ContentType: "application/octet-stream",
		Header: map[string]string{"Content-Range": fmt.Sprintf("bytes 0-%d/%d", len(data)-1, len(data)), "Content-Encoding": "gzip"}})
	if code, _ := problemCode(t, gz); gz.Status != http.StatusBadRequest || code != "part_encoded" {
		t.Fatalf("gzip part: %d %s", gz.Status, gz.Body)
	}
	noRange := w.env.Do(apitest.Req{Method: "PUT", Path: p.Upload.URL, Token: w.owner.Token, Body: data, ContentType: "application/octet-stream"})
	if noRange.Status != http.StatusBadRequest || !strings.Contains(string(noRange.Body), "Content-Range") {
		t.Fatalf("no Content-Range: %d %s", noRange.Status, noRange.Body)
	}

	// Nothing of any of it is visible or stored: no items, no GridFS files, no chunks.
	ctx := context.Background()
	for _, coll := range []string{mediadb.Items, mediadb.Files, mediadb.Chunks} {
		n, err := w.env.App.DB.DB.Collection(coll).CountDocuments(ctx, bson.D{})
		if err != nil || n != 0 {
			t.Errorf("%s holds %d documents (%v)", coll, n, err)
		}
	}
}

// pngBomb is a PNG whose header claims 60000×60000 pixels: a few hundred bytes that would
// take 14 GB to decode.
func pngBomb(t *testing.T) []byte {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, smallImage(1, 1)); err != nil {
		t.Fatal(err)
	}
	out := b.Bytes()
	// IHDR width and height sit at bytes 16..24; the chunk's CRC after them is recomputed.
	putUint32(out[16:], 60000)
	putUint32(out[20:], 60000)
	putUint32(out[29:], crcIEEE(out[12:29]))
	return out
}

// A lesson shows library media by mediaId: the video's length comes from the file and
// counts toward the ten-minute budget, and the lesson describes each item for the phone.
func TestLessonMediaBlocksAndBudget(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	video := w.mustUpload(t, "walkthrough.mp4", "video/mp4", demoFile(t, "session-walkthrough.mp4"), map[string]any{"alt": nil})
	vtt := w.mustUpload(t, "walkthrough.en.vtt", "text/vtt", demoFile(t, "session-walkthrough.en.vtt"), map[string]any{"alt": nil})
	img := w.mustUpload(t, "ladder.svg", "image/svg+xml", demoFile(t, "listening-ladder.svg"), map[string]any{"alt": "The listening ladder"})
	pdf := w.mustUpload(t, "agreement.pdf", "application/pdf", demoFile(t, "mentoring-agreement-template.pdf"), map[string]any{"alt": nil})
	var patched mediaOut
	w.do(t, "PATCH", "/v1/media/"+video.ID, w.mentor.Token, map[string]any{"captions": []map[string]any{{"mediaId": vtt.ID, "language": "en", "label": "English"}}}, http.StatusOK).JSON(t, &patched)
	if len(patched.Captions) != 1 || patched.Captions[0].URL != "/v1/media/"+vtt.ID {
		t.Fatalf("captions: %+v", patched.Captions)
	}
	if r := w.env.Do(apitest.Req{Method: "PATCH", Path: "/v1/media/" + video.ID, Token: w.mentor.Token,
		Body: map[string]any{"captions": []map[string]any{{"mediaId": img.ID, "language": "en", "label": "x"}}}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("an SVG as captions: %d", r.Status)
	}
	words := strings.Repeat("listen ", 1800) // nine minutes of reading
	lesson := func(withVideo bool) map[string]any {
		blocks := []map[string]any{{"type": "text", "markdown": words}, {"type": "image", "mediaId": img.ID},
			{"type": "document", "mediaId": pdf.ID, "title": "Agreement"}}
		if withVideo {
			blocks = append(blocks, map[string]any{"type": "video", "mediaId": video.ID})
		}
		return map[string]any{"kind": "lesson", "title": "Listening", "domain": "skill-based", "blocks": blocks}
	}
	var created struct {
		ID               string
		EstimatedMinutes int
		Blocks           []struct {
			Type, MediaID, Alt string
			DurationSeconds    int
			Media              *struct {
				URL, SHA256, ContentType string
				Bytes                    int64
				DurationSeconds, Width   int
				Captions                 []struct{ URL string }
			}
		}
	}
	w.do(t, "POST", "/v1/programmes/"+w.pid+"/content", w.owner.Token, lesson(true), http.StatusCreated).JSON(t, &created)
	if created.Blocks[3].DurationSeconds != 90 || created.Blocks[1].Alt != "The listening ladder" || created.EstimatedMinutes != 11 {
		t.Fatalf("created %+v", created)
	}
	// Nine minutes of text and a 90-second video are over the budget; the problem says so.
	r := w.do(t, "POST", "/v1/content/"+created.ID+"/publish", w.owner.Token, nil, http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.Body), "about 11 minutes") {
		t.Fatalf("budget: %s", r.Body)
	}
	// A client cannot declare a shorter video.
	short := lesson(true)
	short["blocks"].([]map[string]any)[3]["durationSeconds"] = 30
	if r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.pid + "/content", Token: w.owner.Token, Body: short}); r.Status != 422 || !strings.Contains(string(r.Body), "read from the file (90 s)") {
		t.Fatalf("declared duration: %d %s", r.Status, r.Body)
	}
	// Media of another programme, or of the wrong kind, is refused.
	wrong := lesson(false)
	wrong["blocks"].([]map[string]any)[1]["mediaId"] = pdf.ID
	if r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.pid + "/content", Token: w.owner.Token, Body: wrong}); r.Status != 422 || !strings.Contains(string(r.Body), "/blocks/1/mediaId") {
		t.Fatalf("wrong kind: %d %s", r.Status, r.Body)
	}
	// Without the video it fits, and the mentee's lesson describes each item.
	var fits struct{ ID string }
	w.do(t, "POST", "/v1/programmes/"+w.pid+"/content", w.owner.Token, lesson(false), http.StatusCreated).JSON(t, &fits)
	w.do(t, "POST", "/v1/content/"+fits.ID+"/publish", w.owner.Token, nil, http.StatusOK)
	var short2 struct{ ID string }
	withVideo := lesson(true)
	withVideo["blocks"].([]map[string]any)[0]["markdown"] = "Listen for meaning."
	w.do(t, "POST", "/v1/programmes/"+w.pid+"/content", w.owner.Token, withVideo, http.StatusCreated).JSON(t, &short2)
	w.do(t, "POST", "/v1/content/"+short2.ID+"/publish", w.owner.Token, nil, http.StatusOK)
	w.do(t, "GET", "/v1/lessons/"+short2.ID, w.mentee.Token, nil, http.StatusOK).JSON(t, &created)
	vb := created.Blocks[3].Media
	if vb == nil || vb.URL != "/v1/media/"+video.ID || vb.DurationSeconds != 90 || vb.ContentType != "video/mp4" || len(vb.Captions) != 1 {
		t.Fatalf("video block media %+v", vb)
	}
	// Editing the video's description reaches the delivered lesson (the cached rendering is
	// keyed on the items' versions).
	w.do(t, "PATCH", "/v1/media/"+video.ID, w.owner.Token, map[string]any{"caption": "New caption"}, http.StatusOK)
	var again struct {
		Blocks []struct{ Media *struct{ Caption string } }
	}
	w.do(t, "GET", "/v1/lessons/"+short2.ID, w.mentee.Token, nil, http.StatusOK).JSON(t, &again)
	if again.Blocks[3].Media.Caption != "New caption" {
		t.Fatalf("stale lesson media: %+v", again.Blocks[3].Media)
	}
}

// The bundle of a lesson lists every file it needs with a content-addressed URL, size and
// hash; fetching each URL gives exactly those bytes, as an offline app would check.
func TestLessonBundleManifestVerifies(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t, apitest.WithDemo())
	w.pid = app.DemoProgrammeID
	tok := w.env.Login("mentee1@example.com", app.DemoPassword)
	var lessons struct{ Items []struct{ ID, Title string } }
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/content?kind=lesson&limit=100", tok, nil, http.StatusOK).JSON(t, &lessons)
	var id string
	for _, l := range lessons.Items {
		if strings.HasPrefix(l.Title, "Preparing a mentoring session") {
			id = l.ID
		}
	}
	if id == "" {
		t.Fatalf("no demo lesson on preparing a session in %+v", lessons.Items)
	}
	r := w.do(t, "GET", "/v1/lessons/"+id+"/bundle?width=320", tok, nil, http.StatusOK)
	var b struct {
		Format string
		Width  int
		Items  []json.RawMessage
		Media  []struct {
			MediaID, URL, Role, ContentType, SHA256 string
			Bytes                                   int64
			Width                                   int
		}
		TotalBytes int64
	}
	r.JSON(t, &b)
	roles := map[string]int{}
	var total int64
	for _, m := range b.Media {
		roles[m.Role+" "+m.ContentType]++
		got := w.env.Do(apitest.Req{Method: "GET", Path: m.URL, Token: tok})
		if got.Status != http.StatusOK || int64(len(got.Body)) != m.Bytes || hexSum(got.Body) != m.SHA256 {
			t.Errorf("%s: %d, %d bytes, hash %s; manifest says %d bytes, %s", m.URL, got.Status, len(got.Body), hexSum(got.Body), m.Bytes, m.SHA256)
		}
		total += m.Bytes
	}
	// The screenshot (392 px wide, crisp text) would not get smaller at 320: its original serves.
	want := map[string]int{"original video/mp4": 1, "captions text/vtt": 1, "original image/png": 1}
	if fmt.Sprint(roles) != fmt.Sprint(want) || b.Format != "microlearn-bundle/1" || len(b.Items) != 1 || total != b.TotalBytes {
		t.Fatalf("bundle: roles %v, format %s, %d items, total %d of %d", roles, b.Format, len(b.Items), b.TotalBytes, total)
	}
	etag := r.Header.Get("ETag")
	if again := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/lessons/" + id + "/bundle?width=320", Token: tok, Header: map[string]string{"If-None-Match": etag}}); again.Status != http.StatusNotModified {
		t.Fatalf("bundle revalidation: %d", again.Status)
	}
	// A path's bundle brings its steps and their media.
	var paths struct{ Items []struct{ ID string } }
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/content?kind=path", tok, nil, http.StatusOK).JSON(t, &paths)
	var pb struct {
		Items []struct{ Kind string }
		Media []struct{ URL string }
	}
	w.do(t, "GET", "/v1/paths/"+paths.Items[0].ID+"/bundle", tok, nil, http.StatusOK).JSON(t, &pb)
	if len(pb.Items) < 3 || pb.Items[0].Kind != "path" {
		t.Fatalf("path bundle: %+v", pb.Items)
	}
}

// The owner publishes the library: anyone may fetch its media, cached publicly; unpublished
// again, only members.
func TestPublishedLibrary(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	m := w.mustUpload(t, "a.png", "image/png", smoothPNG(t, 10, 10, 3), nil)
	if r := w.env.Do(apitest.Req{Method: "GET", Path: m.URL}); r.Status != http.StatusUnauthorized {
		t.Fatalf("private library, anonymous: %d", r.Status)
	}
	w.do(t, "PUT", "/v1/programmes/"+w.pid+"/media-library", w.owner.Token, map[string]any{"public": true}, http.StatusOK)
	r := w.env.Do(apitest.Req{Method: "GET", Path: m.URL})
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Cache-Control"), "public") {
		t.Fatalf("public library: %d %s", r.Status, r.Header.Get("Cache-Control"))
	}
	w.do(t, "PUT", "/v1/programmes/"+w.pid+"/media-library", w.owner.Token, map[string]any{"public": false}, http.StatusOK)
	if r := w.env.Do(apitest.Req{Method: "GET", Path: m.URL}); r.Status != http.StatusUnauthorized {
		t.Fatalf("private again: %d", r.Status)
	}
}

func smallImage(w, h int) *image.NRGBA { return image.NewNRGBA(image.Rect(0, 0, w, h)) }

func putUint32(b []byte, v uint32) { binary.BigEndian.PutUint32(b, v) }

func crcIEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

// A content pack sent through the API brings its media files: each is checked as an upload
// is (a bad one is reported by its path and nothing is written), stored in the programme's
// library, and shown by the lesson naming it; importing the pack again changes nothing.
func TestContentPackWithMediaFiles(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	svg := demoFile(t, "listening-ladder.svg")
	lesson := "---\nkey: ladder\ntitle: The ladder\ndomain: skill-based\nmedia:\n  - type: image\n    file: media/ladder.svg\n    alt: A ladder of listening\n  - type: video\n    file: media/walk.mp4\n    captions:\n      - {file: media/walk.en.vtt, language: en, label: English}\n---\nClimb it.\n"
	body := func(extra map[string]string) map[string]any {
		files := map[string]string{"media/ladder.svg": b64(svg), "media/walk.mp4": b64(demoFile(t, "session-walkthrough.mp4")),
			"media/walk.en.vtt": b64(demoFile(t, "session-walkthrough.en.vtt"))}
		for k, v := range extra {
			files[k] = v
		}
		return map[string]any{"files": map[string]string{"pack.yaml": "id: p\ntitle: P\n", "lessons/ladder.md": lesson}, "mediaFiles": files}
	}
	bad := body(map[string]string{"media/walk.mp4": b64(mediaTestdata(t, "eleven-minutes.mp4"))})
	r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.pid + "/content-packs", Token: w.owner.Token, Body: bad})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "/files/media~1walk.mp4") || !strings.Contains(string(r.Body), "11 min") {
		t.Fatalf("bad media file: %d %s", r.Status, r.Body)
	}
	if n, _ := w.env.App.DB.DB.Collection(mediadb.Items).CountDocuments(context.Background(), bson.D{}); n != 0 {
		t.Fatalf("an invalid pack stored %d media items", n)
	}
	w.do(t, "POST", "/v1/programmes/"+w.pid+"/content-packs", w.owner.Token, body(nil), http.StatusOK)
	var again struct{ Unchanged int }
	w.do(t, "POST", "/v1/programmes/"+w.pid+"/content-packs", w.owner.Token, body(nil), http.StatusOK).JSON(t, &again)
	if again.Unchanged != 1 {
		t.Fatalf("re-import: %+v", again)
	}
	var list struct{ Items []struct{ ID string } }
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/content?kind=lesson", w.mentee.Token, nil, http.StatusOK).JSON(t, &list)
	var l struct {
		Blocks []struct {
			MediaID         string
			DurationSeconds int
			Media           *struct {
				ContentType string
				Captions    []struct{ Language string }
			}
		}
	}
	w.do(t, "GET", "/v1/lessons/"+list.Items[0].ID, w.mentee.Token, nil, http.StatusOK).JSON(t, &l)
	if l.Blocks[1].Media == nil || l.Blocks[1].Media.ContentType != "image/svg+xml" || l.Blocks[2].DurationSeconds != 90 || len(l.Blocks[2].Media.Captions) != 1 {
		t.Fatalf("lesson blocks %+v", l.Blocks)
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
