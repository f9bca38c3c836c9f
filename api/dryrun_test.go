package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// stored counts what a survey's create, update or publish writes: the
// surveys, their revisions and the audit log.
func stored(t *testing.T, e *apitest.Env) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, col := range []string{"surveys", "revisions", "audit"} {
		docs, err := e.Store.RawDocuments(context.Background(), col)
		if err != nil {
			t.Fatal(err)
		}
		out[col] = len(docs)
	}
	return out
}

type dryRunBody struct {
	DryRun   bool                       `json:"dry_run"`
	Survey   map[string]any             `json:"survey"`
	Preview  map[string]json.RawMessage `json:"preview"`
	Warnings []struct {
		Pointer string         `json:"pointer"`
		Code    string         `json:"code"`
		Params  map[string]any `json:"params"`
		Message string         `json:"message"`
	} `json:"warnings"`
}

func TestDryRunCreateStoresNothing(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Ungdomsrådet")
	def := smallSurvey(t)
	def["languages"] = []string{"SV", "en", "ar"} // written canonically in the answer
	before := stored(t, e)

	r := e.Do("POST", "/v1/org/surveys?dry_run=true", def, bearer(owner)...)
	if r.Status != 200 {
		t.Fatalf("dry run: %d %s", r.Status, r.Body)
	}
	if r.Header.Get("Location") != "" {
		t.Errorf("a dry run names a Location: %s", r.Header.Get("Location"))
	}
	var got dryRunBody
	r.JSON(t, &got)
	if !got.DryRun || got.Survey["default_language"] != "sv" || len(got.Preview) != 3 || got.Warnings == nil {
		t.Fatalf("dry run body: %s", r.Body)
	}
	var ar struct {
		ID, Lang, Dir, Title string
		Revision             int
	}
	if err := json.Unmarshal(got.Preview["ar"], &ar); err != nil {
		t.Fatal(err)
	}
	if ar.ID != "00000000-0000-0000-0000-000000000000" || ar.Revision != 1 || ar.Lang != "ar" || ar.Dir != "rtl" || ar.Title != "أوقات الفراغ في البلدية" {
		t.Errorf("Arabic preview: %s", got.Preview["ar"])
	}
	if after := stored(t, e); after["surveys"] != before["surveys"] || after["revisions"] != before["revisions"] || after["audit"] != before["audit"] {
		t.Errorf("a dry run stored something: %v, then %v", before, after)
	}
	if r := e.Do("GET", "/v1/org/surveys", nil, bearer(owner)...); !bytes.Contains(r.Body, []byte(`"surveys":[]`)) {
		t.Errorf("survey list after a dry run: %s", r.Body)
	}

	// dry_run=false is a real create; its 201 carries the warnings too.
	r = e.Do("POST", "/v1/org/surveys?dry_run=false", def, bearer(owner)...)
	if r.Status != 201 || !bytes.Contains(r.Body, []byte(`"warnings":[`)) {
		t.Fatalf("create with dry_run=false: %d %s", r.Status, r.Body)
	}
	if after := stored(t, e); after["surveys"] != before["surveys"]+1 {
		t.Errorf("create stored %d surveys", after["surveys"]-before["surveys"])
	}
}

