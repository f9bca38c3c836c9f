//go:build browser

// The console in a real browser: a headless Chromium driven by chromedp,
// with axe-core checking every page in English and Arabic. These tests
// take a while and need Chromium, so they run in CI's own browser stage
// (.ci/run: go test -tags browser ./console -run Browser); without the tag
// they are not built, so go test ./... stays fast.

package console_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/youthvoice/youthvoice/api/apitest"
)

// axePath is axe-core as clients/axe pins it (npm ci there).
const axePath = "../clients/axe/node_modules/axe-core/axe.min.js"

// chromium finds the browser: $CHROMIUM, or one of the usual names.
func chromium(t *testing.T) string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium found (chromium, chromium-browser, google-chrome, or $CHROMIUM): the browser tests need one; " +
		"Debian: apt-get install chromium (CI's browser stage installs it)")
	return ""
}

// session is a browser tab on the test server with a download directory.
type session struct {
	t         *testing.T
	e         *apitest.Env
	ctx       context.Context
	downloads string
	axe       string
}

func newSession(t *testing.T, e *apitest.Env) *session {
	t.Helper()
	exe := chromium(t)
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatalf("axe-core is not installed (%v): run npm ci in clients/axe", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	s := &session{t: t, e: e, ctx: ctx, downloads: t.TempDir(), axe: string(axe)}
	// The first calls start the browser and open the tab without a
	// deadline (the tab would close with it); the steps after them have one.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	on := true
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: s.downloads, EventsEnabled: &on}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	return s
}

// do runs steps, each call within a minute (a selector that never shows
// fails the test instead of waiting for the whole test's deadline).
func (s *session) do(steps ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(s.ctx, chromedp.Location())
		s.t.Fatalf("at %s: %v", loc, err)
	}
}

// text is the visible text of the page's main landmark.
func (s *session) text() string {
	s.t.Helper()
	txt, err := chromedp.Run(s.ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		s.t.Fatal(err)
	}
	return txt
}

// axeResult is the part of axe.run's result the test reads.
type axeResult struct {
	Passes     int `json:"passes"` // rules that passed: none means axe did not run
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []string `json:"target"`
		} `json:"nodes"`
	} `json:"violations"`
}

// checkAxe runs axe-core on the page (WCAG 2.2 A and AA rules and best
// practices) and fails on every serious or critical violation.
func (s *session) checkAxe(what string) {
	s.t.Helper()
	script := s.axe + `;axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}})` +
		`.then(r => ({passes: r.passes.length, violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({target: n.target.map(String)}))}))}))`
	ctx, cancel := context.WithTimeout(s.ctx, time.Minute)
	defer cancel()
	start := time.Now()
	res, err := chromedp.Run(ctx, chromedp.Evaluate[axeResult](script, chromedp.EvalAwaitPromise))
	if err != nil {
		s.t.Fatalf("%s: axe: %v", what, err)
	}
	if res.Passes < 10 {
		s.t.Fatalf("%s: axe passed only %d rules: it did not check the page", what, res.Passes)
	}
	s.t.Logf("%s: axe: %d rules passed, %d violated (%v)", what, res.Passes, len(res.Violations), time.Since(start).Round(time.Millisecond))
	for _, v := range res.Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			var targets []string
			for _, n := range v.Nodes {
				targets = append(targets, strings.Join(n.Target, " "))
			}
			s.t.Errorf("%s: axe %s (%s): %s at %v", what, v.ID, v.Impact, v.Help, targets)
		}
	}
}

