package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// comparisonView is the JSON of GET /v1/org/surveys/{id}/compare.
type comparisonView struct {
	Level       int                          `json:"ci_level"`
	Current     surveys.WaveRef              `json:"current"`
	Previous    surveys.WaveRef              `json:"previous"`
	Questions   []surveys.QuestionComparison `json:"questions"`
	Significant int                          `json:"significant"`
	Compared    int                          `json:"compared"`
	LeftOut     []struct {
		ID, Reason, Why string
	} `json:"left_out"`
	Notes  []string `json:"notes"`
	Method []string `json:"method"`
}

// publishWave publishes a copy of the youth consultation and submits subs.
func publishWave(t *testing.T, e *apitest.Env, owner string, file string, subs []map[string]any) string {
	t.Helper()
	b, err := examples.Survey(file)
	if err != nil {
		t.Fatal(err)
	}
	r := e.Do("POST", "/v1/org/surveys", b, append(bearer(owner), "Content-Type", "application/json")...)
	if r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	id := r.Map(t)["id"].(string)
	publishSurvey(t, e, owner, id)
	if len(subs) > 0 {
		e.Submit(id, subs)
	}
	return id
}

// Two waves compared through the API: every row is the two summaries'
// published numbers at the level asked for, each difference Newcombe's or
// Welch's from them and flagged exactly when its interval excludes 0, a
// number a summary suppresses has no difference, the shift between the
// waves is found; the CSV and XLSX hold the rows and are audited; the
// ministry compares only surveys shared with it; every bad input is a
// translated problem.
func TestCompareWavesThroughTheAPI(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel() // waits on its own summarizer mostly
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	const file = "youth-policy-consultation.json"
	_, _, def := publishExample(t, e, file) // for its definition
	rng := rand.New(rand.NewPCG(5, 5))
	last := publishWave(t, e, owner, file, submissions(def, 150, rng))
	// This year no girl answered: the share of girls must differ.
	var shifted []map[string]any
	for _, s := range submissions(def, 260, rng) {
		if s["answers"].(map[string]any)["gender"] != "girl" {
			shifted = append(shifted, s)
		}
	}
	this := publishWave(t, e, owner, file, shifted)
	few := publishWave(t, e, owner, file, submissions(def, 3, rng))
	small := createSurvey(t, e, owner, smallSurvey(t))
	publishSurvey(t, e, owner, small)
	smallDef, err := surveystest.Load(surveystest.SmallSurvey)
	if err != nil {
		t.Fatal(err)
	}
	e.Submit(small, submissions(smallDef, 20, rng))
	e.Server.FlushSummaries(context.Background())
	e.Clock.Advance(2 * time.Second)

	path := "/v1/org/surveys/" + this + "/compare?with=" + last
	r := e.Do("GET", path+"&level=90&lang=en", nil, bearer(owner)...)
	if r.Status != 200 || r.Header.Get("Content-Language") != "en" {
		t.Fatalf("%d %s", r.Status, r.Body[:min(400, len(r.Body))])
	}
	var v comparisonView
	r.JSON(t, &v)
	if v.Level != 90 || v.Current.Survey != this || v.Previous.Survey != last || len(v.Notes) != 3 || len(v.Method) != 5 {
		t.Fatalf("comparison %+v %+v level %d notes %q", v.Current, v.Previous, v.Level, v.Notes)
	}
	cur := getIntervals(t, e, "/v1/org/surveys/"+this+"/summary?lang=en&level=90", bearer(owner)...).Results
	prev := getIntervals(t, e, "/v1/org/surveys/"+last+"/summary?lang=en&level=90", bearer(owner)...).Results
	if v.Current.Responses != *cur.N.N || v.Previous.Responses != *prev.N.N {
		t.Fatalf("responses %d, %d; the summaries %d, %d", v.Current.Responses, v.Previous.Responses, *cur.N.N, *prev.N.N)
	}
	checked, suppressed, flagged := checkAPIComparison(t, v, cur.Groups[0], prev.Groups[0])
	if checked < 60 || suppressed == 0 || flagged != v.Significant {
		t.Errorf("%d rows checked, %d with a number not published, %d flagged (the comparison says %d)", checked, suppressed, flagged, v.Significant)
	}
	texts := 0
	for _, l := range v.LeftOut {
		if l.Reason == surveys.LeftOutNoEstimates && l.Why != "" {
			texts++
		}
	}
	if texts != 4 || len(v.LeftOut) != 4 {
		t.Errorf("left out %+v", v.LeftOut)
	}

	// Swedish, by Accept-Language.
	r = e.Do("GET", path, nil, append(bearer(owner), "Accept-Language", "sv")...)
	var sv comparisonView
	r.JSON(t, &sv)
	if r.Header.Get("Content-Language") != "sv" || sv.Level != 95 || !strings.Contains(strings.Join(sv.Notes, " "), "procentenheter") {
		t.Errorf("Swedish: %s level %d notes %q", r.Header.Get("Content-Language"), sv.Level, sv.Notes)
	}

	// Files: the CSV's rows, the workbook, both audited.
	r = e.Do("GET", path+"&format=csv&lang=en&level=90", nil, bearer(owner)...)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(r.Header.Get("Content-Disposition"), "compare-en.csv") {
		t.Fatalf("csv: %d %v", r.Status, r.Header)
	}
	lines, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, q := range v.Questions {
		rows += len(q.Rows)
	}
	if want := 1 + rows + len(v.LeftOut) + 2 + len(v.Notes) + len(v.Method); len(lines) != want {
		t.Errorf("csv: %d lines, want %d", len(lines), want)
	}
	r = e.Do("GET", path+"&format=xlsx&lang=en", nil, bearer(owner)...)
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if r.Status != 200 || err != nil {
		t.Fatalf("xlsx: %d %v", r.Status, err)
	}
	if n := len(f.GetSheetList()); n != 3 {
		t.Errorf("xlsx: %d sheets", n)
	}
	f.Close()
	if h := e.Do("HEAD", path+"&format=csv", nil, bearer(owner)...); h.Status != 200 || len(h.Body) != 0 {
		t.Errorf("HEAD: %d, %d bytes", h.Status, len(h.Body))
	}
	audit := auditDetails(t, e, owner)
	if audit["compare/"+this+"/"+last+"/csv/en"] != 2 || audit["compare/"+this+"/"+last+"/xlsx/en"] != 2 {
		t.Errorf("audit: %v", audit)
	}

	// Bad input: each a translated problem.
	for _, c := range []struct {
		query, pointer, code string
		status               int
	}{
		{"?with=" + last + "&level=80", "/level", "ci_level", 422},
		{"?with=" + last + "&level=95.0", "/level", "ci_level", 422},
		{"", "/with", "required", 422},
		{"?with=" + this, "/with", "same_survey", 422},
		{"?with=nosuchsurvey", "/with", "unknown_survey", 422},
		{"?with=" + last + "&format=ods", "/format", "unsupported_format", 422},
	} {
		r := e.Do("GET", "/v1/org/surveys/"+this+"/compare"+c.query, nil, append(bearer(owner), "Accept-Language", "sv")...)
		if got := pointers(t, r); r.Status != c.status || got[c.pointer] != c.code {
			t.Errorf("%s: %d %v", c.query, r.Status, got)
		}
	}
	for _, c := range []struct {
		path, kind string
		status     int
	}{
		{"/v1/org/surveys/nosuchsurvey/compare?with=" + last, "not_found", 404},
		{"/v1/org/surveys/" + this + "/compare?with=" + few, "comparison_withheld", 409},
		{"/v1/org/surveys/" + few + "/compare?with=" + this, "comparison_withheld", 409},
		{"/v1/org/surveys/" + small + "/compare?with=" + this, "nothing_comparable", 422},
	} {
		r := e.Do("GET", c.path, nil, append(bearer(owner), "Accept-Language", "sv")...)
		p := problemOf(t, r)
		if r.Status != c.status || !strings.HasSuffix(p.Type, ":"+c.kind) || p.Detail == "" || strings.HasPrefix(p.Detail, "problem.") {
			t.Errorf("%s: %d %+v", c.path, r.Status, p)
		}
		if c.kind == "comparison_withheld" && !strings.Contains(p.Detail, few) {
			t.Errorf("%s: the detail does not name the survey: %q", c.path, p.Detail)
		}
	}
	if r := e.Do("GET", path, nil); r.Status != 401 {
		t.Errorf("no token: %d", r.Status)
	}

	// A ministry reads only what is shared with it.
	ministry, ministryOwner := e.Org("Socialdepartementet")
	analyst := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "analyst"}, bearer(ministryOwner)...).Map(t)["token"].(string)
	if r := e.Do("GET", path, nil, bearer(analyst)...); r.Status != 404 {
		t.Errorf("nothing shared: %d", r.Status)
	}
	if r := e.Do("POST", "/v1/org/surveys/"+this+"/shares", map[string]string{"org_id": ministry}, bearer(owner)...); r.Status != 201 {
		t.Fatalf("share: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", path, nil, bearer(analyst)...); r.Status != 422 || pointers(t, r)["/with"] != "unknown_survey" {
		t.Errorf("last year not shared: %d %s", r.Status, r.Body)
	}
	if r := e.Do("POST", "/v1/org/surveys/"+last+"/shares", map[string]string{"org_id": ministry}, bearer(owner)...); r.Status != 201 {
		t.Fatalf("share: %d %s", r.Status, r.Body)
	}
	r = e.Do("GET", path+"&level=90&lang=en", nil, bearer(analyst)...)
	var mv comparisonView
	r.JSON(t, &mv)
	if r.Status != 200 || mv.Significant != v.Significant || len(mv.Questions) != len(v.Questions) {
		t.Errorf("ministry: %d, %d significant (the owner sees %d)", r.Status, mv.Significant, v.Significant)
	}
	if r := e.Do("GET", path+"&format=csv&lang=en", nil, bearer(analyst)...); r.Status != 200 {
		t.Fatalf("ministry csv: %d", r.Status)
	}
	if got := auditDetails(t, e, ministryOwner)["compare/"+this+"/"+last+"/csv/en"]; got != 2 {
		t.Errorf("the ministry's audit log has %d entries of its export", got)
	}
	if got := auditDetails(t, e, owner)["compare/"+this+"/"+last+"/csv/en/by/"+ministry]; got != 2 {
		t.Errorf("the owner's audit log has %d entries of the ministry's export", got)
	}
}

