//go:build browser

package console_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/youthvoice/youthvoice/api/apitest"
)

// Weighting in a real browser, in English and Arabic: an owner reads the
// section on population totals, uploads a file with a bad row (the
// problem at its row and column), then a good one through the file
// input, reads the totals and the weighted figures, and opens the
// removal's confirmation; a weighting that cannot be made is explained.
// axe-core finds no serious or critical violation on any of these pages.
// Run with the browser tag (go test -tags browser ./console -run Browser).
func TestBrowserWeighting(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	id := weightingSurvey(t, e, owner)
	dir := t.TempDir()
	bad, good := filepath.Join(dir, "totals-bad.csv"), filepath.Join(dir, "totals.csv")
	if err := os.WriteFile(bad, []byte("question,code,total\nage,13,6000\nage,14,lots\nage,15,not stated\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte("question,code,total\nage,13,6000\nage,14,4000\nage,15,not stated\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	results := e.URL + "/console/surveys/" + id
	// Totals that cannot be met (nobody is 15), on a survey of their own: a
	// release keeps the totals it was first weighted with.
	failing := weightingSurvey(t, e, owner)
	m := map[string]any{"missing": "exclude", "dimensions": []any{map[string]any{"question": "age",
		"totals": map[string]any{"13": 6000, "14": 4000, "15": 100}}}}
	if r := e.Do("PUT", "/v1/org/surveys/"+failing+"/weighting", m, append(bearer(owner), "Content-Type", "application/json")...); r.Status != 200 {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	for _, lang := range []string{"en", "ar"} {
		// A browser per language: a session has a few minutes in all.
		s := newSession(t, e)
		s.do(chromedp.Navigate(e.URL+"/console/signin?lang="+lang), chromedp.WaitVisible(chromedp.ID("token")),
			chromedp.SendKeys(chromedp.ID("token"), owner))
		s.do(chromedp.Click(chromedp.CSS(`form[method="post"][action="/console/signin"] button`)))
		s.do(chromedp.WaitVisible(chromedp.CSS(`a[href="/console/new"]`)))

		s.do(chromedp.Navigate(results+"?lang="+lang), chromedp.WaitVisible(chromedp.ID("wfile")))
		s.checkAxe("results without population totals (" + lang + ")")
		s.do(chromedp.SetUploadFiles(chromedp.ID("wfile"), []string{bad}),
			chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type="submit"]`)))
		s.do(chromedp.WaitVisible(chromedp.ID("upload-problems")))
		if txt := s.text(); lang == "en" && !strings.Contains(txt, "Row 3, column total") {
			t.Errorf("the refused file's page: %q", txt)
		}
		s.checkAxe("population totals refused (" + lang + ")")
		if lang == "en" {
			s.screenshot("weighting-problems-en")
		}
		s.do(chromedp.SetUploadFiles(chromedp.ID("wfile"), []string{good}),
			chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type="submit"]`)))
		s.do(chromedp.WaitVisible(chromedp.CSS(`a[href$="/weighting/remove"]`)))
		s.checkAxe("results with population totals (" + lang + ")")
		s.do(chromedp.Click(chromedp.CSS(`a[href*="/weighted?slang="]`)))
		s.do(chromedp.WaitVisible(chromedp.ID("population")))
		if txt := s.text(); lang == "en" && (!strings.Contains(txt, "Weighted %") || !strings.Contains(txt, "Effective sample size")) {
			t.Errorf("the weighted page: %q", txt)
		}
		s.checkAxe("weighted figures (" + lang + ")")
		if lang == "en" {
			s.screenshot("weighted-en")
		}
		s.do(chromedp.Navigate(results+"/weighting/remove"), chromedp.WaitVisible(chromedp.CSS(`main form button`)))
		s.checkAxe("remove the population totals (" + lang + ")")
		s.do(chromedp.Click(chromedp.CSS(`main form button`)))
		s.do(chromedp.WaitVisible(chromedp.ID("wfile")))
		s.do(chromedp.Navigate(e.URL+"/console/surveys/"+failing+"/weighted"), chromedp.WaitVisible(chromedp.ID("refused")))
		s.checkAxe("weighting that cannot be made (" + lang + ")")
	}
}
