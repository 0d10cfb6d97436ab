package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"

	"github.com/buckket/go-blurhash"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// inspectRaster checks a PNG, JPEG, GIF or WebP: its dimensions against the pixel limits
// before a single pixel is decoded (a decompression bomb is a small file with huge
// dimensions), then decodes it (the first frame of an animation) for the placeholders.
func inspectRaster(data []byte, ct string, lim Limits) (Kind, Info, error) {
	var info Info
	kind := KindImage
	w, h, err := rasterSize(data, ct)
	if err != nil {
		return "", info, err
	}
	if o := jpegOrientation(data, ct); o >= 5 {
		w, h = h, w
	}
	info.Width, info.Height = w, h
	if err := checkPixels(w, h, lim, Describe(ct)); err != nil {
		return "", info, err
	}
	var anim animation
	switch ct {
	case TypeGIF:
		anim, err = gifFrames(data, w, h)
	case TypeWebP:
		anim, err = webpFrames(data)
	}
	if err != nil {
		return "", info, err
	}
	if anim.frames > 1 {
		kind = KindAnimation
		info.Frames, info.DurationMillis = anim.frames, anim.millis
		if px := int64(w) * int64(h) * int64(anim.frames); px > lim.MaxAnimationPixels {
			return "", info, Rejected("animation_too_large", "the animation has %d frames of %d×%d pixels (%d million pixels to decode); at most %d million are allowed: use fewer frames or a smaller size, or upload it as a video",
				anim.frames, w, h, px/1_000_000, lim.MaxAnimationPixels/1_000_000)
		}
		if err := checkDuration(info.DurationMillis, lim, "animation"); err != nil {
			return "", info, err
		}
		if ct == TypeWebP {
			// Animated WebP frames are not decoded here: no placeholder.
			return kind, info, nil
		}
	}
	img, err := decodeRaster(data, ct)
	if err != nil {
		return "", info, err
	}
	info.Alpha = !opaque(img)
	thumb := scaleOriented(img, jpegOrientation(data, ct), 32)
	info.DominantColor = dominantColor(thumb)
	if hash, err := blurhash.Encode(4, 3, thumb); err == nil {
		info.Blurhash = hash
	}
	return kind, info, nil
}

func rasterSize(data []byte, ct string) (int, int, error) {
	var cfg image.Config
	var err error
	r := bytes.NewReader(data)
	switch ct {
	case TypePNG:
		cfg, err = png.DecodeConfig(r)
	case TypeJPEG:
		cfg, err = jpeg.DecodeConfig(r)
	case TypeGIF:
		cfg, err = gif.DecodeConfig(r)
	case TypeWebP:
		cfg, err = webpConfig(data)
	default:
		return 0, 0, fmt.Errorf("rasterSize: %s is not a raster type", ct)
	}
	if err != nil {
		return 0, 0, corrupt(ct, err)
	}
	return cfg.Width, cfg.Height, nil
}

