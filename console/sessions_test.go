package console_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/store"
)

func sessionCookie(t *testing.T, p page) *http.Cookie {
	t.Helper()
	for _, c := range p.resp.Cookies() {
		if c.Name == "yv_session" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", p.header["Set-Cookie"])
	return nil
}

// Signing in keeps a session on the server: the cookie is HttpOnly,
// SameSite=Strict, for /console/ only, not Secure over plain http; the
// database holds only the secret's hash; the token appears nowhere in
// what the browser gets.
func TestSignInOpensAServerSideSession(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	b := newBrowser(t, e)
	b.mustSignInAgain("/console/")
	p := b.signIn(owner)
	ck := sessionCookie(t, p)
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/console/" || ck.Secure {
		t.Errorf("cookie %+v", ck)
	}
	if ck.MaxAge != int(app.SessionLifetime.Seconds()) {
		t.Errorf("cookie max-age %d", ck.MaxAge)
	}
	docs, err := e.Store.RawDocuments(context.Background(), "console_sessions")
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0]["_id"] == ck.Value || docs[0]["_id"] != store.SessionID(ck.Value) {
		t.Fatalf("stored sessions %v", docs)
	}
	for _, v := range docs[0] {
		if s, ok := v.(string); ok && strings.Contains(s, owner) {
			t.Fatal("the token is stored in the session")
		}
	}
	home := b.get("/console/")
	if home.status != 200 || !strings.Contains(home.body, "Kommunen") {
		t.Fatalf("home: %d %s", home.status, home.body)
	}
	if strings.Contains(home.body, owner) || strings.Contains(strings.Join(home.header.Values("Set-Cookie"), ";"), owner) {
		t.Fatal("the token is in the page")
	}
	// Signed in, the sign-in page sends the person home.
	if p := b.get("/console/signin"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/" {
		t.Fatalf("sign-in page when signed in: %d", p.status)
	}
}

// A wrong or revoked token is refused with the form again, its error
// linked to the field.
func TestSignInRefusesAWrongToken(t *testing.T) {
	e := apitest.New(t)
	e.Org("Kommunen")
	b := newBrowser(t, e)
	b.get("/console/signin")
	p := b.post("/console/signin", url.Values{"csrf": {b.csrf}, "token": {"not-a-token"}})
	if p.status != http.StatusUnauthorized || !strings.Contains(p.body, `aria-describedby="token-error"`) ||
		!strings.Contains(p.body, "not accepted") {
		t.Fatalf("%d %s", p.status, p.body)
	}
	if strings.Contains(p.body, "not-a-token") {
		t.Fatal("the typed token is echoed in the page")
	}
	for _, c := range p.resp.Cookies() {
		if c.Name == "yv_session" {
			t.Fatal("a session cookie for a wrong token")
		}
	}
}

// Behind a trusted proxy that says the browser used https, the cookies
// are Secure; the same header from anyone else is not believed.
func TestSecureCookieBehindATrustedProxy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		secure  bool
	}{
		{"trusted", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, true},
		{"not trusted", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := apitest.New(t, apitest.Options{Configure: func(o *api.Options) {
				o.TrustedProxies = tc.trusted
				o.ClientHeader = "X-Forwarded-For"
			}})
			_, owner := e.Org("Kommunen")
			b := newBrowser(t, e)
			b.get("/console/signin", "X-Forwarded-Proto", "https")
			p := b.post("/console/signin", url.Values{"csrf": {b.csrf}, "token": {owner}}, "X-Forwarded-Proto", "https")
			if p.status != http.StatusSeeOther {
				t.Fatalf("%d %s", p.status, p.body)
			}
			if ck := sessionCookie(t, p); ck.Secure != tc.secure {
				t.Fatalf("Secure %t, want %t", ck.Secure, tc.secure)
			}
		})
	}
}

// A session ends after 30 minutes without a request, and after 12 hours
// whatever the activity (the injected clock); an ended session is deleted.
func TestSessionsExpire(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	sessions := func() int {
		docs, err := e.Store.RawDocuments(context.Background(), "console_sessions")
		if err != nil {
			t.Fatal(err)
		}
		return len(docs)
	}

	idle := newBrowser(t, e)
	idle.signIn(owner)
	e.Clock.Advance(app.SessionIdle - time.Minute)
	if p := idle.get("/console/"); p.status != 200 {
		t.Fatalf("after %v idle: %d", app.SessionIdle-time.Minute, p.status)
	}
	e.Clock.Advance(app.SessionIdle + time.Second)
	idle.mustSignInAgain("/console/")
	if n := sessions(); n != 0 {
		t.Fatalf("%d sessions left after the idle end", n)
	}

	busy := newBrowser(t, e)
	busy.signIn(owner)
	for elapsed := time.Duration(0); elapsed < app.SessionLifetime-20*time.Minute; elapsed += 20 * time.Minute {
		e.Clock.Advance(20 * time.Minute)
		if p := busy.get("/console/"); p.status != 200 {
			t.Fatalf("active session ended after %v: %d", elapsed, p.status)
		}
	}
	e.Clock.Advance(20 * time.Minute)
	busy.mustSignInAgain("/console/")
}

