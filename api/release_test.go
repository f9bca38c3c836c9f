package api_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/surveys"
)

type statusView struct {
	View    string
	Results surveys.Results
	Status  surveys.ReleaseStatus
	Notes   []string
}

func getStatus(t *testing.T, e *apitest.Env, tok, id, query string) statusView {
	t.Helper()
	r := e.Do("GET", "/v1/org/surveys/"+id+"/summary"+query, nil, bearer(tok)...)
	if r.Status != 200 {
		t.Fatalf("summary: %d %s", r.Status, r.Body)
	}
	var v statusView
	r.JSON(t, &v)
	return v
}

// In a 300-response run of an example survey, read as an analyst after
// every few responses, the release never trails the collected responses
// by more than 2k (it moves every k), and the summary says so.
func TestReleaseKeepsUpWithTheResponses(t *testing.T) {
	t.Parallel() // long, and mostly waiting on its own summarizer
	e := apitest.New(t)
	id, owner, def := publishExample(t, e, "youth-policy-consultation.json")
	analyst := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "analyst"}, bearer(owner)...).Map(t)["token"].(string)
	rng := rand.New(rand.NewPCG(3, 1))
	const k = 10
	sent, releases := 0, map[int]bool{}
	total := 300
	if racetest.Enabled {
		total = 120 // twelve releases, and their steps, are the same proof
	}
	for sent < total {
		n := 1 + rng.IntN(12)
		e.Submit(id, submissions(def, n, rng))
		sent += n
		e.Server.FlushSummaries(context.Background())
		e.Clock.Advance(2 * time.Second)
		v := getStatus(t, e, analyst, id, "")
		st := v.Status
		if st.Collected != max(st.Released, sent/k*k) {
			t.Fatalf("collected %d (rounded to %d), sent %d", st.Collected, k, sent)
		}
		if trail := sent - st.Released; trail >= 2*k || (sent >= k && trail >= k) {
			t.Fatalf("after %d responses the release holds %d", sent, st.Released)
		}
		if st.Released > 0 && (v.Results.Withheld || *v.Results.N.N != st.Released) {
			t.Fatalf("release of %d shows %+v", st.Released, v.Results.N)
		}
		if st.Perturbation.Method != "cell-key" || len(v.Notes) == 0 {
			t.Fatalf("status %+v, notes %q", st, v.Notes)
		}
		releases[st.Released] = true
	}
	t.Logf("%d releases seen in %d responses", len(releases), sent)
}

