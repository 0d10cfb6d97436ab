package api

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/microlearn/microlearn/console"
)

// mountConsole serves the browser console (a net/http handler, package console) for every
// path the API does not own: it runs last, after the API's routes, and leaves /v1 to
// Fiber's problem+json 404. The console gets the request's deadline context and what only
// Fiber knows: the client IP behind trusted proxies (for the sign-in throttles), whether the
// request came over TLS, and the request ID.
func (s *Server) mountConsole() {
	h := s.deps.Console
	if h == nil {
		return
	}
	s.app.Use(func(c *fiber.Ctx) error {
		if apiPath(c.Path()) {
			return c.Next()
		}
		var r http.Request
		if err := fasthttpadaptor.ConvertRequest(c.Context(), &r, true); err != nil {
			return fiber.ErrBadRequest
		}
		ctx := console.WithRequest(c.UserContext(), console.Request{ClientIP: clientIP(c), Secure: c.Protocol() == "https",
			RequestID: requestID(c)})
		w := &fiberResponse{c: c, header: http.Header{}}
		h.ServeHTTP(w, r.WithContext(ctx))
		w.WriteHeader(http.StatusOK) // a handler that wrote nothing answered 200
		return nil
	})
}

// apiPath reports whether the API owns path, so that Fiber answers it (404 and 405 as
// problem+json) even where no route matches.
func apiPath(p string) bool {
	for _, own := range []string{"/v1", "/docs", "/healthz", "/readyz", "/openapi.yaml"} {
		if p == own || strings.HasPrefix(p, own+"/") {
			return true
		}
	}
	return false
}

// fiberResponse is an http.ResponseWriter over Fiber's response.
type fiberResponse struct {
	c      *fiber.Ctx
	header http.Header
	wrote  bool
}

func (w *fiberResponse) Header() http.Header { return w.header }

func (w *fiberResponse) WriteHeader(status int) {
	if w.wrote {
		return
	}
	w.wrote = true
	res := &w.c.Context().Response
	for k, vs := range w.header {
		for i, v := range vs {
			if i == 0 {
				res.Header.Set(k, v)
			} else {
				res.Header.Add(k, v)
			}
		}
	}
	res.SetStatusCode(status)
}

func (w *fiberResponse) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.c.Context().Write(b)
}
