package api_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/internal/racetest"
)

// exampleSurveys creates (and, when publish is set, publishes) both
// example surveys for an organisation and returns their ids by file name.
func exampleSurveys(t *testing.T, e *apitest.Env, tok string, publish bool) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for _, name := range examples.Names() {
		b, err := examples.Survey(name)
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = createSurvey(t, e, tok, json.RawMessage(b))
		if publish {
			publishSurvey(t, e, tok, ids[name])
		}
	}
	return ids
}

// exampleConsultation is the example consultation's body, linking ids.
func exampleConsultation(t *testing.T, ids map[string]string) map[string]any {
	t.Helper()
	b, err := examples.Consultation("youth-plan-2027.json", ids)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

type consultationView struct {
	ID             string            `json:"id"`
	State          string            `json:"state"`
	Version        int               `json:"version"`
	BackgroundHTML map[string]string `json:"background_html"`
	Actions        []string          `json:"actions"`
	Shared         bool              `json:"shared"`
	Surveys        []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"surveys"`
	Definition struct {
		Title map[string]string `json:"title"`
	} `json:"definition"`
}

func createConsultation(t *testing.T, e *apitest.Env, tok string, body any) consultationView {
	t.Helper()
	r := e.Do("POST", "/v1/org/consultations", body, bearer(tok)...)
	if r.Status != 201 {
		t.Fatalf("create consultation: %d %s", r.Status, r.Body)
	}
	if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/v1/org/consultations/") {
		t.Fatalf("Location %q", loc)
	}
	var v consultationView
	r.JSON(t, &v)
	return v
}

func moveConsultation(t *testing.T, e *apitest.Env, tok, id, action string) consultationView {
	t.Helper()
	e.Clock.Advance(time.Millisecond) // each step at its own time: the audit log's order
	r := e.Do("POST", "/v1/org/consultations/"+id+"/"+action, nil, bearer(tok)...)
	if r.Status != 200 {
		t.Fatalf("%s: %d %s", action, r.Status, r.Body)
	}
	var v consultationView
	r.JSON(t, &v)
	return v
}

// An organiser creates, publishes and moves a consultation with the two
// example surveys through every state; each move the state does not
// allow is a translated 409 naming both states; a closed consultation
// cannot change; every step is in the audit log.
func TestConsultationLifecycleThroughHTTP(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	ids := exampleSurveys(t, e, owner, true)
	v := createConsultation(t, e, owner, exampleConsultation(t, ids))
	e.Clock.Advance(time.Millisecond)
	if v.State != "draft" || v.Version != 1 || !slices.Equal(v.Actions, []string{"publish"}) || len(v.Surveys) != 2 ||
		v.Surveys[0].Status != "open" || !strings.Contains(v.BackgroundHTML["ar"], "<h2>") {
		t.Fatalf("created: %+v", v)
	}
	// A draft is the organiser's: the app does not see it.
	if r := e.Do("GET", "/v1/consultations/"+v.ID, nil); r.Status != 404 {
		t.Fatalf("draft in the app: %d", r.Status)
	}
	// Moves a draft does not allow.
	for _, action := range []string{"analyse", "decide", "close"} {
		r := e.Do("POST", "/v1/org/consultations/"+v.ID+"/"+action+"?lang=sv", nil, bearer(owner)...)
		p := problemOf(t, r)
		if r.Status != 409 || p.Type != "urn:youthvoice:problem:consultation_transition" || !strings.Contains(p.Detail, "”utkast”") {
			t.Fatalf("%s of a draft: %d %+v", action, r.Status, p)
		}
	}
	v = moveConsultation(t, e, owner, v.ID, "publish")
	if v.State != "open" || !slices.Equal(v.Actions, []string{"analyse", "close"}) {
		t.Fatalf("published: %+v", v)
	}
	r := e.Do("POST", "/v1/org/consultations/"+v.ID+"/publish", nil, bearer(owner)...)
	if p := problemOf(t, r); r.Status != 409 || !strings.Contains(p.Detail, "“open”") {
		t.Fatalf("publishing twice: %d %+v", r.Status, p)
	}
	r = e.Do("POST", "/v1/org/consultations/"+v.ID+"/decide?lang=ar", nil, bearer(owner)...)
	if p := problemOf(t, r); r.Status != 409 || !strings.Contains(p.Detail, "«مفتوحة»") || r.Header.Get("Content-Language") != "ar" {
		t.Fatalf("deciding an open consultation: %d %+v", r.Status, p)
	}
	v = moveConsultation(t, e, owner, v.ID, "analyse")
	v = moveConsultation(t, e, owner, v.ID, "decide")
	if v.State != "decided" || !slices.Equal(v.Actions, []string{"close"}) {
		t.Fatalf("decided: %+v", v)
	}
	// A decided consultation is still corrected (complete texts only).
	body := exampleConsultation(t, ids)
	body["title"].(map[string]any)["en"] = "The youth plan: safety and free time"
	e.Clock.Advance(time.Millisecond)
	r = e.Do("PUT", "/v1/org/consultations/"+v.ID, body, bearer(owner)...)
	if r.Status != 200 || !strings.Contains(string(r.Body), "The youth plan: safety and free time") {
		t.Fatalf("update of a decided consultation: %d %s", r.Status, r.Body)
	}
	delete(body["summary"].(map[string]any), "ar")
	r = e.Do("PUT", "/v1/org/consultations/"+v.ID, body, bearer(owner)...)
	if got := pointers(t, r); r.Status != 422 || got["/summary/ar"] != "missing_translation" {
		t.Fatalf("incomplete update of a public consultation: %d %v", r.Status, got)
	}
	v = moveConsultation(t, e, owner, v.ID, "close")
	if v.State != "closed" || len(v.Actions) != 0 {
		t.Fatalf("closed: %+v", v)
	}
	r = e.Do("PUT", "/v1/org/consultations/"+v.ID, exampleConsultation(t, ids), bearer(owner)...)
	if p := problemOf(t, r); r.Status != 409 || p.Type != "urn:youthvoice:problem:consultation_not_editable" {
		t.Fatalf("update of a closed consultation: %d %+v", r.Status, p)
	}
	// A closed consultation stays readable by its id (not listed).
	if r := e.Do("GET", "/v1/consultations/"+v.ID, nil); r.Status != 200 || !strings.Contains(string(r.Body), `"state":"closed"`) {
		t.Fatalf("closed in the app: %d %s", r.Status, r.Body)
	}
	var audit struct {
		Entries []struct {
			Action string `json:"action"`
			Detail string `json:"detail"`
		} `json:"entries"`
	}
	e.Do("GET", "/v1/org/audit", nil, bearer(owner)...).JSON(t, &audit)
	var actions []string
	for _, a := range audit.Entries {
		if strings.HasPrefix(a.Action, "consultation_") {
			if a.Detail != v.ID {
				t.Errorf("audit entry %s names %q", a.Action, a.Detail)
			}
			actions = append(actions, a.Action)
		}
	}
	want := []string{"consultation_closed", "consultation_update", "consultation_decided", "consultation_analysing", "consultation_open", "consultation_create"}
	if !slices.Equal(actions, want) {
		t.Fatalf("audited %v, want %v", actions, want)
	}
}

// Linked surveys must be the organisation's own (another's is refused as
// one that does not exist), and published before the consultation is.
func TestConsultationSurveysChecked(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	_, other := e.Org("Grannkommunen")
	mine := exampleSurveys(t, e, owner, false)
	theirs := exampleSurveys(t, e, other, true)
	body := exampleConsultation(t, mine)
	body["surveys"] = []string{mine["youth-policy-consultation.json"], theirs["safety-online-offline.json"], "3f0c7c9e-0000-4c1b-9d7e-1a2b3c4d5e6f"}
	delete(body, "participation") // its links name the surveys replaced (outcomes_test.go checks them)
	r := e.Do("POST", "/v1/org/consultations?lang=sv", body, bearer(owner)...)
	got := pointers(t, r)
	if r.Status != 422 || got["/surveys/1"] != "unknown_survey" || got["/surveys/2"] != "unknown_survey" || len(got) != 2 {
		t.Fatalf("another organisation's survey: %d %v", r.Status, got)
	}
	if p := problemOf(t, r); !strings.Contains(string(r.Body), "Din organisation har ingen enkät") {
		t.Fatalf("not translated: %+v", p)
	}
	// Drafts may be linked to a draft, but the consultation is published
	// only once they are.
	v := createConsultation(t, e, owner, exampleConsultation(t, mine))
	r = e.Do("POST", "/v1/org/consultations/"+v.ID+"/publish", nil, bearer(owner)...)
	if got := pointers(t, r); r.Status != 422 || got["/surveys/0"] != "survey_not_published" || got["/surveys/1"] != "survey_not_published" {
		t.Fatalf("publishing with draft surveys: %d %v", r.Status, got)
	}
	publishSurvey(t, e, owner, mine["youth-policy-consultation.json"])
	publishSurvey(t, e, owner, mine["safety-online-offline.json"])
	moveConsultation(t, e, owner, v.ID, "publish")
	// An update cannot slip another organisation's survey in either.
	body = exampleConsultation(t, mine)
	body["surveys"] = []string{theirs["youth-policy-consultation.json"]}
	delete(body, "participation")
	r = e.Do("PUT", "/v1/org/consultations/"+v.ID, body, bearer(owner)...)
	if got := pointers(t, r); r.Status != 422 || got["/surveys/0"] != "unknown_survey" {
		t.Fatalf("update with another organisation's survey: %d %v", r.Status, got)
	}
}

// Designers (owners, editors) write; any role reads; another
// organisation sees nothing, unless one of the consultation's surveys is
// shared with it: then it reads the consultation (not a draft), read only.
func TestConsultationRolesAndShares(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	ministryID, ministry := e.Org("Departementet")
	analyst := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "analyst"}, bearer(owner)...).Map(t)["token"].(string)
	editor := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "editor"}, bearer(owner)...).Map(t)["token"].(string)
	ids := exampleSurveys(t, e, owner, true)
	body := exampleConsultation(t, ids)
	if r := e.Do("POST", "/v1/org/consultations", body, bearer(analyst)...); r.Status != 403 {
		t.Fatalf("analyst creates: %d", r.Status)
	}
	if r := e.Do("POST", "/v1/org/consultations", body); r.Status != 401 {
		t.Fatalf("anonymous creates: %d", r.Status)
	}
	v := createConsultation(t, e, editor, body)
	for _, tok := range []string{owner, editor, analyst} {
		if r := e.Do("GET", "/v1/org/consultations/"+v.ID, nil, bearer(tok)...); r.Status != 200 {
			t.Fatalf("read: %d", r.Status)
		}
		if r := e.Do("GET", "/v1/org/consultations", nil, bearer(tok)...); r.Status != 200 || !strings.Contains(string(r.Body), v.ID) {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
	}
	if r := e.Do("POST", "/v1/org/consultations/"+v.ID+"/publish", nil, bearer(analyst)...); r.Status != 403 {
		t.Fatalf("analyst publishes: %d", r.Status)
	}
	if r := e.Do("PUT", "/v1/org/consultations/"+v.ID, body, bearer(analyst)...); r.Status != 403 {
		t.Fatalf("analyst updates: %d", r.Status)
	}
	// The ministry: nothing before a share.
	if r := e.Do("GET", "/v1/org/consultations/"+v.ID, nil, bearer(ministry)...); r.Status != 404 {
		t.Fatalf("another organisation reads: %d", r.Status)
	}
	if r := e.Do("POST", "/v1/org/surveys/"+ids["safety-online-offline.json"]+"/shares", map[string]string{"org_id": ministryID}, bearer(owner)...); r.Status != 201 {
		t.Fatalf("share: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", "/v1/org/consultations/"+v.ID, nil, bearer(ministry)...); r.Status != 404 {
		t.Fatalf("the ministry reads a draft: %d", r.Status)
	}
	moveConsultation(t, e, editor, v.ID, "publish")
	r := e.Do("GET", "/v1/org/consultations/"+v.ID, nil, bearer(ministry)...)
	var shared consultationView
	r.JSON(t, &shared)
	if r.Status != 200 || !shared.Shared || len(shared.Actions) != 0 || shared.State != "open" {
		t.Fatalf("the ministry reads a published one: %d %s", r.Status, r.Body)
	}
	for _, req := range []struct{ method, path string }{{"PUT", ""}, {"POST", "/close"}} {
		if r := e.Do(req.method, "/v1/org/consultations/"+v.ID+req.path, body, bearer(ministry)...); r.Status != 404 {
			t.Fatalf("the ministry writes (%s %s): %d", req.method, req.path, r.Status)
		}
	}
	if r := e.Do("GET", "/v1/org/consultations", nil, bearer(ministry)...); strings.Contains(string(r.Body), v.ID) {
		t.Fatal("a shared consultation is in the ministry's own list")
	}
}

// The organiser's list: by state, paged like the audit log; bad
// parameters are 422s with pointers.
func TestConsultationOrgList(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	ids := exampleSurveys(t, e, owner, true)
	var created []string
	for i := range 5 {
		v := createConsultation(t, e, owner, exampleConsultation(t, ids))
		created = append(created, v.ID)
		if i%2 == 0 {
			moveConsultation(t, e, owner, v.ID, "publish")
		}
		e.Clock.Advance(time.Second)
	}
	type page struct {
		Consultations []struct {
			ID    string `json:"id"`
			State string `json:"state"`
			Title string `json:"title"`
		} `json:"consultations"`
		NextBefore string `json:"next_before"`
		NextAfter  string `json:"next_after"`
	}
	var seen []string
	q := "/v1/org/consultations?limit=2"
	for range 5 {
		var p page
		e.Do("GET", q, nil, bearer(owner)...).JSON(t, &p)
		for _, c := range p.Consultations {
			seen = append(seen, c.ID)
			if c.Title != "Ungdomsplanen 2027–2030: trygghet och fritid" {
				t.Fatalf("title %q", c.Title)
			}
		}
		if p.NextBefore == "" {
			break
		}
		q = "/v1/org/consultations?limit=2&before=" + url.QueryEscape(p.NextBefore) + "&after=" + p.NextAfter
	}
	want := slices.Clone(created)
	slices.Reverse(want)
	if !slices.Equal(seen, want) {
		t.Fatalf("pages %v, want %v", seen, want)
	}
	var open page
	e.Do("GET", "/v1/org/consultations?state=open", nil, bearer(owner)...).JSON(t, &open)
	if len(open.Consultations) != 3 || open.Consultations[0].ID != created[4] {
		t.Fatalf("open ones: %+v", open)
	}
	r := e.Do("GET", "/v1/org/consultations?state=archived&limit=0&before=yesterday", nil, bearer(owner)...)
	if got := pointers(t, r); r.Status != 422 || got["/state"] != "invalid" || got["/limit"] != "out_of_range" || got["/before"] != "invalid" {
		t.Fatalf("bad parameters: %d %v", r.Status, got)
	}
}

// Bad definitions: every problem with its pointer, translated; unknown
// fields and wrong types as for surveys.
func TestConsultationValidationThroughHTTP(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	ids := exampleSurveys(t, e, owner, true)
	body := exampleConsultation(t, ids)
	body["closes_at"] = "2027-01-01T00:00:00Z"
	body["decision_expected_by"] = "2026-12-01T00:00:00Z"
	body["background"].(map[string]any)["en"] = strings.Repeat("> ", 12) + "deep"
	body["title"].(map[string]any)["fi"] = "Nuorisosuunnitelma"
	r := e.Do("POST", "/v1/org/consultations", body, bearer(owner)...)
	got := pointers(t, r)
	want := map[string]string{"/closes_at": "window", "/decision_expected_by": "decision_before_close",
		"/title/fi": "undeclared_language"}
	for p, code := range want {
		if got[p] != code {
			t.Errorf("%s: %q, want %q (all: %v)", p, got[p], code, got)
		}
	}
	// The structure first: the nesting is reported once it is valid.
	body = exampleConsultation(t, ids)
	body["background"].(map[string]any)["en"] = strings.Repeat("> ", 12) + "deep"
	r = e.Do("POST", "/v1/org/consultations", body, bearer(owner)...)
	if got := pointers(t, r); r.Status != 422 || got["/background/en"] != "markdown_nesting" {
		t.Fatalf("nesting: %d %v", r.Status, got)
	}
	r = e.Do("POST", "/v1/org/consultations", map[string]any{"title": "x"}, bearer(owner)...)
	if got := pointers(t, r); r.Status != 422 || got["/title"] == "" {
		t.Fatalf("wrong type: %d %v", r.Status, got)
	}
	r = e.Do("POST", "/v1/org/consultations", map[string]any{"outcome": "x"}, bearer(owner)...)
	if got := pointers(t, r); r.Status != 422 || got["/outcome"] != "unknown_field" {
		t.Fatalf("unknown field: %d %v", r.Status, got)
	}
}

// Information pages are sanitised on the server: scripts, event
// handlers, images, javascript: and http links never reach the HTML the
// API returns, to the organiser or to the app; https links keep rel
// nofollow noreferrer noopener.
func TestConsultationMarkdownSanitised(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	ids := exampleSurveys(t, e, owner, true)
	body := exampleConsultation(t, ids)
	attack := "## Hej\n\n<script>alert(1)</script>\n\n[a](javascript:alert(1)) [b](http://insecure.example) [c](https://ok.example)\n\n" +
		"<img src=x onerror=alert(1)> ![d](https://tracker.example/p.png) <a href=\"https://ok.example\" onclick=\"alert(1)\">e</a>\n\n" +
		"[f](JaVaScRiPt:alert(1)) [g](data:text/html;base64,PHNjcmlwdD4=) <iframe src=https://evil.example></iframe>"
	body["background"].(map[string]any)["sv"] = attack
	v := createConsultation(t, e, owner, body)
	moveConsultation(t, e, owner, v.ID, "publish")
	var app struct {
		Background     string `json:"background"`
		BackgroundHTML string `json:"background_html"`
	}
	e.Do("GET", "/v1/consultations/"+v.ID+"?lang=sv", nil).JSON(t, &app)
	for _, html := range []string{v.BackgroundHTML["sv"], app.BackgroundHTML} {
		low := strings.ToLower(html)
		for _, bad := range []string{"<script", "javascript:", "http://", "onerror", "onclick", "<img", "<iframe", "data:", "tracker.example"} {
			if strings.Contains(low, bad) {
				t.Errorf("sanitised HTML contains %q: %s", bad, html)
			}
		}
		if !strings.Contains(html, `<a href="https://ok.example" rel="nofollow noreferrer noopener" target="_blank">c</a>`) || !strings.Contains(html, "<h2>Hej</h2>") {
			t.Errorf("the safe part is missing: %s", html)
		}
	}
	if app.Background != attack {
		t.Error("the Markdown is not returned as written")
	}
	if v.BackgroundHTML["sv"] != app.BackgroundHTML {
		t.Error("the organiser and the app see different HTML")
	}
}

type appConsultationPage struct {
	Consultations []struct {
		ID      string `json:"id"`
		Lang    string `json:"lang"`
		Dir     string `json:"dir"`
		State   string `json:"state"`
		Title   string `json:"title"`
		Summary string `json:"summary"`
		Easy    bool   `json:"easy"`
	} `json:"consultations"`
	Next string `json:"next"`
}

// The app's list: open, analysing and decided consultations only,
// filtered by ?age= and ?region= as the survey list is, in the young
// person's language (the easy summary for an age it is written for),
// paged with a cursor, each page with a strong ETag and a 304.
func TestAppConsultationsListed(t *testing.T) {
	racetest.SkipSingleFlow(t) // requests in turn
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	ids := exampleSurveys(t, e, owner, true)
	publish := func(change func(m map[string]any), moves ...string) string {
		body := exampleConsultation(t, ids)
		if change != nil {
			change(body)
		}
		v := createConsultation(t, e, owner, body)
		for _, m := range moves {
			moveConsultation(t, e, owner, v.ID, m)
		}
		e.Clock.Advance(time.Second)
		return v.ID
	}
	draft := publish(nil)
	closed := publish(nil, "publish", "close")
	open := publish(nil, "publish")
	analysing := publish(nil, "publish", "analyse")
	decided := publish(nil, "publish", "analyse", "decide")
	norway := publish(func(m map[string]any) {
		m["audience"] = map[string]any{"min_age": 16, "regions": []string{"NO"}}
		delete(m, "easy") // written for 15 and younger
	}, "publish")
	list := func(q string) (appConsultationPage, *apitest.Response) {
		r := e.Do("GET", "/v1/consultations"+q, nil)
		if r.Status != 200 {
			t.Fatalf("list %s: %d %s", q, r.Status, r.Body)
		}
		var p appConsultationPage
		r.JSON(t, &p)
		return p, r
	}
	idsOf := func(p appConsultationPage) []string {
		var out []string
		for _, c := range p.Consultations {
			out = append(out, c.ID)
		}
		return out
	}
	all, r := list("")
	if got := idsOf(all); !slices.Equal(got, []string{norway, decided, analysing, open}) {
		t.Fatalf("listed %v, want newest first without %s (draft) and %s (closed)", got, draft, closed)
	}
	if r.Header.Get("Content-Language") != "sv" || all.Consultations[0].Lang != "sv" || all.Consultations[1].State != "decided" {
		t.Fatalf("language or state: %s", r.Body)
	}
	for q, want := range map[string][]string{
		"?region=SE":        {decided, analysing, open},
		"?region=se&age=14": {decided, analysing, open},
		"?age=14":           {decided, analysing, open},
		"?age=17&region=NO": {norway},
		"?age=30":           {norway},
		"?age=12":           nil,
	} {
		if p, _ := list(q); !slices.Equal(idsOf(p), want) {
			t.Errorf("%s: %v, want %v", q, idsOf(p), want)
		}
	}
	// The easy summary for the youngest (up to 15 in the example).
	young, _ := list("?age=14&lang=en")
	older, _ := list("?age=16&lang=en")
	if !young.Consultations[0].Easy || older.Consultations[0].Easy || young.Consultations[0].Summary == older.Consultations[0].Summary ||
		!strings.HasPrefix(young.Consultations[0].Summary, "The municipality is making a plan") {
		t.Fatalf("easy summaries: %+v / %+v", young.Consultations[0], older.Consultations[0])
	}
	// Pages of one, each with its ETag; the Link names the next page.
	var walked []string
	q := "?limit=1"
	for range 10 {
		p, r := list(q)
		walked = append(walked, idsOf(p)...)
		etag := r.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		if again := e.Do("GET", "/v1/consultations"+q, nil, "If-None-Match", etag); again.Status != 304 || again.Header.Get("ETag") != etag {
			t.Fatalf("If-None-Match: %d", again.Status)
		}
		if p.Next == "" {
			if r.Header.Get("Link") != "" {
				t.Fatal("a Link on the last page")
			}
			break
		}
		if link := r.Header.Get("Link"); !strings.Contains(link, "cursor="+p.Next) || !strings.Contains(link, "limit=1") {
			t.Fatalf("Link %q", link)
		}
		q = "?limit=1&cursor=" + p.Next
	}
	if !slices.Equal(walked, idsOf(all)) {
		t.Fatalf("walked %v, want %v", walked, idsOf(all))
	}
	// A change makes a new ETag.
	_, before := list("")
	moveConsultation(t, e, owner, open, "close")
	after, r := list("")
	if r.Header.Get("ETag") == before.Header.Get("ETag") || slices.Contains(idsOf(after), open) {
		t.Fatal("closing did not change the list")
	}
	for _, q := range []string{"?age=x", "?limit=0", "?cursor=%%%"} {
		if r := e.Do("GET", "/v1/consultations"+q, nil); r.Status != 422 {
			t.Errorf("%s: %d", q, r.Status)
		}
	}
}

// GET /v1/consultations/{id} in Arabic: right to left, the background as
// Markdown and as HTML, the linked surveys with their states and titles
// in Arabic, the outcome reserved (null), an ETag that changes when a
// linked survey closes.
func TestAppConsultationArabic(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	ids := exampleSurveys(t, e, owner, true)
	v := createConsultation(t, e, owner, exampleConsultation(t, ids))
	moveConsultation(t, e, owner, v.ID, "publish")
	var got struct {
		Lang           string          `json:"lang"`
		Dir            string          `json:"dir"`
		State          string          `json:"state"`
		Title          string          `json:"title"`
		Background     string          `json:"background"`
		BackgroundHTML string          `json:"background_html"`
		Question       string          `json:"question"`
		DecisionMaker  string          `json:"decision_maker"`
		Outcome        json.RawMessage `json:"outcome"`
		Easy           struct {
			MaxAge         int    `json:"max_age"`
			BackgroundHTML string `json:"background_html"`
		} `json:"easy"`
		Timeline struct {
			ClosesAt *time.Time `json:"closes_at"`
			OpenedAt *time.Time `json:"opened_at"`
		} `json:"timeline"`
		Surveys []struct {
			ID     string `json:"id"`
			Lang   string `json:"lang"`
			Title  string `json:"title"`
			Status string `json:"status"`
			Open   bool   `json:"open"`
		} `json:"surveys"`
	}
	for _, how := range [][]string{{"?lang=ar"}, {"", "Accept-Language", "ar-SE, en;q=0.5"}} {
		r := e.Do("GET", "/v1/consultations/"+v.ID+how[0], nil, how[1:]...)
		if r.Status != 200 {
			t.Fatalf("%v: %d %s", how, r.Status, r.Body)
		}
		r.JSON(t, &got)
		if got.Lang != "ar" || got.Dir != "rtl" || r.Header.Get("Content-Language") != "ar" || got.Title != "خطة الشباب 2027–2030: الأمان ووقت الفراغ" ||
			!strings.Contains(got.BackgroundHTML, "<h2>لماذا نسألك؟</h2>") || !strings.HasPrefix(got.Background, "## لماذا نسألك؟") ||
			got.Question == "" || got.DecisionMaker == "" || string(got.Outcome) != "null" || got.Easy.MaxAge != 15 ||
			!strings.Contains(got.Easy.BackgroundHTML, "<strong>") || got.Timeline.ClosesAt == nil || got.Timeline.OpenedAt == nil {
			t.Fatalf("%v: %s", how, r.Body)
		}
		if len(got.Surveys) != 2 || got.Surveys[0].Lang != "ar" || got.Surveys[0].Title != "خطة الشباب – ما رأيك؟" || got.Surveys[0].Status != "open" || !got.Surveys[0].Open {
			t.Fatalf("linked surveys: %+v", got.Surveys)
		}
	}
	// Swedish by default; English on request.
	if r := e.Do("GET", "/v1/consultations/"+v.ID, nil); !strings.Contains(string(r.Body), `"dir":"ltr"`) || r.Header.Get("Content-Language") != "sv" {
		t.Fatalf("default: %s", r.Body)
	}
	r := e.Do("GET", "/v1/consultations/"+v.ID+"?lang=ar", nil)
	etag := r.Header.Get("ETag")
	if again := e.Do("GET", "/v1/consultations/"+v.ID+"?lang=ar", nil, "If-None-Match", etag); again.Status != 304 {
		t.Fatalf("If-None-Match: %d", again.Status)
	}
	if other := e.Do("GET", "/v1/consultations/"+v.ID+"?lang=en", nil); other.Header.Get("ETag") == etag {
		t.Fatal("English has Arabic's ETag")
	}
	// A linked survey closes: its state is part of the consultation's view.
	if r := e.Do("POST", "/v1/org/surveys/"+ids["safety-online-offline.json"]+"/close", nil, bearer(owner)...); r.Status != 200 {
		t.Fatalf("close survey: %d", r.Status)
	}
	after := e.Do("GET", "/v1/consultations/"+v.ID+"?lang=ar", nil, "If-None-Match", etag)
	if after.Status != 200 || after.Header.Get("ETag") == etag || !strings.Contains(string(after.Body), `"status":"closed"`) {
		t.Fatalf("after a survey closed: %d %s", after.Status, after.Body)
	}
	for _, id := range []string{"no-such-id", strings.Repeat("a", 100), "%2e%2e"} {
		if r := e.Do("GET", "/v1/consultations/"+id, nil); r.Status != 404 {
			t.Errorf("%s: %d", id, r.Status)
		}
	}
}

// The updates feed: a change after a moment is found, nothing before it;
// since is required and bounded; pages follow a cursor; nothing about the
// client is logged.
func TestConsultationUpdatesSince(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	ids := exampleSurveys(t, e, owner, true)
	start := e.Clock.Now()
	draft := createConsultation(t, e, owner, exampleConsultation(t, ids))
	e.Clock.Advance(time.Minute)
	a := createConsultation(t, e, owner, exampleConsultation(t, ids))
	moveConsultation(t, e, owner, a.ID, "publish")
	e.Clock.Advance(time.Minute)
	b := createConsultation(t, e, owner, exampleConsultation(t, ids))
	moveConsultation(t, e, owner, b.ID, "publish")
	e.Clock.Advance(time.Minute)
	mid := e.Clock.Now()
	e.Clock.Advance(time.Minute)
	moveConsultation(t, e, owner, a.ID, "analyse")
	type feed struct {
		Updates []struct {
			ID        string    `json:"id"`
			State     string    `json:"state"`
			UpdatedAt time.Time `json:"updated_at"`
		} `json:"updates"`
		Next string `json:"next"`
	}
	get := func(q string) (feed, *apitest.Response) {
		r := e.Do("GET", "/v1/consultations/updates"+q, nil, "User-Agent", "tracker-test-agent")
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", q, r.Status, r.Body)
		}
		var f feed
		r.JSON(t, &f)
		return f, r
	}
	since := func(t0 time.Time) string { return "?since=" + url.QueryEscape(t0.Format(time.RFC3339Nano)) }
	all, _ := get(since(start))
	if len(all.Updates) != 2 || all.Updates[0].ID != b.ID || all.Updates[1].ID != a.ID || all.Updates[1].State != "analysing" {
		t.Fatalf("since the start: %+v (the draft %s must not appear)", all, draft.ID)
	}
	later, r := get(since(mid))
	if len(later.Updates) != 1 || later.Updates[0].ID != a.ID {
		t.Fatalf("since the middle: %+v", later)
	}
	if again := e.Do("GET", "/v1/consultations/updates"+since(mid), nil, "If-None-Match", r.Header.Get("ETag")); again.Status != 304 {
		t.Fatalf("If-None-Match: %d", again.Status)
	}
	if none, _ := get(since(e.Clock.Now())); len(none.Updates) != 0 {
		t.Fatalf("nothing after the last change: %+v", none)
	}
	// Pages of one follow the cursor.
	first, r := get(since(start) + "&limit=1")
	if len(first.Updates) != 1 || first.Next == "" || !strings.Contains(r.Header.Get("Link"), "cursor=") {
		t.Fatalf("first page: %+v", first)
	}
	second, _ := get("?limit=1&cursor=" + first.Next)
	if len(second.Updates) != 1 || second.Updates[0].ID != a.ID || second.Next != "" {
		t.Fatalf("second page: %+v", second)
	}
	for q, ptr := range map[string]string{
		"":                            "/since",
		"?since=yesterday":            "/since",
		"?since=2000-01-01T00:00:00Z": "/since",
		"?since=" + url.QueryEscape(start.Format(time.RFC3339)) + "&limit=500": "/limit",
		"?cursor=xyz": "/cursor",
	} {
		r := e.Do("GET", "/v1/consultations/updates"+q, nil)
		if got := pointers(t, r); r.Status != 422 || got[ptr] == "" {
			t.Errorf("%q: %d %v", q, r.Status, got)
		}
	}
	if logs := e.Logs.String(); strings.Contains(logs, "tracker-test-agent") || strings.Contains(logs, "since=") || strings.Contains(logs, "127.0.0.1") {
		t.Fatal("the log holds something about the client")
	}
}

// withOwnSurvey is a documented consultation body whose surveys (ids made
// up for the document) are replaced by one survey of the caller's
// organisation (TestOpenAPIExampleRequestsAreAccepted).
func withOwnSurvey(t *testing.T, body map[string]any, surveyID string) map[string]any {
	t.Helper()
	if refs, _ := body["surveys"].([]any); len(refs) == 0 {
		return body
	}
	out := deepCopy(t, body)
	out["surveys"] = []string{surveyID}
	delete(out, "participation") // its links name the surveys replaced
	return out
}

// draftConsultation creates a small draft consultation and returns its id.
func draftConsultation(t *testing.T, e *apitest.Env, tok string) string {
	t.Helper()
	return createConsultation(t, e, tok, map[string]any{
		"default_language": "sv", "languages": []string{"sv"}, "title": map[string]string{"sv": "Samråd"},
	}).ID
}
