package console_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/api/apitest"
)

// The results page shows the release as the API's summary does: the
// counts under k are suppressed, marked, and the legend explains them; the
// status says what the release holds; every number on the page is one
// the API's release shows.
func TestResultsShowTheReleaseWithSuppressedCellsExplained(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	id := colourSurvey(t, e, owner)
	b := newBrowser(t, e)
	b.signIn(owner)
	p := b.get("/console/surveys/" + id)
	if p.status != 200 {
		t.Fatalf("%d %s", p.status, p.body)
	}
	for _, want := range []string{
		`<span class="suppressed">suppressed<a href="#legend" class="mark">*</a></span>`, // blue: 3 < k
		`id="legend"`, "a count too small to show",
		`<svg class="chart"`, `role="img"`, `<table class="data">`,
		"/console/surveys/" + id + "/export?format=xlsx&amp;lang=ar",
		"/console/surveys/" + id + "?view=live", // owners may switch
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the results page lacks %q", want)
		}
	}
	if strings.Contains(p.body, ">3<") {
		t.Error("the suppressed count 3 is on the page")
	}
	// The API's release shows the same numbers.
	r := e.Do("GET", "/v1/org/surveys/"+id+"/summary", nil, bearer(owner)...)
	var api struct {
		Results struct {
			Groups []struct {
				Questions []struct {
					ID      string
					Options []struct {
						Label string
						Count struct {
							N          *int
							Suppressed bool
						}
					}
				}
			}
		}
	}
	r.JSON(t, &api)
	if note := "this release holds " + released(t, e, owner, id) + " of them"; !strings.Contains(p.body, note) {
		t.Errorf("the results page lacks the status note %q", note)
	}
	for _, q := range api.Results.Groups[0].Questions {
		for _, o := range q.Options {
			if o.Count.Suppressed {
				continue
			}
			row := regexp.MustCompile(`<th scope="row">`+o.Label+`</th><td>(\d+)</td>`).FindAllStringSubmatch(p.body, -1)
			if len(row) == 0 || row[0][1] != strconv.Itoa(*o.Count.N) {
				t.Errorf("%s %s: page %v, API %d", q.ID, o.Label, row, *o.Count.N)
			}
		}
	}
	// In Arabic: the survey's texts in Arabic, the page right to left.
	ar := b.get("/console/surveys/" + id + "?lang=ar&slang=ar")
	if !strings.Contains(ar.body, `<html lang="ar" dir="rtl">`) || !strings.Contains(ar.body, "الألوان") {
		t.Errorf("Arabic page: %.300s", ar.body)
	}
	// A breakdown by age, and an unknown one refused.
	if by := b.get("/console/surveys/" + id + "?by=age&lang=en"); by.status != 200 || !strings.Contains(by.body, `<h2 id="group-1">13 · `) {
		t.Errorf("by age: %d", by.status)
	}
	if bad := b.get("/console/surveys/" + id + "?by=colour2"); bad.status != 400 {
		t.Errorf("unknown breakdown: %d", bad.status)
	}
}

// Owners and editors may switch to the live view, recorded in the audit
// log as the API's live view is; an analyst may not, nor a ministry.
func TestOnlyDesignersSeeTheLiveView(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	id := colourSurvey(t, e, owner)
	_, analyst := token(t, e, owner, "analyst")
	a := newBrowser(t, e)
	a.signIn(analyst)
	if p := a.get("/console/surveys/" + id); p.status != 200 || strings.Contains(p.body, "view=live") {
		t.Fatalf("analyst's results: %d, live link %t", p.status, strings.Contains(p.body, "view=live"))
	}
	if p := a.get("/console/surveys/" + id + "?view=live"); p.status != 403 {
		t.Fatalf("analyst's live view: %d", p.status)
	}
	o := newBrowser(t, e)
	o.signIn(owner)
	p := o.get("/console/surveys/" + id + "?view=live")
	if p.status != 200 || !strings.Contains(p.body, `class="live"`) || !strings.Contains(p.body, `<td>3</td>`) {
		t.Fatalf("owner's live view: %d", p.status)
	}
	log := e.Do("GET", "/v1/org/audit", nil, bearer(owner)...).Map(t)
	found := false
	for _, en := range log["entries"].([]any) {
		m := en.(map[string]any)
		if m["action"] == "live_view" && m["survey_id"] == id {
			found = true
		}
	}
	if !found {
		t.Fatalf("no live_view entry in %v", log)
	}
}

