package api

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Fiber's c.Body() inflates a gzip, deflate or br request body with no bound on what it
// expands to (fiber v2 ctx.go), and every JSON route reads through it: a few kilobytes of
// compressed zeros would become gigabytes in memory. decodeBody inflates encoded bodies
// itself, into at most the body limit, before anything reads them, and hands the handlers
// the plain bytes with the Content-Encoding removed, so c.Body() has nothing left to inflate.

var (
	errBodyEncoding = fiber.NewError(fiber.StatusUnsupportedMediaType,
		"Content-Encoding must be gzip, deflate, br or identity (one of them, not a list)")
	errBodyCorrupt = apperr.New(apperr.KindInvalid, "body_encoding_corrupt",
		"the request body does not decode as its Content-Encoding says")
)

// decodeBody is the middleware described above. Upload parts (rawBody) are left as sent:
// their handler refuses any encoding, since parts are stored byte for byte.
func (s *Server) decodeBody(c *fiber.Ctx) error {
	ce := strings.ToLower(strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)))
	if ce == "" || ce == "identity" || rawBody(c) {
		return c.Next()
	}
	raw := c.Request().Body()
	r, err := bodyDecoder(ce, raw)
	if err != nil {
		return err
	}
	limit := s.bodyLimit()
	plain, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if len(plain) > limit {
		return fiber.NewError(fiber.StatusRequestEntityTooLarge,
			fmt.Sprintf("the request body decodes to more than %d bytes", limit))
	}
	if err != nil {
		return errBodyCorrupt
	}
	c.Request().SetBody(plain)
	c.Request().Header.Del(fiber.HeaderContentEncoding)
	return c.Next()
}

// bodyDecoder returns a reader of the decoded body for one content coding.
func bodyDecoder(coding string, raw []byte) (io.Reader, error) {
	switch coding {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, errBodyCorrupt
		}
		return zr, nil
	case "deflate": // HTTP's "deflate" is the zlib format (RFC 9110 8.4.1.2)
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, errBodyCorrupt
		}
		return zr, nil
	case "br":
		return brotli.NewReader(bytes.NewReader(raw)), nil
	}
	return nil, errBodyEncoding
}

// bodyLimit is the largest body a request may have, encoded or decoded (Fiber's default
// when the configuration leaves it unset).
func (s *Server) bodyLimit() int {
	if s.cfg.BodyLimit > 0 {
		return s.cfg.BodyLimit
	}
	return fiber.DefaultBodyLimit
}
