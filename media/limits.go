package media

import (
	"fmt"
	"time"
)

// Limits bound what the library accepts. The zero value of a field takes its default.
type Limits struct {
	// MaxBytes is the largest file of each kind.
	MaxBytes map[Kind]int64
	// MaxPixels bounds a still image's width × height: a small file that decodes to more is
	// a decompression bomb. MaxSide bounds each side.
	MaxPixels int64
	MaxSide   int
	// MaxAnimationPixels bounds width × height × frames of an animation (what a phone
	// decodes to play it).
	MaxAnimationPixels int64
	// MaxDuration is the longest video or animation loop: a lesson takes ten minutes.
	MaxDuration time.Duration
}

// The defaults.
const (
	DefaultMaxImageBytes     = 10 << 20
	DefaultMaxVideoBytes     = 200 << 20
	DefaultMaxAnimationBytes = 10 << 20
	DefaultMaxDocumentBytes  = 20 << 20
	DefaultMaxCaptionsBytes  = 1 << 20
	DefaultMaxPixels         = 40_000_000
	DefaultMaxSide           = 16384
	DefaultMaxAnimPixels     = 500_000_000
	DefaultMaxDuration       = 10 * time.Minute
)

// WithDefaults fills the fields left zero.
func (l Limits) WithDefaults() Limits {
	out := l
	out.MaxBytes = map[Kind]int64{
		KindImage: DefaultMaxImageBytes, KindVideo: DefaultMaxVideoBytes, KindAnimation: DefaultMaxAnimationBytes,
		KindDocument: DefaultMaxDocumentBytes, KindCaptions: DefaultMaxCaptionsBytes,
	}
	for k, v := range l.MaxBytes {
		if v > 0 {
			out.MaxBytes[k] = v
		}
	}
	if out.MaxPixels <= 0 {
		out.MaxPixels = DefaultMaxPixels
	}
	if out.MaxSide <= 0 {
		out.MaxSide = DefaultMaxSide
	}
	if out.MaxAnimationPixels <= 0 {
		out.MaxAnimationPixels = DefaultMaxAnimPixels
	}
	if out.MaxDuration <= 0 {
		out.MaxDuration = DefaultMaxDuration
	}
	return out
}

// maxBytesFor is the limit that applies to a claimed type before the bytes are known: GIF and
// WebP may be still images or animations, so the larger of the two limits applies until the
// check at the end.
func (l Limits) maxBytesFor(contentType string) int64 {
	k := KindOfType(contentType)
	n := l.MaxBytes[k]
	if contentType == TypeGIF || contentType == TypeWebP {
		n = max(l.MaxBytes[KindImage], l.MaxBytes[KindAnimation])
	}
	return n
}

// FormatBytes writes a size for people: 10 MiB, 300 KiB, 512 bytes.
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// FormatDuration writes a length for people: 12 min 34 s, 45 s.
func FormatDuration(ms int64) string {
	s := (ms + 999) / 1000
	if s < 60 {
		return fmt.Sprintf("%d s", s)
	}
	if s%60 == 0 {
		return fmt.Sprintf("%d min", s/60)
	}
	return fmt.Sprintf("%d min %d s", s/60, s%60)
}
