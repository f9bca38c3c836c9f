package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/surveys"
)

// populationMargins are totals for the youth consultation's three
// breakdown questions (age band, gender, area), of one population of
// 100,000; "no answer" is not stated.
func populationMargins() map[string]any {
	return map[string]any{
		"missing": "exclude",
		"dimensions": []map[string]any{
			{"question": "age_band", "totals": map[string]float64{"10-12": 20000, "13-15": 30000, "16-18": 30000, "19-25": 20000}},
			{"question": "gender", "totals": map[string]float64{"girl": 49000, "boy": 49500, "nonbinary": 1500}, "not_stated": []string{"no_answer"}},
			{"question": "area", "totals": map[string]float64{"central": 40000, "other_town": 30000, "rural": 25000, "outside": 5000}, "not_stated": []string{"no_answer"}},
		},
		"trim": map[string]float64{"low": 0.2, "high": 5},
	}
}

type weightedSummary struct {
	Results  surveys.Results          `json:"results"`
	Weighted *surveys.WeightedResults `json:"weighted"`
	Notes    []string                 `json:"notes"`
}

// Weighting through the API: an owner uploads margins (JSON, then CSV),
// the summary gives weighted figures beside the unweighted ones, each
// shown only where the unweighted one is, with the weighting dimensions
// at their population shares, the design effect and a note that says
// how; bad margins are translated problems pointing at each field; the
// changes are audited; an analyst reads but cannot change them.
func TestWeightingThroughTheAPI(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel()
	e := apitest.New(t)
	id, owner, def := publishExample(t, e, "youth-policy-consultation.json")
	rng := rand.New(rand.NewPCG(17, 17))
	subs := submissions(def, 400, rng)
	for _, sub := range subs { // everyone states gender and area: those who state their age are raked
		a := sub["answers"].(map[string]any)
		a["gender"] = "girl" // 11 in 20, boys 8, non-binary 1
		if x := rng.IntN(20); x >= 19 {
			a["gender"] = "nonbinary"
		} else if x >= 11 {
			a["gender"] = "boy"
		}
		a["area"] = []string{"central", "central", "central", "central", "central", "central", "central", "central", "central", "central",
			"other_town", "other_town", "other_town", "other_town", "other_town", "rural", "rural", "rural", "rural", "outside"}[rng.IntN(20)]
	}
	e.Submit(id, subs)
	e.Server.FlushSummaries(context.Background())
	e.Clock.Advance(2 * time.Second)
	path := "/v1/org/surveys/" + id + "/weighting"
	json := []string{"Content-Type", "application/json"}

	if r := e.Do("GET", "/v1/org/surveys/"+id+"/summary?weighted=true", nil, bearer(owner)...); r.Status != 409 || problemOf(t, r).Type == "" {
		t.Fatalf("weighted before margins: %d %s", r.Status, r.Body)
	}
	r := e.Do("PUT", path, populationMargins(), append(bearer(owner), json...)...)
	if r.Status != 200 {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	if got := r.Map(t); got["cells"].(float64) != 4*3*4 {
		t.Errorf("cells %v", got["cells"])
	}
	r = e.Do("GET", "/v1/org/surveys/"+id+"/summary?weighted=true&lang=en", nil, bearer(owner)...)
	if r.Status != 200 {
		t.Fatalf("weighted summary: %d %s", r.Status, r.Body)
	}
	var v weightedSummary
	r.JSON(t, &v)
	w := v.Weighted
	if w == nil || len(w.Questions) == 0 || w.Level != 95 || len(w.Dimensions) != 3 || w.Deff <= 1 || w.Raked < 300 || (w.Trimmed && (w.MinWeight < 0.2-1e-3 || w.MaxWeight > 5+1e-3)) {
		t.Fatalf("weighted: raked %d not %d deff %g trimmed %v %g..%g questions %d", w.Raked, w.NotRaked, w.Deff, w.Trimmed, w.MinWeight, w.MaxWeight, len(w.Questions))
	}
	published := map[string]surveys.QuestionResults{}
	for _, q := range v.Results.Groups[0].Questions {
		published[q.ID] = q
	}
	for _, q := range w.Questions {
		pub := published[q.ID]
		for i, o := range q.Options {
			if o.Pct != nil && (pub.Options[i].Count.Pct == nil || *o.CILow > *o.Pct || *o.CIHigh < *o.Pct) {
				t.Errorf("%s/%s weighted %v%% [%v, %v] beside published %+v", q.ID, o.Code, *o.Pct, *o.CILow, *o.CIHigh, pub.Options[i].Count)
			}
		}
		if q.ID == "age_band" {
			// Near their population shares: much nearer than the sample's
			// (the weights are raked on perturbed cell sizes, and the
			// figures carry noise, so not exactly).
			var weighted, sample float64
			for i, o := range q.Options {
				want := map[string]float64{"10-12": 20, "13-15": 30, "16-18": 30, "19-25": 20}[o.Code]
				if o.Pct == nil || pub.Options[i].Count.Pct == nil {
					t.Fatalf("age band %s not shown", o.Code)
				}
				weighted += math.Abs(*o.Pct - want)
				sample += math.Abs(*pub.Options[i].Count.Pct - want)
			}
			if weighted > sample/2 || weighted > 8 {
				t.Errorf("age bands %.1f points from the population's weighted, %.1f unweighted", weighted, sample)
			}
		}
	}
	if notes := strings.Join(v.Notes, "\n"); !strings.Contains(notes, "design effect") || !strings.Contains(notes, "between 0.2 and 5 times") {
		t.Errorf("notes: %q", v.Notes)
	}

	// The exports: the same weighted figures, apart from the unweighted
	// tables, with the margins and the design effect; audited as weighted.
	exportWeighted(t, e, owner, id, w)

	// Margins that would give one small group all the weight (an attack
	// review's) are stored, but publish nothing: a translated 409. Before
	// that, the owners' audited preview: the live tally weighted exactly
	// to the current totals, recording nothing as published.
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/summary?weighted=true&view=live&lang=en", nil, bearer(owner)...); r.Status != 200 {
		t.Fatalf("the owners' preview: %d %s", r.Status, r.Body)
	} else {
		var live weightedSummary
		r.JSON(t, &live)
		if live.Weighted == nil || live.Weighted.NewerTotals {
			t.Fatalf("the owners' preview: %s", r.Body[:min(300, len(r.Body))])
		}
		for _, q := range live.Weighted.Questions {
			if q.ID != "age_band" {
				continue
			}
			for _, o := range q.Options { // exact: the population's shares
				want := map[string]float64{"10-12": 20, "13-15": 30, "16-18": 30, "19-25": 20}[o.Code]
				if o.Pct == nil || math.Abs(*o.Pct-want) > 0.05 {
					t.Errorf("preview: age band %s %v%%, want %g%%", o.Code, o.Pct, want)
				}
			}
		}
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/summary?weighted=true&view=live", nil, bearer(analyst(t, e, owner))...); r.Status != 403 {
		t.Errorf("an analyst's preview: %d", r.Status)
	}
	extreme := populationMargins()
	extreme["trim"] = nil
	for _, d := range extreme["dimensions"].([]map[string]any) {
		for code := range d["totals"].(map[string]float64) {
			d["totals"].(map[string]float64)[code] = 1
		}
	}
	extreme["dimensions"].([]map[string]any)[0]["totals"].(map[string]float64)["19-25"] = 1e6
	extreme["dimensions"].([]map[string]any)[2]["totals"].(map[string]float64)["outside"] = 1e6
	delete(extreme, "trim")
	extreme["dimensions"] = extreme["dimensions"].([]map[string]any)[:1]
	extreme["dimensions"] = append(extreme["dimensions"].([]map[string]any), populationMargins()["dimensions"].([]map[string]any)[2])
	extreme["dimensions"].([]map[string]any)[1]["totals"] = map[string]float64{"central": 1, "other_town": 1, "rural": 1, "outside": 1e6}
	if r := e.Do("PUT", path, extreme, append(bearer(owner), json...)...); r.Status != 200 {
		t.Fatalf("extreme margins: %d %s", r.Status, r.Body)
	}
	// This release was weighted already: it keeps its totals, and says
	// that new ones apply from the next release (one set per release).
	var again weightedSummary
	r = e.Do("GET", "/v1/org/surveys/"+id+"/summary?weighted=true&lang=en", nil, bearer(owner)...)
	r.JSON(t, &again)
	if r.Status != 200 || again.Weighted == nil || !again.Weighted.NewerTotals || !reflect.DeepEqual(again.Weighted.Questions, w.Questions) ||
		!strings.Contains(strings.Join(again.Notes, " "), "apply from the next release") {
		t.Fatalf("the release re-weighted with new totals: %d %s", r.Status, r.Body[:min(300, len(r.Body))])
	}
	e.Submit(id, submissions(def, 12, rng)) // the next release
	e.Server.FlushSummaries(context.Background())
	e.Clock.Advance(2 * time.Second)
	// The preview of a release not published weighted yet records nothing:
	// the totals given next are those it is published with (below).
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/summary?weighted=true&view=live", nil, bearer(owner)...); r.Status != 409 {
		t.Errorf("the owners' preview of extreme totals: %d", r.Status)
	}
	previewed := false // a successful preview, below, records nothing either
	r = e.Do("GET", "/v1/org/surveys/"+id+"/summary?weighted=true&lang=sv", nil, bearer(owner)...)
	if p := problemOf(t, r); r.Status != 409 || !strings.HasPrefix(p.Type, "urn:youthvoice:problem:weighting_") || strings.Contains(p.Detail, "problem.") {
		t.Errorf("extreme margins: %d %+v", r.Status, p)
	}

	// A CSV of rows, with the rule in the query.
	csv := "question,code,total\nage_band,10-12,20000\nage_band,13-15,30000\nage_band,16-18,30000\nage_band,19-25,20000\n" +
		"gender,girl,49000\ngender,boy,49500\ngender,nonbinary,1500\ngender,no_answer,not stated\n"
	if r := e.Do("PUT", path, populationMargins(), append(bearer(owner), json...)...); r.Status != 200 {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/summary?weighted=true&view=live", nil, bearer(owner)...); r.Status == 200 {
		previewed = true
	}
	r = e.Do("PUT", path+"?missing=exclude", csv, append(bearer(owner), "Content-Type", "text/csv")...)
	if r.Status != 200 || r.Map(t)["cells"].(float64) != 12 {
		t.Fatalf("CSV: %d %s", r.Status, r.Body)
	}
	var fromCSV weightedSummary
	r = e.Do("GET", "/v1/org/surveys/"+id+"/summary?weighted=true", nil, bearer(owner)...)
	r.JSON(t, &fromCSV)
	if !previewed || fromCSV.Weighted == nil || len(fromCSV.Weighted.Dimensions) != 2 || fromCSV.Weighted.NewerTotals {
		t.Errorf("after a preview with other totals, the release is not published with the CSV's: previewed %v, %s", previewed, r.Body[:min(200, len(r.Body))])
	}
	r = e.Do("GET", path+"?format=csv", nil, bearer(owner)...)
	if r.Status != 200 || !strings.Contains(string(r.Body), "nonbinary") || !strings.Contains(string(r.Body), "1500") {
		t.Fatalf("template: %d %s", r.Status, r.Body)
	}

	// Refusals, each pointing at its field.
	bad := populationMargins()
	dims := bad["dimensions"].([]map[string]any)
	dims[0]["totals"].(map[string]float64)["10-12"] = -5
	dims[1]["question"] = "occupation"
	r = e.Do("PUT", path, bad, append(bearer(owner), json...)...)
	if r.Status != 422 {
		t.Fatalf("bad margins: %d %s", r.Status, r.Body)
	}
	if p := pointers(t, r); p["/dimensions/0/totals/10-12"] != "out_of_range" || p["/dimensions/1/question"] != "weighting_breakdown" {
		t.Errorf("pointers %v", p)
	}

	if r := e.Do("GET", "/v1/org/surveys/"+id+"/summary?weighted=yes", nil, bearer(owner)...); r.Status != 422 || pointers(t, r)["/weighted"] != "invalid" {
		t.Errorf("weighted=yes: %d %s", r.Status, r.Body)
	}
	if r := e.Do("PUT", path, "total,question\n", append(bearer(owner), "Content-Type", "text/csv")...); r.Status < 400 || r.Status >= 500 {
		t.Errorf("a CSV without columns: %d %s", r.Status, r.Body)
	}
	if r := e.Do("PUT", path, "x", append(bearer(owner), "Content-Type", "image/png")...); r.Status != 415 {
		t.Errorf("a picture: %d %s", r.Status, r.Body)
	}

	// Analysts read the margins and the weighted figures; they do not change them.
	analyst := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "analyst"}, bearer(owner)...).Map(t)["token"].(string)
	if r := e.Do("GET", path, nil, bearer(analyst)...); r.Status != 200 {
		t.Errorf("analyst GET: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/summary?weighted=true", nil, bearer(analyst)...); r.Status != 200 {
		t.Errorf("analyst weighted: %d %s", r.Status, r.Body)
	}
	if r := e.Do("PUT", path, populationMargins(), append(bearer(analyst), json...)...); r.Status != 403 {
		t.Errorf("analyst PUT: %d", r.Status)
	}
	if r := e.Do("DELETE", path, nil, bearer(analyst)...); r.Status != 403 {
		t.Errorf("analyst DELETE: %d", r.Status)
	}
	if r := e.Do("DELETE", path, nil, bearer(owner)...); r.Status != 204 {
		t.Errorf("DELETE: %d %s", r.Status, r.Body)
	}
	if r := e.Do("DELETE", path, nil, bearer(owner)...); r.Status != 404 {
		t.Errorf("DELETE again: %d", r.Status)
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/summary?weighted=true", nil, bearer(owner)...); r.Status != 409 {
		t.Errorf("weighted after DELETE: %d", r.Status)
	}
	audit := string(e.Do("GET", "/v1/org/audit", nil, bearer(owner)...).Body)
	if strings.Count(audit, `"weighting"`) != 5 || !strings.Contains(audit, `"live_view"`) {
		t.Errorf("audit: %d weighting entries in %s", strings.Count(audit, `"weighting"`), audit[:min(400, len(audit))])
	}
}