func TestDryRunProblemsAreTheUsualOnes(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Ungdomsrådet")
	def := smallSurvey(t)
	def["k"] = 2
	def["sections"].([]any)[0].(map[string]any)["questions"].([]any)[1].(map[string]any)["options"].([]any)[0].(map[string]any)["code"] = "Bad Code"
	want := pointers(t, e.Do("POST", "/v1/org/surveys", def, bearer(owner)...))
	got := pointers(t, e.Do("POST", "/v1/org/surveys?dry_run=true", def, bearer(owner)...))
	if len(want) != 2 || want["/k"] != "threshold_too_low" || want["/sections/0/questions/1/options/0/code"] != "invalid_code" {
		t.Fatalf("problems without dry_run: %v", want)
	}
	if len(got) != len(want) {
		t.Fatalf("dry run problems %v, want %v", got, want)
	}
	for p, c := range want {
		if got[p] != c {
			t.Errorf("dry run problem at %s: %q, want %q", p, got[p], c)
		}
	}
	for _, v := range []string{"yes", "1", "TRUE", ""} {
		r := e.Do("POST", "/v1/org/surveys?dry_run="+v, smallSurvey(t), bearer(owner)...)
		if v == "" {
			if r.Status != 201 {
				t.Errorf("dry_run= (empty): %d, want a real create", r.Status)
			}
			continue
		}
		p := problemOf(t, r)
		if r.Status != 422 || len(p.Errors) != 1 || p.Errors[0].Pointer != "/dry_run" || p.Errors[0].Code != "not_boolean" || p.Errors[0].Message != "Use true or false." {
			t.Errorf("dry_run=%s: %d %s", v, r.Status, r.Body)
		}
	}
}

func TestDryRunUpdateStoresNothing(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Ungdomsrådet")
	id := createSurvey(t, e, owner, smallSurvey(t))
	path := "/v1/org/surveys/" + id
	changed := smallSurvey(t)
	changed["title"].(map[string]any)["en"] = "Changed"

	check := func(wantRev int) dryRunBody {
		t.Helper()
		before := stored(t, e)
		old := e.Do("GET", path, nil, bearer(owner)...)
		r := e.Do("PUT", path+"?dry_run=true", changed, bearer(owner)...)
		if r.Status != 200 {
			t.Fatalf("dry run update: %d %s", r.Status, r.Body)
		}
		var got dryRunBody
		r.JSON(t, &got)
		if got.Survey["title"].(map[string]any)["en"] != "Changed" {
			t.Errorf("dry run survey: %v", got.Survey["title"])
		}
		var en struct {
			ID       string
			Revision int
			Title    string
		}
		if err := json.Unmarshal(got.Preview["en"], &en); err != nil {
			t.Fatal(err)
		}
		if en.ID != id || en.Revision != wantRev || en.Title != "Changed" {
			t.Errorf("English preview: %s", got.Preview["en"])
		}
		if after := stored(t, e); after["surveys"] != before["surveys"] || after["revisions"] != before["revisions"] || after["audit"] != before["audit"] {
			t.Errorf("a dry run update stored something: %v, then %v", before, after)
		}
		if now := e.Do("GET", path, nil, bearer(owner)...); !bytes.Equal(now.Body, old.Body) {
			t.Errorf("the survey changed:\n%s\n%s", old.Body, now.Body)
		}
		return got
	}
	draftRun := check(1)

	// The preview is what the app shows once published, byte for byte.
	publishSurvey(t, e, owner, id)
	for lang, want := range draftRun.Preview {
		if lang == "en" {
			continue // its title was changed in the dry run only
		}
		app := e.Do("GET", "/v1/surveys/"+id+"?lang="+lang, nil)
		if !bytes.Equal(app.Body, want) {
			t.Errorf("preview in %s differs from the app's survey:\n%s\n%s", lang, want, app.Body)
		}
	}
	// An open survey: a dry run previews revision 2 and stores none.
	check(2)
	if r := e.Do("GET", path+"/revisions/2", nil, bearer(owner)...); r.Status != 404 {
		t.Errorf("revision 2 after a dry run: %d", r.Status)
	}
	// An open survey's update must be complete, dry or not.
	delete(changed["title"].(map[string]any), "ar")
	got := pointers(t, e.Do("PUT", path+"?dry_run=true", changed, bearer(owner)...))
	if got["/title/ar"] != "missing_translation" {
		t.Errorf("incomplete dry run update of an open survey: %v", got)
	}
}

// Every warning has a message of its own in every language.
func TestEveryWarningIsTranslated(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range append(slices.Clone(surveys.WarningCodes), "preview_limited") {
		for _, lang := range cat.Languages() {
			if !cat.Has(lang, "warning."+code) {
				t.Errorf("warning.%s has no %s message", code, lang)
			}
		}
	}
}

