package api_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/surveys"
)

// scrape reads metrics as Prometheus would, into series (name and labels,
// as written) -> value.
func scrape(t *testing.T, m *api.Metrics) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("metrics: %d %s", rec.Code, rec.Body)
	}
	out := map[string]float64{}
	for line := range strings.Lines(rec.Body.String()) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// The operator's series count what happened, exactly: submissions stored,
// answered as retries and refused by reason (the app's reasons and the
// API's), the summaries' lag and releases held back, and exports; and no
// series has a label that names a survey or a respondent.
func TestOperatorMetrics(t *testing.T) {
	t.Parallel()
	metrics := api.NewMetrics("test")
	const rate = 18 // the submissions below, before the one over the limit
	e := apitest.New(t, apitest.Options{Configure: func(o *api.Options) {
		o.Metrics = metrics
		o.SubmitRateLimit = rate
	}})
	ctx := context.Background()
	// Every reason's series exists from the start, at 0. (Scraped from
	// metrics of their own: the server's are scraped once, at the end, since
	// a scrape's read of the releases is reused for a while.)
	before := scrape(t, api.NewMetrics("test"))
	for _, reason := range []string{"survey_not_found", "survey_not_open", "invalid", "access_code_unknown", "access_code_used",
		"conflict", "body_too_large", "rate_limited", "unavailable"} {
		if v, ok := before[`youthvoice_submissions_refused_total{reason="`+reason+`"}`]; !ok || v != 0 {
			t.Errorf("refusals for %s before any submission: %v %v", reason, v, ok)
		}
	}

	posts := 0
	post := func(id string, body any, want int) {
		t.Helper()
		posts++
		r := e.Do("POST", submitPath(id), body, "Content-Type", "application/json")
		if r.Status != want {
			t.Fatalf("submission %d: %d %s, want %d", posts, r.Status, r.Body, want)
		}
	}
	a, owner := openSurvey(t, e, nil)
	first := submission(1, "sv", goodAnswers)
	post(a, first, 201)
	post(a, first, 200) // a retry: the same receipt
	other := submission(1, "sv", map[string]any{"age_band": "13-15"})
	other["submission_id"] = first["submission_id"]
	post(a, other, 409)
	post(a, submission(1, "sv", map[string]any{"satisfied": 99}), 422)
	post(a, `{"submission_id": `, 400)
	post(a, `{"pad": "`+strings.Repeat("x", 70<<10)+`"}`, 413)
	post(uuid.NewString(), submission(1, "sv", goodAnswers), 404)
	for range 4 {
		post(a, submission(1, "sv", goodAnswers), 201)
	}
	e.Server.FlushSummaries(ctx) // five: the first release
	post(a, submission(1, "sv", goodAnswers), 201)

	b := createSurvey(t, e, owner, smallSurvey(t))
	publishSurvey(t, e, owner, b)
	stored := submission(1, "sv", goodAnswers)
	post(b, stored, 201)
	if r := e.Do("POST", "/v1/org/surveys/"+b+"/close", nil, bearer(owner)...); r.Status != 200 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	post(b, submission(1, "sv", goodAnswers), 409)
	post(b, stored, 200) // a retry after the close still gets its receipt

	c := createSurvey(t, e, owner, smallSurveyWithCodes(t))
	publishSurvey(t, e, owner, c)
	codes := postCodes(e, owner, c, 1, "en")
	if codes.Status != 201 {
		t.Fatalf("codes: %d %s", codes.Status, codes.Body)
	}
	code := codes.Map(t)["codes"].([]any)[0].(string)
	withCode := func(code string) map[string]any {
		s := submission(1, "sv", goodAnswers)
		s["access_code"] = code
		return s
	}
	post(c, withCode(surveys.NewAccessCode()), 422)
	post(c, withCode(code), 201)
	post(c, withCode(code), 409)
	if posts != rate {
		t.Fatalf("%d submissions before the rate limit, want %d", posts, rate)
	}
	post(a, submission(1, "sv", goodAnswers), 429)

	if r := e.Do("GET", "/v1/org/surveys/"+a+"/export?format=csv", nil, bearer(owner)...); r.Status != 200 {
		t.Fatalf("summary export: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", "/v1/org/surveys/"+a+"/export?kind=responses&format=csv", nil, bearer(owner)...); r.Status != 200 {
		t.Fatalf("response export: %d %s", r.Status, r.Body)
	}
	// A consultation's participation report (of a draft consultation of
	// draft surveys, which changes no other series).
	k := createConsultation(t, e, owner, exampleConsultation(t, exampleSurveys(t, e, owner, false)))
	if r := e.Do("GET", "/v1/org/consultations/"+k.ID+"/report?format=xlsx&lang=en", nil, bearer(owner)...); r.Status != 200 {
		t.Fatalf("participation report: %d %s", r.Status, r.Body)
	}
	e.Server.FlushSummaries(ctx)

	// The response export is counted when its stream ends, which may be
	// just after the client has read the last byte.
	responsesExported := `youthvoice_export_duration_seconds_count{format="csv",kind="responses"}`
	got := scrape(t, metrics)
	for deadline := time.Now().Add(10 * time.Second); got[responsesExported] == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		got = scrape(t, metrics)
	}
	want := map[string]float64{
		`youthvoice_submissions_total{outcome="accepted"}`:                      8,
		`youthvoice_submissions_total{outcome="duplicate"}`:                     2,
		`youthvoice_submissions_refused_total{reason="survey_not_found"}`:       1,
		`youthvoice_submissions_refused_total{reason="survey_not_open"}`:        1,
		`youthvoice_submissions_refused_total{reason="invalid"}`:                2,
		`youthvoice_submissions_refused_total{reason="access_code_unknown"}`:    1,
		`youthvoice_submissions_refused_total{reason="access_code_used"}`:       1,
		`youthvoice_submissions_refused_total{reason="conflict"}`:               1,
		`youthvoice_submissions_refused_total{reason="body_too_large"}`:         1,
		`youthvoice_submissions_refused_total{reason="rate_limited"}`:           1,
		`youthvoice_submissions_refused_total{reason="unavailable"}`:            0,
		`youthvoice_export_duration_seconds_count{format="csv",kind="summary"}`: 1,
		responsesExported: 1,
		`youthvoice_exports_failed_total{format="csv",kind="responses"}`:               0,
		`youthvoice_export_duration_seconds_count{format="xlsx",kind="participation"}`: 1,
		`youthvoice_exports_failed_total{format="pdf",kind="participation"}`:           0,
		`youthvoice_summary_queue_batches`:                                             0,
		`youthvoice_summary_queue_oldest_seconds`:                                      0,
		`youthvoice_surveys_open`:                                                      2, // a and c; b is closed
		`youthvoice_releases_held_back_surveys{state="unreleased"}`:                    1, // c: one response, fewer than k
		`youthvoice_releases_held_back_surveys{state="behind"}`:                        1, // a: released at 5, one since
	}
	for series, v := range want {
		if g, ok := got[series]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", series, g, ok, v)
		}
	}
	// Every accepted submission was in a batch the summarizer applied
	// (retries and conflicts may make batches of their own).
	if n := got["youthvoice_summary_batches_applied_total"]; n < 8 {
		t.Errorf("batches applied %v, want 8 or more", n)
	}
	if _, ok := got["youthvoice_summary_conflicts_total"]; !ok {
		t.Error("no youthvoice_summary_conflicts_total")
	}
	if n, ok := got["youthvoice_summary_passes_forced_total"]; !ok || n != 0 {
		t.Errorf("youthvoice_summary_passes_forced_total = %v (present %v), want 0: nothing was behind", n, ok)
	}
	for series := range got {
		if strings.Contains(series, a) || strings.Contains(series, b) || strings.Contains(series, c) || strings.Contains(series, "127.0.0.1") {
			t.Errorf("series %s names a survey or a client", series)
		}
	}
}

