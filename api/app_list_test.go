package api_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/surveys"
)

// storeOpenSurveys stores n open surveys (the two example surveys in turn,
// published a minute apart, the last a minute before the clock's now)
// directly in the store, in a new organisation, and returns their ids,
// the newest first, and the organisation's owner token. Publishing
// hundreds through the API would take most of a minute on the embedded
// store, and the list reads only the surveys collection; the clock then
// moves past the list's cache.
func storeOpenSurveys(tb testing.TB, e *apitest.Env, n int) ([]string, string) {
	tb.Helper()
	orgID, owner := e.Org("list")
	var defs []surveys.Definition
	for _, f := range []string{"youth-policy-consultation.json", "safety-online-offline.json"} {
		b, err := examples.Survey(f)
		if err != nil {
			tb.Fatal(err)
		}
		var d surveys.Definition
		if err := json.Unmarshal(b, &d); err != nil {
			tb.Fatal(err)
		}
		defs = append(defs, d)
	}
	start := e.Clock.Now().Add(-time.Duration(n) * time.Minute)
	ids := make([]string, n)
	for i := range n {
		at := start.Add(time.Duration(i) * time.Minute)
		sv := &surveys.Survey{ID: uuid.NewString(), OrgID: orgID, Status: surveys.Draft, Draft: defs[i%len(defs)], CreatedAt: at, UpdatedAt: at}
		if _, err := sv.Publish(at); err != nil {
			tb.Fatal(err)
		}
		if err := e.Store.CreateSurvey(context.Background(), sv); err != nil {
			tb.Fatal(err)
		}
		ids[n-1-i] = sv.ID
	}
	e.Clock.Advance(3 * time.Second)
	return ids, owner
}

type listPage struct {
	Surveys []struct {
		ID, Lang, Dir, Title, Description string
		Revision                          int
		MinAge                            int `json:"min_age"`
		MaxAge                            int `json:"max_age"`
		Languages                         []string
		Sections                          any
	}
	Next *string
}

func getPage(t *testing.T, e *apitest.Env, query string, headers ...string) (*apitest.Response, listPage) {
	t.Helper()
	r := e.Do("GET", "/v1/surveys"+query, nil, headers...)
	var p listPage
	if r.Status == 200 {
		r.JSON(t, &p)
	}
	return r, p
}

func pageIDs(p listPage) []string {
	var ids []string
	for _, s := range p.Surveys {
		ids = append(ids, s.ID)
	}
	return ids
}

