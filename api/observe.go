package api

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
)

const localRequestID = "request_id"

// requestID returns the id of the current request, making one if the
// request never reached the middleware (a body over the limit is refused by
// the HTTP layer before any handler runs).
func requestID(c *fiber.Ctx) string {
	if id, ok := c.Locals(localRequestID).(string); ok {
		return id
	}
	id := uuid.NewString()
	c.Locals(localRequestID, id)
	return id
}

// routeOf is the route pattern that served the request ("unmatched" when
// none did), so logs and metrics never carry raw paths.
func (s *Server) routeOf(c *fiber.Ctx) string {
	r := c.Route()
	if r == nil || !s.routes[r.Method+" "+r.Path] {
		return "unmatched"
	}
	return r.Path
}

// observe wraps every request: it gives it an id (always made here, never
// taken from the client, which could use it to track a device), turns a
// panic into a 500, lets the error handler write any error, then logs one
// line and counts the request.
//
// The log line holds the request id, method, route pattern, status and
// duration only: never the client's address, user agent, query string or
// body.
func (s *Server) observe(c *fiber.Ctx) (err error) {
	start := time.Now()
	id := uuid.NewString()
	c.Locals(localRequestID, id)
	c.Set(fiber.HeaderXRequestID, id)

	func() {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("panic", "request_id", id, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		err = c.Next()
	}()
	if err != nil {
		if herr := s.handleError(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}

	status := c.Response().StatusCode()
	route := s.routeOf(c)
	// Fiber's strings point into buffers reused by the next request; the
	// metric labels outlive this one.
	method := strings.Clone(c.Method())
	elapsed := time.Since(start)
	s.metrics.requests.With(prometheus.Labels{"route": route, "method": method, "status": strconv.Itoa(status)}).Inc()
	s.metrics.latency.With(prometheus.Labels{"route": route, "method": method}).Observe(elapsed.Seconds())
	s.log.Info("request",
		"request_id", id,
		"method", method,
		"route", route,
		"status", status,
		"duration_ms", float64(elapsed.Microseconds())/1000,
	)
	return nil
}
