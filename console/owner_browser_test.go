//go:build browser

package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/youthvoice/youthvoice/api/apitest"
)

// The owners' pages in a real browser, in English and Arabic: axe-core
// finds no serious or critical violation on any of them, refused forms
// included; a refused form's problem list takes the focus, and each
// problem's message is linked to its field. Run with the browser tag
// (go test -tags browser ./console -run Browser).
func TestBrowserOwnerPages(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	id := colourSurvey(t, e, owner)
	ministryID, _ := e.Org("Ministry")
	if r := e.Do("POST", "/v1/org/surveys/"+id+"/shares", map[string]string{"org_id": ministryID}, bearer(owner)...); r.Status != 201 {
		t.Fatalf("share: %d %s", r.Status, r.Body)
	}
	editorID, _ := token(t, e, owner, "editor")
	if r := e.Do("PUT", "/v1/org/support-resources", map[string]any{"support_resources": []any{map[string]any{
		"country": "SE", "name": map[string]string{"en": "Helpline", "ar": "خط المساعدة"}, "phone": "116 111"}}}, bearer(owner)...); r.Status != 200 {
		t.Fatalf("support resources: %d %s", r.Status, r.Body)
	}
	for _, lang := range []string{"en", "ar"} {
		// A browser per language: a session has a few minutes in all.
		s := newSession(t, e)
		s.do(chromedp.Navigate(e.URL+"/console/signin?lang="+lang), chromedp.WaitVisible(chromedp.ID("token")),
			chromedp.SendKeys(chromedp.ID("token"), owner),
			chromedp.Click(chromedp.CSS(`form[method="post"][action="/console/signin"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`a[href="/console/tokens"]`)))
		pages := []struct{ name, path, ready string }{
			{"organisation", "/console/org", "#name"},
			{"tokens", "/console/tokens", "#role"},
			{"revoke a token", "/console/tokens/" + editorID + "/revoke", "main form button"},
			{"sharing", "/console/shares", "main h1"},
			{"a survey's shares", "/console/surveys/" + id + "/shares", "#org_id"},
			{"stop sharing", "/console/surveys/" + id + "/shares/" + ministryID + "/remove", "main form button"},
			{"support resources", "/console/support", "#r0-country"},
			{"audit log", "/console/audit", "main table"},
		}
		for _, p := range pages {
			s.do(chromedp.Navigate(e.URL+p.path+"?lang="+lang), chromedp.WaitVisible(chromedp.CSS(p.ready)))
			s.checkAxe(p.name + " (" + lang + ")")
		}
		// A refused support resource: the problems take the focus, each
		// linked to its field.
		s.do(chromedp.Navigate(e.URL+"/console/support?lang="+lang), chromedp.WaitVisible(chromedp.ID("r1-country")),
			chromedp.SendKeys(chromedp.ID("r1-country"), "Sweden"),
			chromedp.SendKeys(chromedp.ID("r1-name-en"), "Youth line"),
			chromedp.SendKeys(chromedp.ID("r1-phone"), "1234"),
			chromedp.Click(chromedp.CSS(`form[method="post"][action="/console/support"] button`)),
			chromedp.WaitVisible(chromedp.ID("r1-country-error")))
		focus, err := chromedp.Run(s.ctx, chromedp.Evaluate[string](`document.activeElement.className`))
		if err != nil {
			t.Fatal(err)
		}
		if focus != "error-summary" {
			t.Errorf("%s: the focus is on %q, not the list of problems", lang, focus)
		}
		described, err := chromedp.Run(s.ctx, chromedp.AttributeValue(chromedp.ID("r1-country"), "aria-describedby"))
		if err != nil {
			t.Fatal(err)
		}
		if described.Value != "r1-country-error" {
			t.Errorf("%s: aria-describedby %q", lang, described.Value)
		}
		s.checkAxe("support resources refused (" + lang + ")")
		if lang == "en" {
			s.screenshot("support-refused-en")
		} else {
			s.screenshot("support-refused-ar")
		}
		// A new token's page.
		s.do(chromedp.Navigate(e.URL+"/console/tokens?lang="+lang), chromedp.WaitVisible(chromedp.ID("name")),
			chromedp.SendKeys(chromedp.ID("name"), "Amal "+lang),
			chromedp.Click(chromedp.CSS(`form[method="post"][action="/console/tokens"] button`)),
			chromedp.WaitVisible(chromedp.ID("new-token")))
		secret, err := chromedp.Run(s.ctx, chromedp.Value(chromedp.ID("new-token")))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "yv_") {
			t.Errorf("%s: the new token's field holds %q", lang, secret)
		}
		s.checkAxe("new token (" + lang + ")")
	}
}