// Warnings come with create, update, publish and GET of a draft, in the
// caller's language, and point into the definition.
func TestWarningsInSurveyBodies(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Ungdomsrådet")
	help := func(country string) map[string]any {
		return map[string]any{"country": country, "name": map[string]string{"sv": "Hjälp", "en": "Help", "ar": "مساعدة"}, "phone": "116 111"}
	}
	if r := e.Do("PUT", "/v1/org/support-resources", map[string]any{"support_resources": []any{help("SE"), help("NO")}}, bearer(owner)...); r.Status != 200 {
		t.Fatalf("support resources: %d %s", r.Status, r.Body)
	}
	def := smallSurvey(t)
	age := def["sections"].([]any)[0].(map[string]any)["questions"].([]any)[0].(map[string]any)
	age["options"] = append(age["options"].([]any), map[string]any{"code": "no_answer", "label": map[string]string{"sv": "Vill inte säga", "en": "Prefer not to say", "ar": "أفضل عدم القول"}})
	def["sensitive"] = true
	def["content_note"] = map[string]string{"sv": "Svåra frågor.", "en": "Hard questions.", "ar": "أسئلة صعبة."}
	def["support_resources"] = []any{help("SE")}
	def["audience"].(map[string]any)["regions"] = []string{"SE-AB", "NO", "FI"}
	for _, q := range def["sections"].([]any)[0].(map[string]any)["questions"].([]any) {
		delete(q.(map[string]any), "required") // a sensitive survey's questions can be skipped
	}

	type warned struct {
		Warnings []struct{ Pointer, Code, Message string } `json:"warnings"`
	}
	has := func(t *testing.T, r *apitest.Response, want map[string]string) {
		t.Helper()
		var w warned
		r.JSON(t, &w)
		got := map[string]string{}
		for _, x := range w.Warnings {
			got[x.Pointer+" "+x.Code] = x.Message
		}
		for k, msg := range want {
			if got[k] != msg {
				t.Errorf("warning %s: %q, want %q (all: %s)", k, got[k], msg, r.Body)
			}
		}
	}
	nonAnswer := "/sections/0/questions/0/options/2 breakdown_non_answer"
	r := e.Do("POST", "/v1/org/surveys?lang=sv", def, bearer(owner)...)
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	has(t, r, map[string]string{
		nonAnswer:                            "Alternativet ”no_answer” i uppdelningsfrågan ”age_band” är ett sätt att inte svara (eller ett ”annat”). Få väljer sådana alternativ, så gruppen får troligen färre än 5 personer: den döljs, och en annan grupp döljs med den. Överväg att ta bort alternativet: alla frågor går ändå att hoppa över.",
		"/audience/regions/1 support_in_org": "Enkäten är känslig och dess målgrupp omfattar NO, men den har inget stödställe för NO. Din organisation har ett: lägg till det bland enkätens stödställen.",
		"/audience/regions/2 support_missing_country": "Enkäten är känslig och dess målgrupp omfattar FI, men den har inget stödställe för FI. Lägg till ett ställe där unga där kan få hjälp.",
	})
	id := r.Map(t)["id"].(string)
	en := map[string]string{nonAnswer: "The option “no_answer” of the breakdown question “age_band” is a way of not answering (or an “other”). Few people choose such options, so this group will likely have fewer than 5 people: it will be hidden, and another group hidden with it. Consider removing the option: every question can be skipped anyway."}
	has(t, e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(owner)...), en)
	has(t, e.Do("PUT", "/v1/org/surveys/"+id, def, bearer(owner)...), en)
	r = e.Do("POST", "/v1/org/surveys/"+id+"/publish", nil, bearer(owner)...)
	if r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	has(t, r, en)
	// Published: GET is the survey alone, as before.
	if r := e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(owner)...); bytes.Contains(r.Body, []byte(`"warnings"`)) {
		t.Errorf("GET of an open survey has warnings: %s", r.Body)
	}
}
