package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

func smallSurvey(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(surveystest.SmallSurvey, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// createSurvey posts a definition and returns the new survey's id.
func createSurvey(t *testing.T, e *apitest.Env, tok string, def any) string {
	t.Helper()
	r := e.Do("POST", "/v1/org/surveys", def, bearer(tok)...)
	if r.Status != 201 {
		t.Fatalf("create survey: %d %s", r.Status, r.Body)
	}
	return r.Map(t)["id"].(string)
}

func publishSurvey(t testing.TB, e *apitest.Env, tok, id string) {
	t.Helper()
	if r := e.Do("POST", "/v1/org/surveys/"+id+"/publish", nil, bearer(tok)...); r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
}

func pointers(t *testing.T, r *apitest.Response) map[string]string {
	t.Helper()
	p := problemOf(t, r)
	out := map[string]string{}
	for _, f := range p.Errors {
		if f.Message == "" || strings.HasPrefix(f.Message, "field.") {
			t.Errorf("untranslated field message for %s: %q", f.Pointer, f.Message)
		}
		out[f.Pointer] = f.Code
	}
	return out
}

func TestSurveyLifecycle(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Ungdomsrådet")
	def := smallSurvey(t)
	// A draft may lack translations.
	title := def["title"].(map[string]any)
	delete(title, "ar")
	id := createSurvey(t, e, owner, def)

	r := e.Do("GET", "/v1/org/surveys/"+id+"/translations", nil, bearer(owner)...)
	var tr struct {
		Complete  bool `json:"complete"`
		Languages []struct {
			Language string   `json:"language"`
			Complete bool     `json:"complete"`
			Missing  []string `json:"missing"`
		} `json:"languages"`
	}
	r.JSON(t, &tr)
	if tr.Complete || len(tr.Languages) != 3 || tr.Languages[2].Language != "ar" || tr.Languages[2].Missing[0] != "/title" || !tr.Languages[0].Complete {
		t.Fatalf("translations report: %s", r.Body)
	}
	// Publishing refuses it and says what is missing, in the caller's language.
	r = e.Do("POST", "/v1/org/surveys/"+id+"/publish", nil, append(bearer(owner), "Accept-Language", "sv")...)
	if r.Status != 422 || pointers(t, r)["/title/ar"] != "missing_translation" {
		t.Fatalf("publish incomplete: %d %s", r.Status, r.Body)
	}
	if r.Header.Get("Content-Language") != "sv" {
		t.Errorf("Content-Language %q", r.Header.Get("Content-Language"))
	}
	// Not listed before publishing.
	if r := e.Do("GET", "/v1/surveys/"+id, nil); r.Status != 404 {
		t.Fatalf("draft visible to the app: %d", r.Status)
	}
	title["ar"] = "أوقات الفراغ في البلدية"
	if r := e.Do("PUT", "/v1/org/surveys/"+id, def, bearer(owner)...); r.Status != 200 {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	publishSurvey(t, e, owner, id)

	// The app lists it and fetches it in the young person's language.
	var list struct {
		Surveys []struct {
			ID, Lang, Dir, Title string
			Revision             int
		} `json:"surveys"`
	}
	e.Do("GET", "/v1/surveys", nil, "Accept-Language", "ar").JSON(t, &list)
	if len(list.Surveys) != 1 || list.Surveys[0].ID != id || list.Surveys[0].Dir != "rtl" || list.Surveys[0].Title != "أوقات الفراغ في البلدية" {
		t.Fatalf("app list: %+v", list)
	}
	r = e.Do("GET", "/v1/surveys/"+id, nil, "Accept-Language", "ar")
	var ar map[string]any
	r.JSON(t, &ar)
	if r.Status != 200 || ar["dir"] != "rtl" || ar["lang"] != "ar" || r.Header.Get("Content-Language") != "ar" || ar["revision"].(float64) != 1 {
		t.Fatalf("arabic survey: %d %s", r.Status, r.Body)
	}
	r = e.Do("GET", "/v1/surveys/"+id, nil, "Accept-Language", "sv-FI")
	var sv map[string]any
	r.JSON(t, &sv)
	if sv["lang"] != "sv" || sv["dir"] != "ltr" || sv["title"] != "Fritid i kommunen" {
		t.Fatalf("sv-FI: %s", r.Body)
	}
	etag := r.Header.Get("ETag")
	if etag == "" || r.Header.Get("Cache-Control") == "" {
		t.Fatalf("no ETag or Cache-Control: %v", r.Header)
	}
	if r := e.Do("GET", "/v1/surveys/"+id, nil, "Accept-Language", "sv-FI", "If-None-Match", etag); r.Status != 304 || len(r.Body) != 0 {
		t.Fatalf("If-None-Match: %d", r.Status)
	}
	if r := e.Do("GET", "/v1/surveys/"+id, nil, "Accept-Language", "en", "If-None-Match", etag); r.Status != 200 {
		t.Fatalf("other language with the Swedish ETag: %d", r.Status)
	}
	if r := e.Do("GET", "/v1/surveys/"+id, nil, "Accept-Language", "sv", "Accept-Encoding", "gzip"); r.Status != 200 {
		t.Fatalf("gzip: %d", r.Status)
	}

	// Changing an open survey makes revision 2; revision 1 stays readable.
	title["en"] = "Free time in the municipality"
	r = e.Do("PUT", "/v1/org/surveys/"+id, def, bearer(owner)...)
	if r.Status != 200 || r.Map(t)["revision"].(float64) != 2 {
		t.Fatalf("update open survey: %d %s", r.Status, r.Body)
	}
	r = e.Do("GET", "/v1/org/surveys/"+id+"/revisions/1", nil, bearer(owner)...)
	var rev1 struct {
		Revision   int
		Definition struct{ Title map[string]string }
	}
	r.JSON(t, &rev1)
	if rev1.Revision != 1 || rev1.Definition.Title["en"] != "Leisure in the municipality" {
		t.Fatalf("revision 1: %s", r.Body)
	}
	r = e.Do("GET", "/v1/surveys/"+id+"?lang=en", nil, "If-None-Match", etag)
	if r.Status != 200 || !strings.Contains(string(r.Body), "Free time") || r.Map(t)["revision"].(float64) != 2 {
		t.Fatalf("app after revision 2: %d %s", r.Status, r.Body)
	}
	// An open survey only takes complete definitions.
	delete(title, "sv")
	if r := e.Do("PUT", "/v1/org/surveys/"+id, def, bearer(owner)...); r.Status != 422 {
		t.Fatalf("incomplete update of open survey: %d", r.Status)
	}
	if r := e.Do("DELETE", "/v1/org/surveys/"+id, nil, bearer(owner)...); r.Status != 409 {
		t.Fatalf("delete open survey: %d", r.Status)
	}
	if r := e.Do("POST", "/v1/org/surveys/"+id+"/archive", nil, bearer(owner)...); r.Status != 409 {
		t.Fatalf("archive open survey: %d", r.Status)
	}
	if r := e.Do("POST", "/v1/org/surveys/"+id+"/close", nil, bearer(owner)...); r.Status != 200 || r.Map(t)["status"] != "closed" {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", "/v1/surveys/"+id, nil); r.Status != 404 {
		t.Fatalf("closed survey still served: %d", r.Status)
	}
	if r := e.Do("POST", "/v1/org/surveys/"+id+"/archive", nil, bearer(owner)...); r.Status != 200 || r.Map(t)["status"] != "archived" {
		t.Fatalf("archive: %d %s", r.Status, r.Body)
	}
	// A draft can be deleted.
	draft := createSurvey(t, e, owner, smallSurvey(t))
	if r := e.Do("DELETE", "/v1/org/surveys/"+draft, nil, bearer(owner)...); r.Status != 204 {
		t.Fatalf("delete draft: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", "/v1/org/surveys/"+draft, nil, bearer(owner)...); r.Status != 404 {
		t.Fatalf("deleted draft: %d", r.Status)
	}
}

func TestSurveyWindowAndAudience(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("o")
	def := smallSurvey(t)
	now := e.Clock.Now()
	def["opens_at"] = now.Add(time.Hour).Format(time.RFC3339)
	def["closes_at"] = now.Add(48 * time.Hour).Format(time.RFC3339)
	id := createSurvey(t, e, owner, def)
	publishSurvey(t, e, owner, id)
	count := func(q string) int {
		var l struct{ Surveys []any }
		e.Do("GET", "/v1/surveys"+q, nil).JSON(t, &l)
		return len(l.Surveys)
	}
	if n := count(""); n != 0 {
		t.Fatalf("listed before opens_at: %d", n)
	}
	e.Clock.Advance(2 * time.Hour)
	e.Server.CloseOverdue(t.Context())
	if count("") != 1 || count("?age=14") != 1 || count("?age=25") != 0 || count("?region=SE-AB") != 1 || count("?region=SE-M") != 0 {
		t.Fatal("audience filter wrong")
	}
	if r := e.Do("GET", "/v1/surveys?age=old", nil); r.Status != 422 || pointers(t, r)["/age"] == "" {
		t.Fatalf("bad age: %d %s", r.Status, r.Body)
	}
	e.Clock.Advance(48 * time.Hour)
	if count("") != 0 {
		t.Fatal("listed after closes_at")
	}
	e.Server.CloseOverdue(t.Context())
	r := e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(owner)...)
	if r.Map(t)["status"] != "closed" {
		t.Fatalf("not closed at closes_at: %s", r.Body)
	}
}

func TestSurveyValidationPointsAtEveryProblem(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("o")
	def := smallSurvey(t)
	qs := def["sections"].([]any)[0].(map[string]any)["questions"].([]any)
	qs[1].(map[string]any)["id"] = "age_band"                                              // duplicate id
	qs[0].(map[string]any)["show_if"] = map[string]any{"question": "hours", "at_least": 3} // later question
	qs[3].(map[string]any)["show_if"] = map[string]any{"question": "age_band", "equals": "nope"}
	qs[2].(map[string]any)["type"] = "birthdate"
	def["k"] = 3
	def["languages"] = []any{"sv", "en", "ar", "zz-!!"}
	r := e.Do("POST", "/v1/org/surveys", def, append(bearer(owner), "Accept-Language", "fi")...)
	if r.Status != 422 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	got := pointers(t, r)
	want := map[string]string{
		"/sections/0/questions/1/id":               "duplicate",
		"/sections/0/questions/0/show_if/question": "later_question",
		"/sections/0/questions/3/show_if/equals":   "unknown_option",
		"/sections/0/questions/2/type":             "unknown_type",
		"/k":                                       "threshold_too_low",
		"/languages/3":                             "unknown_language",
	}
	for p, code := range want {
		if got[p] != code {
			t.Errorf("%s: got %q, want %q (all: %v)", p, got[p], code, got)
		}
	}
	// A sensitive survey: no required question but consent, a content note
	// and support resources.
	def = smallSurvey(t)
	def["sensitive"] = true
	got = pointers(t, e.Do("POST", "/v1/org/surveys", def, bearer(owner)...))
	for p, code := range map[string]string{"/sections/0/questions/0/required": "sensitive_required", "/content_note": "required", "/support_resources": "required"} {
		if got[p] != code {
			t.Errorf("sensitive %s: got %q, want %q", p, got[p], code)
		}
	}
	// Unknown fields and wrong types are pointed at too.
	got = pointers(t, e.Do("POST", "/v1/org/surveys", `{"titel": {}}`, append(bearer(owner), "Content-Type", "application/json")...))
	if got["/titel"] != "unknown_field" {
		t.Errorf("unknown field: %v", got)
	}
	got = pointers(t, e.Do("POST", "/v1/org/surveys", `{"k": "ten"}`, append(bearer(owner), "Content-Type", "application/json")...))
	if got["/k"] != "invalid_type" {
		t.Errorf("wrong type: %v", got)
	}
}

func TestHugeDefinitionsAreRefused(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("o")
	def := smallSurvey(t)
	sec := def["sections"].([]any)[0].(map[string]any)
	var qs []any
	for i := range 250 {
		qs = append(qs, map[string]any{"id": fmt.Sprintf("q%d", i), "type": "text", "text": map[string]string{"sv": "?"}})
	}
	sec["questions"] = qs
	r := e.Do("POST", "/v1/org/surveys", def, bearer(owner)...)
	if r.Status != 422 || pointers(t, r)["/sections/0/questions"] != "too_many" {
		t.Fatalf("250 questions: %d %s", r.Status, r.Body)
	}
	long := strings.Repeat("å", 3000)
	def = smallSurvey(t)
	def["title"].(map[string]any)["sv"] = long
	if r := e.Do("POST", "/v1/org/surveys", def, bearer(owner)...); r.Status != 422 || pointers(t, r)["/title/sv"] != "too_long" {
		t.Fatalf("long title: %d %s", r.Status, r.Body)
	}
}

// TestRolesAndOrganisations covers every organiser endpoint for every role,
// on the caller's own survey and on another organisation's: a foreign
// survey is a 404, exactly like one that does not exist.
func TestRolesAndOrganisations(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("mine")
	_, otherOwner := e.Org("theirs")
	tokens := map[string]string{"owner": owner}
	for _, role := range []string{"editor", "analyst"} {
		r := e.Do("POST", "/v1/org/tokens", map[string]string{"role": role}, bearer(owner)...)
		if r.Status != 201 {
			t.Fatalf("token: %d %s", r.Status, r.Body)
		}
		tokens[role] = r.Map(t)["token"].(string)
	}
	type endpoint struct {
		method, path string
		body         func() any
		allowed      []string // roles; others get 403
		okStatus     int
	}
	def := func() any { return smallSurvey(t) }
	endpoints := []endpoint{
		{"GET", "/v1/org/surveys/{id}", nil, []string{"owner", "editor", "analyst"}, 200},
		{"PUT", "/v1/org/surveys/{id}", def, []string{"owner", "editor"}, 200},
		{"GET", "/v1/org/surveys/{id}/translations", nil, []string{"owner", "editor", "analyst"}, 200},
		{"POST", "/v1/org/surveys/{id}/publish", nil, []string{"owner", "editor"}, 200},
		{"GET", "/v1/org/surveys/{id}/revisions/1", nil, []string{"owner", "editor", "analyst"}, 200},
		{"GET", "/v1/org/surveys/{id}/summary", nil, []string{"owner", "editor", "analyst"}, 200},
		{"GET", "/v1/org/surveys/{id}/summary?view=live", nil, []string{"owner", "editor"}, 200},
		{"GET", "/v1/org/surveys/{id}/export?format=json", nil, []string{"owner", "editor", "analyst"}, 200},
		{"GET", "/v1/org/surveys/{id}/export?kind=responses", nil, []string{"owner", "editor"}, 200},
		{"GET", "/v1/org/surveys/{id}/shares", nil, []string{"owner"}, 200},
		// The small survey has no access codes: allowed roles get 409.
		{"POST", "/v1/org/surveys/{id}/access-codes", func() any { return map[string]int{"count": 1} }, []string{"owner", "editor"}, 409},
		{"POST", "/v1/org/surveys/{id}/close", nil, []string{"owner", "editor"}, 200},
		{"POST", "/v1/org/surveys/{id}/archive", nil, []string{"owner", "editor"}, 200},
		{"DELETE", "/v1/org/surveys/{id}", nil, []string{"owner", "editor"}, 204},
	}
	for _, role := range []string{"owner", "editor", "analyst"} {
		mine := createSurvey(t, e, owner, smallSurvey(t))
		theirs := createSurvey(t, e, otherOwner, smallSurvey(t))
		for _, ep := range endpoints {
			if ep.method == "DELETE" { // only drafts can be deleted
				mine = createSurvey(t, e, owner, smallSurvey(t))
				theirs = createSurvey(t, e, otherOwner, smallSurvey(t))
			}
			var body any
			if ep.body != nil {
				body = ep.body()
			}
			allowed := false
			for _, a := range ep.allowed {
				allowed = allowed || a == role
			}
			r := e.Do(ep.method, strings.ReplaceAll(ep.path, "{id}", theirs), body, bearer(tokens[role])...)
			if allowed && r.Status != 404 || !allowed && r.Status != 403 && r.Status != 404 {
				t.Errorf("%s %s on a foreign survey as %s: %d", ep.method, ep.path, role, r.Status)
			}
			missing := e.Do(ep.method, strings.ReplaceAll(ep.path, "{id}", "no-such-survey"), body, bearer(tokens[role])...)
			if r.Status == 404 && (string(problemOf(t, r).Title) != problemOf(t, missing).Title || problemOf(t, r).Detail != problemOf(t, missing).Detail) {
				t.Errorf("foreign survey distinguishable from a missing one: %s vs %s", r.Body, missing.Body)
			}
			r = e.Do(ep.method, strings.ReplaceAll(ep.path, "{id}", mine), body, bearer(tokens[role])...)
			want := 403
			if allowed {
				want = ep.okStatus
			}
			if r.Status != want {
				t.Errorf("%s %s on own survey as %s: %d, want %d: %s", ep.method, ep.path, role, r.Status, want, r.Body)
			}
			if !allowed && ep.method != "GET" && ep.okStatus < 300 {
				// Let the owner take the step so the next endpoint finds the
				// survey in the state it needs.
				path := strings.ReplaceAll(ep.path, "{id}", mine)
				if r := e.Do(ep.method, path, body, bearer(owner)...); r.Status != ep.okStatus {
					t.Fatalf("owner %s %s: %d %s", ep.method, path, r.Status, r.Body)
				}
			}
		}
	}
	// Lists hold only the caller's surveys.
	var l struct{ Surveys []struct{ ID string } }
	e.Do("GET", "/v1/org/surveys", nil, bearer(otherOwner)...).JSON(t, &l)
	e2 := 0
	e.Do("GET", "/v1/org/surveys", nil, bearer(tokens["analyst"])...).JSON(t, &l)
	e2 = len(l.Surveys)
	if e2 == 0 {
		t.Error("analyst sees no surveys")
	}
	// Creating surveys and managing tokens.
	for role, tok := range tokens {
		r := e.Do("POST", "/v1/org/surveys", smallSurvey(t), bearer(tok)...)
		if (role == "analyst") != (r.Status == 403) {
			t.Errorf("create as %s: %d", role, r.Status)
		}
		r = e.Do("GET", "/v1/org/tokens", nil, bearer(tok)...)
		if (role == "owner") != (r.Status == 200) {
			t.Errorf("list tokens as %s: %d", role, r.Status)
		}
		if strings.Contains(string(r.Body), owner) {
			t.Error("token list shows a secret")
		}
	}
}

func TestTokensCanBeRevoked(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("o")
	r := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "editor", "name": "laptop"}, bearer(owner)...)
	var tok struct{ ID, Token string }
	r.JSON(t, &tok)
	if len(tok.Token) < 43 {
		t.Fatalf("token too short: %q", tok.Token)
	}
	if r := e.Do("GET", "/v1/org/surveys", nil, bearer(tok.Token)...); r.Status != 200 {
		t.Fatalf("new token: %d", r.Status)
	}
	if r := e.Do("DELETE", "/v1/org/tokens/"+tok.ID, nil, bearer(owner)...); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", "/v1/org/surveys", nil, bearer(tok.Token)...); r.Status != 401 {
		t.Fatalf("revoked token: %d", r.Status)
	}
	if r := e.Do("GET", "/v1/org/surveys", nil, bearer("yv_wrong")...); r.Status != 401 {
		t.Fatalf("wrong token: %d", r.Status)
	}
	if r := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "king"}, bearer(owner)...); r.Status != 422 {
		t.Fatalf("bad role: %d", r.Status)
	}
}