// auditDetails counts the caller's organisation's audit entries by
// detail.
func auditDetails(t *testing.T, e *apitest.Env, owner string) map[string]int {
	t.Helper()
	var log struct{ Entries []struct{ Detail string } }
	e.Do("GET", "/v1/org/audit?limit=200", nil, bearer(owner)...).JSON(t, &log)
	out := map[string]int{}
	for _, en := range log.Entries {
		out[en.Detail]++
	}
	return out
}

// checkAPIComparison checks the comparison's option rows and means
// against the two summaries (group of everyone) at the same level.
func checkAPIComparison(t *testing.T, v comparisonView, cur, prev surveys.GroupResults) (checked, suppressed, flagged int) {
	t.Helper()
	checked, suppressed, flagged, girls := checkAPIRows(t, v.Level, v.Questions, cur, prev)
	if !girls {
		t.Error("the missing girls were not found")
	}
	return checked, suppressed, flagged
}

// checkAPIRows checks rows of questions qs against the tables of a group
// of the two summaries at the same level; girls: the missing girls were
// found.
func checkAPIRows(t *testing.T, level int, qs []surveys.QuestionComparison, cur, prev surveys.GroupResults) (checked, suppressed, flagged int, girls bool) {
	t.Helper()
	v := struct{ Level int }{level}
	byID := func(g surveys.GroupResults) map[string]surveys.QuestionResults {
		out := map[string]surveys.QuestionResults{}
		for _, q := range g.Questions {
			out[q.ID] = q
		}
		return out
	}
	cq, pq := byID(cur), byID(prev)
	for _, qc := range qs {
		for _, r := range qc.Rows {
			if r.Difference != nil && r.Difference.Significant {
				flagged++
			}
			if r.Statement != "" {
				continue // matrix statements: the domain's tests check them
			}
			if r.Kind == surveys.CompareRowMean {
				checkAPIMean(t, qc.ID, r, cq[qc.ID], pq[qc.ID], v.Level)
				checked++
				continue
			}
			c, p := countOf(cq[qc.ID], r.Code), countOf(pq[qc.ID], r.Code)
			if c == nil || p == nil {
				t.Fatalf("%s/%s: not in the summaries", qc.ID, r.Code)
			}
			shown := func(e surveys.Estimate, n surveys.Count) bool {
				if n.Suppressed || n.Pct == nil {
					if !e.Suppressed || e.N != nil || e.CILow != nil {
						t.Errorf("%s/%s: the summary does not publish it, the comparison shows %+v", qc.ID, r.Code, e)
					}
					return false
				}
				if e.Suppressed || *e.N != *n.N || *e.Value != *n.Pct || *e.CILow != *n.CILow || *e.CIHigh != *n.CIHigh {
					t.Errorf("%s/%s: %+v, the summary %+v", qc.ID, r.Code, e, n)
				}
				return true
			}
			cs, ps := shown(r.Current, *c), shown(r.Previous, *p)
			checked++
			if !cs || !ps {
				suppressed++
				if r.Difference != nil {
					t.Errorf("%s/%s: a difference beside a number not published", qc.ID, r.Code)
				}
				continue
			}
			d, lo, hi, _ := surveys.Newcombe(*r.Current.N, *r.Current.Base, *r.Previous.N, *r.Previous.Base, v.Level)
			got := r.Difference
			if got == nil || got.CILow == nil || got.Value != math.Round(1000*d)/10 || *got.CILow != math.Round(1000*lo)/10 || *got.CIHigh != math.Round(1000*hi)/10 ||
				got.Significant != (lo > 0 || hi < 0) {
				t.Errorf("%s/%s: difference %+v, want %.1f [%.1f, %.1f]", qc.ID, r.Code, got, 100*d, 100*lo, 100*hi)
			}
			girls = girls || (qc.ID == "gender" && r.Code == "girl" && got != nil && got.Significant && got.Value < 0)
		}
	}
	return checked, suppressed, flagged, girls
}

