package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/store/storetest"
)

// openSurvey creates and publishes the small test survey, changed by edit.
func openSurvey(t *testing.T, e *apitest.Env, edit func(map[string]any)) (id, owner string) {
	t.Helper()
	_, owner = e.Org("o")
	def := smallSurvey(t)
	if edit != nil {
		edit(def)
	}
	id = createSurvey(t, e, owner, def)
	publishSurvey(t, e, owner, id)
	return id, owner
}

func submission(rev int, lang string, answers map[string]any) map[string]any {
	return map[string]any{"submission_id": uuid.NewString(), "revision": rev, "lang": lang, "answers": answers}
}

var goodAnswers = map[string]any{
	"age_band":   "16-19",
	"activities": map[string]any{"choices": []string{"sport", "other"}, "other": "skate, mejla mig på kim@example.com"},
	"satisfied":  2,
	"why":        "Det finns inget att göra. Ring 070-123 45 67",
	"hours":      12,
	"priorities": []string{"transport", "places", "support"},
	"agree":      map[string]any{"safe": 3, "heard": 1},
}

func countResponses(t *testing.T, e *apitest.Env, id string) int64 {
	t.Helper()
	n, err := e.Store.CountResponses(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSubmitExactlyOnce(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	id, _ := openSurvey(t, e, nil)
	sub := submission(1, "sv", goodAnswers)
	r := e.Do("POST", "/v1/surveys/"+id+"/responses", sub, "Accept-Language", "en")
	if r.Status != 201 {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	var receipt map[string]any
	r.JSON(t, &receipt)
	if receipt["thank_you"] != "Tack!" || receipt["lang"] != "sv" || receipt["results_url"] != "/v1/surveys/"+id+"/results" {
		t.Fatalf("receipt: %s", r.Body)
	}
	again := e.Do("POST", "/v1/surveys/"+id+"/responses", sub)
	if again.Status != 200 || string(again.Body) != string(r.Body) {
		t.Fatalf("retry: %d %s", again.Status, again.Body)
	}
	if n := countResponses(t, e, id); n != 1 {
		t.Fatalf("%d responses stored", n)
	}
	// The same id with other content is a conflict.
	changed := map[string]any{}
	for k, v := range sub {
		changed[k] = v
	}
	changed["answers"] = map[string]any{"age_band": "13-15"}
	if r := e.Do("POST", "/v1/surveys/"+id+"/responses", changed, "Accept-Language", "sv"); r.Status != 409 || problemOf(t, r).Type != "urn:youthvoice:problem:submission_conflict" {
		t.Fatalf("reused id: %d %s", r.Status, r.Body)
	}
	// Free text was scrubbed before it was stored.
	docs, err := e.Store.RawDocuments(context.Background(), "responses")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(docs)
	if strings.Contains(string(b), "kim@example.com") || strings.Contains(string(b), "070-123") || !strings.Contains(string(b), "[removed]") {
		t.Fatalf("free text not scrubbed: %s", b)
	}
}

func TestConcurrentCopiesStoreOneResponse(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	id, _ := openSurvey(t, e, nil)
	sub := submission(1, "ar", goodAnswers)
	var wg sync.WaitGroup
	statuses := make([]int, 64)
	bodies := make([]string, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.Do("POST", "/v1/surveys/"+id+"/responses", sub)
			statuses[i], bodies[i] = r.Status, string(r.Body)
		}()
	}
	wg.Wait()
	created := 0
	for i, st := range statuses {
		switch st {
		case 201:
			created++
		case 200:
		default:
			t.Fatalf("copy %d: %d %s", i, st, bodies[i])
		}
		if bodies[i] != bodies[0] {
			t.Fatalf("receipts differ: %s vs %s", bodies[i], bodies[0])
		}
	}
	if created != 1 {
		t.Errorf("%d copies got 201", created)
	}
	if n := countResponses(t, e, id); n != 1 {
		t.Fatalf("%d responses stored", n)
	}
}

func TestSubmitAcrossRestart(t *testing.T) {
	t.Parallel()
	opts := storetest.Options(t)
	st, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	e := apitest.New(t, apitest.Options{Store: st})
	id, _ := openSurvey(t, e, nil)
	sub := submission(1, "sv", goodAnswers)
	first := e.Do("POST", "/v1/surveys/"+id+"/responses", sub)
	if first.Status != 201 {
		t.Fatalf("%d %s", first.Status, first.Body)
	}
	if err := e.Server.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	st2, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st2.Close(context.Background()) })
	e2 := apitest.New(t, apitest.Options{Store: st2})
	again := e2.Do("POST", "/v1/surveys/"+id+"/responses", sub)
	if again.Status != 200 || string(again.Body) != string(first.Body) {
		t.Fatalf("retry after restart: %d %s", again.Status, again.Body)
	}
	if n := countResponses(t, e2, id); n != 1 {
		t.Fatalf("%d responses", n)
	}
}