func TestSupportResourceDefaults(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("o")
	bris := map[string]any{"support_resources": []any{map[string]any{
		"country": "SE", "phone": "116 111", "url": "https://www.bris.se",
		"name": map[string]string{"sv": "Bris", "en": "Bris (Children's Rights in Society)", "ar": "بريس", "fi": "Bris"},
	}}}
	if r := e.Do("PUT", "/v1/org/support-resources", bris, bearer(owner)...); r.Status != 200 {
		t.Fatalf("put: %d %s", r.Status, r.Body)
	}
	if r := e.Do("PUT", "/v1/org/support-resources", map[string]any{"support_resources": []any{map[string]any{"country": "Sweden"}}}, bearer(owner)...); r.Status != 422 || pointers(t, r)["/support_resources/0/country"] == "" {
		t.Fatalf("bad resource: %d %s", r.Status, r.Body)
	}
	id := createSurvey(t, e, owner, smallSurvey(t))
	var v api.Problem
	_ = v
	r := e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(owner)...)
	var sv struct {
		Definition struct {
			SupportResources []struct {
				Phone string
				Name  map[string]string
			} `json:"support_resources"`
		}
	}
	r.JSON(t, &sv)
	rs := sv.Definition.SupportResources
	if len(rs) != 1 || rs[0].Phone != "116 111" || rs[0].Name["fi"] != "" || rs[0].Name["ar"] != "بريس" {
		t.Fatalf("survey did not take the defaults: %s", r.Body)
	}
}

