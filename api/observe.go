package api

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
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
	if r == nil || !s.routes[routeKey{r.Method, r.Path}] {
		return "unmatched"
	}
	return r.Path
}

// routeKey names a registered route.
type routeKey struct{ method, path string }

// methodLabel is the request method as a constant string: Fiber's own
// points into a buffer that the next request reuses, and metric labels
// outlive the request.
func methodLabel(m string) string {
	for _, known := range []string{fiber.MethodGet, fiber.MethodPost, fiber.MethodPut, fiber.MethodDelete, fiber.MethodHead, fiber.MethodPatch, fiber.MethodOptions} {
		if m == known {
			return known
		}
	}
	return "other"
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
	setSecurityHeaders(c)

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
	method := methodLabel(c.Method())
	elapsed := time.Since(start)
	s.metrics.observe(route, method, status, elapsed)
	s.log.LogAttrs(c.UserContext(), slog.LevelInfo, "request",
		slog.String("request_id", id),
		slog.String("method", method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
	)
	return nil
}

// securityHeaders go on every response. The API serves JSON, files and
// problem documents, never pages: nothing it sends may be sniffed into
// HTML or script, framed, or given a page to load from, and no link in an
// export may leak where it came from. (Fiber's helmet middleware sets these
// too, but only on requests that reach the middleware chain; a body over
// the limit is refused before it, so handleError sets them as well, and one
// function serves both.)
var securityHeaders = [...][2]string{
	{fiber.HeaderXContentTypeOptions, "nosniff"},
	{fiber.HeaderContentSecurityPolicy, "default-src 'none'; frame-ancestors 'none'"},
	{fiber.HeaderXFrameOptions, "DENY"},
	{fiber.HeaderReferrerPolicy, "no-referrer"},
}

func setSecurityHeaders(c *fiber.Ctx) {
	for _, h := range securityHeaders {
		c.Set(h[0], h[1])
	}
}
