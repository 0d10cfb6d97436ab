package media_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/media"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gradient(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(200 * x / w), 40, uint8(200 * y / h), 255})
		}
	}
	return img
}

func pngBytes(t *testing.T, w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, gradient(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t *testing.T, w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, gradient(w, h), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withOrientation inserts an EXIF APP1 segment with the orientation tag after the SOI.
func withOrientation(j []byte, o uint16) []byte {
	var tiff bytes.Buffer
	tiff.WriteString("II*\x00")
	binary.Write(&tiff, binary.LittleEndian, uint32(8))
	binary.Write(&tiff, binary.LittleEndian, uint16(1))
	binary.Write(&tiff, binary.LittleEndian, []uint16{0x0112, 3})
	binary.Write(&tiff, binary.LittleEndian, uint32(1))
	binary.Write(&tiff, binary.LittleEndian, []uint16{o, 0})
	binary.Write(&tiff, binary.LittleEndian, uint32(0))
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	app1 := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(len(seg)+2))
	out := append([]byte{}, j[:2]...)
	out = append(out, app1...)
	out = append(out, seg...)
	return append(out, j[2:]...)
}

func gifBytes(t *testing.T, frames int) []byte {
	g := &gif.GIF{}
	for i := 0; i < frames; i++ {
		p := image.NewPaletted(image.Rect(0, 0, 20, 10), palette.Plan9)
		p.SetColorIndex(i, 0, uint8(i+1))
		g.Image = append(g.Image, p)
		g.Delay = append(g.Delay, 50)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngHeader is a PNG signature and an IHDR chunk claiming w×h pixels, with nothing after it:
// what a decompression bomb looks like before it is decoded.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&b, binary.BigEndian, uint32(13))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

const minimalPDF = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

const okVTT = "WEBVTT\n\n00:00.000 --> 00:01.500\nHello.\n\n00:00:01.500 --> 00:00:02.000 align:start\nGoodbye.\n"

const okLottie = `{"v":"5.7.4","fr":30,"ip":0,"op":90,"w":200,"h":100,"layers":[{"ty":4,"ks":{"o":{"a":0,"k":100}}}]}`

func TestInspect(t *testing.T) {
	lim := media.Limits{}
	okSVG := `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="300" height="150" viewBox="0 0 300 150">` +
		`<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>` +
		`<style>.t{fill:url(#g)}</style><rect class="t" width="300" height="150" fill="url(#g)"/>` +
		`<use xlink:href="#g"/><image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/><text>see url(http://x) in text</text></svg>`
	svg := func(inner string) []byte {
		return []byte(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">` + inner + `</svg>`)
	}
	h264 := fixture(t, "h264.mp4")
	webm := fixture(t, "vp9.webm")
	tests := []struct {
		name    string
		data    []byte
		claimed string
		kind    media.Kind
		check   func(t *testing.T, info media.Info)
		code    string
		detail  string
	}{
		{name: "png", data: pngBytes(t, 40, 30), claimed: media.TypePNG, kind: media.KindImage, check: func(t *testing.T, i media.Info) {
			if i.Width != 40 || i.Height != 30 || i.Blurhash == "" || !strings.HasPrefix(i.DominantColor, "#") || i.Alpha {
				t.Errorf("info %+v", i)
			}
		}},
		{name: "jpeg", data: jpegBytes(t, 64, 32), claimed: media.TypeJPEG, kind: media.KindImage, check: dims(64, 32)},
		{name: "jpeg turned by EXIF", data: withOrientation(jpegBytes(t, 64, 32), 6), claimed: "image/jpg", kind: media.KindImage, check: dims(32, 64)},
		{name: "still gif", data: gifBytes(t, 1), claimed: media.TypeGIF, kind: media.KindImage, check: dims(20, 10)},
		{name: "animated gif", data: gifBytes(t, 3), claimed: media.TypeGIF, kind: media.KindAnimation, check: func(t *testing.T, i media.Info) {
			if i.Frames != 3 || i.DurationMillis != 1500 || i.Width != 20 {
				t.Errorf("info %+v", i)
			}
		}},
		{name: "still webp", data: fixture(t, "still.webp"), claimed: media.TypeWebP, kind: media.KindImage, check: dims(40, 30)},
		{name: "animated webp", data: fixture(t, "animated.webp"), claimed: media.TypeWebP, kind: media.KindAnimation, check: func(t *testing.T, i media.Info) {
			if i.Frames != 3 || i.DurationMillis != 750 {
				t.Errorf("info %+v", i)
			}
		}},
		{name: "svg", data: []byte(okSVG), claimed: media.TypeSVG, kind: media.KindImage, check: dims(300, 150)},
		{name: "svg from viewBox", data: svg(`<circle r="1"/>`), claimed: media.TypeSVG, kind: media.KindImage, check: dims(10, 10)},
		{name: "lottie", data: []byte(okLottie), claimed: "application/json", kind: media.KindAnimation, check: func(t *testing.T, i media.Info) {
			if i.DurationMillis != 3000 || i.Width != 200 {
				t.Errorf("info %+v", i)
			}
		}},
		{name: "mp4", data: h264, claimed: media.TypeMP4, kind: media.KindVideo, check: func(t *testing.T, i media.Info) {
			if i.DurationMillis != 2000 || i.Width != 64 || i.Height != 48 || i.Codec != "avc1" {
				t.Errorf("info %+v", i)
			}
		}},
		{name: "mp4 with moov last", data: fixture(t, "h264-moov-last.mp4"), claimed: media.TypeMP4, kind: media.KindVideo, check: dims(64, 48)},
		{name: "webm", data: webm, claimed: media.TypeWebM, kind: media.KindVideo, check: func(t *testing.T, i media.Info) {
			if i.DurationMillis < 1900 || i.DurationMillis > 2100 || i.Width != 64 || i.Codec != "vp9" {
				t.Errorf("info %+v", i)
			}
		}},
		{name: "pdf", data: []byte(minimalPDF), claimed: media.TypePDF, kind: media.KindDocument},
		{name: "vtt", data: []byte("\xEF\xBB\xBF" + okVTT), claimed: media.TypeVTT, kind: media.KindCaptions, check: func(t *testing.T, i media.Info) {
			if i.Cues != 2 || i.DurationMillis != 2000 {
				t.Errorf("info %+v", i)
			}
		}},

		// Bad input.
		{name: "png claimed as jpeg", data: pngBytes(t, 4, 4), claimed: media.TypeJPEG, code: "type_mismatch", detail: "a PNG image, not a JPEG image"},
		{name: "zip", data: []byte("PK\x03\x04rest-of-a-zip"), claimed: media.TypePNG, code: "unsupported_type", detail: "a ZIP archive"},
		{name: "html as svg", data: []byte("<html><body>hi</body></html>"), claimed: media.TypeSVG, code: "unsupported_type", detail: "text/html"},
		{name: "decompression bomb", data: pngHeader(100000, 100000), claimed: media.TypePNG, code: "image_too_large", detail: "100000×100000"},
		{name: "truncated png", data: pngBytes(t, 64, 64)[:120], claimed: media.TypePNG, code: "corrupt_file", detail: "truncated or corrupt"},
		{name: "svg script", data: svg(`<script>alert(1)</script>`), claimed: media.TypeSVG, code: "svg_unsafe", detail: "<script> element"},
		{name: "svg onload", data: []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), claimed: media.TypeSVG, code: "svg_unsafe", detail: "onload"},
		{name: "svg external image", data: svg(`<image href="https://evil.example/x.png"/>`), claimed: media.TypeSVG, code: "svg_unsafe", detail: "https://evil.example/x.png"},
		{name: "svg xlink external", data: svg(`<use xlink:href="other.svg#a"/>`), claimed: media.TypeSVG, code: "svg_unsafe", detail: "other.svg#a"},
		{name: "svg javascript link", data: svg(`<a href="javascript:alert(1)"><text>x</text></a>`), claimed: media.TypeSVG, code: "svg_unsafe", detail: "javascript:"},
		{name: "svg css import", data: svg(`<style>@import url(https://evil.example/a.css);</style>`), claimed: media.TypeSVG, code: "svg_unsafe", detail: "@import"},
		{name: "svg css url", data: svg(`<rect style="fill:url('https://evil.example/p')"/>`), claimed: media.TypeSVG, code: "svg_unsafe", detail: "url(https://evil.example/p)"},
		{name: "svg nested svg data uri", data: svg(`<image href="data:image/svg+xml;base64,PHN2Zy8+"/>`), claimed: media.TypeSVG, code: "svg_unsafe", detail: "data:image/svg+xml"},
		{name: "svg foreignObject", data: svg(`<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>`), claimed: media.TypeSVG, code: "svg_unsafe", detail: "foreignObject"},
		{name: "svg entity bomb", data: []byte(`<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>`), claimed: media.TypeSVG, code: "svg_unsafe", detail: "DOCTYPE"},
		{name: "svg set href", data: svg(`<a><set attributeName="href" to="javascript:alert(1)"/></a>`), claimed: media.TypeSVG, code: "svg_unsafe", detail: "animates \"href\""},
		{name: "svg stylesheet pi", data: []byte(`<?xml-stylesheet href="https://evil.example/a.css"?><svg xmlns="http://www.w3.org/2000/svg"/>`), claimed: media.TypeSVG, code: "svg_unsafe", detail: "xml-stylesheet"},
		{name: "hevc mp4", data: fixture(t, "hevc.mp4"), claimed: media.TypeMP4, code: "unsupported_codec", detail: "HEVC"},
		{name: "mp4 without duration", data: fixture(t, "fragmented-pipe.mp4"), claimed: media.TypeMP4, code: "no_duration", detail: "no duration"},
		{name: "eleven-minute video", data: fixture(t, "eleven-minutes.mp4"), claimed: media.TypeMP4, code: "too_long", detail: "the video is 11 min long"},
		{name: "audio only", data: fixture(t, "audio-only.mp4"), claimed: media.TypeMP4, code: "no_video_track", detail: "no video track"},
		{name: "truncated mp4", data: h264[:len(h264)/2], claimed: media.TypeMP4, code: "truncated_file", detail: "truncated"},
		{name: "webm without duration", data: fixture(t, "vp9-no-duration.webm"), claimed: media.TypeWebM, code: "no_duration", detail: "MediaRecorder"},
		{name: "truncated webm", data: webm[:len(webm)-1000], claimed: media.TypeWebM, code: "truncated_file", detail: "truncated"},
		{name: "truncated pdf", data: []byte(minimalPDF[:len(minimalPDF)-10]), claimed: media.TypePDF, code: "truncated_file", detail: "%%EOF"},
		{name: "vtt bad timing", data: []byte("WEBVTT\n\n00:01 --> 00:02\nHi\n"), claimed: media.TypeVTT, code: "captions_invalid", detail: "line 3"},
		{name: "vtt without cues", data: []byte("WEBVTT\n\nNOTE nothing here\n"), claimed: media.TypeVTT, code: "captions_invalid", detail: "no cues"},
		{name: "lottie expression", data: []byte(`{"v":"5","fr":30,"ip":0,"op":30,"w":10,"h":10,"layers":[{"ks":{"p":{"x":"wiggle(1,2)"}}}]}`), claimed: media.TypeLottie, code: "lottie_unsafe", detail: "/layers/0/ks/p/x"},
		{name: "lottie external asset", data: []byte(`{"v":"5","fr":30,"ip":0,"op":30,"w":10,"h":10,"layers":[{}],"assets":[{"u":"https://cdn.example/","p":"img.png"}]}`), claimed: media.TypeLottie, code: "lottie_unsafe", detail: "https://cdn.example/img.png"},
		{name: "json that is not lottie", data: []byte(`{"hello":"world"}`), claimed: media.TypeLottie, code: "type_mismatch", detail: "not a Lottie"},
		{name: "eleven-minute lottie", data: []byte(`{"v":"5","fr":1,"ip":0,"op":660,"w":10,"h":10,"layers":[{}]}`), claimed: media.TypeLottie, code: "too_long", detail: "11 min"},
		{name: "video too large for its kind", data: h264, claimed: media.TypeMP4, code: "too_large", detail: "at most 1 KiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := lim
			if tc.code == "too_large" {
				l.MaxBytes = map[media.Kind]int64{media.KindVideo: 1024}
			}
			claimed, _ := media.NormalizeType(tc.claimed)
			got, err := media.Inspect(bytes.NewReader(tc.data), int64(len(tc.data)), claimed, l)
			if tc.code != "" {
				var ae *apperr.Error
				if !errors.As(err, &ae) || ae.Code != tc.code || ae.Kind != apperr.KindUnprocessable {
					t.Fatalf("err = %v, want code %s", err, tc.code)
				}
				if !strings.Contains(ae.Message, tc.detail) {
					t.Errorf("message %q does not name %q", ae.Message, tc.detail)
				}
				return
			}
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if got.Kind != tc.kind {
				t.Errorf("kind %s, want %s", got.Kind, tc.kind)
			}
			if tc.check != nil {
				tc.check(t, got.Info)
			}
		})
	}
}

func dims(w, h int) func(t *testing.T, i media.Info) {
	return func(t *testing.T, i media.Info) {
		t.Helper()
		if i.Width != w || i.Height != h {
			t.Errorf("size %d×%d, want %d×%d", i.Width, i.Height, w, h)
		}
	}
}

// An animation whose frames would decode to more pixels than allowed is refused before any
// frame is decoded.
func TestInspectAnimationPixelBudget(t *testing.T) {
	data := gifBytes(t, 3)
	_, err := media.Inspect(bytes.NewReader(data), int64(len(data)), media.TypeGIF, media.Limits{MaxAnimationPixels: 500})
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != "animation_too_large" || !strings.Contains(ae.Message, "3 frames of 20×10") {
		t.Fatalf("err = %v", err)
	}
}