// A ministry (an organisation a survey is shared with) sees the shared
// surveys, across organisations, with their release status and downloads,
// and nothing of the owners' other surveys.
func TestMinistrySeesOnlySharedSurveys(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	shared := colourSurvey(t, e, owner)
	private := colourSurvey(t, e, owner)
	ministryID, ministry := e.Org("Ministry")
	if r := e.Do("POST", "/v1/org/surveys/"+shared+"/shares", map[string]string{"org_id": ministryID}, bearer(owner)...); r.Status != 201 {
		t.Fatalf("share: %d %s", r.Status, r.Body)
	}
	b := newBrowser(t, e)
	b.signIn(ministry)
	home := b.get("/console/")
	if home.status != 200 || !strings.Contains(home.body, shared) || strings.Contains(home.body, private) {
		t.Fatalf("ministry home: %d, shared %t, private %t", home.status, strings.Contains(home.body, shared), strings.Contains(home.body, private))
	}
	for _, want := range []string{"Kommunen", "this release holds " + released(t, e, owner, shared) + " of them", "export?format=pdf&amp;lang=en", "Shared with your organisation"} {
		if !strings.Contains(home.body, want) {
			t.Errorf("ministry home lacks %q", want)
		}
	}
	if strings.Contains(home.body, "Drafts") {
		t.Error("a ministry without surveys of its own sees the organisers' lists")
	}
	if p := b.get("/console/surveys/" + private); p.status != 404 {
		t.Errorf("unshared survey: %d", p.status)
	}
	if p := b.get("/console/surveys/" + private + "/export?format=csv&lang=en"); p.status != 404 {
		t.Errorf("unshared survey's export: %d", p.status)
	}
	if p := b.get("/console/surveys/" + shared + "?view=live"); p.status != 403 {
		t.Errorf("shared survey's live view: %d", p.status)
	}
	p := b.get("/console/surveys/" + shared + "/export?format=csv&lang=en")
	if p.status != 200 || !strings.Contains(p.body, "Colour") {
		t.Fatalf("shared export: %d", p.status)
	}
	// Both organisations' audit logs record the export.
	for _, tok := range []string{ministry, owner} {
		log := e.Do("GET", "/v1/org/audit", nil, bearer(tok)...).Map(t)
		if !strings.Contains(toJSON(t, log), "summary/csv/en") {
			t.Errorf("no export entry in %v", log)
		}
	}
}

// Every format downloads in every survey language, as the API's export
// makes it; a format or language the survey lacks is a 400 page.
func TestExportsDownload(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	id := colourSurvey(t, e, owner)
	b := newBrowser(t, e)
	b.signIn(owner)
	magic := map[string]string{"csv": "", "xlsx": "PK", "pdf": "%PDF", "json": "{"}
	for format, prefix := range magic {
		p := b.get("/console/surveys/" + id + "/export?" + url.Values{"format": {format}, "lang": {"en"}}.Encode())
		if p.status != 200 || !strings.HasPrefix(p.body, prefix) || !strings.Contains(p.header.Get("Content-Disposition"), "summary-en."+format) {
			t.Errorf("%s: %d %q %.20q", format, p.status, p.header.Get("Content-Disposition"), p.body)
		}
		api := e.Do("GET", "/v1/org/surveys/"+id+"/export?format="+format+"&lang=en", nil, bearer(owner)...)
		// CSV and JSON are the same bytes; XLSX and PDF carry the time they were made.
		if (format == "csv" || format == "json") && !bytes.Equal(api.Body, []byte(p.body)) {
			t.Errorf("%s: the console's file differs from the API's", format)
		}
	}
	if p := b.get("/console/surveys/" + id + "/export?format=xlsx&lang=ar"); p.status != 200 || !strings.HasPrefix(p.body, "PK") {
		t.Errorf("Arabic XLSX: %d", p.status)
	}
	for _, q := range []string{"format=doc&lang=en", "format=csv&lang=fr", "format=csv"} {
		if p := b.get("/console/surveys/" + id + "/export?" + q); p.status != 400 {
			t.Errorf("%s: %d", q, p.status)
		}
	}
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// released is how many responses the survey's release holds, as the API's
// summary says (releases come at points the summarizer chooses).
func released(t *testing.T, e *apitest.Env, tok, id string) string {
	t.Helper()
	var v struct{ Status struct{ Released int } }
	e.Do("GET", "/v1/org/surveys/"+id+"/summary", nil, bearer(tok)...).JSON(t, &v)
	if v.Status.Released < 10 {
		t.Fatalf("the release holds %d", v.Status.Released)
	}
	return strconv.Itoa(v.Status.Released)
}