func TestSubmissionProblems(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	id, owner := openSurvey(t, e, nil)
	post := func(body any, lang string) *apitest.Response {
		return e.Do("POST", "/v1/surveys/"+id+"/responses", body, "Accept-Language", lang)
	}
	bad := submission(1, "sv", map[string]any{
		"age_band":   "99",                                // unknown option
		"activities": []string{"sport", "music", "other"}, // too many
		"satisfied":  4,
		"why":        "hidden, since satisfied > 2", // hidden
		"hours":      2.5,                           // not an integer
		"priorities": []string{"places"},            // hidden: age 99 invalid, hours invalid
		"agree":      map[string]any{"safe": 9},
		"nope":       1,
	})
	r := post(bad, "sv")
	if r.Status != 422 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	got := pointers(t, r)
	for p, code := range map[string]string{
		"/answers/age_band":   "unknown_option",
		"/answers/activities": "selections",
		"/answers/why":        "hidden_question",
		"/answers/hours":      "not_integer",
		"/answers/agree/safe": "out_of_range",
		"/answers/nope":       "unknown_question_answer",
	} {
		if got[p] != code {
			t.Errorf("%s: %q, want %q (all %v)", p, got[p], code, got)
		}
	}
	if r.Header.Get("Content-Language") != "sv" {
		t.Error("not in Swedish")
	}
	if got := pointers(t, post(submission(1, "sv", map[string]any{}), "en")); got["/answers/age_band"] != "required" {
		t.Errorf("required: %v", got)
	}
	if got := pointers(t, post(submission(1, "sv", map[string]any{"age_band": "13-15", "priorities": []string{"places", "support"}}), "en")); got["/answers/priorities"] != "hidden_question" {
		t.Errorf("ranking hidden: %v", got)
	}
	if got := pointers(t, post(submission(1, "sv", map[string]any{"age_band": "16-19", "priorities": []string{"places", "support"}}), "en")); got["/answers/priorities"] != "rank_all" {
		t.Errorf("rank all: %v", got)
	}
	if got := pointers(t, post(submission(7, "sv", map[string]any{"age_band": "16-19"}), "en")); got["/revision"] != "unknown_revision" {
		t.Errorf("revision: %v", got)
	}
	if got := pointers(t, post(map[string]any{"submission_id": "not-a-uuid", "revision": 1, "answers": map[string]any{}}, "en")); got["/submission_id"] != "invalid" {
		t.Errorf("submission id: %v", got)
	}
	if got := pointers(t, post(submission(1, "de", map[string]any{"age_band": "16-19"}), "en")); got["/lang"] != "unsupported_language" {
		t.Errorf("lang: %v", got)
	}
	if r := e.Do("POST", "/v1/surveys/nope/responses", submission(1, "sv", goodAnswers)); r.Status != 404 {
		t.Errorf("unknown survey: %d", r.Status)
	}
	huge := submission(1, "sv", map[string]any{"why": strings.Repeat("a", 70000)})
	if r := post(huge, "en"); r.Status != 413 {
		t.Errorf("huge: %d", r.Status)
	}
	// A retry of a submission stored before the survey closed still gets
	// its receipt; a new one gets a clear "not open".
	stored := submission(1, "sv", goodAnswers)
	first := post(stored, "en")
	if first.Status != 201 {
		t.Fatalf("%d %s", first.Status, first.Body)
	}
	// A closed survey takes no answers, and says so in the child's language.
	e.Do("POST", "/v1/org/surveys/"+id+"/close", nil, bearer(owner)...)
	if again := post(stored, "en"); again.Status != 200 || string(again.Body) != string(first.Body) {
		t.Fatalf("retry after close: %d %s", again.Status, again.Body)
	}
	r = post(submission(1, "sv", goodAnswers), "ar")
	if r.Status != 409 || problemOf(t, r).Title != e.Catalog.Message("ar", "problem.survey_not_open.title", nil) {
		t.Errorf("closed: %d %s", r.Status, r.Body)
	}
}

