package media

import (
	"bytes"
	"net/http"
	"strings"
	"unicode/utf8"
)

// sniffLen is how many leading bytes Detect looks at.
const sniffLen = 4096

// accepted maps every content type the library accepts to the kind its size limit is taken
// from before the bytes are read (GIF and WebP may turn out to be still images).
var accepted = map[string]Kind{
	TypePNG: KindImage, TypeJPEG: KindImage, TypeSVG: KindImage, TypeWebP: KindImage,
	TypeGIF: KindAnimation, TypeLottie: KindAnimation,
	TypeMP4: KindVideo, TypeWebM: KindVideo,
	TypePDF: KindDocument,
	TypeVTT: KindCaptions,
}

// aliases are spellings clients use for the accepted types.
var aliases = map[string]string{
	"image/jpg": TypeJPEG, "image/pjpeg": TypeJPEG, "image/svg": TypeSVG, "application/x-pdf": TypePDF,
	"video/x-m4v": TypeMP4, "text/webvtt": TypeVTT, "application/lottie+json": TypeLottie,
}

// AcceptedTypes lists the content types an upload may claim.
func AcceptedTypes() []string {
	return []string{TypePNG, TypeJPEG, TypeWebP, TypeSVG, TypeGIF, TypeLottie, TypeMP4, TypeWebM, TypePDF, TypeVTT}
}

// NormalizeType returns the canonical spelling of a claimed content type (parameters and
// case dropped) and whether the library accepts it.
func NormalizeType(claimed string) (string, bool) {
	t := strings.ToLower(strings.TrimSpace(claimed))
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	if a, ok := aliases[t]; ok {
		t = a
	}
	_, ok := accepted[t]
	return t, ok
}

// KindOfType returns the kind whose limit applies to a claimed type before its bytes are read.
func KindOfType(contentType string) Kind { return accepted[contentType] }

// Detect names the content type of a file from its first bytes, or describes what it is
// instead ("a ZIP archive", "text/html") when the library does not accept it.
func Detect(head []byte) (contentType string, ok bool) {
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG, true
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return TypeJPEG, true
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return TypeGIF, true
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return TypeWebP, true
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return TypePDF, true
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		return detectISOBMFF(head)
	case bytes.HasPrefix(head, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		return detectEBML(head)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "a ZIP archive", false
	case bytes.HasPrefix(head, []byte{0x1F, 0x8B}):
		return "a gzip archive", false
	}
	text := bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	if isVTT(text) {
		return TypeVTT, true
	}
	trimmed := bytes.TrimLeft(text, " \t\r\n")
	if bytes.HasPrefix(trimmed, []byte("{")) && utf8.Valid(trimmed[:len(trimmed)-partialRune(trimmed)]) {
		return TypeLottie, true
	}
	if looksLikeSVG(trimmed) {
		return TypeSVG, true
	}
	return http.DetectContentType(head), false
}

func isVTT(b []byte) bool {
	if !bytes.HasPrefix(b, []byte("WEBVTT")) {
		return false
	}
	return len(b) == 6 || strings.ContainsRune(" \t\r\n", rune(b[6]))
}

// partialRune is the length of an incomplete UTF-8 sequence at the end of b (a sniffed
// prefix may cut a character in two).
func partialRune(b []byte) int {
	for i := 1; i <= 3 && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return i
			}
			return 0
		}
	}
	return 0
}

// looksLikeSVG reports whether the first element of an XML text is <svg>, after an optional
// XML declaration, comments and a doctype (which the SVG check then refuses).
func looksLikeSVG(b []byte) bool {
	for i := 0; i < 32; i++ {
		b = bytes.TrimLeft(b, " \t\r\n")
		switch {
		case bytes.HasPrefix(b, []byte("<?")):
			end := bytes.Index(b, []byte("?>"))
			if end < 0 {
				return false
			}
			b = b[end+2:]
		case bytes.HasPrefix(b, []byte("<!--")):
			end := bytes.Index(b, []byte("-->"))
			if end < 0 {
				return false
			}
			b = b[end+3:]
		case bytes.HasPrefix(b, []byte("<!")):
			end := bytes.IndexByte(b, '>')
			if open := bytes.IndexByte(b, '['); open >= 0 && open < end {
				end = bytes.Index(b, []byte("]>")) + 1 // a DOCTYPE with an internal subset
			}
			if end <= 0 {
				return false
			}
			b = b[end+1:]
		default:
			if !bytes.HasPrefix(b, []byte("<svg")) || len(b) < 5 {
				return false
			}
			return strings.ContainsRune(" \t\r\n>/", rune(b[4]))
		}
	}
	return false
}

// detectISOBMFF tells MP4 from the other ISO base media files (QuickTime, HEIF, M4A).
func detectISOBMFF(head []byte) (string, bool) {
	brand := string(head[8:12])
	switch brand {
	case "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "dash", "M4V ", "MSNV", "mmp4", "NDAS", "f4v ":
		return TypeMP4, true
	case "qt  ":
		return "a QuickTime movie (.mov)", false
	case "heic", "heix", "mif1", "msf1", "hevc", "heim", "heis":
		return "a HEIF/HEIC image", false
	case "avif", "avis":
		return "an AVIF image", false
	case "M4A ", "M4B ", "M4P ":
		return "an MPEG-4 audio file", false
	case "3gp4", "3gp5", "3gp6", "3g2a":
		return "a 3GPP video", false
	}
	return "an ISO media file of brand " + strings.TrimSpace(brand), false
}

// detectEBML tells WebM from other Matroska files by the DocType in the EBML header.
func detectEBML(head []byte) (string, bool) {
	i := bytes.Index(head, []byte{0x42, 0x82})
	if i < 0 || i+3 > len(head) {
		return "an EBML file without a DocType", false
	}
	size := int(head[i+2])
	if size&0x80 == 0 {
		return "an EBML file with a malformed DocType", false
	}
	size &= 0x7F
	if i+3+size > len(head) {
		return "an EBML file with a malformed DocType", false
	}
	switch doc := string(head[i+3 : i+3+size]); doc {
	case "webm":
		return TypeWebM, true
	case "matroska":
		return "a Matroska video (.mkv)", false
	default:
		return "an EBML file of type " + doc, false
	}
}

// Describe names a content type for people: "a PNG image".
func Describe(contentType string) string {
	switch contentType {
	case TypePNG:
		return "a PNG image"
	case TypeJPEG:
		return "a JPEG image"
	case TypeWebP:
		return "a WebP image"
	case TypeSVG:
		return "an SVG image"
	case TypeGIF:
		return "a GIF image"
	case TypeLottie:
		return "a JSON file (Lottie)"
	case TypeMP4:
		return "an MP4 video"
	case TypeWebM:
		return "a WebM video"
	case TypePDF:
		return "a PDF document"
	case TypeVTT:
		return "a WebVTT captions file"
	}
	if strings.HasPrefix(contentType, "a ") || strings.HasPrefix(contentType, "an ") {
		return contentType
	}
	return "a file of type " + contentType
}
