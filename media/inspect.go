package media

import (
	"io"
)

// Checked is what the checks found in a file.
type Checked struct {
	ContentType string
	Kind        Kind
	Info        Info
}

// CheckHead checks a file's first bytes against the type its uploader claimed, so that a
// mismatched upload is refused at its first part, not after the last.
func CheckHead(head []byte, claimed string) (string, error) {
	ct, ok := Detect(head)
	if !ok {
		return "", Rejected("unsupported_type", "the file is %s, which the library does not take: upload PNG, JPEG, WebP, SVG, GIF, Lottie JSON, MP4 (H.264), WebM, PDF or WebVTT", Describe(ct))
	}
	if ct != claimed {
		return "", Rejected("type_mismatch", "the file's bytes are %s, not %s as its content type %s claims", Describe(ct), Describe(claimed), claimed)
	}
	return ct, nil
}

// Inspect checks a whole file of size bytes (read through r) against the type its uploader
// claimed and the limits, and reads its facts: dimensions and placeholders of images,
// durations and codecs of videos and animations, cues of captions.
func Inspect(r io.ReadSeeker, size int64, claimed string, lim Limits) (Checked, error) {
	lim = lim.WithDefaults()
	head := make([]byte, min(size, sniffLen))
	if _, err := io.ReadFull(r, head); err != nil {
		return Checked{}, err
	}
	ct, err := CheckHead(head, claimed)
	if err != nil {
		return Checked{}, err
	}
	c := Checked{ContentType: ct, Kind: KindOfType(ct)}
	if size > lim.maxBytesFor(ct) {
		return c, tooLarge(c.Kind, size, lim.maxBytesFor(ct))
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return c, err
	}
	switch ct {
	case TypePNG, TypeJPEG, TypeGIF, TypeWebP, TypeSVG, TypeLottie, TypeVTT:
		data := make([]byte, size)
		if _, err := io.ReadFull(r, data); err != nil {
			return c, err
		}
		c.Kind, c.Info, err = inspectSmall(data, ct, lim)
	case TypeMP4:
		c.Info, err = inspectMP4(r, size)
		if err == nil {
			err = checkDuration(c.Info.DurationMillis, lim, "video")
		}
	case TypeWebM:
		c.Info, err = inspectWebM(r, head, size)
		if err == nil {
			err = checkDuration(c.Info.DurationMillis, lim, "video")
		}
	case TypePDF:
		c.Info, err = inspectPDF(r, size)
	}
	if err != nil {
		return c, err
	}
	if size > lim.MaxBytes[c.Kind] {
		return c, tooLarge(c.Kind, size, lim.MaxBytes[c.Kind])
	}
	return c, nil
}

func inspectSmall(data []byte, ct string, lim Limits) (Kind, Info, error) {
	switch ct {
	case TypeSVG:
		info, err := inspectSVG(data, lim)
		return KindImage, info, err
	case TypeLottie:
		info, err := inspectLottie(data, lim)
		return KindAnimation, info, err
	case TypeVTT:
		info, err := inspectVTT(data)
		return KindCaptions, info, err
	}
	return inspectRaster(data, ct, lim)
}

func tooLarge(k Kind, size, limit int64) error {
	return Rejected("too_large", "the file is %s; %s files may be at most %s", FormatBytes(size), k, FormatBytes(limit))
}
