// Package api is YouthVoice's HTTP interface: the route table, the
// handlers, problem details and the OpenAPI document.
package api

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
)

// Options configure a Server.
type Options struct {
	Store   *store.Store
	Catalog *i18n.Catalog
	Metrics *Metrics
	Logger  *slog.Logger
	// BodyLimit is the largest request body accepted, in bytes.
	BodyLimit int
	// Now is the clock; tests inject one.
	Now func() time.Time
}

// Server is the HTTP server.
type Server struct {
	app     *fiber.App
	store   *store.Store
	catalog *i18n.Catalog
	metrics *Metrics
	log     *slog.Logger
	now     func() time.Time
	routes  map[string]bool // "METHOD /pattern" of every registered route
}

// New builds the server and its routes.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BodyLimit <= 0 {
		opts.BodyLimit = 1 << 20
	}
	s := &Server{
		store:   opts.Store,
		catalog: opts.Catalog,
		metrics: opts.Metrics,
		log:     opts.Logger,
		now:     opts.Now,
		routes:  map[string]bool{},
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "youthvoice",
		ErrorHandler:          s.handleError,
		BodyLimit:             opts.BodyLimit,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          5 * time.Minute, // exports stream for a while
		IdleTimeout:           2 * time.Minute,
	})
	s.app.Use(s.observe)
	s.app.Use(compress.New(compress.Config{Level: compress.LevelDefault}))
	s.registerRoutes()
	for _, r := range s.app.GetRoutes(true) {
		s.routes[r.Method+" "+r.Path] = true
	}
	return s
}

// registerRoutes is the whole route table.
func (s *Server) registerRoutes() {
	a := s.app
	a.Get("/healthz", s.healthz)
	a.Get("/readyz", s.readyz)
}

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops accepting connections and waits for requests in flight,
// at most until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

// lang is the language the server answers this request in: `?lang=`
// first, then Accept-Language, else English.
func (s *Server) lang(c *fiber.Ctx) string {
	if l, ok := c.Locals("lang").(string); ok {
		return l
	}
	l := s.catalog.Negotiate(c.Query("lang"), c.Get(fiber.HeaderAcceptLanguage))
	c.Locals("lang", l)
	return l
}

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("store not ready", "request_id", requestID(c), "error", err.Error())
		p := newProblem(fiber.StatusServiceUnavailable, "unavailable")
		p.retryAfter = 1
		return p
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
