package media

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// inspectPDF checks that a PDF is whole: it starts with %PDF- and ends with %%EOF (a PDF cut
// off in transfer has no end-of-file marker and most phone viewers refuse to open it).
func inspectPDF(r io.ReadSeeker, size int64) (Info, error) {
	tail := min(size, 2048)
	if _, err := r.Seek(size-tail, io.SeekStart); err != nil {
		return Info{}, err
	}
	b := make([]byte, tail)
	if _, err := io.ReadFull(r, b); err != nil {
		return Info{}, err
	}
	if !bytes.Contains(b, []byte("%%EOF")) {
		return Info{}, Rejected("truncated_file", "the PDF document is truncated: it has no %%%%EOF marker at its end")
	}
	return Info{}, nil
}

var vttTiming = regexp.MustCompile(`^((?:\d{2,}:)?\d{2}:\d{2}\.\d{3})[ \t]+-->[ \t]+((?:\d{2,}:)?\d{2}:\d{2}\.\d{3})(?:[ \t].*)?$`)

// inspectVTT checks a WebVTT file: UTF-8, the WEBVTT header, and at least one cue whose
// timings are well formed and end after they start.
func inspectVTT(data []byte) (Info, error) {
	var info Info
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		return info, Rejected("captions_invalid", "the WebVTT file is not UTF-8 text")
	}
	text := strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n")
	if !isVTT([]byte(text)) {
		return info, Rejected("captions_invalid", "the WebVTT file does not start with WEBVTT")
	}
	for i, line := range strings.Split(text, "\n") {
		if !strings.Contains(line, "-->") {
			continue
		}
		m := vttTiming.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			return info, Rejected("captions_invalid", "the WebVTT file has a malformed cue timing on line %d: %q (write hh:mm:ss.ttt --> hh:mm:ss.ttt)", i+1, truncate(line, 60))
		}
		start, end := vttMillis(m[1]), vttMillis(m[2])
		if end <= start {
			return info, Rejected("captions_invalid", "the WebVTT cue on line %d ends before it starts", i+1)
		}
		info.Cues++
		info.DurationMillis = max(info.DurationMillis, end)
	}
	if info.Cues == 0 {
		return info, Rejected("captions_invalid", "the WebVTT file has no cues")
	}
	return info, nil
}

func vttMillis(s string) int64 {
	var h, m, sec, ms int64
	if strings.Count(s, ":") == 2 {
		fmt.Sscanf(s, "%d:%d:%d.%d", &h, &m, &sec, &ms)
	} else {
		fmt.Sscanf(s, "%d:%d.%d", &m, &sec, &ms)
	}
	return ((h*60+m)*60+sec)*1000 + ms
}

// lottieDoc is the part of a Lottie animation we check.
type lottieDoc struct {
	Version   string            `json:"v"`
	FrameRate float64           `json:"fr"`
	In        float64           `json:"ip"`
	Out       float64           `json:"op"`
	Width     float64           `json:"w"`
	Height    float64           `json:"h"`
	Layers    []json.RawMessage `json:"layers"`
	Assets    []struct {
		Path     string `json:"p"`
		Dir      string `json:"u"`
		Embedded int    `json:"e"`
	} `json:"assets"`
}

// inspectLottie checks a Lottie JSON animation: its size, frame rate and length, and that it
// neither loads images from elsewhere nor carries expressions (JavaScript the player evaluates).
func inspectLottie(data []byte, lim Limits) (Info, error) {
	var info Info
	var d lottieDoc
	if err := json.Unmarshal(data, &d); err != nil {
		return info, Rejected("corrupt_file", "the JSON file is not valid JSON: %v", err)
	}
	if d.Version == "" || d.FrameRate <= 0 || d.Out <= d.In || len(d.Layers) == 0 || d.Width <= 0 || d.Height <= 0 {
		return info, Rejected("type_mismatch", "the JSON file is not a Lottie animation (it needs v, fr, ip, op, w, h and layers)")
	}
	for i, a := range d.Assets {
		if a.Path != "" && a.Embedded != 1 && !strings.HasPrefix(a.Path, "data:") {
			return info, Rejected("lottie_unsafe", "the Lottie animation's asset %d loads %q from elsewhere: embed its images", i, truncate(a.Dir+a.Path, 60))
		}
	}
	if where, ok := lottieExpression(data); ok {
		return info, Rejected("lottie_unsafe", "the Lottie animation has an expression (JavaScript) at %s: remove expressions before exporting", where)
	}
	info.Width, info.Height = int(d.Width), int(d.Height)
	if err := checkPixels(info.Width, info.Height, lim, "the Lottie animation"); err != nil {
		return info, err
	}
	info.Frames = int(d.Out - d.In)
	info.DurationMillis = int64((d.Out - d.In) / d.FrameRate * 1000)
	return info, checkDuration(info.DurationMillis, lim, "animation")
}

// lottieExpression finds an expression: an "x" member holding a string.
func lottieExpression(data []byte) (string, bool) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return "", false
	}
	return findExpression(v, "", 0)
}

func findExpression(v any, path string, depth int) (string, bool) {
	if depth > 200 {
		return path, true
	}
	switch t := v.(type) {
	case map[string]any:
		if s, ok := t["x"].(string); ok && s != "" {
			return path + "/x", true
		}
		for k, c := range t {
			if p, ok := findExpression(c, path+"/"+k, depth+1); ok {
				return p, true
			}
		}
	case []any:
		for i, c := range t {
			if p, ok := findExpression(c, fmt.Sprintf("%s/%d", path, i), depth+1); ok {
				return p, true
			}
		}
	}
	return "", false
}
