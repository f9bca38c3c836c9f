// Package api is YouthVoice's HTTP interface: the route table, the
// handlers, problem details and the OpenAPI document.
package api

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/console"
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
	// HashKey is the secret for keyed hashes of submission ids and access
	// codes (store.SecretKey).
	HashKey []byte
	// SubmitRateLimit is how many submissions one client may send a minute
	// (0: no limit; the command's default is DefaultSubmitRate).
	SubmitRateLimit int
	// ClientHeader names the header in which a proxy passes the client's
	// address, believed only from TrustedProxies (both empty: the rate
	// limit counts by the TCP peer).
	ClientHeader   string
	TrustedProxies []netip.Prefix
	// CommitBatch and CommitWait tune group commit of responses.
	CommitBatch int
	CommitWait  time.Duration
	// SharedDatabase says that other servers write to the same database,
	// so that what this one caches may be out of date: always so on
	// MongoDB; on the embedded store, which one process opens, only in
	// tests that run several servers on one store.
	SharedDatabase bool
}

// DefaultSubmitRate is the default of SubmitRateLimit: submissions a
// minute from one address. A school class answers together behind one
// NAT address: 35 pupils submitting once, each with up to two retries on a
// poor network, is 105, and the window is fixed, so the whole budget is
// available at once. 120 lets such a class (or two classes of 35 sending
// once or twice each) finish in the same minute, while a single address
// still cannot flood the committer.
const DefaultSubmitRate = 120

// Server is the HTTP server.
type Server struct {
	app     *fiber.App
	store   *store.Store
	catalog *i18n.Catalog
	metrics *Metrics
	log     *slog.Logger
	now     func() time.Time
	routes  map[routeKey]bool // every registered route
	cache   *surveyCache
	ready   readiness // the last readiness check (health.go)

	hashKey    []byte
	workflows  *app.App // submitting, closing, releases; the summarizer and committer
	protected  protectedCache
	faults     func(step string) error // a test's hook at each row of a response export (hooks_export_test.go)
	submitRate int
	bodyLimit  int
	// clientHeader and trustedProxies: see Options.
	clientHeader   string
	trustedProxies []netip.Prefix
	// sharedDatabase: see Options.SharedDatabase.
	sharedDatabase bool

	// consultations: the app's consultations, read and rendered once
	// (consultations.go).
	consultations *consultationCache
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
		routes:  map[routeKey]bool{},
		cache:   newSurveyCache(),

		consultations: newConsultationCache(),

		hashKey:        opts.HashKey,
		submitRate:     opts.SubmitRateLimit,
		bodyLimit:      opts.BodyLimit,
		clientHeader:   opts.ClientHeader,
		trustedProxies: opts.TrustedProxies,
		sharedDatabase: opts.SharedDatabase || !opts.Store.Embedded(),
	}
	s.workflows = app.New(app.Options{Store: opts.Store, Now: opts.Now, HashKey: opts.HashKey, Logger: opts.Logger,
		CommitBatch: opts.CommitBatch, CommitWait: opts.CommitWait,
		Metrics: opts.Metrics.Workflows()})
	s.app = fiber.New(fiber.Config{
		AppName:               "youthvoice",
		ErrorHandler:          s.handleError,
		BodyLimit:             max(opts.BodyLimit, uploadBodyLimit), // decodeBody holds other routes to opts.BodyLimit
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          5 * time.Minute, // exports stream for a while
		IdleTimeout:           2 * time.Minute,
		// One spelling per route: /METRICS and /v1/surveys/ are 404s, not
		// aliases that slip past rules written for the real path.
		CaseSensitive: true,
		StrictRouting: true,
		// fasthttp would otherwise parse every multipart/form-data body
		// while reading it, on any route, before a handler or decodeBody
		// runs: a broken form an untranslated 400, and files over 16 MiB in
		// temporary files, which it could leave behind. Forms are read by
		// their handlers (the import's workbookFile), from the body in
		// memory, within the body limit.
		DisablePreParseMultipartForm: true,
	})
	s.app.Use(s.observe)
	s.app.Use(s.decodeBody)
	s.app.Use(compress.New(compress.Config{
		Level: compress.LevelDefault,
		// The app's survey definitions and list pages are compressed once,
		// when rendered; response exports compress their own stream (the
		// middleware would end a failed stream like a complete one).
		Next: func(c *fiber.Ctx) bool {
			p := c.Path()
			if strings.HasSuffix(p, "/export") && c.Query("kind") == "responses" {
				return true
			}
			if strings.HasSuffix(p, "/xlsform") { // zipped already, and streamed like the response export
				return true
			}
			if c.Method() == fiber.MethodGet && (p == "/v1/consultations" || strings.HasPrefix(p, "/v1/consultations/")) {
				return true // compressed once when rendered, each coding with its ETag
			}
			return c.Method() == fiber.MethodGet && (p == "/v1/surveys" || strings.HasPrefix(p, "/v1/surveys/") && strings.Count(p, "/") == 3)
		},
	}))
	s.registerRoutes()
	for _, r := range s.app.GetRoutes(true) {
		s.routes[routeKey{r.Method, r.Path}] = true
	}
	return s
}

