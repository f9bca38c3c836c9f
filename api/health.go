package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// readinessTimeout bounds the readiness check: a store slower than this is
// reported as not ready rather than holding the prober.
const readinessTimeout = time.Second

// healthz is GET /healthz: the process is alive (it says nothing about the
// database; a restart would not mend a full disk).
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz is GET /readyz: the server can take submissions, so the store
// must accept a write, not merely answer a ping: a full disk answers pings
// but stores nothing.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), readinessTimeout)
	defer cancel()
	if err := s.store.CheckWritable(ctx); err != nil {
		s.log.Warn("store not ready", "request_id", requestID(c), "error", err.Error())
		p := newProblem(fiber.StatusServiceUnavailable, "unavailable")
		p.retryAfter = 1
		return p
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