// The app's list pages with an opaque cursor, newest first; every page
// has a Link to the next, a strong ETag and a 304 for a client that has
// it; the last page has no next.
func TestAppListPages(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	ids, _ := storeOpenSurveys(t, e, 12)
	var walked []string
	query := "?limit=5&lang=en"
	for page := 0; ; page++ {
		r, p := getPage(t, e, query)
		if r.Status != 200 {
			t.Fatalf("page %d: %d %s", page, r.Status, r.Body)
		}
		walked = append(walked, pageIDs(p)...)
		etag := r.Header.Get("ETag")
		if !strings.HasPrefix(etag, `"`) || r.Header.Get("Content-Language") != "en" || !strings.Contains(r.Header.Get("Vary"), "Accept-Language") {
			t.Fatalf("page %d headers: %v", page, r.Header)
		}
		if again := e.Do("GET", "/v1/surveys"+query, nil, "If-None-Match", etag); again.Status != 304 || len(again.Body) != 0 || again.Header.Get("ETag") != etag {
			t.Fatalf("page %d: If-None-Match gave %d", page, again.Status)
		}
		if p.Next == nil {
			if r.Header.Get("Link") != "" || page != 2 || len(p.Surveys) != 2 {
				t.Fatalf("last page %d: %d surveys, Link %q", page, len(p.Surveys), r.Header.Get("Link"))
			}
			break
		}
		if len(p.Surveys) != 5 {
			t.Fatalf("page %d has %d surveys", page, len(p.Surveys))
		}
		link := r.Header.Get("Link")
		want := "</v1/surveys?" + url.Values{"cursor": {*p.Next}, "limit": {"5"}, "lang": {"en"}}.Encode() + `>; rel="next"`
		if link != want {
			t.Fatalf("Link %q, want %q", link, want)
		}
		query = strings.TrimSuffix(strings.TrimPrefix(link, "</v1/surveys"), `>; rel="next"`)
	}
	if strings.Join(walked, ",") != strings.Join(ids, ",") {
		t.Fatalf("walk:\n%v\nwant newest first:\n%v", walked, ids)
	}
	// The default page holds them all; another language is another ETag.
	r, p := getPage(t, e, "?lang=en", "Accept-Encoding", "identity")
	if len(p.Surveys) != 12 || p.Next != nil {
		t.Fatalf("default page: %d surveys, next %v", len(p.Surveys), p.Next)
	}
	if sv := e.Do("GET", "/v1/surveys?lang=sv", nil, "Accept-Encoding", "identity", "If-None-Match", r.Header.Get("ETag")); sv.Status != 200 || sv.Header.Get("ETag") == r.Header.Get("ETag") {
		t.Fatalf("Swedish page with the English ETag: %d", sv.Status)
	}
	// Each coding has its own ETag.
	gz := e.Do("GET", "/v1/surveys?lang=en", nil, "Accept-Encoding", "gzip")
	if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("ETag") == r.Header.Get("ETag") || len(gz.Body) >= len(r.Body) {
		t.Fatalf("gzip page: %q %q %d bytes", gz.Header.Get("Content-Encoding"), gz.Header.Get("ETag"), len(gz.Body))
	}
	if again := e.Do("GET", "/v1/surveys?lang=en", nil, "Accept-Encoding", "gzip", "If-None-Match", gz.Header.Get("ETag")); again.Status != 304 {
		t.Fatalf("gzip page If-None-Match: %d", again.Status)
	}
}

// A survey published or closed between two pages neither repeats nor
// makes another survey be skipped; the first page's ETag changes with it.
func TestAppListWalkSurvivesChanges(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	ids, owner := storeOpenSurveys(t, e, 9)
	r, first := getPage(t, e, "?limit=4")
	if strings.Join(pageIDs(first), ",") != strings.Join(ids[:4], ",") || first.Next == nil {
		t.Fatalf("first page: %v", pageIDs(first))
	}
	etag := r.Header.Get("ETag")

	// Meanwhile: a new survey is published, one on the first page and one
	// on the second are closed.
	b, err := examples.Survey("safety-online-offline.json")
	if err != nil {
		t.Fatal(err)
	}
	cr := e.Do("POST", "/v1/org/surveys", b, append(bearer(owner), "Content-Type", "application/json")...)
	if cr.Status != 201 {
		t.Fatalf("create: %d %s", cr.Status, cr.Body)
	}
	newID := cr.Map(t)["id"].(string)
	publishSurvey(t, e, owner, newID)
	for _, id := range []string{ids[1], ids[5]} {
		if r := e.Do("POST", "/v1/org/surveys/"+id+"/close", nil, bearer(owner)...); r.Status != 200 {
			t.Fatalf("close: %d %s", r.Status, r.Body)
		}
	}

	_, second := getPage(t, e, "?limit=4&cursor="+url.QueryEscape(*first.Next))
	if got, want := strings.Join(pageIDs(second), ","), strings.Join([]string{ids[4], ids[6], ids[7], ids[8]}, ","); got != want {
		t.Fatalf("second page after the changes:\n%s\nwant\n%s", got, want)
	}
	if second.Next != nil {
		t.Fatalf("second page has a next: %s", *second.Next)
	}
	// A new walk sees the new survey first, and the first page is another
	// representation (its ETag no longer answers 304).
	r, again := getPage(t, e, "?limit=4", "If-None-Match", etag)
	if r.Status != 200 || len(again.Surveys) != 4 || again.Surveys[0].ID != newID || r.Header.Get("ETag") == etag {
		t.Fatalf("first page after the changes: %d %v", r.Status, pageIDs(again))
	}
}

