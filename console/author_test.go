package console_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/api/apitest"
)

// upload posts a multipart form as the console's upload forms send it:
// fields, then one file.
func (b *browser) upload(path string, fields map[string]string, fileName string, data []byte, headers ...string) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			b.t.Fatal(err)
		}
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			b.t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	if err := mw.Close(); err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequest("POST", b.e.URL+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.e.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// xlsx builds a workbook: sheet name, then its rows (header first).
func xlsx(t *testing.T, sheets map[string][][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	for name, rows := range sheets {
		if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			vals := make([]any, len(r))
			for j, v := range r {
				vals[j] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(name, cell, &vals); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.DeleteSheet("Sheet1"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// schoolForm is an XLSForm in English and Arabic whose third survey row
// names the choice list given as list (a list that does not exist makes
// that row a problem); its question "why" is relevant only when "likes"
// is yes (show_if).
func schoolForm(t *testing.T, list string) []byte {
	return xlsx(t, map[string][][]string{
		"survey": {
			{"type", "name", "label::English (en)", "label::Arabic (ar)", "relevant"},
			{"select_one yesno", "likes", "Do you like school?", "هل تحب المدرسة؟", ""},
			{"select_one " + list, "why", "Why?", "لماذا؟", "${likes} = 'yes'"},
		},
		"choices": {
			{"list_name", "name", "label::English (en)", "label::Arabic (ar)"},
			{"yesno", "yes", "Yes", "نعم"},
			{"yesno", "no", "No", "لا"},
			{"reasons", "friends", "Friends", "الأصدقاء"},
			{"reasons", "teachers", "Teachers", "المعلمون"},
		},
		"settings": {
			{"form_title", "default_language", "youthvoice::title::Arabic (ar)", "youthvoice::thank_you::English (en)", "youthvoice::thank_you::Arabic (ar)"},
			{"School", "English (en)", "المدرسة", "Thanks", "شكرًا"},
		},
	})
}

func surveyCount(t *testing.T, e *apitest.Env, owner string) int {
	t.Helper()
	r := e.Do("GET", "/v1/org/surveys", nil, bearer(owner)...)
	var out struct {
		Surveys []json.RawMessage `json:"surveys"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatal(err)
	}
	return len(out.Surveys)
}

var designLocation = regexp.MustCompile(`^/console/surveys/([0-9a-f-]{36})/design\?created=1$`)

// createdID checks that a form created a draft and sent the person to its
// page, and returns its id.
func createdID(t *testing.T, p page) string {
	t.Helper()
	m := designLocation.FindStringSubmatch(p.header.Get("Location"))
	if p.status != http.StatusSeeOther || m == nil {
		t.Fatalf("create: %d %q %s", p.status, p.header.Get("Location"), p.body)
	}
	return m[1]
}

// An XLSForm with a bad row is refused with the problem at its sheet, row
// and column, and nothing is stored; fixed, a check stores nothing and
// shows what it would make, and creating makes the draft (audited as the
// import workflow audits it).
func TestUploadXLSFormProblemsThenDraft(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Skolverket")
	b := newBrowser(t, e)
	b.signIn(owner)
	if p := b.get("/console/new"); p.status != 200 || !strings.Contains(p.body, `enctype="multipart/form-data"`) {
		t.Fatalf("new survey page: %d %s", p.status, p.body)
	}
	bad := b.upload("/console/new", map[string]string{"csrf": b.csrf, "action": "create"}, "school.xlsx", schoolForm(t, "reasonz"))
	if bad.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad workbook: %d %s", bad.status, bad.body)
	}
	// The problem's row: sheet survey, row 3, column type, the cell's text.
	row := regexp.MustCompile(`<tr><td>survey</td><td>3</td><td>type</td><td><span class="cell">select_one reasonz</span></td><td>[^<]+</td></tr>`)
	if !row.MatchString(bad.body) {
		t.Errorf("the problem is not shown at survey, row 3, column type:\n%s", bad.body)
	}
	if !strings.Contains(bad.body, "Nothing was stored") || !strings.Contains(bad.body, `aria-invalid="true"`) {
		t.Errorf("the page does not say nothing was stored, or the file field is not marked")
	}
	if n := surveyCount(t, e, owner); n != 0 {
		t.Fatalf("a refused workbook stored %d surveys", n)
	}
	good := schoolForm(t, "reasons")
	check := b.upload("/console/new", map[string]string{"csrf": b.csrf, "action": "check"}, "school.xlsx", good)
	if check.status != 200 || !strings.Contains(check.body, "school.xlsx has no problems") || !strings.Contains(check.body, "“School” with 2 questions") {
		t.Fatalf("check: %d %s", check.status, check.body)
	}
	if n := surveyCount(t, e, owner); n != 0 {
		t.Fatalf("a check stored %d surveys", n)
	}
	id := createdID(t, b.upload("/console/new", map[string]string{"csrf": b.csrf, "action": "create"}, "school.xlsx", good))
	r := e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(owner)...)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"draft"`) || !strings.Contains(string(r.Body), "لماذا؟") {
		t.Fatalf("the draft: %d %s", r.Status, string(r.Body))
	}
	page := b.get("/console/surveys/" + id + "/design?created=1")
	if page.status != 200 || !strings.Contains(page.body, "The draft was created") || !strings.Contains(page.body, "8 of 8 texts (100%) · complete") {
		t.Fatalf("design page: %d %s", page.status, page.body)
	}
	if audit := e.Do("GET", "/v1/org/audit", nil, bearer(owner)...); !strings.Contains(string(audit.Body), `"action":"survey_import"`) {
		t.Errorf("the import is not in the audit log: %s", string(audit.Body))
	}
}

// A JSON definition: its problems at readable places (nothing stored),
// then a draft; and a draft started from an example.
func TestUploadJSONAndStartFromExample(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	b := newBrowser(t, e)
	b.signIn(owner)
	b.get("/console/new")
	def := map[string]any{
		"default_language": "en", "languages": []string{"en"},
		"title": map[string]string{"en": "Parks"}, "thank_you": map[string]string{"en": "Thanks"},
		"sections": []any{map[string]any{"id": "s", "questions": []any{
			map[string]any{"id": "age", "type": "single_choice", "text": map[string]string{"en": "Age"}, "options": []any{}},
		}}},
	}
	body, _ := json.Marshal(def)
	bad := b.upload("/console/new", map[string]string{"csrf": b.csrf, "action": "create"}, "parks.json", body)
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "section 1 (s) › question 1 (age) › options") ||
		!strings.Contains(bad.body, "/sections/0/questions/0/options") {
		t.Fatalf("a definition without options: %d %s", bad.status, bad.body)
	}
	broken := b.upload("/console/new", map[string]string{"csrf": b.csrf, "action": "check"}, "parks.json", []byte("{\n  \"title\": {\"en\": \"x\"},\n  oops\n}"))
	if broken.status != http.StatusUnprocessableEntity || !strings.Contains(broken.body, "line 3, column 3") {
		t.Fatalf("malformed JSON: %d %s", broken.status, broken.body)
	}
	if n := surveyCount(t, e, owner); n != 0 {
		t.Fatalf("refused files stored %d surveys", n)
	}
	def["sections"].([]any)[0].(map[string]any)["questions"].([]any)[0].(map[string]any)["options"] = []any{
		map[string]any{"code": "13", "label": map[string]string{"en": "13"}}, map[string]any{"code": "14", "label": map[string]string{"en": "14"}}}
	body, _ = json.Marshal(def)
	createdID(t, b.upload("/console/new", map[string]string{"csrf": b.csrf, "action": "create"}, "parks.json", body))
	p := b.post("/console/new/example", url.Values{"csrf": {b.csrf}, "example": {"youth-policy-consultation.json"}})
	id := createdID(t, p)
	r := e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(owner)...)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"draft"`) {
		t.Fatalf("the example's draft: %d %s", r.Status, string(r.Body))
	}
	if n := surveyCount(t, e, owner); n != 2 {
		t.Fatalf("%d surveys, want 2", n)
	}
	if p := b.post("/console/new/example", url.Values{"csrf": {b.csrf}, "example": {"../../go.mod"}}); p.status != 400 {
		t.Fatalf("an unknown example: %d", p.status)
	}
}

// showIfSurvey is a draft in English and Arabic whose second question is
// shown only to those who answer "yes" to the first.
func showIfSurvey(t *testing.T, e *apitest.Env, owner string) string {
	t.Helper()
	def := map[string]any{
		"default_language": "en", "languages": []string{"en", "ar"}, "access_codes": true,
		"title":     map[string]string{"en": "School", "ar": "المدرسة"},
		"thank_you": map[string]string{"en": "Thanks", "ar": "شكرًا"},
		"sections": []any{map[string]any{"id": "s", "questions": []any{
			map[string]any{"id": "likes", "type": "single_choice", "text": map[string]string{"en": "Do you like school?", "ar": "هل تحب المدرسة؟"},
				"options": []any{opt("yes"), opt("no")}},
			map[string]any{"id": "why", "type": "text", "text": map[string]string{"en": "What do you like?", "ar": "ماذا تحب؟"},
				"show_if": map[string]any{"question": "likes", "equals": "yes"}},
		}}},
	}
	r := e.Do("POST", "/v1/org/surveys", def, bearer(owner)...)
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, string(r.Body))
	}
	return r.Map(t)["id"].(string)
}

// The preview in Arabic is right to left in a phone frame, and the
// show_if question appears only once the answer that shows it is given.
func TestPreviewArabicShowIf(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	id := showIfSurvey(t, e, owner)
	b := newBrowser(t, e)
	b.signIn(owner)
	p := b.get("/console/surveys/" + id + "/preview?plang=ar")
	if p.status != 200 || !strings.Contains(p.body, `<div class="phone" lang="ar" dir="rtl">`) || !strings.Contains(p.body, "هل تحب المدرسة؟") {
		t.Fatalf("preview in Arabic: %d %s", p.status, p.body)
	}
	if strings.Contains(p.body, "ماذا تحب؟") {
		t.Fatal("the show_if question is shown before its answer")
	}
	no := b.post("/console/surveys/"+id+"/preview", url.Values{"csrf": {b.csrf}, "plang": {"ar"}, "q.likes": {"no"}})
	if no.status != 200 || strings.Contains(no.body, "ماذا تحب؟") {
		t.Fatalf("answer no: %d, the question shows", no.status)
	}
	yes := b.post("/console/surveys/"+id+"/preview", url.Values{"csrf": {b.csrf}, "plang": {"ar"}, "q.likes": {"yes"}})
	if yes.status != 200 || !strings.Contains(yes.body, "ماذا تحب؟") || !strings.Contains(yes.body, `value="yes" checked`) {
		t.Fatalf("answer yes: %d, the question does not show\n%s", yes.status, yes.body)
	}
	// An answer to the question that became hidden is dropped, as the app
	// drops it: going back to "no" hides it again.
	back := b.post("/console/surveys/"+id+"/preview", url.Values{"csrf": {b.csrf}, "plang": {"ar"}, "q.likes": {"no"}, "q.why": {"friends"}, "finish": {"1"}})
	if back.status != 200 || strings.Contains(back.body, "ماذا تحب؟") || !strings.Contains(back.body, "شكرًا") {
		t.Fatalf("back to no: %d\n%s", back.status, back.body)
	}
	// An analyst may preview (read) too.
	_, analyst := token(t, e, owner, "analyst")
	a := newBrowser(t, e)
	a.signIn(analyst)
	if p := a.get("/console/surveys/" + id + "/preview?plang=en"); p.status != 200 || !strings.Contains(p.body, `dir="ltr"`) {
		t.Fatalf("analyst preview: %d", p.status)
	}
}

// The translator's file downloaded from the console is the API's; a
// filled-in file uploaded changes only that language (a check changes
// nothing), and the upload is audited.
func TestTranslationsDownloadUpload(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	def := map[string]any{
		"default_language": "en", "languages": []string{"en", "ar", "sv"},
		"title":     map[string]string{"en": "School", "ar": "المدرسة", "sv": "Skolan"},
		"thank_you": map[string]string{"en": "Thanks", "ar": "شكرًا", "sv": "Tack"},
		"sections": []any{map[string]any{"id": "s", "questions": []any{
			map[string]any{"id": "likes", "type": "single_choice", "text": map[string]string{"en": "Do you like school?", "sv": "Gillar du skolan?"},
				"options": []any{opt("yes"), opt("no")}},
		}}},
	}
	r := e.Do("POST", "/v1/org/surveys", def, bearer(owner)...)
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, string(r.Body))
	}
	id := r.Map(t)["id"].(string)
	b := newBrowser(t, e)
	b.signIn(owner)
	page := b.get("/console/surveys/" + id + "/design")
	if page.status != 200 || !strings.Contains(page.body, "likes.text") {
		t.Fatalf("the design page does not list the missing Arabic text: %d %s", page.status, page.body)
	}
	csvFile := b.get("/console/surveys/" + id + "/translations/ar?format=csv&lang=en")
	api := e.Do("GET", "/v1/org/surveys/"+id+"/translations/ar?format=csv&lang=en", nil, bearer(owner)...)
	if csvFile.status != 200 || csvFile.body != string(api.Body) {
		t.Fatalf("the console's file differs from the API's:\n%s\n---\n%s", csvFile.body, string(api.Body))
	}
	filled := strings.Replace(csvFile.body, "Do you like school?,", "Do you like school?,هل تحب المدرسة؟", 1)
	if filled == csvFile.body {
		t.Fatalf("cannot fill in the file:\n%s", csvFile.body)
	}
	check := b.upload("/console/surveys/"+id+"/translations", map[string]string{"csrf": b.csrf, "target": "ar", "action": "check"}, "ar.csv", []byte(filled))
	if check.status != 200 || !strings.Contains(check.body, "nothing was saved") {
		t.Fatalf("check: %d %s", check.status, check.body)
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(owner)...); strings.Contains(string(r.Body), "هل تحب المدرسة؟") {
		t.Fatal("a check changed the survey")
	}
	before := e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(owner)...).Map(t)["definition"].(map[string]any)
	apply := b.upload("/console/surveys/"+id+"/translations", map[string]string{"csrf": b.csrf, "target": "ar", "action": "apply"}, "ar.csv", []byte(filled))
	if apply.status != 200 || !strings.Contains(apply.body, "were saved") {
		t.Fatalf("apply: %d %s", apply.status, apply.body)
	}
	after := e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(owner)...).Map(t)["definition"].(map[string]any)
	q := func(d map[string]any) map[string]any {
		return d["sections"].([]any)[0].(map[string]any)["questions"].([]any)[0].(map[string]any)["text"].(map[string]any)
	}
	if q(after)["ar"] != "هل تحب المدرسة؟" || q(after)["sv"] != q(before)["sv"] || q(after)["en"] != q(before)["en"] {
		t.Fatalf("the texts after: %v, before: %v", q(after), q(before))
	}
	if fmt.Sprint(after["title"]) != fmt.Sprint(before["title"]) {
		t.Errorf("the title changed: %v", after["title"])
	}
	if audit := e.Do("GET", "/v1/org/audit", nil, bearer(owner)...); !strings.Contains(string(audit.Body), `"action":"translations"`) {
		t.Errorf("the upload is not in the audit log: %s", string(audit.Body))
	}
	if p := b.upload("/console/surveys/"+id+"/translations", map[string]string{"csrf": b.csrf, "target": "ar", "action": "apply"}, "ar.txt", []byte("hello")); p.status != 415 {
		t.Fatalf("a text file: %d", p.status)
	}
	// A bad row: its row and key shown, nothing applied.
	bad := strings.Replace(filled, "likes.text", "likes.txet", 1)
	refused := b.upload("/console/surveys/"+id+"/translations", map[string]string{"csrf": b.csrf, "target": "ar", "action": "apply"}, "ar.csv", []byte(bad))
	if refused.status != 422 || !strings.Contains(refused.body, "<code>q.likes.txet</code>") {
		t.Fatalf("a bad row: %d %s", refused.status, refused.body)
	}
}

// Publish, close and archive each ask for a confirmation first (a GET
// changes nothing), then go through the workflow, audited as the API's.
func TestStateChangesWithConfirmation(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	id := showIfSurvey(t, e, owner)
	b := newBrowser(t, e)
	b.signIn(owner)
	// The app asks for the draft first: the server remembers that it is
	// not open (for 2 s) until a change made in this process forgets it.
	if r := e.Do("GET", "/v1/surveys/"+id, nil); r.Status != 404 {
		t.Fatalf("the app sees a draft: %d", r.Status)
	}
	for _, step := range []struct{ action, state string }{{"publish", "open"}, {"close", "closed"}, {"archive", "archived"}} {
		confirm := b.get("/console/surveys/" + id + "/state/" + step.action)
		if confirm.status != 200 || !strings.Contains(confirm.body, `action="/console/surveys/`+id+`/state/`+step.action+`"`) {
			t.Fatalf("%s confirmation: %d %s", step.action, confirm.status, confirm.body)
		}
		if r := e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(owner)...); strings.Contains(string(r.Body), `"status":"`+step.state+`"`) {
			t.Fatalf("the confirmation page made the change %s", step.action)
		}
		done := b.post("/console/surveys/"+id+"/state/"+step.action, url.Values{"csrf": {b.csrf}})
		if done.status != http.StatusSeeOther || done.header.Get("Location") != "/console/surveys/"+id+"/design?done="+step.action {
			t.Fatalf("%s: %d %q %s", step.action, done.status, done.header.Get("Location"), done.body)
		}
		if r := e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(owner)...); !strings.Contains(string(r.Body), `"status":"`+step.state+`"`) {
			t.Fatalf("after %s: %s", step.action, string(r.Body))
		}
		if step.action == "publish" {
			if r := e.Do("GET", "/v1/surveys/"+id, nil); r.Status != 200 {
				t.Fatalf("the app does not see the published survey at once: %d", r.Status)
			}
		}
	}
	audit := string(e.Do("GET", "/v1/org/audit", nil, bearer(owner)...).Body)
	for _, a := range []string{"publish", "close", "archive"} {
		if !strings.Contains(audit, `"action":"`+a+`"`) {
			t.Errorf("no audit entry %q: %s", a, audit)
		}
	}
	// Publishing again is refused with the API's reason.
	again := b.post("/console/surveys/"+id+"/state/publish", url.Values{"csrf": {b.csrf}})
	if again.status != http.StatusConflict || !strings.Contains(again.body, "Only a draft can be published") {
		t.Fatalf("publish an archived survey: %d %s", again.status, again.body)
	}
	if p := b.get("/console/surveys/" + id + "/state/delete"); p.status != 404 {
		t.Fatalf("an unknown state change: %d", p.status)
	}
}

// Publishing a survey whose translations are incomplete is refused with
// what is missing, at readable places.
func TestPublishRefusedListsWhatIsMissing(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	def := map[string]any{
		"default_language": "en", "languages": []string{"en", "ar"},
		"title": map[string]string{"en": "School", "ar": "المدرسة"}, "thank_you": map[string]string{"en": "Thanks", "ar": "شكرًا"},
		"sections": []any{map[string]any{"id": "s", "questions": []any{
			map[string]any{"id": "likes", "type": "single_choice", "text": map[string]string{"en": "Like it?"}, "options": []any{opt("yes"), opt("no")}},
		}}},
	}
	id := e.Do("POST", "/v1/org/surveys", def, bearer(owner)...).Map(t)["id"].(string)
	b := newBrowser(t, e)
	b.signIn(owner)
	b.get("/console/surveys/" + id + "/state/publish")
	p := b.post("/console/surveys/"+id+"/state/publish", url.Values{"csrf": {b.csrf}})
	if p.status != 422 || !strings.Contains(p.body, "question 1 (likes)") {
		t.Fatalf("publish incomplete: %d %s", p.status, p.body)
	}
}

var codePattern = regexp.MustCompile(`<span class="code" dir="ltr">([^<]+)</span>`)

// Access codes: a form for how many, then a printable page of the codes,
// shown once; the codes work in the app's submission.
func TestAccessCodesIssuedAndPrintable(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	id := showIfSurvey(t, e, owner)
	b := newBrowser(t, e)
	b.signIn(owner)
	if p := b.get("/console/surveys/" + id + "/codes"); p.status != 200 || !strings.Contains(p.body, `id="count"`) {
		t.Fatalf("codes form: %d %s", p.status, p.body)
	}
	bad := b.post("/console/surveys/"+id+"/codes", url.Values{"csrf": {b.csrf}, "count": {"0"}})
	if bad.status != 422 || !strings.Contains(bad.body, `aria-describedby="count-hint count-error"`) {
		t.Fatalf("count 0: %d %s", bad.status, bad.body)
	}
	p := b.post("/console/surveys/"+id+"/codes", url.Values{"csrf": {b.csrf}, "count": {"12"}})
	codes := codePattern.FindAllStringSubmatch(p.body, -1)
	if p.status != 200 || len(codes) != 12 || !strings.Contains(p.body, `class="codes"`) {
		t.Fatalf("issue 12: %d, %d codes\n%s", p.status, len(codes), p.body)
	}
	if e.Do("POST", "/v1/org/surveys/"+id+"/publish", nil, bearer(owner)...).Status != 200 {
		t.Fatal("publish")
	}
	sub := map[string]any{"submission_id": "00000001-0000-4000-8000-000000000000", "revision": 1,
		"access_code": html.UnescapeString(codes[0][1]), "answers": map[string]any{"likes": "no"}}
	if r := e.Do("POST", "/v1/surveys/"+id+"/responses", sub); r.Status != 201 {
		t.Fatalf("a printed code does not work: %d %s", r.Status, string(r.Body))
	}
	if css := b.get("/console/static/console.css"); !strings.Contains(css.body, "@media print") {
		t.Error("the stylesheet has no print rules")
	}
}

// An analyst reads the survey's page but gets 403 for every authoring
// action, page or form; every POST without the session's token is
// refused as a forgery, and changes nothing.
func TestAnalystForbiddenAndCSRF(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	id := showIfSurvey(t, e, owner)
	_, analyst := token(t, e, owner, "analyst")
	a := newBrowser(t, e)
	a.signIn(analyst)
	if p := a.get("/console/surveys/" + id + "/design"); p.status != 200 || strings.Contains(p.body, "/state/publish") || strings.Contains(p.body, `name="file"`) {
		t.Fatalf("analyst's design page: %d (or it offers actions)", p.status)
	}
	if p := a.get("/console/surveys/" + id + "/translations/ar?format=csv"); p.status != 200 {
		t.Fatalf("analyst download: %d", p.status)
	}
	for _, path := range []string{"/console/new", "/console/surveys/" + id + "/state/publish", "/console/surveys/" + id + "/codes"} {
		if p := a.get(path); p.status != 403 {
			t.Errorf("analyst GET %s: %d", path, p.status)
		}
	}
	posts := []string{"/console/new", "/console/new/example", "/console/surveys/" + id + "/translations",
		"/console/surveys/" + id + "/state/publish", "/console/surveys/" + id + "/codes"}
	for _, path := range posts {
		if p := a.post(path, url.Values{"csrf": {a.csrf}, "example": {"youth-policy-consultation.json"}, "count": {"3"}}); p.status != 403 {
			t.Errorf("analyst POST %s: %d", path, p.status)
		}
		if p := a.upload(path, map[string]string{"csrf": a.csrf, "action": "create"}, "x.json", []byte("{}")); p.status != 403 {
			t.Errorf("analyst multipart POST %s: %d", path, p.status)
		}
	}
	o := newBrowser(t, e)
	o.signIn(owner)
	for _, path := range append(posts, "/console/surveys/"+id+"/preview") {
		if p := o.post(path, url.Values{"example": {"youth-policy-consultation.json"}, "count": {"3"}}); p.status != 403 {
			t.Errorf("POST %s without the token: %d", path, p.status)
		}
		if p := o.post(path, url.Values{"csrf": {"forged"}, "count": {"3"}}); p.status != 403 {
			t.Errorf("POST %s with a wrong token: %d", path, p.status)
		}
		if p := o.upload(path, map[string]string{"action": "create"}, "x.json", []byte("{}")); p.status != 403 {
			t.Errorf("multipart POST %s without the token: %d", path, p.status)
		}
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(owner)...); !strings.Contains(string(r.Body), `"status":"draft"`) {
		t.Fatalf("a refused POST changed the survey: %s", string(r.Body))
	}
	if n := surveyCount(t, e, owner); n != 1 {
		t.Fatalf("refused POSTs made surveys: %d", n)
	}
}

// Another organisation's survey is a 404 on every authoring page, as in
// the API, and nothing of it changes.
func TestAnotherOrganisationsSurveyIsNotFound(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	id := showIfSurvey(t, e, owner)
	_, other := e.Org("Other")
	b := newBrowser(t, e)
	b.signIn(other)
	for _, path := range []string{"/design", "/preview?plang=ar", "/translations/ar?format=csv", "/state/publish", "/codes"} {
		if p := b.get("/console/surveys/" + id + path); p.status != 404 {
			t.Errorf("GET %s: %d", path, p.status)
		}
	}
	for _, path := range []string{"/preview", "/state/publish", "/codes"} {
		if p := b.post("/console/surveys/"+id+path, url.Values{"csrf": {b.csrf}, "count": {"3"}}); p.status != 404 {
			t.Errorf("POST %s: %d", path, p.status)
		}
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(owner)...); !strings.Contains(string(r.Body), `"status":"draft"`) {
		t.Fatalf("another organisation changed the survey: %s", r.Body)
	}
}

// A language the survey does not have yet is added from the console: the
// design page offers the server's other languages, leads to their
// translator's file, and the file uploaded back adds the language.
func TestAddALanguageFromTheConsole(t *testing.T) {
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	def := map[string]any{
		"default_language": "en", "languages": []string{"en", "sv"},
		"title":     map[string]string{"en": "School", "sv": "Skolan"},
		"thank_you": map[string]string{"en": "Thanks", "sv": "Tack"},
		"sections": []any{map[string]any{"id": "s", "questions": []any{
			map[string]any{"id": "likes", "type": "single_choice", "text": map[string]string{"en": "Do you like school?", "sv": "Gillar du skolan?"},
				"options": []any{
					map[string]any{"code": "yes", "label": map[string]string{"en": "Yes", "sv": "Ja"}},
					map[string]any{"code": "no", "label": map[string]string{"en": "No", "sv": "Nej"}}}},
		}}},
	}
	r := e.Do("POST", "/v1/org/surveys", def, bearer(owner)...)
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, string(r.Body))
	}
	id := r.Map(t)["id"].(string)
	b := newBrowser(t, e)
	b.signIn(owner)
	page := b.get("/console/surveys/" + id + "/design")
	form := page.body[strings.Index(page.body, `id="new-lang"`):]
	form = form[:strings.Index(form, "</select>")]
	if page.status != 200 || !strings.Contains(form, `value="ar"`) || strings.Contains(form, `value="sv"`) || strings.Contains(form, `value="en"`) {
		t.Fatalf("the languages to add: %d %s", page.status, form)
	}
	to := b.get("/console/surveys/" + id + "/translations?target=ar&format=csv")
	if to.status != http.StatusSeeOther || to.header.Get("Location") != "/console/surveys/"+id+"/translations/ar?format=csv" {
		t.Fatalf("the form leads to %d %q", to.status, to.header.Get("Location"))
	}
	for _, bad := range []string{"?target=en&format=csv", "?target=x!&format=csv", "?target=ar&format=pdf"} {
		if p := b.get("/console/surveys/" + id + "/translations" + bad); p.status != 400 {
			t.Errorf("%s: %d", bad, p.status)
		}
	}
	file := b.get(to.header.Get("Location"))
	rows, err := csv.NewReader(strings.NewReader(file.body)).ReadAll()
	if file.status != 200 || err != nil || len(rows) < 3 || !strings.Contains(rows[0][3], "(ar)") {
		t.Fatalf("the file: %d %v %q", file.status, err, rows)
	}
	for _, row := range rows[1:] {
		if row[2] != "" {
			row[3] = "ترجمة: " + row[2]
		}
	}
	var filled strings.Builder
	w := csv.NewWriter(&filled)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	apply := b.upload("/console/surveys/"+id+"/translations", map[string]string{"csrf": b.csrf, "target": "ar", "action": "apply"}, "ar.csv", []byte(filled.String()))
	if apply.status != 200 || !strings.Contains(apply.body, "were saved") {
		t.Fatalf("apply: %d %s", apply.status, apply.body)
	}
	after := e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(owner)...).Map(t)["definition"].(map[string]any)
	if fmt.Sprint(after["languages"]) != "[en sv ar]" || after["title"].(map[string]any)["ar"] != "ترجمة: School" {
		t.Fatalf("after the upload: languages %v, title %v", after["languages"], after["title"])
	}
	// Arabic is now one of the survey's languages, no longer one to add.
	page = b.get("/console/surveys/" + id + "/design")
	form = page.body[strings.Index(page.body, `id="new-lang"`):]
	form = form[:strings.Index(form, "</select>")]
	if strings.Contains(form, `value="ar"`) {
		t.Fatalf("Arabic still offered to add: %s", form)
	}
}