// The sweep deletes sessions nobody came back to (FerretDB has no TTL).
func TestSweepDeletesEndedSessions(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	newBrowser(t, e).signIn(owner)
	e.Clock.Advance(10 * time.Minute)
	newBrowser(t, e).signIn(owner)
	ctx := context.Background()
	e.Clock.Advance(app.SessionIdle - 5*time.Minute) // the first has ended, the second not
	n, err := e.Server.App().SweepSessions(ctx)
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v", n, err)
	}
	docs, _ := e.Store.RawDocuments(ctx, "console_sessions")
	if len(docs) != 1 {
		t.Fatalf("%d sessions left", len(docs))
	}
}

// Signing out deletes the session: a copy of the cookie no longer works.
func TestSignOutEndsTheSession(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	b := newBrowser(t, e)
	ck := sessionCookie(t, b.signIn(owner))
	b.get("/console/")
	p := b.post("/console/signout", url.Values{"csrf": {b.csrf}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/signin?signed_out=1" {
		t.Fatalf("sign out: %d %q", p.status, p.header.Get("Location"))
	}
	if c := sessionCookie(t, p); c.Value != "" || !c.Expires.Before(time.Now()) {
		t.Fatalf("sign-out cookie %+v", c)
	}
	other := newBrowser(t, e)
	u, _ := url.Parse(e.URL + "/console/")
	other.c.Jar.SetCookies(u, []*http.Cookie{{Name: "yv_session", Value: ck.Value, Path: "/console/"}})
	other.mustSignInAgain("/console/")
}

// Revoking the token a session was opened with ends the session at its
// next request.
func TestRevokedTokenEndsItsSessions(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	id, editor := token(t, e, owner, "editor")
	b := newBrowser(t, e)
	b.signIn(editor)
	if p := b.get("/console/"); p.status != 200 {
		t.Fatal(p.status)
	}
	if r := e.Do("DELETE", "/v1/org/tokens/"+id, nil, bearer(owner)...); r.Status/100 != 2 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	b.mustSignInAgain("/console/")
}

// Every form needs the session's token and a request from the console's
// own site: SameSite=Strict alone is not relied on.
func TestFormsRefuseForgery(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	b := newBrowser(t, e)
	b.signIn(owner)
	b.get("/console/")
	good := b.csrf
	for _, tc := range []struct {
		name    string
		form    url.Values
		headers []string
	}{
		{"no token", url.Values{}, nil},
		{"wrong token", url.Values{"csrf": {"x" + good}}, nil},
		{"foreign origin", url.Values{"csrf": {good}}, []string{"Origin", "https://evil.example", "Sec-Fetch-Site", ""}},
		{"cross-site fetch", url.Values{"csrf": {good}}, []string{"Sec-Fetch-Site", "cross-site"}},
		{"same-site fetch", url.Values{"csrf": {good}}, []string{"Sec-Fetch-Site", "same-site"}},
		{"null origin", url.Values{"csrf": {good}}, []string{"Origin", "null", "Sec-Fetch-Site", ""}},
	} {
		p := b.post("/console/signout", tc.form, tc.headers...)
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "Request refused") {
			t.Errorf("%s: %d", tc.name, p.status)
		}
	}
	if p := b.get("/console/"); p.status != 200 {
		t.Fatalf("a refused sign-out ended the session: %d", p.status)
	}
	// Signing in needs the sign-in form's own token (its cookie).
	fresh := newBrowser(t, e)
	if p := fresh.post("/console/signin", url.Values{"csrf": {good}, "token": {owner}}); p.status != http.StatusForbidden {
		t.Errorf("sign-in without the form's cookie: %d", p.status)
	}
	fresh.get("/console/signin")
	if p := fresh.post("/console/signin", url.Values{"csrf": {fresh.csrf}, "token": {owner}}, "Origin", "https://evil.example", "Sec-Fetch-Site", ""); p.status != http.StatusForbidden {
		t.Errorf("sign-in from another site: %d", p.status)
	}
	// Without Origin and Sec-Fetch-Site (not a browser), the token still decides.
	if p := b.post("/console/signout", url.Values{"csrf": {good}}, "Origin", "", "Sec-Fetch-Site", ""); p.status != http.StatusSeeOther {
		t.Errorf("sign-out with the token and no browser headers: %d", p.status)
	}
}

// Every console answer carries the strict headers; pages are not cached.
func TestSecurityHeaders(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	id := colourSurvey(t, e, owner)
	b := newBrowser(t, e)
	check := func(path string, p page, cache bool) {
		t.Helper()
		want := map[string]string{
			"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
			"X-Frame-Options":         "DENY",
		}
		if !cache {
			want["Cache-Control"] = "no-store"
		}
		for k, v := range want {
			if got := p.header.Get(k); got != v {
				t.Errorf("%s: %s %q, want %q", path, k, got, v)
			}
		}
	}
	for _, path := range []string{"/console/signin"} {
		check(path, b.get(path), false)
	}
	b.signIn(owner)
	for _, path := range []string{"/console/", "/console/surveys/" + id, "/console/surveys/nope", "/console/nope",
		"/console/surveys/" + id + "/export?format=csv&lang=en"} {
		check(path, b.get(path), false)
	}
	css := b.get("/console/static/console.css")
	check("css", css, true)
	if css.status != 200 || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Fatalf("css: %d %s", css.status, css.header.Get("Content-Type"))
	}
	home := b.get("/console/")
	if strings.Contains(home.body, "<script") || strings.Contains(home.body, "style=") {
		t.Fatal("inline script or style in a page")
	}
}