// registerRoutes is the whole route table.
func (s *Server) registerRoutes() {
	a := s.app
	a.Get("/healthz", s.healthz)
	a.Get("/readyz", s.readyz)
	a.Get("/openapi.json", s.openAPI)

	// The app: no authentication.
	a.Get("/v1/surveys", s.appSurveys)
	a.Get("/v1/surveys/:id", s.appSurvey)
	a.Post("/v1/surveys/:id/responses", s.submissionLimiter(s.submitRate), s.submitResponse)
	a.Get("/v1/surveys/:id/results", s.publicResults)
	a.Get("/v1/consultations", s.appConsultations)
	a.Get("/v1/consultations/updates", s.consultationUpdates) // before :id
	a.Get("/v1/consultations/:id", s.appConsultationHandler)

	// Organisers: a bearer token; every handler checks the role, and every
	// survey is looked up within the caller's organisation.
	org := a.Group("/v1/org", s.authenticate)
	org.Get("", s.getOrg)
	org.Patch("", s.patchOrg)
	org.Post("/surveys", s.createSurvey)
	org.Post("/surveys/import", s.importSurvey)
	org.Get("/surveys", s.listSurveys)
	org.Get("/surveys/:id", s.getSurvey)
	org.Put("/surveys/:id", s.updateSurvey)
	org.Delete("/surveys/:id", s.deleteSurvey)
	org.Post("/surveys/:id/publish", s.lifecycle(app.Publish))
	org.Post("/surveys/:id/close", s.lifecycle(app.Close))
	org.Post("/surveys/:id/archive", s.lifecycle(app.Archive))
	org.Get("/surveys/:id/xlsform", s.exportXLSForm)
	org.Get("/surveys/:id/translations", s.translations)
	org.Get("/surveys/:id/translations/:lang", s.translationFile)
	org.Put("/surveys/:id/translations/:lang", s.putTranslationFile)
	org.Get("/surveys/:id/revisions/:n", s.getRevision)
	org.Post("/surveys/:id/access-codes", s.createAccessCodes)
	org.Get("/surveys/:id/weighting", s.getWeighting)
	org.Put("/surveys/:id/weighting", s.putWeighting)
	org.Delete("/surveys/:id/weighting", s.deleteWeighting)
	org.Get("/surveys/:id/summary", s.orgSummary)
	org.Get("/surveys/:id/export", s.exportSurvey)
	org.Get("/surveys/:id/compare", s.compareSurveys)
	org.Post("/surveys/:id/shares", s.addShare)
	org.Get("/surveys/:id/shares", s.listShares)
	org.Delete("/surveys/:id/shares/:orgID", s.removeShare)
	org.Get("/shared", s.sharedWithMe)
	org.Post("/consultations", s.createConsultation)
	org.Get("/consultations", s.listConsultations)
	org.Get("/consultations/measures", s.loopMeasures) // before :id (outcomes.go)
	org.Get("/consultations/:id", s.getConsultation)
	org.Put("/consultations/:id", s.updateConsultation)
	org.Post("/consultations/:id/publish", s.moveConsultation("publish"))
	org.Post("/consultations/:id/analyse", s.moveConsultation("analyse"))
	org.Post("/consultations/:id/decide", s.moveConsultation("decide"))
	org.Post("/consultations/:id/close", s.moveConsultation("close"))
	org.Post("/consultations/:id/outcome", s.publishOutcome)
	org.Get("/consultations/:id/outcome", s.getOutcome)
	org.Post("/consultations/:id/outcome/updates", s.updateOutcome)
	org.Get("/consultations/:id/report", s.consultationReport)
	org.Get("/audit", s.auditLog)
	org.Get("/support-resources", s.getSupportResources)
	org.Put("/support-resources", s.putSupportResources)
	org.Post("/tokens", s.createToken)
	org.Get("/tokens", s.listTokens)
	org.Delete("/tokens/:tokenID", s.revokeToken)

	// The console: pages for organisers and ministries at /console/, on
	// the same rules (console/console.go has its route table).
	console.Mount(a, console.Deps{App: s.workflows, Catalog: s.catalog, Logger: s.log, Now: s.now, TrustedProxies: s.trustedProxies,
		Forget: s.cache.forget})
	// Server-wide metrics are served only on the admin address
	// (--admin-addr), never here: they describe every organisation.
}

// sendJSON writes v as JSON, naming the language the server speaks in.
func (s *Server) sendJSON(c *fiber.Ctx, status int, v any) error {
	c.Set(fiber.HeaderContentLanguage, s.lang(c))
	return c.Status(status).JSON(v)
}

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops accepting connections, waits for requests in flight (at
// most until ctx ends), then writes the responses still queued for group
// commit and applies them to the summaries.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.app.ShutdownWithContext(ctx)
	s.workflows.Shutdown(ctx)
	return err
}

// App is the server's application layer: the workflows that the command
// line runs inside the server (control socket) call it too.
func (s *Server) App() *app.App { return s.workflows }

// RecoverAtStart applies what a crash left in the tally queue; serve
// calls it before it starts listening.
func (s *Server) RecoverAtStart(ctx context.Context) { s.workflows.RecoverAtStart(ctx) }

// RunSummarizer keeps summaries up to date until ctx ends.
func (s *Server) RunSummarizer(ctx context.Context) { s.workflows.RunSummarizer(ctx) }

// FlushSummaries applies every batch committed so far (tests, shutdown).
func (s *Server) FlushSummaries(ctx context.Context) { s.workflows.Flush(ctx) }

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

// RunCloser closes open surveys at their closes_at until ctx ends
// (app.RunCloser), forgetting the cached copies of those it closed.
func (s *Server) RunCloser(ctx context.Context) { s.workflows.RunCloser(ctx, s.cache.forget) }

// CloseOverdue closes every open survey whose window has ended.
func (s *Server) CloseOverdue(ctx context.Context) {
	for _, id := range s.workflows.CloseOverdue(ctx) {
		s.cache.forget(id)
	}
}
