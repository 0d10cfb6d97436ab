package media

import (
	"errors"
	"io"
	"math"

	"github.com/abema/go-mp4"
	"github.com/at-wat/ebml-go"
)

// Videos are read with two maintained pure-Go parsers rather than ffprobe: the server then
// needs nothing installed beyond its own binary (ffprobe is a large C program to run on
// untrusted files), and both parsers read only the headers: the MP4 parser seeks over the
// media data (moov may come first or last), the WebM parser stops after the Tracks element.
//   - MP4: github.com/abema/go-mp4 (AbemaTV's ISO BMFF box reader, used by bluenviron's
//     mediamtx/gortmplib); we walk the boxes ourselves and read only mvhd, mehd, tkhd,
//     mdhd, hdlr and the sample entry type, so a crafted sample table cannot make us
//     allocate per sample.
//   - WebM: github.com/at-wat/ebml-go (used by pion's WebM tools; bounds element nesting
//     and leaf sizes for untrusted input).

const (
	maxMP4Boxes     = 100_000
	webmHeaderBytes = 8 << 20
)

// inspectMP4 reads an MP4's duration, picture size and video codec. It accepts H.264 (avc1,
// avc3) only: every phone plays it.
func inspectMP4(r io.ReadSeeker, size int64) (Info, error) {
	var info Info
	p := mp4Probe{size: size}
	if _, err := mp4.ReadBoxStructure(r, p.handle); err != nil {
		if ae := asRejected(err); ae != nil {
			return info, ae
		}
		return info, Rejected("corrupt_file", "the MP4 video is truncated or corrupt: %v", err)
	}
	switch {
	case !p.moov:
		return info, Rejected("truncated_file", "the MP4 video has no moov box: it is truncated or was not finished recording")
	case p.video == nil:
		return info, Rejected("no_video_track", "the MP4 file has no video track (is it audio only?)")
	}
	v := p.video
	switch v.codec {
	case "avc1", "avc3":
		info.Codec = "avc1"
	case "encv":
		return info, Rejected("unsupported_codec", "the MP4 video is encrypted (DRM): upload an unprotected file")
	case "hvc1", "hev1":
		return info, Rejected("unsupported_codec", "the MP4 video is HEVC (H.265), which not every phone plays: re-encode it as H.264")
	default:
		return info, Rejected("unsupported_codec", "the MP4 video's codec is %q; MP4 videos must be H.264 (avc1)", v.codec)
	}
	info.Width, info.Height = v.width, v.height
	info.DurationMillis = p.durationMillis()
	if info.DurationMillis <= 0 {
		return info, Rejected("no_duration", "the MP4 video has no duration in its headers (mvhd, mehd and the video track's mdhd all say 0): remux it, for example with ffmpeg -i in.mp4 -c copy -movflags +faststart out.mp4")
	}
	return info, nil
}

type mp4Track struct {
	handler                 string
	codec                   string
	width, height           int
	timescale               uint32
	duration                uint64
	hasDuration, hasHandler bool
}

type mp4Probe struct {
	size                int64
	boxes               int
	moov                bool
	timescale           uint32
	duration, fragments uint64
	tracks              []*mp4Track
	cur                 *mp4Track
	video               *mp4Track
}

type rejectedErr struct{ err error }

func (e rejectedErr) Error() string { return e.err.Error() }
func (e rejectedErr) Unwrap() error { return e.err }

func asRejected(err error) error {
	var r rejectedErr
	if errors.As(err, &r) {
		return r.err
	}
	return nil
}

func (p *mp4Probe) handle(h *mp4.ReadHandle) (any, error) {
	p.boxes++
	if p.boxes > maxMP4Boxes {
		return nil, rejectedErr{Rejected("corrupt_file", "the MP4 file has more than %d boxes", maxMP4Boxes)}
	}
	bi := h.BoxInfo
	if len(h.Path) == 1 && int64(bi.Offset+bi.Size) > p.size {
		return nil, rejectedErr{Rejected("truncated_file", "the MP4 video is truncated: its %s box needs %d bytes more than the file has", bi.Type, int64(bi.Offset+bi.Size)-p.size)}
	}
	switch t := bi.Type; {
	case t == mp4.BoxTypeMoov():
		p.moov = true
		_, err := h.Expand()
		p.finishTrack()
		return nil, err
	case t == mp4.BoxTypeTrak():
		p.finishTrack()
		p.cur = &mp4Track{}
		_, err := h.Expand()
		p.finishTrack()
		return nil, err
	case t == mp4.BoxTypeMdia(), t == mp4.BoxTypeMinf(), t == mp4.BoxTypeStbl(), t == mp4.BoxTypeMvex():
		_, err := h.Expand()
		return nil, err
	case t == mp4.BoxTypeStsd():
		if p.cur != nil && p.cur.handler == "vide" {
			_, err := h.Expand()
			return nil, err
		}
		return nil, nil
	}
	return nil, p.readHeader(h)
}