// The review's 60-response case: small breakdown groups (17: 4, not
// answered: 3) held back every number, and the exports said "too few
// responses so far". Now the overall numbers are out, and the summary and
// the export's method note say which groups are held back and about how
// many more each needs.
func TestSmallGroupsAreExplained(t *testing.T) {
	racetest.SkipSingleFlow(t) // requests in turn
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	def := map[string]any{
		"default_language": "en", "languages": []string{"en", "sv"},
		"title": map[string]string{"en": "Colours", "sv": "Färger"}, "thank_you": map[string]string{"en": "Thanks", "sv": "Tack"},
		"sections": []any{map[string]any{"id": "s", "questions": []any{
			map[string]any{"id": "age", "type": "single_choice", "text": map[string]string{"en": "Age", "sv": "Ålder"}, "breakdown": true,
				"options": []any{opt("13"), opt("14"), opt("15"), opt("16"), opt("17")}},
			map[string]any{"id": "colour", "type": "single_choice", "text": map[string]string{"en": "Colour", "sv": "Färg"},
				"options": []any{opt("red"), opt("blue")}},
		}}},
	}
	id := createSurvey(t, e, owner, def)
	publishSurvey(t, e, owner, id)
	n := 0
	submit := func(age string, count int) {
		for range count {
			answers := map[string]any{"colour": "red"}
			if age != "" {
				answers["age"] = age
			}
			n++
			sub := map[string]any{"submission_id": fmt.Sprintf("%08x-0000-4000-8000-000000000000", n), "revision": 1, "answers": answers}
			if r := e.Do("POST", "/v1/surveys/"+id+"/responses", sub); r.Status != 201 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		}
	}
	submit("17", 4)
	submit("", 3)
	submit("13", 14)
	submit("14", 13)
	submit("15", 13)
	submit("16", 13)
	e.Server.FlushSummaries(context.Background())
	v := getStatus(t, e, owner, id, "?by=age")
	// The summarizer may have made a release before the last responses
	// came: the release is at most k behind.
	if v.Results.Withheld || v.Status.Released <= 50 || v.Status.Collected != 60 || v.Status.NextReleaseIn == 0 {
		t.Fatalf("60 responses: withheld %v, status %+v", v.Results.Withheld, v.Status)
	}
	notes := strings.Join(v.Notes, "\n")
	for _, want := range []string{"About 60 responses have been collected", "“17”", "“Not answered”", "more respondents"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	r := e.Do("GET", "/v1/org/surveys/"+id+"/export?kind=summary&format=csv&lang=sv", nil, bearer(owner)...)
	if r.Status != 200 || !strings.Contains(string(r.Body), "”17”") || !strings.Contains(string(r.Body), "60") {
		t.Fatalf("export %d:\n%s", r.Status, r.Body)
	}
}

func opt(code string) map[string]any {
	return map[string]any{"code": code, "label": map[string]string{"en": code, "sv": code}}
}

// A HEAD of the live view shows nothing and records nothing; a GET is
// recorded.
func TestHeadOfTheLiveViewIsNotAudited(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	id, owner, _ := publishExample(t, e, "safety-online-offline.json")
	liveViews := func() int { return auditEntries(t, e, owner, "live_view") }
	if r := e.Do("HEAD", "/v1/org/surveys/"+id+"/summary?view=live", nil, bearer(owner)...); r.Status != 200 || len(r.Body) != 0 {
		t.Fatalf("HEAD: %d %q", r.Status, r.Body)
	}
	if n := liveViews(); n != 0 {
		t.Fatalf("a HEAD wrote %d audit entries", n)
	}
	getStatus(t, e, owner, id, "?view=live")
	if n := liveViews(); n != 1 {
		t.Fatalf("a GET wrote %d audit entries", n)
	}
}

// The summary caches keep one release per survey (only the latest can be
// asked for again) and stay within their byte bounds, however many
// releases a survey goes through.
func TestSummaryCachesStayBounded(t *testing.T) {
	t.Parallel() // long, and mostly waiting on its own summarizer
	e := apitest.New(t)
	id, owner, def := publishExample(t, e, "youth-policy-consultation.json")
	rng := rand.New(rand.NewPCG(5, 5))
	for range 6 {
		e.Submit(id, submissions(def, 10, rng))
		e.Server.FlushSummaries(context.Background())
		for _, q := range []string{"", "?lang=en", "?lang=ar", "?by=age_band"} {
			getStatus(t, e, owner, id, q)
		}
		e.Clock.Advance(2 * time.Second)
	}
	releases, releaseBytes, renderings, renderingBytes := api.CacheSizes(e.Server)
	t.Logf("cached: %d releases (%d bytes), %d renderings (%d bytes)", releases, releaseBytes, renderings, renderingBytes)
	if releases != 1 || releaseBytes > 64<<20 || renderingBytes > 16<<20 {
		t.Fatalf("cached: %d releases (%d bytes), %d renderings (%d bytes)", releases, releaseBytes, renderings, renderingBytes)
	}
}

// A HEAD of a summary export shows no numbers and records nothing.
func TestHeadOfASummaryExportIsNotAudited(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	id, owner, _ := publishExample(t, e, "safety-online-offline.json")
	exports := func() int { return auditEntries(t, e, owner, "export") }
	for _, f := range []string{"csv", "xlsx", "pdf", "json"} {
		r := e.Do("HEAD", "/v1/org/surveys/"+id+"/export?kind=summary&format="+f, nil, bearer(owner)...)
		if r.Status != 200 || len(r.Body) != 0 || r.Header.Get("Content-Disposition") == "" {
			t.Fatalf("HEAD %s: %d %q", f, r.Status, r.Body)
		}
	}
	if r := e.Do("HEAD", "/v1/org/surveys/"+id+"/export?kind=summary&format=doc", nil, bearer(owner)...); r.Status != 422 {
		t.Fatalf("HEAD of an unknown format: %d", r.Status)
	}
	if n := exports(); n != 0 {
		t.Fatalf("HEADs wrote %d audit entries", n)
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/export?kind=summary&format=csv", nil, bearer(owner)...); r.Status != 200 {
		t.Fatal(r.Status)
	}
	if n := exports(); n != 1 {
		t.Fatalf("a GET wrote %d audit entries", n)
	}
}

// auditEntries counts the entries of an action in the audit log.
func auditEntries(t *testing.T, e *apitest.Env, owner, action string) int {
	t.Helper()
	var log struct {
		Entries []struct{ Action string }
	}
	e.Do("GET", "/v1/org/audit", nil, bearer(owner)...).JSON(t, &log)
	n := 0
	for _, a := range log.Entries {
		if a.Action == action {
			n++
		}
	}
	return n
}