// The "done when" of the surveys issue, on the real example surveys.
func TestExampleSurveysPublishAndServe(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Ungdomsförbundet")
	_, other := e.Org("Another")
	files := examples.Names()
	if len(files) < 2 {
		t.Fatalf("examples: %v", files)
	}
	for _, f := range files {
		body, err := examples.Survey(f)
		if err != nil {
			t.Fatal(err)
		}
		r := e.Do("POST", "/v1/org/surveys", body, append(bearer(owner), "Content-Type", "application/json")...)
		if r.Status != 201 {
			t.Fatalf("%s: %d %s", f, r.Status, r.Body)
		}
		id := r.Map(t)["id"].(string)
		publishSurvey(t, e, owner, id)

		r = e.Do("GET", "/v1/surveys/"+id, nil, "Accept-Language", "ar")
		m := r.Map(t)
		if r.Status != 200 || m["dir"] != "rtl" || m["lang"] != "ar" || r.Header.Get("Content-Language") != "ar" {
			t.Fatalf("%s in Arabic: %d %v", f, r.Status, m["dir"])
		}
		r = e.Do("GET", "/v1/surveys/"+id, nil, "Accept-Language", "sv-FI")
		if m := r.Map(t); m["lang"] != "sv" || m["dir"] != "ltr" {
			t.Fatalf("%s in sv-FI: %v", f, m["lang"])
		}
		if r2 := e.Do("GET", "/v1/surveys/"+id, nil, "Accept-Language", "sv-FI", "If-None-Match", r.Header.Get("ETag")); r2.Status != 304 {
			t.Fatalf("%s: If-None-Match gave %d", f, r2.Status)
		}
		if r := e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(other)...); r.Status != 404 {
			t.Fatalf("%s: another organisation got %d", f, r.Status)
		}
	}
	var l struct{ Surveys []any }
	e.Do("GET", "/v1/surveys", nil).JSON(t, &l)
	if len(l.Surveys) != len(files) {
		t.Fatalf("app lists %d surveys, want %d", len(l.Surveys), len(files))
	}
}