func corrupt(ct string, err error) error {
	return Rejected("corrupt_file", "%s is truncated or corrupt: %v", capitalize(Describe(ct)), err)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

func checkPixels(w, h int, lim Limits, what string) error {
	if w <= 0 || h <= 0 {
		return Rejected("corrupt_file", "%s has no size (%d×%d pixels)", capitalize(what), w, h)
	}
	px := int64(w) * int64(h)
	if w > lim.MaxSide || h > lim.MaxSide || px > lim.MaxPixels {
		return Rejected("image_too_large", "%s is %d×%d pixels (%.1f megapixels); at most %d pixels a side and %.0f megapixels are allowed (a small file that decodes this large is a decompression bomb)",
			capitalize(what), w, h, float64(px)/1e6, lim.MaxSide, float64(lim.MaxPixels)/1e6)
	}
	return nil
}

func checkDuration(ms int64, lim Limits, what string) error {
	if ms > lim.MaxDuration.Milliseconds() {
		return Rejected("too_long", "the %s is %s long; at most %s is allowed, so that it fits a ten-minute lesson: trim it or split it",
			what, FormatDuration(ms), FormatDuration(lim.MaxDuration.Milliseconds()))
	}
	return nil
}

func decodeRaster(data []byte, ct string) (image.Image, error) {
	var img image.Image
	var err error
	r := bytes.NewReader(data)
	switch ct {
	case TypePNG:
		img, err = png.Decode(r)
	case TypeJPEG:
		img, err = jpeg.Decode(r)
	case TypeGIF:
		img, err = gif.Decode(r) // the first frame only
	case TypeWebP:
		img, err = webp.Decode(r)
	}
	if err != nil {
		return nil, corrupt(ct, err)
	}
	return img, nil
}

// opaque reports whether every pixel of img is opaque.
func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// scaleOriented scales img so that, once turned by the EXIF orientation o, it is w pixels
// wide (keeping the aspect ratio), with Catmull-Rom; then turns it.
func scaleOriented(img image.Image, o, w int) *image.NRGBA {
	b := img.Bounds()
	ow, oh := b.Dx(), b.Dy() // as displayed
	if o >= 5 {
		ow, oh = oh, ow
	}
	h := max(1, int((int64(oh)*int64(w)+int64(ow)/2)/int64(max(1, ow))))
	sw, sh := w, h // as stored
	if o >= 5 {
		sw, sh = h, w
	}
	dst := image.NewNRGBA(image.Rect(0, 0, sw, sh))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	if o > 1 {
		return orient(dst, o)
	}
	return dst
}

// dominantColor is the alpha-weighted mean colour of a small thumbnail, as #rrggbb.
func dominantColor(img *image.NRGBA) string {
	var r, g, b, a uint64
	for i := 0; i+3 < len(img.Pix); i += 4 {
		al := uint64(img.Pix[i+3])
		r += uint64(img.Pix[i]) * al
		g += uint64(img.Pix[i+1]) * al
		b += uint64(img.Pix[i+2]) * al
		a += al
	}
	if a == 0 {
		return "#ffffff"
	}
	return fmt.Sprintf("#%02x%02x%02x", r/a, g/a, b/a)
}

type animation struct {
	frames int
	millis int64
}

// gifFrames walks a GIF's blocks without decoding pixels: it counts frames, adds up their
// delays and checks that every frame lies inside the canvas.
func gifFrames(data []byte, w, h int) (animation, error) {
	var a animation
	fail := func(what string) (animation, error) {
		return a, Rejected("corrupt_file", "The GIF image is truncated or corrupt: %s", what)
	}
	if len(data) < 13 {
		return fail("no header")
	}
	p := 13
	if flags := data[10]; flags&0x80 != 0 {
		p += 3 << (int(flags&7) + 1)
	}
	delay := 0
	for p < len(data) {
		switch data[p] {
		case 0x3B: // trailer
			if a.frames == 0 {
				return fail("no frames")
			}
			return a, nil
		case 0x21: // extension
			if p+2 > len(data) {
				return fail("cut off in an extension")
			}
			if data[p+1] == 0xF9 && p+8 <= len(data) {
				delay = int(binary.LittleEndian.Uint16(data[p+4:]))
			}
			next, ok := skipSubBlocks(data, p+2)
			if !ok {
				return fail("cut off in an extension")
			}
			p = next
		case 0x2C: // image descriptor
			if p+10 > len(data) {
				return fail("cut off in a frame header")
			}
			x, y := int(binary.LittleEndian.Uint16(data[p+1:])), int(binary.LittleEndian.Uint16(data[p+3:]))
			fw, fh := int(binary.LittleEndian.Uint16(data[p+5:])), int(binary.LittleEndian.Uint16(data[p+7:]))
			if x+fw > w || y+fh > h {
				return fail(fmt.Sprintf("frame %d lies outside the %d×%d canvas", a.frames+1, w, h))
			}
			flags := data[p+9]
			p += 10
			if flags&0x80 != 0 {
				p += 3 << (int(flags&7) + 1)
			}
			p++ // LZW minimum code size
			next, ok := skipSubBlocks(data, p)
			if !ok {
				return fail(fmt.Sprintf("cut off in frame %d", a.frames+1))
			}
			p = next
			a.frames++
			// Browsers play delays under 20 ms as 100 ms.
			if delay < 2 {
				delay = 10
			}
			a.millis += int64(delay) * 10
			delay = 0
		default:
			return fail(fmt.Sprintf("unknown block 0x%02x at byte %d", data[p], p))
		}
	}
	return fail("no trailer (the file is cut off)")
}

func skipSubBlocks(data []byte, p int) (int, bool) {
	for p < len(data) {
		n := int(data[p])
		p++
		if n == 0 {
			return p, true
		}
		p += n
	}
	return p, false
}

// webpConfig reads a WebP's canvas size from its RIFF chunks (VP8X, VP8 or VP8L).
func webpConfig(data []byte) (image.Config, error) {
	chunks, err := riffChunks(data)
	if err != nil {
		return image.Config{}, err
	}
	if len(chunks) > 0 && chunks[0].id == "VP8X" && len(chunks[0].body) >= 10 {
		b := chunks[0].body
		w := 1 + int(uint32(b[4])|uint32(b[5])<<8|uint32(b[6])<<16)
		h := 1 + int(uint32(b[7])|uint32(b[8])<<8|uint32(b[9])<<16)
		return image.Config{Width: w, Height: h, ColorModel: color.NRGBAModel}, nil
	}
	return webp.DecodeConfig(bytes.NewReader(data))
}

// webpFrames counts the frames of an animated WebP and adds up their durations.
func webpFrames(data []byte) (animation, error) {
	var a animation
	chunks, err := riffChunks(data)
	if err != nil {
		return a, corrupt(TypeWebP, err)
	}
	if len(chunks) == 0 || chunks[0].id != "VP8X" || len(chunks[0].body) < 1 || chunks[0].body[0]&0x02 == 0 {
		return animation{frames: 1}, nil
	}
	for _, c := range chunks {
		if c.id != "ANMF" {
			continue
		}
		if len(c.body) < 16 {
			return a, corrupt(TypeWebP, errors.New("a frame header is cut off"))
		}
		a.frames++
		d := int64(uint32(c.body[12]) | uint32(c.body[13])<<8 | uint32(c.body[14])<<16)
		if d == 0 {
			d = 100
		}
		a.millis += d
	}
	if a.frames == 0 {
		return a, corrupt(TypeWebP, errors.New("an animation without frames"))
	}
	return a, nil
}

type riffChunk struct {
	id   string
	body []byte
}

func riffChunks(data []byte) ([]riffChunk, error) {
	if len(data) < 12 {
		return nil, errors.New("no RIFF header")
	}
	size := int64(binary.LittleEndian.Uint32(data[4:8])) + 8
	if size > int64(len(data)) {
		return nil, fmt.Errorf("the RIFF header says %d bytes, the file has %d", size, len(data))
	}
	var out []riffChunk
	p := 12
	for p+8 <= int(size) {
		n := int(binary.LittleEndian.Uint32(data[p+4 : p+8]))
		if n < 0 || p+8+n > int(size) {
			return nil, fmt.Errorf("chunk %q runs past the end of the file", data[p:p+4])
		}
		out = append(out, riffChunk{id: string(data[p : p+4]), body: data[p+8 : p+8+n]})
		p += 8 + n + n&1
		if len(out) > 100_000 {
			return nil, errors.New("too many chunks")
		}
	}
	return out, nil
}
