package console_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/surveys"
)

// weightingSurvey is a published survey in English and Arabic with a
// breakdown by age (13, 14 and 15, which nobody is) and a colour
// question, and 60 responses: 40 aged 13 and 20 aged 14; 54 "red" and 6
// "blue".
func weightingSurvey(t *testing.T, e *apitest.Env, owner string) string {
	t.Helper()
	def := map[string]any{
		"default_language": "en", "languages": []string{"en", "ar"},
		"title":     map[string]string{"en": "Colours", "ar": "الألوان"},
		"thank_you": map[string]string{"en": "Thanks", "ar": "شكرًا"},
		"sections": []any{map[string]any{"id": "s", "questions": []any{
			map[string]any{"id": "age", "type": "single_choice", "text": map[string]string{"en": "Age", "ar": "العمر"}, "breakdown": true,
				"options": []any{opt("13"), opt("14"), opt("15")}},
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
	for n := range 60 {
		colour, age := "red", "13"
		if n%10 == 0 {
			colour = "blue"
		}
		if n%3 == 2 {
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

// apiWeighted is the part of the API's summary?weighted=true the tests
// compare the console's page with.
type apiWeighted struct {
	Weighted *surveys.WeightedResults `json:"weighted"`
	Notes    []string                 `json:"notes"`
}

// fillTemplate writes totals into the population totals workbook the
// console gave (its first sheet: question, code, label, total), as an
// organiser does in a spreadsheet: number cells, or the words.
func fillTemplate(t *testing.T, book []byte, totals map[string]any) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(book))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	sheet := f.GetSheetName(0)
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 || strings.Join(rows[0], ",") != "question,code,label,total" {
		t.Fatalf("template rows %q", rows)
	}
	for i, row := range rows[1:] {
		if v, ok := totals[row[0]+"/"+row[1]]; ok {
			if err := f.SetCellValue(sheet, "D"+strconv.Itoa(i+2), v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// An organiser weights a survey in the console: the results page
// explains weighting and offers the file to fill in (the API's file);
// a file with bad rows is refused with each problem at its row and
// column, nothing stored; the workbook filled in is stored (audited),
// and the page shows the totals; the weighted figures are the API's
// summary?weighted=true figures, beside the release's; the weighted
// exports are the API's, audited as weighted; a CSV replaces the totals;
// removing them is confirmed first, and audited.
func TestWeightingInTheConsole(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	id := weightingSurvey(t, e, owner)
	b := newBrowser(t, e)
	b.signIn(owner)
	results := "/console/surveys/" + id

	p := b.get(results)
	for _, want := range []string{
		"Population totals (weighting)", "Weighting gives each answer a weight", "breakdown questions",
		`href="/console/surveys/` + id + `/weighting/template?format=xlsx"`, `href="/console/surveys/` + id + `/weighting/template?format=csv"`,
		`action="/console/surveys/` + id + `/weighting" enctype="multipart/form-data"`, `name="missing" value="exclude"`,
		"are not weighted: they keep the average weight",
	} {
		if !strings.Contains(p.body, html.EscapeString(want)) && !strings.Contains(p.body, want) {
			t.Errorf("results page without margins lacks %q", want)
		}
	}
	if strings.Contains(p.body, "/weighted?") || strings.Contains(p.body, "weighted=true") {
		t.Error("weighted figures offered before there are population totals")
	}

	// The file to fill in is the API's.
	csvFile := b.get(results + "/weighting/template?format=csv")
	api := e.Do("GET", "/v1/org/surveys/"+id+"/weighting?format=csv", nil, append(bearer(owner), "Accept-Language", "en")...)
	if csvFile.status != 200 || api.Status != 200 || csvFile.body != string(api.Body) || !strings.Contains(csvFile.body, "age,15,15,") {
		t.Fatalf("CSV template: %d %q, API %d %q", csvFile.status, csvFile.body, api.Status, api.Body)
	}
	book := b.get(results + "/weighting/template?format=xlsx")
	if book.status != 200 || !strings.HasPrefix(book.body, "PK") || !strings.Contains(book.header.Get("Content-Disposition"), "weighting") {
		t.Fatalf("XLSX template: %d %v", book.status, book.header)
	}
	if p := b.get(results + "/weighting/template?format=pdf"); p.status != 400 {
		t.Errorf("a template as PDF: %d", p.status)
	}

	// A file with bad rows: every problem at its row and column, nothing stored.
	bad := "question,code,total\nage,13,6000\nage,14,lots\nage,16,100\nage,15,not stated\n"
	unknown := "question,code,total\nage,13,6000\nage,14,4000\nage,16,100\nage,15,not stated\n"
	for file, wants := range map[string][]string{
		bad:     {"<td>Row 3, column total</td><td>“lots” is not a population total."},
		unknown: {"<td>Row 4, column code</td><td>"},
	} {
		p = b.upload(results+"/weighting", map[string]string{"csrf": b.csrf, "missing": "exclude"}, "totals.csv", []byte(file))
		if p.status != 422 {
			t.Fatalf("bad file: %d %s", p.status, p.body)
		}
		for _, want := range append(wants, "Population totals not saved", "Nothing was stored") {
			if !strings.Contains(p.body, want) {
				t.Errorf("the refusal lacks %q: %s", want, p.body)
			}
		}
		if strings.Contains(p.body, "field.") || strings.Contains(p.body, "/rows/") {
			t.Errorf("the refusal shows message ids or pointers: %s", p.body)
		}
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/weighting", nil, bearer(owner)...); r.Status != 404 {
		t.Fatalf("a refused file was stored: %d %s", r.Status, r.Body)
	}
	// A file a question's option is missing from: the question and option named.
	p = b.upload(results+"/weighting", map[string]string{"csrf": b.csrf, "missing": "exclude"}, "totals.csv", []byte("question,code,total\nage,13,6000\nage,14,4000\n"))
	if p.status != 422 || !strings.Contains(p.body, html.EscapeString("Question “Age” (age), option 15: no row in the file")) {
		t.Errorf("a missing option: %d %s", p.status, p.body)
	}
	// Not a spreadsheet, and no file: the API's problems.
	if p := b.upload(results+"/weighting", map[string]string{"csrf": b.csrf, "missing": "exclude"}, "totals.png", []byte("\x89PNG\r\n")); p.status != 415 ||
		!strings.Contains(p.body, "as an .xlsx workbook or as a CSV file") {
		t.Errorf("a picture: %d %s", p.status, p.body)
	}
	if p := b.upload(results+"/weighting", map[string]string{"csrf": b.csrf, "missing": "exclude"}, "", nil); p.status != 422 || !strings.Contains(p.body, "Choose a file") {
		t.Errorf("no file: %d %s", p.status, p.body)
	}
	// Without the session's token: refused.
	if p := b.upload(results+"/weighting", map[string]string{"missing": "exclude"}, "totals.csv", []byte(bad)); p.status != 403 {
		t.Errorf("an upload without the form's token: %d", p.status)
	}

	// The workbook filled in.
	filled := fillTemplate(t, []byte(book.body), map[string]any{"age/13": 6000, "age/14": 4000, "age/15": "not stated"})
	p = b.upload(results+"/weighting", map[string]string{"csrf": b.csrf, "missing": "exclude"}, "totals.xlsx", filled)
	if p.status != 303 || p.header.Get("Location") != results+"?weighting=set#weighting" {
		t.Fatalf("workbook: %d %q %s", p.status, p.header.Get("Location"), p.body)
	}
	stored := e.Do("GET", "/v1/org/surveys/"+id+"/weighting", nil, bearer(owner)...)
	if stored.Status != 200 || !strings.Contains(string(stored.Body), `"totals":{"13":6000,"14":4000}`) || !strings.Contains(string(stored.Body), `"not_stated":["15"]`) {
		t.Fatalf("stored margins: %d %s", stored.Status, stored.Body)
	}
	if audit := e.Do("GET", "/v1/org/audit", nil, bearer(owner)...); !strings.Contains(string(audit.Body), `"action":"weighting"`) {
		t.Errorf("the upload is not in the audit log: %s", audit.Body)
	}
	p = b.get(results + "?weighting=set")
	for _, want := range []string{
		"The population totals were saved.", "Set on ", `<caption><span lang="en">Age</span></caption>`,
		`<th scope="row"><span lang="en">13</span></th><td>6` + "\u202f" + `000</td>`,
		`<th scope="row"><span lang="en">15</span></th><td>not stated</td>`,
		`href="/console/surveys/` + id + `/weighted?slang=en"`, `href="/console/surveys/` + id + `/weighting/remove"`,
		"Replace the population totals",
		"/console/surveys/" + id + "/export?format=pdf&amp;lang=ar&amp;weighted=true",
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("results page with margins lacks %q", want)
		}
	}

	// The weighted figures are the API's.
	e.Clock.Advance(2 * time.Second)
	checkWeightedPage(t, e, b, owner, id)

	// The weighted exports are the API's files, audited as weighted.
	for _, format := range []string{"csv", "xlsx", "pdf"} {
		f := b.get(results + "/export?format=" + format + "&lang=en&weighted=true")
		if f.status != 200 || !strings.Contains(f.header.Get("Content-Disposition"), "summary-weighted-en."+format) {
			t.Fatalf("weighted %s: %d %v %.300s", format, f.status, f.header, f.body)
		}
		if format == "csv" {
			r := e.Do("GET", "/v1/org/surveys/"+id+"/export?kind=summary&format=csv&lang=en&weighted=true", nil, bearer(owner)...)
			if r.Status != 200 || string(r.Body) != f.body || !strings.Contains(f.body, "_weighted") {
				t.Errorf("the console's weighted CSV differs from the API's:\n%s\n---\n%s", f.body, r.Body)
			}
		}
	}
	if audit := e.Do("GET", "/v1/org/audit", nil, bearer(owner)...); !strings.Contains(string(audit.Body), `"summary/xlsx/en/weighted"`) {
		t.Errorf("the weighted export is not audited as weighted: %s", audit.Body)
	}
	if p := b.get(results + "/export?format=csv&lang=en&weighted=yes"); p.status != 400 {
		t.Errorf("weighted=yes: %d", p.status)
	}

	// A CSV replaces the totals.
	good := "\ufeffquestion;code;label;total\nage;13;13;5 500\nage;14;14;4 500\nage;15;15;not stated\n"
	p = b.upload(results+"/weighting", map[string]string{"csrf": b.csrf, "missing": "exclude"}, "totals.csv", []byte(good))
	if p.status != 303 {
		t.Fatalf("CSV: %d %s", p.status, p.body)
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/weighting", nil, bearer(owner)...); !strings.Contains(string(r.Body), `"totals":{"13":5500,"14":4500}`) {
		t.Fatalf("the CSV did not replace the totals: %s", r.Body)
	}
	// The release keeps the totals it was first weighted with (the new ones
	// apply from the next release): the page shows those, as the API does.
	e.Clock.Advance(2 * time.Second)
	checkWeightedPage(t, e, b, owner, id)
	if p := b.get(results + "/weighted"); !strings.Contains(p.body, "6\u202f000") || strings.Contains(p.body, "5\u202f500") {
		t.Errorf("the weighted page does not show the release's totals")
	}

	// Removing: confirmed first; the form's token needed; audited.
	p = b.get(results + "/weighting/remove")
	if p.status != 200 || !strings.Contains(p.body, "Remove the population totals?") || !strings.Contains(p.body, `action="/console/surveys/`+id+`/weighting/remove"`) ||
		!strings.Contains(p.body, "5\u202f500") {
		t.Fatalf("confirmation: %d %s", p.status, p.body)
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/weighting", nil, bearer(owner)...); r.Status != 200 {
		t.Fatal("the confirmation page removed the totals")
	}
	if p := b.post(results+"/weighting/remove", url.Values{}); p.status != 403 {
		t.Errorf("removal without the form's token: %d", p.status)
	}
	p = b.post(results+"/weighting/remove", url.Values{"csrf": {b.csrf}})
	if p.status != 303 || p.header.Get("Location") != results+"?weighting=removed#weighting" {
		t.Fatalf("remove: %d %q", p.status, p.header.Get("Location"))
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/weighting", nil, bearer(owner)...); r.Status != 404 {
		t.Errorf("after removal: %d", r.Status)
	}
	if audit := e.Do("GET", "/v1/org/audit", nil, bearer(owner)...); !strings.Contains(string(audit.Body), `"detail":"removed"`) {
		t.Errorf("the removal is not in the audit log: %s", audit.Body)
	}
	if p := b.get(results + "?weighting=removed"); !strings.Contains(p.body, "The population totals were removed.") || strings.Contains(p.body, "weighted=true") {
		t.Errorf("results after removal: %s", p.body)
	}
	if p := b.get(results + "/weighting/remove"); p.status != 404 {
		t.Errorf("removing totals that are gone: %d", p.status)
	}
	// Without totals: the weighted page and exports say why, never a 500.
	if p := b.get(results + "/weighted"); p.status != 409 || !strings.Contains(p.body, "No population totals") ||
		!strings.Contains(p.body, "can upload them on the survey") {
		t.Errorf("weighted page without totals: %d %s", p.status, p.body)
	}
	if p := b.get(results + "/export?format=pdf&lang=en&weighted=true"); p.status != 409 || !strings.Contains(p.body, "No population totals") {
		t.Errorf("weighted export without totals: %d %.300s", p.status, p.body)
	}
}

// checkWeightedPage compares the console's weighted figures with the
// API's summary?weighted=true: every weighted percentage and interval,
// each question's n_eff and design effect, the notes, and the release's
// own percentage beside each; a suppressed option stays suppressed.
func checkWeightedPage(t *testing.T, e *apitest.Env, b *browser, owner, id string) {
	t.Helper()
	p := b.get("/console/surveys/" + id + "/weighted?slang=en")
	if p.status != 200 {
		t.Fatalf("weighted page: %d %s", p.status, p.body)
	}

	r := e.Do("GET", "/v1/org/surveys/"+id+"/summary?weighted=true&lang=en", nil, bearer(owner)...)
	if r.Status != 200 {
		t.Fatalf("API: %d %s", r.Status, r.Body)
	}
	var api apiWeighted
	r.JSON(t, &api)
	if api.Weighted == nil || len(api.Weighted.Questions) == 0 {
		t.Fatalf("the API has no weighted figures: %s", r.Body)
	}
	for _, want := range []string{"Figures weighted to the population", "Weighted to the population: each weighted figure is an estimate",
		"Weighted %", "95 % CI", "Population totals"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("weighted page lacks %q", want)
		}
	}
	pct := func(v *float64) string { return strconv.FormatFloat(*v, 'f', 1, 64) + "%" }
	shown, suppressed := 0, 0
	for _, q := range api.Weighted.Questions {
		if q.NEff != nil {
			want := "Effective sample size: " + strconv.FormatFloat(*q.NEff, 'f', 0, 64) + " · Design effect: " + strconv.FormatFloat(*q.Deff, 'f', 2, 64)
			if !strings.Contains(p.body, want) {
				t.Errorf("%s: the page lacks %q", q.ID, want)
			}
		}
		for _, o := range q.Options {
			row := regexp.MustCompile(`<th scope="row"><span lang="en">` + regexp.QuoteMeta(o.Label) + `</span></th><td>([^<]*(?:<[^>]*>[^<]*)*?)</td><td>([^<]*)</td><td>(.*?)</td><td>([^<]*)</td></tr>`).FindStringSubmatch(p.body)
			if row == nil {
				t.Errorf("%s/%s: no row on the page", q.ID, o.Code)
				continue
			}
			if o.Pct == nil {
				suppressed++
				if !strings.Contains(row[3], "suppressed") || row[4] != "" {
					t.Errorf("%s/%s: suppressed in the API, %q on the page", q.ID, o.Code, row[0])
				}
				continue
			}
			shown++
			if row[3] != pct(o.Pct) || row[4] != pct(o.CILow)+" – "+pct(o.CIHigh) {
				t.Errorf("%s/%s: page %q %q, API %s [%s, %s]", q.ID, o.Code, row[3], row[4], pct(o.Pct), pct(o.CILow), pct(o.CIHigh))
			}
			if !strings.HasSuffix(row[2], "%") {
				t.Errorf("%s/%s: no release percentage beside the weighted one: %q", q.ID, o.Code, row[0])
			}
		}
	}
	if shown == 0 || suppressed == 0 {
		t.Errorf("%d weighted figures shown and %d suppressed: the test needs both", shown, suppressed)
	}
	// The weighting's notes: those the weighted summary has and the
	// unweighted one has not.
	var plain apiWeighted
	e.Do("GET", "/v1/org/surveys/"+id+"/summary?lang=en", nil, bearer(owner)...).JSON(t, &plain)
	notes := 0
	for _, n := range api.Notes {
		if slices.Contains(plain.Notes, n) {
			continue
		}
		notes++
		if !strings.Contains(p.body, "<p>"+html.EscapeString(n)+"</p>") {
			t.Errorf("the page lacks the note %q", n)
		}
	}
	if notes < 2 {
		t.Errorf("only %d weighting notes in %q", notes, api.Notes)
	}
}

// Roles: analysts of the survey's organisation and ministries it is
// shared with see the totals and the weighted figures, and change
// nothing (403, or 404 for another organisation's survey, as the API);
// a weighting that cannot be made is explained in the person's language
// on the page and for the exports, never a 500.
func TestWeightingRolesAndFailures(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	id := weightingSurvey(t, e, owner)
	ministryID, ministry := e.Org("Ministry")
	if r := e.Do("POST", "/v1/org/surveys/"+id+"/shares", map[string]string{"org_id": ministryID}, bearer(owner)...); r.Status != 201 {
		t.Fatalf("share: %d %s", r.Status, r.Body)
	}
	_, analyst := token(t, e, owner, "analyst")
	margins := func(total15 any) map[string]any {
		d := map[string]any{"question": "age", "totals": map[string]any{"13": 6000, "14": 4000}, "not_stated": []string{"15"}}
		if total15 != nil {
			d = map[string]any{"question": "age", "totals": map[string]any{"13": 6000, "14": 4000, "15": total15}}
		}
		return map[string]any{"missing": "exclude", "dimensions": []any{d}}
	}
	if r := e.Do("PUT", "/v1/org/surveys/"+id+"/weighting", margins(nil), append(bearer(owner), "Content-Type", "application/json")...); r.Status != 200 {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	results := "/console/surveys/" + id
	for _, who := range []struct {
		name, token string
		own         bool
	}{{"analyst", analyst, true}, {"ministry", ministry, false}} {
		b := newBrowser(t, e)
		b.signIn(who.token)
		p := b.get(results)
		if p.status != 200 || !strings.Contains(p.body, "Population totals (weighting)") || !strings.Contains(p.body, "6\u202f000") ||
			!strings.Contains(p.body, "/weighted?slang=en") || !strings.Contains(p.body, "weighted=true") {
			t.Errorf("%s: results page %d without the totals or the weighted figures", who.name, p.status)
		}
		if strings.Contains(p.body, `/weighting" enctype`) || strings.Contains(p.body, "/weighting/remove") || strings.Contains(p.body, "/weighting/template") {
			t.Errorf("%s: offered to change the totals", who.name)
		}
		if p := b.get(results + "/weighted"); p.status != 200 || !strings.Contains(p.body, "Weighted %") {
			t.Errorf("%s: weighted page %d", who.name, p.status)
		}
		if p := b.get(results + "/export?format=xlsx&lang=en&weighted=true"); p.status != 200 || !strings.HasPrefix(p.body, "PK") {
			t.Errorf("%s: weighted export %d", who.name, p.status)
		}
		want := 403
		if !who.own {
			want = 404 // the ministry's owner token: another organisation's survey
		}
		csvData := []byte("question,code,total\nage,13,1\nage,14,1\nage,15,not stated\n")
		if p := b.upload(results+"/weighting", map[string]string{"csrf": b.csrf, "missing": "exclude"}, "t.csv", csvData); p.status != want {
			t.Errorf("%s: upload %d, want %d", who.name, p.status, want)
		}
		if p := b.get(results + "/weighting/remove"); p.status != want {
			t.Errorf("%s: removal page %d, want %d", who.name, p.status, want)
		}
		if p := b.post(results+"/weighting/remove", url.Values{"csrf": {b.csrf}}); p.status != want {
			t.Errorf("%s: removal %d, want %d", who.name, p.status, want)
		}
		if !who.own {
			if p := b.get(results + "/weighting/template?format=csv"); p.status != 404 {
				t.Errorf("ministry: template %d", p.status)
			}
		}
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/weighting", nil, bearer(owner)...); !strings.Contains(string(r.Body), `"14":4000`) {
		t.Errorf("the totals changed: %s", r.Body)
	}
	if audit := e.Do("GET", "/v1/org/audit", nil, bearer(owner)...); strings.Count(string(audit.Body), `"action":"weighting"`) != 1 {
		t.Errorf("the audit log: %s", audit.Body)
	}

	// Nobody is 15, but the totals give 15-year-olds a total: the weighting
	// cannot be made, and the pages say why, in the person's language. (A
	// survey of its own: a release keeps the totals it was first weighted
	// with, so the first survey's release keeps the good ones.)
	id = weightingSurvey(t, e, owner)
	results = "/console/surveys/" + id
	if r := e.Do("PUT", "/v1/org/surveys/"+id+"/weighting", margins(2000), append(bearer(owner), "Content-Type", "application/json")...); r.Status != 200 {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	api := e.Do("GET", "/v1/org/surveys/"+id+"/summary?weighted=true", nil, bearer(owner)...)
	if api.Status != 409 || !strings.Contains(string(api.Body), "weighting_empty") {
		t.Fatalf("API: %d %s", api.Status, api.Body)
	}
	b := newBrowser(t, e)
	b.signIn(owner)
	p := b.get(results + "/weighted")
	if p.status != 409 || !strings.Contains(p.body, "Too few respondents to weight") || !strings.Contains(p.body, "Merge that group with a neighbouring one") {
		t.Errorf("failing weighting: %d %s", p.status, p.body)
	}
	p = b.get(results + "/weighted?lang=sv")
	if p.status != 409 || strings.Contains(p.body, "problem.") || strings.Contains(p.body, "Too few respondents") || !strings.Contains(p.body, `lang="sv"`) {
		t.Errorf("failing weighting in Swedish: %d %s", p.status, p.body)
	}
	p = b.get(results + "/export?format=csv&lang=en&weighted=true")
	if p.status != 409 || !strings.Contains(p.body, "Too few respondents to weight") {
		t.Errorf("failing weighted export: %d %s", p.status, p.body)
	}
	if p := b.get(results); p.status != 200 || !strings.Contains(p.body, "2\u202f000") {
		t.Errorf("results page with unusable totals: %d", p.status)
	}
}