// readHeader reads what the probe needs from a box that holds no boxes it looks into.
func (p *mp4Probe) readHeader(h *mp4.ReadHandle) error {
	switch t := h.BoxInfo.Type; {
	case t == mp4.BoxTypeMvhd():
		box, _, err := h.ReadPayload()
		if err != nil {
			return err
		}
		m := box.(*mp4.Mvhd)
		p.timescale, p.duration = m.Timescale, m.GetDuration()
	case t == mp4.BoxTypeMehd():
		box, _, err := h.ReadPayload()
		if err != nil {
			return err
		}
		p.fragments = box.(*mp4.Mehd).GetFragmentDuration()
	case t == mp4.BoxTypeTkhd() && p.cur != nil:
		box, _, err := h.ReadPayload()
		if err != nil {
			return err
		}
		k := box.(*mp4.Tkhd)
		p.cur.width, p.cur.height = int(k.GetWidthInt()), int(k.GetHeightInt())
	case t == mp4.BoxTypeMdhd() && p.cur != nil:
		box, _, err := h.ReadPayload()
		if err != nil {
			return err
		}
		m := box.(*mp4.Mdhd)
		p.cur.timescale, p.cur.duration, p.cur.hasDuration = m.Timescale, m.GetDuration(), true
	case t == mp4.BoxTypeHdlr() && p.cur != nil:
		box, _, err := h.ReadPayload()
		if err != nil {
			return err
		}
		p.cur.handler, p.cur.hasHandler = string(box.(*mp4.Hdlr).HandlerType[:]), true
	case len(h.Path) >= 2 && h.Path[len(h.Path)-2] == mp4.BoxTypeStsd() && p.cur != nil && p.cur.codec == "":
		p.cur.codec = t.String()
	}
	return nil
}

func (p *mp4Probe) finishTrack() {
	if p.cur == nil {
		return
	}
	p.tracks = append(p.tracks, p.cur)
	if p.cur.handler == "vide" && p.video == nil {
		p.video = p.cur
	}
	p.cur = nil
}

func (p *mp4Probe) durationMillis() int64 {
	ms := func(d uint64, scale uint32) int64 {
		if scale == 0 || d == 0 || d == math.MaxUint32 || d == math.MaxUint64 {
			return 0
		}
		return int64(d * 1000 / uint64(scale))
	}
	if d := ms(p.duration, p.timescale); d > 0 {
		return d
	}
	if d := ms(p.fragments, p.timescale); d > 0 {
		return d
	}
	if p.video != nil {
		return ms(p.video.duration, p.video.timescale)
	}
	return 0
}

// webmHeader is the part of a WebM file we read: the EBML header, then the segment's Info
// and Tracks (reading stops after Tracks, before the clusters of media data).
type webmHeader struct {
	Header struct {
		DocType string `ebml:"EBMLDocType"`
	} `ebml:"EBML"`
	Segment struct {
		Info struct {
			TimecodeScale uint64  `ebml:"TimecodeScale"`
			Duration      float64 `ebml:"Duration"`
		} `ebml:"Info"`
		Tracks struct {
			TrackEntry []struct {
				TrackType uint64 `ebml:"TrackType"`
				CodecID   string `ebml:"CodecID"`
				Video     struct {
					PixelWidth  uint64 `ebml:"PixelWidth"`
					PixelHeight uint64 `ebml:"PixelHeight"`
				} `ebml:"Video"`
			} `ebml:"TrackEntry"`
		} `ebml:"Tracks,stop"`
	} `ebml:"Segment"`
}