// screenshot saves the whole page as docs/console/<name>.png when
// YOUTHVOICE_SCREENSHOTS=1 (how docs/console.md's pictures are made).
func (s *session) screenshot(name string) {
	s.t.Helper()
	if os.Getenv("YOUTHVOICE_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(s.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Fatal(err)
	}
	if err := os.MkdirAll("../docs/console", 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("../docs/console", name+".png"), png, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// download clicks a link and waits for the file; it returns its bytes.
func (s *session) download(selector string) []byte {
	s.t.Helper()
	before, _ := os.ReadDir(s.downloads)
	s.do(chromedp.Click(chromedp.CSS(selector)))
	known := map[string]bool{}
	for _, b := range before {
		known[b.Name()] = true
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(s.downloads)
		for _, en := range entries {
			if known[en.Name()] || strings.HasSuffix(en.Name(), ".crdownload") {
				continue
			}
			b, err := os.ReadFile(filepath.Join(s.downloads, en.Name()))
			if err == nil && len(b) > 4 {
				return b
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("no download from %s", selector)
	return nil
}

// An organiser signs in, sees the survey list, opens the results, finds a
// suppressed cell explained, downloads the XLSX and the PDF, reads the
// pages in Arabic, and signs out; a ministry signs in and sees the survey
// shared with it. axe-core finds no serious or critical violation on any
// page, in English and in Arabic.
func TestBrowserOrganiserAndMinistry(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	id := colourSurvey(t, e, owner)
	ministryID, ministry := e.Org("Ministry")
	if r := e.Do("POST", "/v1/org/surveys/"+id+"/shares", map[string]string{"org_id": ministryID}, bearer(owner)...); r.Status != 201 {
		t.Fatalf("share: %d %s", r.Status, r.Body)
	}
	s := newSession(t, e)

	s.do(chromedp.Navigate(e.URL+"/console/signin?lang=en"), chromedp.WaitVisible(chromedp.ID("token")))
	s.checkAxe("sign-in (en)")
	s.do(chromedp.SendKeys(chromedp.ID("token"), owner),
		chromedp.Click(chromedp.CSS(`form[method="post"][action="/console/signin"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/console/surveys/`+id+`"]`)))
	if txt := s.text(); !strings.Contains(txt, "Colours") || !strings.Contains(txt, "Open") {
		t.Fatalf("home: %q", txt)
	}
	s.checkAxe("home (en)")
	s.screenshot("home-en")

	// The survey's link leads to its page, which links to its results.
	s.do(chromedp.Click(chromedp.CSS(`a[href^="/console/surveys/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main a[href="/console/surveys/`+id+`"]`)),
		chromedp.Click(chromedp.CSS(`main a[href="/console/surveys/`+id+`"]`)), chromedp.WaitVisible(chromedp.ID("legend")))
	txt := s.text()
	for _, want := range []string{"suppressed*", "a count too small to show", "this release holds "} {
		if !strings.Contains(txt, want) {
			t.Errorf("results page lacks %q: %q", want, txt)
		}
	}
	s.checkAxe("results (en)")
	s.screenshot("results-en")
	if b := s.download(`a[href$="format=xlsx&lang=en"]`); string(b[:2]) != "PK" {
		t.Errorf("XLSX download starts %q", b[:4])
	}
	if b := s.download(`a[href$="format=pdf&lang=en"]`); string(b[:4]) != "%PDF" {
		t.Errorf("PDF download starts %q", b[:4])
	}
	s.do(chromedp.Navigate(e.URL+"/console/surveys/"+id+"?view=live"), chromedp.WaitVisible(chromedp.CSS(".live")))
	s.checkAxe("live view (en)")

	// Arabic: the picker's cookie keeps the language.
	s.do(chromedp.Navigate(e.URL+"/console/surveys/"+id+"?lang=ar"), chromedp.WaitVisible(chromedp.ID("legend")))
	dir, err := chromedp.Run(s.ctx, chromedp.AttributeValue(chromedp.CSS("html"), "dir"))
	if err != nil {
		t.Fatal(err)
	}
	if dir.Value != "rtl" || !strings.Contains(s.text(), "الألوان") {
		t.Errorf("Arabic results: dir %q", dir.Value)
	}
	s.checkAxe("results (ar)")
	s.screenshot("results-ar")
	s.do(chromedp.Navigate(e.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	s.checkAxe("home (ar)")
	s.do(chromedp.Navigate(e.URL+"/console/surveys/nope"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	s.checkAxe("not found (ar)")
	s.do(chromedp.Click(chromedp.CSS(`form.signout button`)), chromedp.WaitVisible(chromedp.ID("token")))
	s.checkAxe("signed out (ar)")
	loc, err := chromedp.Run(s.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := url.Parse(loc); u.Path != "/console/signin" {
		t.Errorf("after sign-out at %s", loc)
	}
	s.do(chromedp.Navigate(e.URL+"/console/"), chromedp.WaitVisible(chromedp.ID("token"))) // the session is gone

	// The ministry, in English then Arabic.
	s.do(chromedp.Navigate(e.URL+"/console/signin?lang=en"), chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), ministry),
		chromedp.Click(chromedp.CSS(`form[method="post"][action="/console/signin"] button`)),
		chromedp.WaitVisible(chromedp.ID("shared")))
	if txt := s.text(); !strings.Contains(txt, "Colours") || !strings.Contains(txt, "Kommunen") {
		t.Errorf("ministry home: %q", txt)
	}
	s.checkAxe("ministry home (en)")
	s.screenshot("ministry-en")
	if b := s.download(`a[href$="format=xlsx&lang=ar"]`); string(b[:2]) != "PK" {
		t.Errorf("ministry's XLSX download starts %q", b[:4])
	}
	s.do(chromedp.Navigate(e.URL+"/console/?lang=ar"), chromedp.WaitVisible(chromedp.ID("shared")))
	s.checkAxe("ministry home (ar)")
	s.do(chromedp.Navigate(e.URL+"/console/surveys/"+id), chromedp.WaitVisible(chromedp.ID("legend")))
	s.checkAxe("ministry results (ar)")
}
