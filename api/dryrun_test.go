package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/youthvoice/youthvoice/api/apitest"
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
	if ar.ID != "" || ar.Revision != 1 || ar.Lang != "ar" || ar.Dir != "rtl" || ar.Title != "أوقات الفراغ في البلدية" {
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