// Each coding of a survey definition is its own representation, with its
// own strong ETag, compressed once.
func TestSurveyCodings(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("o")
	id := createSurvey(t, e, owner, smallSurvey(t))
	publishSurvey(t, e, owner, id)
	// net/http's transport would decompress gzip itself: ask explicitly.
	plain := e.Do("GET", "/v1/surveys/"+id+"?lang=sv", nil, "Accept-Encoding", "identity")
	tags := map[string]bool{plain.Header.Get("ETag"): true}
	for _, coding := range []string{"gzip", "br"} {
		r := e.Do("GET", "/v1/surveys/"+id+"?lang=sv", nil, "Accept-Encoding", coding)
		if r.Status != 200 || r.Header.Get("Content-Encoding") != coding || len(r.Body) >= len(plain.Body) {
			t.Fatalf("%s: %d %q %d bytes (plain %d)", coding, r.Status, r.Header.Get("Content-Encoding"), len(r.Body), len(plain.Body))
		}
		tags[r.Header.Get("ETag")] = true
		if again := e.Do("GET", "/v1/surveys/"+id+"?lang=sv", nil, "Accept-Encoding", coding, "If-None-Match", r.Header.Get("ETag")); again.Status != 304 {
			t.Fatalf("%s: If-None-Match gave %d", coding, again.Status)
		}
	}
	if len(tags) != 3 {
		t.Fatalf("ETags %v", tags)
	}
}