func TestAnswersKeepTheirRevision(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	id, owner := openSurvey(t, e, nil)
	def := smallSurvey(t)
	def["title"].(map[string]any)["en"] = "New title"
	if r := e.Do("PUT", "/v1/org/surveys/"+id, def, bearer(owner)...); r.Status != 200 {
		t.Fatal(r.Status)
	}
	for _, rev := range []int{1, 2} {
		if r := e.Do("POST", "/v1/surveys/"+id+"/responses", submission(rev, "en", goodAnswers)); r.Status != 201 || r.Map(t)["revision"].(float64) != float64(rev) {
			t.Fatalf("revision %d: %d %s", rev, r.Status, r.Body)
		}
	}
	docs, _ := e.Store.RawDocuments(context.Background(), "responses")
	revs := map[any]bool{}
	for _, d := range docs {
		revs[fmt.Sprint(d["revision"])] = true
	}
	if !revs["1"] || !revs["2"] {
		t.Fatalf("revisions stored: %v", revs)
	}
}

func TestSensitiveReceiptShowsSupport(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	id, _ := openSurvey(t, e, func(def map[string]any) {
		def["sensitive"] = true
		def["content_note"] = map[string]string{"sv": "Frågor om trygghet.", "en": "Questions about safety.", "ar": "أسئلة عن الأمان."}
		def["support_resources"] = []any{map[string]any{"country": "SE", "phone": "116 111", "url": "https://www.bris.se",
			"name": map[string]string{"sv": "Bris", "en": "Bris", "ar": "بريس"}}}
		def["sections"].([]any)[0].(map[string]any)["questions"].([]any)[0].(map[string]any)["required"] = false
	})
	r := e.Do("POST", "/v1/surveys/"+id+"/responses", submission(1, "ar", map[string]any{"age_band": "13-15"}))
	var rc struct {
		Dir              string
		SupportResources []struct{ Name, Phone string } `json:"support_resources"`
	}
	r.JSON(t, &rc)
	if r.Status != 201 || rc.Dir != "rtl" || len(rc.SupportResources) != 1 || rc.SupportResources[0].Name != "بريس" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

func TestAccessCodes(t *testing.T) {
	t.Parallel()
	var failAt string
	e := apitest.New(t, apitest.Options{Prepare: func(s *api.Server) {
		api.SetFaults(s, func(step string) error {
			if step == failAt {
				return errors.New("injected crash after " + step)
			}
			return nil
		})
	}})
	id, owner := openSurvey(t, e, func(def map[string]any) { def["access_codes"] = true })
	r := e.Do("POST", "/v1/org/surveys/"+id+"/access-codes", map[string]int{"count": 20}, bearer(owner)...)
	var codes struct{ Codes []string }
	r.JSON(t, &codes)
	if r.Status != 201 || len(codes.Codes) != 20 {
		t.Fatalf("codes: %d %s", r.Status, r.Body)
	}
	r = e.Do("POST", "/v1/org/surveys/"+id+"/access-codes", map[string]int{"count": 3}, append(bearer(owner), "Accept", "text/csv")...)
	lines := strings.Split(strings.TrimSpace(string(r.Body)), "\n")
	if r.Status != 201 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || len(lines) != 4 || lines[0] != "code" {
		t.Fatalf("csv: %d %q", r.Status, r.Body)
	}
	post := func(sub map[string]any, code string) *apitest.Response {
		sub["access_code"] = code
		return e.Do("POST", "/v1/surveys/"+id+"/responses", sub, "Accept-Language", "sv")
	}
	if got := pointers(t, post(submission(1, "sv", goodAnswers), "")); got["/access_code"] != "access_code_required" {
		t.Fatalf("no code: %v", got)
	}
	// One mistyped symbol is caught by the check symbol.
	typo := []byte(codes.Codes[0])
	if typo[0] == 'A' {
		typo[0] = 'B'
	} else {
		typo[0] = 'A'
	}
	if got := pointers(t, post(submission(1, "sv", goodAnswers), string(typo))); got["/access_code"] != "access_code_invalid" {
		t.Fatalf("typo: %v", got)
	}
	// Use code 0 (typed in lower case, without the dash).
	sub := submission(1, "sv", goodAnswers)
	typed := strings.ToLower(strings.ReplaceAll(codes.Codes[0], "-", ""))
	if r := post(sub, typed); r.Status != 201 {
		t.Fatalf("first use: %d %s", r.Status, r.Body)
	}
	if r := post(sub, typed); r.Status != 200 {
		t.Fatalf("retry: %d %s", r.Status, r.Body)
	}
	r = post(submission(1, "sv", goodAnswers), codes.Codes[0])
	if r.Status != 409 || problemOf(t, r).Type != "urn:youthvoice:problem:code_used" {
		t.Fatalf("used code: %d %s", r.Status, r.Body)
	}
	// A crash between any two steps leaves a state the retry completes,
	// without burning a second code or losing the response.
	for i, step := range []string{"validated", "code_burned", "stored"} {
		failAt = step
		sub := submission(1, "sv", goodAnswers)
		code := codes.Codes[i+1]
		if r := post(sub, code); r.Status != 503 || r.Header.Get("Retry-After") == "" {
			t.Fatalf("crash after %s: %d %s", step, r.Status, r.Body)
		}
		failAt = ""
		r := post(sub, code)
		if r.Status != 201 && r.Status != 200 {
			t.Fatalf("retry after a crash after %s: %d %s", step, r.Status, r.Body)
		}
		if r := post(submission(1, "sv", goodAnswers), code); r.Status != 409 {
			t.Fatalf("code %d reusable after crash at %s: %d", i+1, step, r.Status)
		}
	}
	if n := countResponses(t, e, id); n != 4 {
		t.Fatalf("%d responses, want 4", n)
	}
	_, used, _ := e.Store.AccessCodeCounts(context.Background(), id)
	if used != 4 {
		t.Fatalf("%d codes used, want 4", used)
	}
	// Nothing links a code to a response once the survey closes.
	e.Do("POST", "/v1/org/surveys/"+id+"/close", nil, bearer(owner)...)
	docs, _ := e.Store.RawDocuments(context.Background(), "access_codes")
	for _, d := range docs {
		if _, ok := d["used_by"]; ok {
			t.Fatalf("code still linked after close: %v", d)
		}
	}
	responses, _ := e.Store.RawDocuments(context.Background(), "responses")
	b, _ := json.Marshal(responses)
	for _, c := range codes.Codes {
		if strings.Contains(string(b), c) || strings.Contains(string(b), strings.ReplaceAll(c, "-", "")) {
			t.Fatal("a response holds its access code")
		}
	}
	if r := e.Do("POST", "/v1/org/surveys/"+id+"/access-codes", map[string]int{"count": 0}, bearer(owner)...); r.Status != 422 {
		t.Fatalf("count 0: %d", r.Status)
	}
}

// TestNothingIdentifiesTheRespondent reads the raw stored documents and
// the log of a run, and fails if anything about the client appears.
func TestNothingIdentifiesTheRespondent(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	id, _ := openSurvey(t, e, nil)
	for i := range 5 {
		r := e.Do("POST", "/v1/surveys/"+id+"/responses", submission(1, "sv", goodAnswers),
			"User-Agent", fmt.Sprintf("YouthPhone/%d (device-abc-%d)", i, i), "X-Forwarded-For", "198.51.100.77",
			"X-Device-Id", "dev-42", "Cookie", "session=s3cr3t")
		if r.Status != 201 {
			t.Fatal(r.Status)
		}
	}
	docs, err := e.Store.RawDocuments(context.Background(), "responses")
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"_id": true, "survey_id": true, "revision": true, "lang": true, "day": true, "answers": true, "digest": true, "batch": true}
	for _, d := range docs {
		for k := range d {
			if !allowed[k] {
				t.Errorf("stored field %q", k)
			}
		}
		if day, _ := d["day"].(string); len(day) != 10 {
			t.Errorf("day %q is not a date", day)
		}
	}
	b, _ := json.Marshal(docs)
	stored := string(b)
	// The response pages (the export's copy) hold no more.
	e.Server.FlushSummaries(context.Background())
	pages, err := e.Store.RawDocuments(context.Background(), "response_pages")
	if err != nil || len(pages) == 0 {
		t.Fatalf("pages: %v, %d", err, len(pages))
	}
	for _, p := range pages {
		for k, v := range p {
			switch k {
			case "_id", "survey_id", "n":
			case "entries":
				bin, ok := v.(bson.Binary)
				if !ok {
					t.Fatalf("entries are %T", v)
				}
				stored += string(bin.Data)
			default:
				t.Errorf("page field %q", k)
			}
		}
	}
	for _, d := range docs {
		if key := d["_id"].(string); strings.Count(stored, key) != 1 {
			t.Errorf("a response's key is stored outside its document")
		}
	}
	logs := e.Logs.String()
	for _, bad := range []string{"YouthPhone", "device-abc", "198.51.100.77", "127.0.0.1", "dev-42", "s3cr3t", "kim@example.com"} {
		if strings.Contains(stored, bad) {
			t.Errorf("stored documents contain %q", bad)
		}
		if strings.Contains(logs, bad) {
			t.Errorf("logs contain %q", bad)
		}
	}
	for _, sub := range []string{"skate", "Det finns inget"} {
		if strings.Contains(logs, sub) {
			t.Errorf("logs contain the body (%q)", sub)
		}
	}
	// No time of day: nothing in a response looks like a timestamp.
	if strings.Contains(stored, "T0") && strings.Contains(stored, ":") && strings.Contains(stored, "Z\"") {
		t.Errorf("a timestamp is stored: %s", stored)
	}
}

