package api

import (
	"context"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// readinessTimeout bounds the readiness check: a store slower than this is
// reported as not ready rather than holding the prober.
const readinessTimeout = time.Second

// readiness remembers the last readiness check for readinessTTL: /readyz
// needs no authentication, and a check writes to the store, so a client
// polling it in a loop must not turn into a write per request. Checks
// never overlap: one runs while the others wait for its result.
type readiness struct {
	mu  sync.Mutex
	at  time.Time
	err error
}

// readinessTTL is how long a readiness result is reused.
const readinessTTL = time.Second

func (r *readiness) check(ctx context.Context, now time.Time, write func(context.Context) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.at.IsZero() && now.Sub(r.at) < readinessTTL && !now.Before(r.at) {
		return r.err
	}
	ctx, cancel := context.WithTimeout(ctx, readinessTimeout)
	defer cancel()
	r.err, r.at = write(ctx), now
	return r.err
}

// healthz is GET /healthz: the process is alive (it says nothing about the
// database; a restart would not mend a full disk).
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz is GET /readyz: the server can take submissions, so the store
// must accept a write, not merely answer a ping: a full disk answers pings
// but stores nothing.
func (s *Server) readyz(c *fiber.Ctx) error {
	if err := s.ready.check(c.UserContext(), s.now(), s.store.CheckWritable); err != nil {
		s.log.Warn("store not ready", "request_id", requestID(c), "error", err.Error())
		p := newProblem(fiber.StatusServiceUnavailable, "unavailable")
		p.retryAfter = 1
		return p
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
