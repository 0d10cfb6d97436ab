package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/media"
)

// Media bytes never change under a URL (an item's ID is derived from its bytes; a variant is
// named by the item and a width from a fixed set), so every answer may be cached for a year.
const (
	mediaCachePrivate = "private, max-age=31536000, immutable"
	mediaCachePublic  = "public, max-age=31536000, immutable"
	// svgPolicy keeps an SVG opened on its own from running anything even if a check missed it.
	svgPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
)

// mediaReader decides who may fetch an item's bytes: the holder of a valid signed URL; a
// signed-in member of its programme (outsiders get 404); anyone when the owner published the
// library. It returns the item and whether the answer may be cached publicly.
func (s *Server) mediaReader(c *fiber.Ctx, id string, w int) (media.Media, bool, error) {
	ctx := c.UserContext()
	if sig := c.Query("sig"); sig != "" || c.Query("exp") != "" {
		if err := s.deps.Media.Verify(id, w, c.Query("exp"), sig); err != nil {
			return media.Media{}, false, err
		}
		m, err := s.deps.Media.Media(ctx, id)
		return m, false, err
	}
	_, signed := c.Locals(localCaller).(Caller)
	m, err := s.deps.Media.Media(ctx, id)
	if !signed {
		if err == nil {
			lib, lerr := s.deps.Media.Library(ctx, m.ProgrammeID)
			if lerr != nil {
				return media.Media{}, false, lerr
			}
			if lib.Public {
				return m, true, nil
			}
		}
		_, err := signedIn(c) // 401 whether or not the item exists
		return media.Media{}, false, err
	}
	if err != nil {
		return media.Media{}, false, err
	}
	if _, err := s.authorize(c, m.ProgrammeID); err != nil {
		return media.Media{}, false, err
	}
	return m, false, nil
}

func queryWidth(c *fiber.Ctx) (int, error) {
	v := c.Query("w")
	if v == "" {
		return 0, nil
	}
	w, err := strconv.Atoi(v)
	if err != nil {
		return 0, apperr.Invalid("/w", "must be a whole number")
	}
	return w, media.CheckWidth(w)
}

func (s *Server) getMediaFile(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("mediaId"))
	w, err := queryWidth(c)
	if err != nil {
		return err
	}
	m, public, err := s.mediaReader(c, id, w)
	if err != nil {
		return err
	}
	blob := m.Original()
	if w > 0 {
		if blob, err = s.deps.Media.Sized(c.UserContext(), m, w); err != nil {
			return err
		}
	}
	etag := `"` + blob.SHA256[:32] + `"`
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, mediaCachePrivate)
	if public {
		c.Set(fiber.HeaderCacheControl, mediaCachePublic)
	}
	c.Set(fiber.HeaderAcceptRanges, "bytes")
	c.Set(fiber.HeaderContentDisposition, contentDisposition(m.Filename, w))
	if blob.ContentType == media.TypeSVG {
		c.Set(fiber.HeaderContentSecurityPolicy, svgPolicy)
	}
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(http.StatusNotModified)
	}
	start, length := int64(0), blob.Bytes
	status := http.StatusOK
	if h := c.Get(fiber.HeaderRange); h != "" && ifRangeHolds(c.Get(fiber.HeaderIfRange), etag) {
		r, ok, err := parseRange(h, blob.Bytes)
		if err != nil {
			c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes */%d", blob.Bytes))
			return err
		}
		if ok {
			start, length, status = r.start, r.length, http.StatusPartialContent
			c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", start, start+length-1, blob.Bytes))
		}
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, blob.ContentType)
	if c.Method() == fiber.MethodHead {
		c.Response().Header.SetContentLength(int(length))
		c.Response().SkipBody = true
		return nil
	}
	// The body is read chunk by chunk while it is written, after this handler returns, so it
	// gets its own deadline rather than the request's.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), s.cfg.WriteTimeout)
	r, err := s.deps.Media.Open(ctx, blob, start, length)
	if err != nil {
		cancel()
		return err
	}
	c.Context().SetBodyStream(cancelOnClose{r, cancel}, int(length))
	return nil
}

type cancelOnClose struct {
	r interface {
		Read([]byte) (int, error)
		Close() error
	}
	cancel context.CancelFunc
}

func (c cancelOnClose) Read(p []byte) (int, error) { return c.r.Read(p) }
func (c cancelOnClose) Close() error {
	err := c.r.Close()
	c.cancel()
	return err
}

func contentDisposition(name string, w int) string {
	if w > 0 {
		name = fmt.Sprintf("w%d-%s", w, name)
	}
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`inline; filename="%s"; filename*=UTF-8''%s`, ascii, pathEscape(name))
}

func pathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// ifRangeHolds reports whether a Range may be honoured: with no If-Range, or one naming the
// current ETag (a date never matches: our validators are ETags).
func ifRangeHolds(ifRange, etag string) bool {
	return ifRange == "" || strings.TrimSpace(ifRange) == etag
}

type byteRange struct{ start, length int64 }

func rangeError(format string, args ...any) error {
	return fiber.NewError(fiber.StatusRequestedRangeNotSatisfiable, fmt.Sprintf(format, args...))
}

// parseRange reads a Range header for a file of size bytes. ok is false for a range unit
// other than bytes (ignored, as RFC 9110 says: the whole file is sent). Several ranges are
// refused with 416 rather than answered as multipart/byteranges, which no player needs.
func parseRange(h string, size int64) (byteRange, bool, error) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !ok {
		return byteRange{}, false, nil
	}
	if strings.Contains(spec, ",") {
		return byteRange{}, false, rangeError("several ranges in one request are not supported: ask for one range at a time")
	}
	a, b, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return byteRange{}, false, rangeError("the Range header %q is malformed: write bytes=first-last, bytes=first- or bytes=-suffix", h)
	}
	if a == "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return byteRange{}, false, rangeError("the Range header %q is malformed: the suffix length must be a positive number", h)
		}
		n = min(n, size)
		return byteRange{start: size - n, length: n}, true, nil
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return byteRange{}, false, rangeError("the Range header %q is malformed", h)
	}
	if start >= size {
		return byteRange{}, false, rangeError("the range starts at byte %d, beyond the end: the file has %d bytes (0-%d)", start, size, size-1)
	}
	end := size - 1
	if b != "" {
		e, err := strconv.ParseInt(b, 10, 64)
		if err != nil || e < start {
			return byteRange{}, false, rangeError("the Range header %q is malformed: the last byte must not come before the first", h)
		}
		end = min(e, size-1)
	}
	return byteRange{start: start, length: end - start + 1}, true, nil
}