// Two servers in one process, each with its own metrics, count apart
// (each registry is its own; nothing goes to the global one).
func TestMetricsOfTwoServersInOneProcess(t *testing.T) {
	t.Parallel()
	m1, m2 := api.NewMetrics("test"), api.NewMetrics("test")
	e1 := apitest.New(t, apitest.Options{Configure: func(o *api.Options) { o.Metrics = m1 }})
	e2 := apitest.New(t, apitest.Options{Configure: func(o *api.Options) { o.Metrics = m2 }})
	id, _ := openSurvey(t, e1, nil)
	if r := e1.Do("POST", submitPath(id), submission(1, "sv", goodAnswers)); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if r := e2.Do("POST", submitPath(id), submission(1, "sv", goodAnswers)); r.Status != 404 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	g1, g2 := scrape(t, m1), scrape(t, m2)
	accepted, notFound := `youthvoice_submissions_total{outcome="accepted"}`, `youthvoice_submissions_refused_total{reason="survey_not_found"}`
	if g1[accepted] != 1 || g1[notFound] != 0 || g2[accepted] != 0 || g2[notFound] != 1 {
		t.Fatalf("server 1: %v accepted, %v not found; server 2: %v, %v", g1[accepted], g1[notFound], g2[accepted], g2[notFound])
	}
	if g1["youthvoice_surveys_open"] != 1 || g2["youthvoice_surveys_open"] != 0 {
		t.Fatalf("open surveys: %v and %v", g1["youthvoice_surveys_open"], g2["youthvoice_surveys_open"])
	}
}
