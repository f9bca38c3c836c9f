package api_test

import (
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/examples"
)

// The reported surprises, through the API: on a survey in Swedish (its
// default), English and Arabic, ?lang=so used to give English and fi or uk
// Swedish by CLDR's judgement; now every language the survey does not
// have gives its default, and so does everything a young person sees of
// it: the survey, the list, the public results and the exports, each
// naming the language in Content-Language. The server's own messages
// follow the same rule over the languages it speaks (so: Somali; de:
// English).
func TestLanguageFallbackIsTheDefault(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("o")
	b, err := examples.Survey("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	r := e.Do("POST", "/v1/org/surveys", b, append(bearer(owner), "Content-Type", "application/json")...)
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id := r.Map(t)["id"].(string)
	publishSurvey(t, e, owner, id)

	cases := []struct {
		lang, accept string
		want         string
	}{
		{"so", "", "sv"}, {"fi", "", "sv"}, {"uk", "", "sv"}, {"", "uk, fi;q=0.8", "sv"},
		{"de", "", "sv"}, {"nb", "", "sv"},
		{"so", "en", "en"}, {"", "so, ar;q=0.5", "ar"}, {"", "fi, en-GB;q=0.9", "en"},
		{"sv-FI", "", "sv"}, {"ar-SE", "", "ar"}, {"EN", "", "en"}, {"", "", "sv"},
	}
	for _, tc := range cases {
		q := "?lang=" + tc.lang
		h := []string{"Accept-Language", tc.accept}
		r := e.Do("GET", "/v1/surveys/"+id+q, nil, h...)
		if got := r.Map(t)["lang"]; r.Status != 200 || got != tc.want || r.Header.Get("Content-Language") != tc.want {
			t.Errorf("survey %s %q: %d lang %v, Content-Language %q, want %s", q, tc.accept, r.Status, got, r.Header.Get("Content-Language"), tc.want)
		}
		_, page := getPage(t, e, q, h...)
		if len(page.Surveys) != 1 || page.Surveys[0].Lang != tc.want {
			t.Errorf("list %s %q: %+v, want %s", q, tc.accept, page.Surveys, tc.want)
		}
		if r := e.Do("GET", "/v1/surveys"+q, nil, h...); r.Header.Get("Content-Language") != tc.want {
			t.Errorf("list %s %q: Content-Language %q, want %s", q, tc.accept, r.Header.Get("Content-Language"), tc.want)
		}
		if r := e.Do("GET", "/v1/surveys/"+id+"/results"+q, nil, h...); r.Status != 200 || r.Header.Get("Content-Language") != tc.want || r.Map(t)["lang"] != tc.want {
			t.Errorf("results %s %q: %d Content-Language %q, want %s", q, tc.accept, r.Status, r.Header.Get("Content-Language"), tc.want)
		}
		if r := e.Do("GET", "/v1/org/surveys/"+id+"/export?format=csv"+strings.Replace(q, "?", "&", 1), nil, append(bearer(owner), h...)...); r.Status != 200 || r.Header.Get("Content-Language") != tc.want {
			t.Errorf("export %s %q: %d Content-Language %q, want %s", q, tc.accept, r.Status, r.Header.Get("Content-Language"), tc.want)
		}
	}

	// Problems are in the server's language by the same rule: Somali is
	// one of its languages, German and Norwegian are not (English), and
	// Finnish never becomes Swedish.
	for lang, want := range map[string]string{"so": "so", "fi": "fi", "uk": "uk", "de": "en", "nb": "en", "sv-FI": "sv", "es-MX": "es"} {
		r := e.Do("GET", "/v1/surveys/no-such-survey?lang="+lang, nil)
		if r.Status != 404 || r.Header.Get("Content-Language") != want {
			t.Errorf("problem ?lang=%s: %d Content-Language %q, want %s", lang, r.Status, r.Header.Get("Content-Language"), want)
		}
		if p := problemOf(t, r); p.Title != e.Catalog.Message(want, "problem.not_found.title", nil) {
			t.Errorf("problem ?lang=%s: title %q", lang, p.Title)
		}
	}
}
