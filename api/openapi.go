package api

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openAPIDocument is the OpenAPI 3.1 description of every route, served at
// GET /openapi.json. TestOpenAPICoversEveryRoute keeps it and the route
// table in step.
//
//go:embed openapi.json
var openAPIDocument []byte

func (s *Server) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(openAPIDocument)
}

// Routes lists every registered route as "METHOD /pattern" (Fiber's
// ":param" syntax), for the OpenAPI test.
func (s *Server) Routes() []string {
	var out []string
	for r := range s.routes {
		out = append(out, r.method+" "+r.path)
	}
	return out
}
