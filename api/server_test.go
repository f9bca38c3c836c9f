package api_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/api/apitest"
)

func problemOf(t *testing.T, r *apitest.Response) api.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json; body %s", ct, r.Body)
	}
	var p api.Problem
	r.JSON(t, &p)
	if p.Type == "" || p.Title == "" || p.Detail == "" || p.Status != r.Status || !strings.HasPrefix(p.Instance, "urn:uuid:") {
		t.Fatalf("incomplete problem: %+v", p)
	}
	return p
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		if r := e.Do("GET", path, nil); r.Status != 200 {
			t.Errorf("%s: %d %s", path, r.Status, r.Body)
		}
	}
}

func TestReadinessFailsWhenStoreIsGone(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	if err := e.Store.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	r := e.Do("GET", "/readyz", nil)
	if r.Status != 503 {
		t.Fatalf("status %d, want 503", r.Status)
	}
	problemOf(t, r)
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

// Every kind of framework error is a translated problem+json document.
func TestErrorsAreTranslatedProblems(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.Options{
		Prepare: func(s *api.Server) {
			api.AddRoutes(s, func(r fiber.Router) {
				r.Get("/test/panic", func(*fiber.Ctx) error { panic("secret internal detail") })
			})
		},
		// A small limit, so that the refused body fits in the socket buffers
		// and the client reads the 413 instead of a reset.
		Configure: func(o *api.Options) { o.BodyLimit = 16 << 10 },
	})
	_, owner := e.Org("o")
	big := strings.Repeat("x", 32<<10)
	cases := []struct {
		name, method, path string
		body               any
		headers            []string
		status             int
		kind               string
	}{
		{"unknown route", "GET", "/v1/nope", nil, nil, 404, "not_found"},
		{"wrong method", "DELETE", "/healthz", nil, nil, 405, "method_not_allowed"},
		{"body too large", "POST", "/v1/org/surveys", big, []string{"Content-Type", "application/json", "Authorization", "Bearer " + owner}, 413, "body_too_large"},
		{"malformed json", "POST", "/v1/org/surveys", `{"title":`, []string{"Content-Type", "application/json", "Authorization", "Bearer " + owner}, 400, "malformed_json"},
		{"wrong content type", "POST", "/v1/org/surveys", `title=x`, []string{"Content-Type", "application/x-www-form-urlencoded", "Authorization", "Bearer " + owner}, 415, "unsupported_media_type"},
		{"no token", "GET", "/v1/org/surveys", nil, nil, 401, "unauthorized"},
		{"panic", "GET", "/test/panic", nil, nil, 500, "internal"},
	}
	langs := []struct{ accept, want string }{{"sv", "sv"}, {"ar", "ar"}, {"xx", "en"}, {"sv-FI, en;q=0.5", "sv"}, {"", "en"}}
	for _, c := range cases {
		for _, l := range langs {
			h := append([]string{"Accept-Language", l.accept}, c.headers...)
			r := e.Do(c.method, c.path, c.body, h...)
			if r.Status != c.status {
				t.Fatalf("%s (%s): status %d, want %d: %s", c.name, l.accept, r.Status, c.status, r.Body)
			}
			p := problemOf(t, r)
			if p.Type != "urn:youthvoice:problem:"+c.kind {
				t.Errorf("%s: type %q", c.name, p.Type)
			}
			if got := r.Header.Get("Content-Language"); got != l.want {
				t.Errorf("%s (%q): Content-Language %q, want %q", c.name, l.accept, got, l.want)
			}
			if want := e.Catalog.Message(l.want, "problem."+c.kind+".title", nil); p.Title != want {
				t.Errorf("%s (%s): title %q, want %q", c.name, l.accept, p.Title, want)
			}
			if strings.Contains(string(r.Body), "secret internal detail") {
				t.Errorf("%s: internal text reached the client", c.name)
			}
		}
	}
	// ?lang= wins over Accept-Language.
	r := e.Do("GET", "/v1/nope?lang=ar", nil, "Accept-Language", "sv")
	if r.Header.Get("Content-Language") != "ar" {
		t.Errorf("?lang=ar gave %q", r.Header.Get("Content-Language"))
	}
	// The panic is logged with the request id the client saw.
	r = e.Do("GET", "/test/panic", nil)
	id := strings.TrimPrefix(problemOf(t, r).Instance, "urn:uuid:")
	if !strings.Contains(e.Logs.String(), `"request_id":"`+id+`","panic"`) {
		t.Errorf("panic not logged with request id %s:\n%s", id, e.Logs.String())
	}
}

// The request log has the request id, method, route pattern, status and
// duration, and nothing that identifies the client.
func TestRequestLogCarriesNoClientDetails(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	e.Do("GET", "/v1/surveys/some-id?lang=sv&age=14&secret=querytext", nil,
		"User-Agent", "TestPhone/1.0 (device 1234)", "X-Forwarded-For", "203.0.113.9", "X-Request-ID", "client-chosen-id")
	logs := e.Logs.String()
	for _, bad := range []string{"TestPhone", "203.0.113.9", "127.0.0.1", "querytext", "client-chosen-id", "some-id"} {
		if strings.Contains(logs, bad) {
			t.Errorf("log contains %q:\n%s", bad, logs)
		}
	}
	for _, want := range []string{`"route":"/v1/surveys/:id"`, `"method":"GET"`, `"status":404`, `"duration_ms"`, `"request_id"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

// Server-wide metrics are not on the public address, not even for an
// owner (they describe every organisation); the command serves
// Metrics.Handler on --admin-addr only (TestMetricsOnlyOnTheAdminAddress in
// cmd/youthvoice).
func TestMetricsAreNotPublic(t *testing.T) {
	t.Parallel()
	metrics := api.NewMetrics("test")
	e := apitest.New(t, apitest.Options{Configure: func(o *api.Options) { o.Metrics = metrics }})
	_, owner := e.Org("o")
	for _, path := range []string{"/metrics", "/METRICS", "/metrics/"} {
		if r := e.Do("GET", path, nil, bearer(owner)...); r.Status != 404 || strings.Contains(string(r.Body), "youthvoice_") {
			t.Errorf("%s with an owner token: %d %.200s", path, r.Status, r.Body)
		}
	}
	e.Do("GET", "/healthz", nil)
	// Requests of several methods on one route (labels must not share
	// Fiber's reused buffers).
	e.Do("PUT", "/v1/org/support-resources", map[string]any{"support_resources": []any{}}, bearer(owner)...)
	e.Do("GET", "/v1/org/support-resources", nil, bearer(owner)...)
	e.Do("DELETE", "/v1/org/support-resources", nil, bearer(owner)...)
	rec := httptest.NewRecorder()
	metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`youthvoice_http_requests_total{method="GET",route="/healthz",status="200"}`,
		`youthvoice_http_requests_total{method="PUT",route="/v1/org/support-resources",status="200"}`,
		`youthvoice_http_requests_total{method="GET",route="unmatched",status="404"}`,
		"youthvoice_http_request_duration_seconds_bucket", "youthvoice_build_info"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