// exportWeighted checks the summary exports with weighted=true against
// the summary's weighted figures w.
func exportWeighted(t *testing.T, e *apitest.Env, owner, id string, w *surveys.WeightedResults) {
	t.Helper()
	base := "/v1/org/surveys/" + id + "/export?kind=summary&weighted=true&lang=en&format="
	var doc weightedSummary
	r := e.Do("GET", base+"json", nil, bearer(owner)...)
	if r.Status != 200 {
		t.Fatalf("JSON export: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &doc)
	if doc.Weighted == nil || !reflect.DeepEqual(doc.Weighted.Questions, w.Questions) {
		t.Errorf("the JSON export's weighted figures differ from the summary's")
	}
	r = e.Do("GET", base+"csv", nil, bearer(owner)...)
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\xef\xbb\xbf")))).ReadAll()
	if r.Status != 200 || err != nil {
		t.Fatalf("CSV export: %d %v", r.Status, err)
	}
	want := map[string]string{}
	for _, q := range w.Questions {
		for _, o := range q.Options {
			if o.Pct != nil {
				want[q.ID+"/"+o.Code] = strconv.FormatFloat(*o.Pct, 'f', 1, 64)
			}
		}
	}
	found, margins := 0, 0
	for _, row := range rows[1:] {
		switch row[0] {
		case "_weighted":
			if v, ok := want[row[3]+"/"+row[5]]; ok {
				if row[8] != v {
					t.Errorf("CSV %s/%s weighted %s, summary %s", row[3], row[5], row[8], v)
				}
				found++
			}
		case "_weighting":
			margins++
		}
	}
	if found != len(want) || margins < 12 {
		t.Errorf("CSV: %d of %d weighted percentages, %d margin rows", found, len(want), margins)
	}
	r = e.Do("GET", base+"xlsx", nil, bearer(owner)...)
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if r.Status != 200 || err != nil {
		t.Fatalf("XLSX export: %d %v", r.Status, err)
	}
	sheet, err := f.GetRows("Weighted to the population")
	if err != nil || len(sheet) < len(want) || !strings.Contains(fmt.Sprint(sheet), "Design effect") || !strings.Contains(fmt.Sprint(sheet), "Population totals") {
		t.Errorf("XLSX weighted sheet: %v, %d rows", err, len(sheet))
	}
	r = e.Do("GET", base+"pdf", nil, bearer(owner)...)
	if r.Status != 200 || !bytes.HasPrefix(r.Body, []byte("%PDF")) {
		t.Fatalf("PDF export: %d", r.Status)
	}
	if text, ok := pdfText(t, r.Body); ok && (!strings.Contains(text, "Weighted to the population") || !strings.Contains(text, "Population totals") || !strings.Contains(text, "design effect")) {
		t.Errorf("the PDF's text lacks the weighted section or its note")
	}
	audit := string(e.Do("GET", "/v1/org/audit", nil, bearer(owner)...).Body)
	if strings.Count(audit, "/weighted") < 4 {
		t.Errorf("weighted exports not audited as such")
	}
}

// analyst is a new analyst token of the owner's organisation.
func analyst(t *testing.T, e *apitest.Env, owner string) string {
	t.Helper()
	return e.Do("POST", "/v1/org/tokens", map[string]string{"role": "analyst"}, bearer(owner)...).Map(t)["token"].(string)
}