// Bad paging input is a translated 422 with a pointer to each bad field.
func TestAppListRefusesBadPaging(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	long := strings.Repeat("A", 400)
	for q, want := range map[string][]string{
		"?limit=0":                     {"/limit"},
		"?limit=201":                   {"/limit"},
		"?limit=ten":                   {"/limit"},
		"?limit=-1":                    {"/limit"},
		"?cursor=%%%":                  {"/cursor"},
		"?cursor=bm90IGEgY3Vyc29y":     {"/cursor"}, // "not a cursor"
		"?cursor=MS4xMi5hYmMvZGVm":     {"/cursor"}, // "1.12.abc/def": not an id
		"?cursor=Mi4xMi5hYmM":          {"/cursor"}, // "2.12.abc": another version
		"?cursor=" + long:              {"/cursor"},
		"?age=200&limit=1000&cursor=x": {"/age", "/limit", "/cursor"},
	} {
		r := e.Do("GET", "/v1/surveys"+q, nil, "Accept-Language", "sv")
		if r.Status != 422 {
			t.Errorf("%s: %d %s", q, r.Status, r.Body)
			continue
		}
		got := pointers(t, r)
		if len(got) != len(want) {
			t.Errorf("%s: pointers %v, want %v", q, got, want)
		}
		for _, p := range want {
			if got[p] == "" {
				t.Errorf("%s: no problem at %s: %v", q, p, got)
			}
		}
		if r.Header.Get("Content-Language") != "sv" || !strings.Contains(string(r.Body), "mellan 1 och 200") && got["/limit"] != "" {
			t.Errorf("%s: not in Swedish: %s %s", q, r.Header.Get("Content-Language"), r.Body)
		}
	}
	if r := e.Do("GET", "/v1/surveys?limit=200&limit=1", nil); r.Status != 200 {
		t.Errorf("repeated limit: %d", r.Status)
	}
}

// A list item holds what a list shows: no sections, the age band, and
// the description cut short (the survey itself has it whole).
func TestAppListItemsAreSmall(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("o")
	b, err := examples.Survey("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	var def map[string]any
	if err := json.Unmarshal(b, &def); err != nil {
		t.Fatal(err)
	}
	long := map[string]string{
		"sv": strings.Repeat("Vad tycker du om fritiden? ", 40),
		"en": strings.Repeat("What do you think of your free time? ", 40),
		"ar": strings.Repeat("ما رأيك في وقت فراغك؟ ", 40),
	}
	def["description"] = long
	id := createSurvey(t, e, owner, def)
	publishSurvey(t, e, owner, id)
	for _, lang := range []string{"sv", "en", "ar"} {
		r, p := getPage(t, e, "?lang="+lang)
		if r.Status != 200 || len(p.Surveys) != 1 {
			t.Fatalf("%s: %d %s", lang, r.Status, r.Body)
		}
		it := p.Surveys[0]
		if it.Sections != nil || it.MinAge != 10 || it.MaxAge != 25 || it.Lang != lang || len(it.Languages) != 3 {
			t.Fatalf("%s item: %s", lang, r.Body)
		}
		if n := utf8.RuneCountInString(it.Description); n > 200 || n < 150 || !strings.HasSuffix(it.Description, "…") || !strings.HasPrefix(long[lang], strings.TrimSuffix(it.Description, "…")) {
			t.Fatalf("%s description (%d characters): %q", lang, n, it.Description)
		}
		if strings.HasSuffix(strings.TrimSuffix(it.Description, "…"), " ") {
			t.Fatalf("%s description ends in a space: %q", lang, it.Description)
		}
	}
	full := e.Do("GET", "/v1/surveys/"+id+"?lang=en", nil).Map(t)
	if full["description"] != long["en"] {
		t.Fatalf("the survey's own description is cut: %v", full["description"])
	}
}
