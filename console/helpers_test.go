package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/store"
)

// TestMain fails the run if a query the store issued in these tests is
// served by no index it declares (store/querycheck.go).
// TestMain skips the console's tests under the race detector: each makes
// its requests in turn and reads the pages back, so the detector sees
// only the server's own workers, which the api package's concurrency
// tests run under it; they run in .ci/run's plain stage (internal/racetest).
func TestMain(m *testing.M) {
	if racetest.SkipPackage("console") {
		os.Exit(0)
	}
	os.Exit(store.RunCheckingQueries(m))
}

// browser is a person's browser: a cookie jar, no automatic redirects (the
// tests look at each answer), and the console's forms read from pages.
type browser struct {
	t    *testing.T
	e    *apitest.Env
	c    *http.Client
	csrf string // the last page's form token
}

func newBrowser(t *testing.T, e *apitest.Env) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type page struct {
	status int
	header http.Header
	body   string
	resp   *http.Response
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if m := csrfField.FindStringSubmatch(string(body)); m != nil {
		b.csrf = m[1]
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(body), resp: resp}
}

// get loads a page; headers are name, value pairs.
func (b *browser) get(path string, headers ...string) page {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.e.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// post sends a form as a browser on the console's own page does
// (Sec-Fetch-Site and Origin of the server), unless headers say otherwise.
func (b *browser) post(path string, form url.Values, headers ...string) page {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.e.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	return b.do(req)
}

// signIn signs in with a token through the form; it fails the test
// unless the console then sends the person home.
func (b *browser) signIn(token string) page {
	b.t.Helper()
	if p := b.get("/console/signin"); p.status != 200 {
		b.t.Fatalf("sign-in page: %d %s", p.status, p.body)
	}
	p := b.post("/console/signin", url.Values{"csrf": {b.csrf}, "token": {token}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/" {
		b.t.Fatalf("sign in: %d %q %s", p.status, p.header.Get("Location"), p.body)
	}
	return p
}

// mustSignInAgain checks that a page sends the person to the sign-in page.
func (b *browser) mustSignInAgain(path string) {
	b.t.Helper()
	p := b.get(path)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/signin" {
		b.t.Fatalf("GET %s: %d %q, want the way to sign in", path, p.status, p.header.Get("Location"))
	}
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

func opt(code string) map[string]any {
	return map[string]any{"code": code, "label": map[string]string{"en": code, "ar": code + " ع"}}
}

// colourSurvey is a published survey in English and Arabic with a
// breakdown by age, and 40 responses: 37 "red" and 3 "blue" (a count under
// k, so it is suppressed in the release).
func colourSurvey(t *testing.T, e *apitest.Env, owner string) string {
	t.Helper()
	def := map[string]any{
		"default_language": "en", "languages": []string{"en", "ar"},
		"title":     map[string]string{"en": "Colours", "ar": "الألوان"},
		"thank_you": map[string]string{"en": "Thanks", "ar": "شكرًا"},
		"sections": []any{map[string]any{"id": "s", "questions": []any{
			map[string]any{"id": "age", "type": "single_choice", "text": map[string]string{"en": "Age", "ar": "العمر"}, "breakdown": true,
				"options": []any{opt("13"), opt("14")}},
			map[string]any{"id": "colour", "type": "single_choice", "text": map[string]string{"en": "Colour", "ar": "اللون"},
				"options": []any{opt("red"), opt("blue")}},
		}}},
	}
	r := e.Do("POST", "/v1/org/surveys", def, bearer(owner)...)
	if r.Status != 201 {
		t.Fatalf("create survey: %d %s", r.Status, r.Body)
	}
	id := r.Map(t)["id"].(string)
	if r := e.Do("POST", "/v1/org/surveys/"+id+"/publish", nil, bearer(owner)...); r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	for n := range 40 {
		colour, age := "red", "13"
		if n < 3 {
			colour = "blue"
		}
		if n%2 == 1 {
			age = "14"
		}
		sub := map[string]any{"submission_id": fmt.Sprintf("%08x-0000-4000-8000-000000000000", n+1), "revision": 1,
			"answers": map[string]any{"colour": colour, "age": age}}
		if r := e.Do("POST", "/v1/surveys/"+id+"/responses", sub); r.Status != 201 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	}
	e.Server.FlushSummaries(context.Background())
	return id
}

// token makes another token of the owner's organisation.
func token(t *testing.T, e *apitest.Env, owner, role string) (id, secret string) {
	t.Helper()
	r := e.Do("POST", "/v1/org/tokens", map[string]string{"role": role, "name": role}, bearer(owner)...)
	if r.Status != 201 {
		t.Fatalf("token: %d %s", r.Status, r.Body)
	}
	m := r.Map(t)
	return m["id"].(string), m["token"].(string)
}