// inspectWebM reads a WebM's duration, picture size and video codec (VP8, VP9 or AV1).
func inspectWebM(r io.Reader, head []byte, size int64) (Info, error) {
	var info Info
	end, err := webmSegmentEnd(head)
	if err != nil {
		return info, Rejected("corrupt_file", "the WebM video is corrupt: %v", err)
	}
	if end > size {
		return info, Rejected("truncated_file", "the WebM video is truncated: its Segment needs %d bytes more than the file has", end-size)
	}
	var h webmHeader
	err = ebml.Unmarshal(io.LimitReader(r, webmHeaderBytes), &h, ebml.WithIgnoreUnknown(true), ebml.WithMaxLeafElementSize(1<<20))
	if !errors.Is(err, ebml.ErrReadStopped) {
		if err == nil {
			return info, Rejected("truncated_file", "the WebM video has no Tracks element in its first %s: it is truncated or not a video", FormatBytes(webmHeaderBytes))
		}
		return info, Rejected("corrupt_file", "the WebM video is truncated or corrupt: %v", err)
	}
	if h.Header.DocType != "webm" {
		return info, Rejected("type_mismatch", "the file is a %q EBML document, not WebM", h.Header.DocType)
	}
	found := false
	for _, t := range h.Segment.Tracks.TrackEntry {
		if t.TrackType != 1 {
			continue
		}
		switch t.CodecID {
		case "V_VP8":
			info.Codec = "vp8"
		case "V_VP9":
			info.Codec = "vp9"
		case "V_AV1":
			info.Codec = "av1"
		default:
			return info, Rejected("unsupported_codec", "the WebM video's codec is %q; WebM videos must be VP8, VP9 or AV1", t.CodecID)
		}
		info.Width, info.Height = int(t.Video.PixelWidth), int(t.Video.PixelHeight)
		found = true
		break
	}
	if !found {
		return info, Rejected("no_video_track", "the WebM file has no video track (is it audio only?)")
	}
	scale := h.Segment.Info.TimecodeScale
	if scale == 0 {
		scale = 1_000_000
	}
	d := h.Segment.Info.Duration * float64(scale) / 1e6
	if d <= 0 || math.IsNaN(d) || math.IsInf(d, 0) || d > 1e12 {
		return info, Rejected("no_duration", "the WebM video has no duration in its header (browsers' MediaRecorder writes WebM this way): remux it, for example with ffmpeg -i in.webm -c copy out.webm")
	}
	info.DurationMillis = int64(math.Ceil(d))
	return info, nil
}

// webmSegmentEnd returns where the Segment element of a WebM ends by its header (-1 when its
// size is unknown, as in live streams), from the file's first bytes.
func webmSegmentEnd(head []byte) (int64, error) {
	p := 0
	id, n := ebmlVint(head, p, false)
	if n == 0 || id != 0x1A45DFA3 {
		return 0, errors.New("no EBML header")
	}
	p += n
	size, n := ebmlVint(head, p, true)
	if n == 0 {
		return 0, errors.New("a malformed EBML header")
	}
	p += n + int(size)
	id, n = ebmlVint(head, p, false)
	if n == 0 || id != 0x18538067 {
		return 0, errors.New("no Segment after the EBML header")
	}
	p += n
	size, n = ebmlVint(head, p, true)
	if n == 0 {
		return 0, errors.New("a malformed Segment header")
	}
	if size == 1<<(7*uint(n))-1 {
		return -1, nil
	}
	return int64(p+n) + int64(size), nil
}

// ebmlVint reads an EBML variable-length integer at p (with its length marker kept for IDs,
// dropped for sizes); n is 0 when it does not fit in b.
func ebmlVint(b []byte, p int, dropMarker bool) (uint64, int) {
	if p >= len(b) || b[p] == 0 {
		return 0, 0
	}
	n := 1
	for mask := byte(0x80); b[p]&mask == 0; mask >>= 1 {
		n++
	}
	if p+n > len(b) || n > 8 {
		return 0, 0
	}
	v := uint64(b[p])
	if dropMarker {
		v &= uint64(0xFF >> uint(n))
	}
	for i := 1; i < n; i++ {
		v = v<<8 | uint64(b[p+i])
	}
	return v, n
}
