package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/internal/testhooks"
)

// Test hooks, for api's own tests (package api_test) only: no option or
// exported field of the server carries one. The tests call these from
// apitest.Options.Prepare, once the server is built and before it serves,
// so that nothing reads a hook while it is set. The hooks of the App and
// its summarizer are unexported fields of app and store, reached through
// internal/testhooks (which says why).

// SetFaults makes a submission call hook between its steps
// ("validated", "code_burned", "stored"), and a response export
// before each row ("exporting"); an error stops there, as a crash would.
func SetFaults(s *Server, hook func(step string) error) {
	s.faults = hook
	testhooks.SetSubmitFaults(s.workflows, hook)
}

// SetSummaryFaults makes the server's summarizer call hook between the
// steps of applying a batch ("tallying", "paged", "applied", "dequeued");
// an error stops there, as a crash would.
func SetSummaryFaults(s *Server, hook func(step string) error) {
	testhooks.SetSummaryFaults(testhooks.Summarizer(s.workflows), hook)
}

// RecoverSummaries applies every queued batch older than lease (0: every
// queued batch, right only when no other process writes), as the next
// start after a crash would.
func RecoverSummaries(ctx context.Context, s *Server, lease time.Duration) {
	testhooks.RecoverSummaries(ctx, testhooks.Summarizer(s.workflows), lease)
}

// AddRoutes registers extra routes after the API's own (a handler that
// panics), known to logs and metrics by their patterns as New's are.
func AddRoutes(s *Server, add func(fiber.Router)) {
	add(s.app)
	for _, r := range s.app.GetRoutes(true) {
		s.routes[routeKey{r.Method, r.Path}] = true
	}
}
