//go:build browser

package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/youthvoice/youthvoice/api/apitest"
)

// The consultation pages in a real browser, in English and Arabic: axe-core
// finds no serious or critical violation on any of them (the list, a
// consultation with its outcome, a move's confirmation, the upload forms,
// a refused upload), for the organiser and for a ministry. Run with the
// browser tag (go test -tags browser ./console -run Browser).
func TestBrowserConsultationPages(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	sid := colourSurvey(t, e, owner)
	ministryID, ministry := e.Org("Ministry")
	if r := e.Do("POST", "/v1/org/surveys/"+sid+"/shares", map[string]string{"org_id": ministryID}, bearer(owner)...); r.Status != 201 {
		t.Fatalf("share: %d %s", r.Status, r.Body)
	}
	r := e.Do("POST", "/v1/org/consultations", parksConsultation(sid, e), bearer(owner)...)
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id := r.Map(t)["id"].(string)
	for _, step := range []string{"publish", "analyse"} {
		if r := e.Do("POST", "/v1/org/consultations/"+id+"/"+step, nil, bearer(owner)...); r.Status != 200 {
			t.Fatalf("%s: %d %s", step, r.Status, r.Body)
		}
	}
	if r := e.Do("POST", "/v1/org/consultations/"+id+"/outcome", colourOutcome(sid, "age", "13"), bearer(owner)...); r.Status != 201 {
		t.Fatalf("outcome: %d %s", r.Status, r.Body)
	}
	base := "/console/consultations/" + id
	for _, who := range []struct{ name, token string }{{"organiser", owner}, {"ministry", ministry}} {
		for _, lang := range []string{"en", "ar"} {
			s := newSession(t, e)
			s.do(chromedp.Navigate(e.URL+"/console/signin?lang="+lang), chromedp.WaitVisible(chromedp.ID("token")),
				chromedp.SendKeys(chromedp.ID("token"), who.token),
				chromedp.Click(chromedp.CSS(`form[method="post"][action="/console/signin"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`nav a[href="/console/consultations"]`)))
			pages := []struct{ name, path, ready string }{
				{"consultations", "/console/consultations", `main a[href="` + base + `"]`},
				{"consultation", base, "#outcome-h"},
			}
			if who.name == "organiser" {
				pages = append(pages, []struct{ name, path, ready string }{
					{"move", base + "/move/decide", "main form button"},
					{"new consultation", "/console/consultations/new", "#json"},
					{"edit", base + "/edit", "#json"},
					{"outcome update", base + "/outcome/update", "#json"},
				}...)
			}
			for _, p := range pages {
				s.do(chromedp.Navigate(e.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready)))
				s.checkAxe(who.name + " " + p.name + " (" + lang + ")")
			}
			if who.name == "organiser" {
				// A refused document: nothing pasted.
				s.do(chromedp.Navigate(e.URL+base+"/outcome/update"), chromedp.WaitVisible(chromedp.ID("json")),
					chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)), chromedp.WaitVisible(chromedp.ID("problems")))
				s.checkAxe("refused update (" + lang + ")")
				s.do(chromedp.Navigate(e.URL+base), chromedp.WaitVisible(chromedp.ID("outcome-h")))
				if lang == "ar" && !strings.Contains(s.text(), "معظمكم يريد حديقة حمراء.") {
					t.Errorf("the Arabic page lacks the Arabic finding: %q", s.text())
				}
				if lang == "en" {
					s.screenshot("consultation-en")
				} else {
					s.screenshot("consultation-ar")
				}
			}
		}
	}
}
