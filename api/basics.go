package api

import (
	"embed"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"
)

//go:embed swaggerui
var swaggerUI embed.FS

const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>microlearn API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script>
</body></html>`

const docsInit = `window.ui = SwaggerUIBundle({url: "/openapi.yaml", dom_id: "#swagger-ui",
  deepLinking: true, presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout", validatorUrl: null});`

func (s *Server) mountBasics(r fiber.Router) {
	r.Get("/healthz", func(c *fiber.Ctx) error {
		return respond(c, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/readyz", func(c *fiber.Ctx) error {
		if err := s.deps.DB.Ping(c.UserContext()); err != nil {
			s.log.ErrorContext(c.UserContext(), "readiness check failed", "requestId", requestID(c), "error", err.Error())
			return fiber.NewError(http.StatusServiceUnavailable, "the database does not answer")
		}
		return respond(c, http.StatusOK, map[string]string{"status": "ready"})
	})
	r.Get("/openapi.yaml", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "application/yaml")
		c.Set(fiber.HeaderCacheControl, "no-cache")
		return c.Send(s.deps.Spec)
	})
	r.Get("/docs", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.SendString(docsPage)
	})
	r.Get("/docs/init.js", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/javascript")
		return c.SendString(docsInit)
	})
	r.Get("/docs/assets/:file", func(c *fiber.Ctx) error {
		name := c.Params("file")
		b, err := swaggerUI.ReadFile("swaggerui/" + name)
		if err != nil || strings.Contains(name, "/") {
			return fiber.ErrNotFound
		}
		c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
		c.Type(filepath.Ext(name))
		return c.Send(b)
	})
}