func TestSubmissionRateLimit(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.Options{Configure: func(o *api.Options) { o.SubmitRateLimit = 3 }})
	id, _ := openSurvey(t, e, nil)
	var last *apitest.Response
	for range 4 {
		last = e.Do("POST", "/v1/surveys/"+id+"/responses", submission(1, "sv", goodAnswers), "Accept-Language", "fi")
	}
	if last.Status != 429 || last.Header.Get("Retry-After") == "" || problemOf(t, last).Type != "urn:youthvoice:problem:rate_limited" {
		t.Fatalf("%d %v %s", last.Status, last.Header, last.Body)
	}
	if n := countResponses(t, e, id); n != 3 {
		t.Fatalf("%d stored", n)
	}
}

// Behind a trusted proxy the rate limit counts each client by the address
// the proxy wrote last in the client header; what a client writes itself,
// and the header from anyone else, changes nothing.
func TestSubmissionRateLimitBehindAProxy(t *testing.T) {
	t.Parallel()
	submit := func(e *apitest.Env, id, forwarded string) int {
		return e.Do("POST", "/v1/surveys/"+id+"/responses", submission(1, "sv", goodAnswers), "X-Forwarded-For", forwarded).Status
	}
	e := apitest.New(t, apitest.Options{Configure: func(o *api.Options) {
		o.SubmitRateLimit = 2
		o.ClientHeader = "X-Forwarded-For"
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} // the test client
	}})
	id, _ := openSurvey(t, e, nil)
	for i, c := range []struct {
		forwarded string
		want      int
	}{
		{"203.0.113.5", 201},
		{"10.1.1.1, 203.0.113.5", 201},
		{"10.9.9.9, 203.0.113.5", 429}, // a new claim in front does not make a new client
		{"203.0.113.6", 201},           // another young person behind the same proxy
		{"::ffff:203.0.113.6", 201},
		{"203.0.113.6", 429},
		{"[2001:db8::7]:443", 201},      // with a port
		{"2001:db8::7, 127.0.0.9", 201}, // a second trusted hop is skipped
		{"2001:db8::7", 429},
	} {
		if got := submit(e, id, c.forwarded); got != c.want {
			t.Fatalf("request %d (%s): %d, want %d", i, c.forwarded, got, c.want)
		}
	}
	// A proxy that adds its own header line rather than merging: the
	// client's own line comes first and counts for nothing.
	for i, want := range []int{201, 201, 429} {
		r := e.Do("POST", "/v1/surveys/"+id+"/responses", submission(1, "sv", goodAnswers),
			"X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i), "X-Forwarded-For", "198.51.100.20")
		if r.Status != want {
			t.Fatalf("two header lines, request %d: %d, want %d", i, r.Status, want)
		}
	}
	// From a peer that is not a trusted proxy the header is ignored.
	e2 := apitest.New(t, apitest.Options{Configure: func(o *api.Options) {
		o.SubmitRateLimit = 2
		o.ClientHeader = "X-Forwarded-For"
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	}})
	id2, _ := openSurvey(t, e2, nil)
	for i, want := range []int{201, 201, 429} {
		if got := submit(e2, id2, fmt.Sprintf("203.0.113.%d", 10+i)); got != want {
			t.Fatalf("untrusted peer, request %d: %d, want %d", i, got, want)
		}
	}
}