func countOf(q surveys.QuestionResults, code string) *surveys.Count {
	if code == surveys.CompareCodeDontKnow {
		return q.DontKnow
	}
	for _, o := range append(append([]surveys.LabelledCount{}, q.Options...), q.Bins...) {
		if o.Code == code {
			return &o.Count
		}
	}
	return nil
}

func checkAPIMean(t *testing.T, id string, r surveys.CompareRow, c, p surveys.QuestionResults, level int) {
	t.Helper()
	for _, s := range []struct {
		e surveys.Estimate
		q surveys.QuestionResults
	}{{r.Current, c}, {r.Previous, p}} {
		if s.q.Stats == nil || s.q.MeanCILow == nil {
			if !s.e.Suppressed {
				t.Errorf("%s: a mean the summary does not publish: %+v", id, s.e)
			}
			continue
		}
		if s.e.Suppressed || *s.e.Value != s.q.Stats.Mean || *s.e.CILow != *s.q.MeanCILow || *s.e.CIHigh != *s.q.MeanCIHigh {
			t.Errorf("%s: mean %+v, the summary %v [%v, %v]", id, s.e, s.q.Stats.Mean, *s.q.MeanCILow, *s.q.MeanCIHigh)
		}
	}
	if r.Current.Suppressed || r.Previous.Suppressed {
		if r.Difference != nil {
			t.Errorf("%s: a difference of a mean not published", id)
		}
		return
	}
	d, lo, hi, _, ok := surveys.Welch(*r.Current.Value, *r.Current.SD, *r.Current.N, *r.Previous.Value, *r.Previous.SD, *r.Previous.N, level)
	got := r.Difference
	if !ok || got == nil || got.CILow == nil || got.Value != math.Round(100*d)/100 || *got.CILow != math.Round(100*lo)/100 || *got.CIHigh != math.Round(100*hi)/100 {
		t.Errorf("%s: difference %+v, want %.2f [%.2f, %.2f]", id, got, d, lo, hi)
	}
}
