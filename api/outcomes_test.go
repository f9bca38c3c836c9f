package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// loop is the example consultation with both example surveys answered,
// moved to analysing.
type loop struct {
	e      *apitest.Env
	owner  string
	ids    map[string]string // example file name -> survey id
	defs   map[string]*surveys.Definition
	id     string // the consultation
	rng    *rand.Rand
	sent   map[string]int
	orgID  string
	seedID int
}

// loopResponses is how many young people answer each example survey: 400,
// or 200 under the race detector (five times slower), where the numbers
// the tests cite are still far above what disclosure control holds back.
func loopResponses() int {
	if racetest.Enabled {
		return 200
	}
	return 400
}

func newLoop(t *testing.T, responses int) *loop {
	t.Helper()
	e := apitest.New(t)
	orgID, owner := e.Org("Kommunen")
	l := &loop{e: e, owner: owner, orgID: orgID, defs: map[string]*surveys.Definition{}, rng: rand.New(rand.NewPCG(16, 2)), sent: map[string]int{}}
	l.ids = exampleSurveys(t, e, owner, true)
	for _, name := range examples.Names() {
		def, err := surveystest.Example(name)
		if err != nil {
			t.Fatal(err)
		}
		l.defs[name] = def
	}
	l.id = createConsultation(t, e, owner, exampleConsultation(t, l.ids)).ID
	moveConsultation(t, e, owner, l.id, "publish")
	for _, name := range examples.Names() { // in order: the same answers every run
		l.answer(t, name, responses)
	}
	return l
}

// answer submits n simulated responses to an example survey and waits
// for the release.
func (l *loop) answer(t *testing.T, name string, n int) {
	t.Helper()
	subs := make([]map[string]any, n)
	for i := range subs {
		sub := simulate.Submission(l.defs[name], 1, l.rng)
		if answers, ok := sub["answers"].(map[string]any); ok && name == "youth-policy-consultation.json" && i%2 == 0 {
			// Half of them 13 to 15 and wanting youth centres, as the
			// worked example's finding says: its number by age band is
			// then far above anything disclosure control holds back,
			// whatever the perturbation (its keys differ in every store).
			answers["age_band"], answers["places_wanted"] = "13-15", []string{"youth_centre"}
		}
		subs[i] = sub
	}
	l.e.Submit(l.ids[name], subs)
	l.sent[name] += n
	l.e.Server.FlushSummaries(context.Background())
	l.e.Clock.Advance(2 * time.Second)
}

// released is an example survey's release as analysts see it.
func (l *loop) released(t *testing.T, name, by string) statusView {
	t.Helper()
	q := ""
	if by != "" {
		q = "?by=" + by
	}
	return getStatus(t, l.e, l.owner, l.ids[name], q)
}

type outcomeResult struct {
	Version  int               `json:"version"`
	Findings []surveys.Finding `json:"findings"`
	Current  []struct {
		Status string `json:"status"`
	} `json:"current"`
	Decisions []struct {
		Status string `json:"status"`
	} `json:"decisions"`
	Updates  []json.RawMessage    `json:"updates"`
	Measures surveys.LoopMeasures `json:"measures"`
}

// optionCount is the count of an option in a group (code "" everyone).
func optionCount(t *testing.T, r surveys.Results, group, question, option string) surveys.Count {
	t.Helper()
	for _, g := range r.Groups {
		if g.Code != group {
			continue
		}
		for _, q := range g.Questions {
			for _, o := range q.Options {
				if q.ID == question && o.Code == option {
					return o.Count
				}
			}
		}
	}
	t.Fatalf("no %s/%s/%s in the release", group, question, option)
	return surveys.Count{}
}

// The "done when" of the answer back: an outcome cites released numbers
// only (a suppressed one is a translated 422 with its pointer), reads the
// same after a newer release, is added to by updates that keep the
// history, and the app shows it in Arabic, right to left, and finds it
// through updates?since=.
func TestOutcomeCitesReleasedNumbersOnly(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel()
	l := newLoop(t, loopResponses())
	e, owner := l.e, l.owner
	publish, updates, err := examples.Outcome("youth-plan-2027.json", l.ids)
	if err != nil {
		t.Fatal(err)
	}
	path := "/v1/org/consultations/" + l.id + "/outcome"
	// Not while young people are still taking part.
	r := e.Do("POST", path+"?lang=sv", json.RawMessage(publish), bearer(owner)...)
	if p := problemOf(t, r); r.Status != 409 || p.Type != "urn:youthvoice:problem:outcome_state" || !strings.Contains(p.Detail, "”öppet”") {
		t.Fatalf("outcome of an open consultation: %d %+v", r.Status, p)
	}
	moveConsultation(t, e, owner, l.id, "analyse")
	since := e.Clock.Now()
	e.Clock.Advance(time.Second)
	// Nothing to update yet; the app's consultation has no outcome.
	if r := e.Do("POST", path+"/updates", json.RawMessage(updates[0]), bearer(owner)...); r.Status != 409 || problemOf(t, r).Type != "urn:youthvoice:problem:outcome_missing" {
		t.Fatalf("update before publication: %d %s", r.Status, r.Body)
	}
	before := e.Do("GET", "/v1/consultations/"+l.id+"?lang=ar", nil)
	if before.Status != 200 || !strings.Contains(string(before.Body), `"outcome":null`) {
		t.Fatalf("app before the outcome: %d %s", before.Status, before.Body)
	}

	// A suppressed number cannot be cited.
	yp := "youth-policy-consultation.json"
	var bad surveys.Citation
	for _, by := range []string{"", "age_band", "gender", "area"} {
		rel := l.released(t, yp, by).Results
		for _, g := range rel.Groups {
			if g.Hidden || (by == "") != (g.Code == "") {
				continue
			}
			for _, q := range g.Questions {
				for _, o := range q.Options {
					if o.Count.Suppressed && bad.Question == "" {
						bad = surveys.Citation{Survey: l.ids[yp], Question: q.ID, By: by, Group: g.Code, Option: o.Code}
					}
				}
			}
		}
	}
	if bad.Question == "" {
		t.Fatal("the release of 200 responses suppresses nothing: choose another seed")
	}
	var body map[string]any
	if err := json.Unmarshal(publish, &body); err != nil {
		t.Fatal(err)
	}
	first := body["findings"].([]any)[0].(map[string]any)
	good := first["cites"]
	first["cites"] = []any{bad}
	r = e.Do("POST", path+"?lang=sv", body, bearer(owner)...)
	if got := pointers(t, r); r.Status != 422 || got["/findings/0/cites/0/option"] != "suppressed_number" || len(got) != 1 ||
		!strings.Contains(string(r.Body), "Siffran visas inte") {
		t.Fatalf("suppressed number cited: %d %v %s", r.Status, got, r.Body)
	}
	// Nor a survey that is not the consultation's.
	first["cites"] = []any{map[string]any{"survey": "3f0c7c9e-0000-4c1b-9d7e-1a2b3c4d5e6f", "question": "age_band"}}
	if got := pointers(t, e.Do("POST", path, body, bearer(owner)...)); got["/findings/0/cites/0/survey"] != "not_linked" {
		t.Fatalf("a survey of no consultation cited: %v", got)
	}
	first["cites"] = good

	// The worked outcome: its numbers are the release's.
	e.Clock.Advance(10 * 24 * time.Hour)
	r = e.Do("POST", path, body, bearer(owner)...)
	if r.Status != 201 || r.Header.Get("Location") != path {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	var o outcomeResult
	r.JSON(t, &o)
	c := o.Findings[0].Cites[0]
	rel := l.released(t, yp, "")
	want := optionCount(t, rel.Results, "", "places_wanted", "youth_centre")
	if c.Count != *want.N || c.Pct == nil || *c.Pct != *want.Pct || c.Release.Responses != rel.Status.Released || c.Release.Day == "" ||
		c.OptionLabel["ar"] != "مراكز شباب تبقى مفتوحة لوقت أطول" {
		t.Fatalf("cited %+v, released %+v", c, want)
	}
	sf := "safety-online-offline.json"
	if want := optionCount(t, l.released(t, sf, "").Results, "", "platforms_should", "easy_report"); o.Findings[3].Cites[0].Count != *want.N {
		t.Fatalf("cited %+v, released %+v", o.Findings[3].Cites[0], want)
	}
	byAge := o.Findings[0].Cites[1]
	if byAge.Count < loopResponses()*3/8 {
		t.Fatalf("the 13 to 15-year-olds wanting youth centres: %d of %d at least", byAge.Count, loopResponses()/2)
	}
	if want := optionCount(t, l.released(t, yp, "age_band").Results, "13-15", "places_wanted", "youth_centre"); byAge.Count != *want.N ||
		byAge.GroupLabel["sv"] == "" || byAge.ByText["en"] != "How old are you?" {
		t.Fatalf("cited by age %+v, released %d", byAge, *want.N)
	}
	// Measures: ten days from the end of taking part (the move to
	// analysing) to the outcome; four of five proposals decided, with a
	// reason.
	if m := o.Measures; m.DaysToOutcome == nil || *m.DaysToOutcome != 10 || m.Recommendations != 5 || *m.DecidedShare != 0.8 || *m.ReasonShare != 0.8 {
		t.Fatalf("measures %+v", m)
	}
	if r := e.Do("POST", path, body, bearer(owner)...); problemOf(t, r).Type != "urn:youthvoice:problem:outcome_published" || r.Status != 409 {
		t.Fatalf("published twice: %d %s", r.Status, r.Body)
	}

	// A newer release does not change what was cited.
	l.answer(t, yp, 40)
	if n := l.released(t, yp, "").Status.Released; n <= c.Release.Responses {
		t.Fatalf("no newer release: %d, cited %d", n, c.Release.Responses)
	}
	var again outcomeResult
	e.Do("GET", path, nil, bearer(owner)...).JSON(t, &again)
	if a := again.Findings[0].Cites[0]; a.Count != c.Count || a.Release != c.Release || *a.Pct != *c.Pct {
		t.Fatalf("after a newer release the finding reads %+v, was %+v", a, c)
	}

	// Updates append: the history stays.
	e.Clock.Advance(24 * time.Hour)
	r = e.Do("POST", path+"/updates", json.RawMessage(updates[0]), bearer(owner)...)
	var up outcomeResult
	if r.Status != 201 {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &up)
	if len(up.Updates) != 1 || up.Decisions[4].Status != "considering" || up.Current[4].Status != "adopted" || up.Version != 2 ||
		*up.Measures.DecidedShare != 1 || *up.Measures.ReasonShare != 1 || len(up.Findings) != len(o.Findings) {
		t.Fatalf("after the update: %+v", up)
	}
	r = e.Do("POST", path+"/updates", map[string]any{"text": map[string]string{"sv": "x"}, "decisions": []any{map[string]any{"decision": 9, "status": "adopted"}}}, bearer(owner)...)
	if got := pointers(t, r); got["/decisions/0/decision"] != "unknown_decision" || got["/text/en"] != "missing_translation" {
		t.Fatalf("bad update: %v", got)
	}

	// The app: in Arabic, right to left, the decisions as they stand; the
	// ETag it had before the outcome no longer matches.
	e.Clock.Advance(3 * time.Second) // past the consultation cache's 2 s
	r = e.Do("GET", "/v1/consultations/"+l.id+"?lang=ar", nil, "If-None-Match", before.Header.Get("ETag"))
	if r.Status != 200 || r.Header.Get("ETag") == before.Header.Get("ETag") {
		t.Fatalf("app after the outcome: %d, ETag %s then %s", r.Status, before.Header.Get("ETag"), r.Header.Get("ETag"))
	}
	if again := e.Do("GET", "/v1/consultations/"+l.id+"?lang=ar", nil, "If-None-Match", r.Header.Get("ETag")); again.Status != 304 {
		t.Fatalf("unchanged outcome: %d", again.Status)
	}
	var app struct {
		Dir     string `json:"dir"`
		Outcome struct {
			YouSaid []struct {
				Text  string `json:"text"`
				Cites []struct {
					Option string `json:"option"`
					Count  int    `json:"count"`
				} `json:"cites"`
			} `json:"you_said"`
			WeDid []struct {
				Status      string `json:"status"`
				StatusLabel string `json:"status_label"`
				Reason      string `json:"reason"`
			} `json:"we_did"`
			Updates []struct {
				Text string `json:"text"`
			} `json:"updates"`
		} `json:"outcome"`
	}
	r.JSON(t, &app)
	if r.Status != 200 || app.Dir != "rtl" || r.Header.Get("Content-Language") != "ar" || len(app.Outcome.YouSaid) != 4 ||
		!strings.HasPrefix(app.Outcome.YouSaid[0].Text, "كثيرون منكم") || app.Outcome.YouSaid[0].Cites[0].Count != c.Count ||
		app.Outcome.WeDid[4].StatusLabel != "تم اعتماده" || app.Outcome.WeDid[1].StatusLabel != "تم اعتماده جزئيًا" ||
		!strings.HasPrefix(app.Outcome.Updates[0].Text, "تقرر") {
		t.Fatalf("app in Arabic: %d %s", r.Status, r.Body)
	}
	// updates?since= names it, with the outcome's time.
	r = e.Do("GET", "/v1/consultations/updates?since="+since.UTC().Format(time.RFC3339Nano), nil)
	var feed struct {
		Updates []struct {
			ID        string     `json:"id"`
			OutcomeAt *time.Time `json:"outcome_at"`
		} `json:"updates"`
	}
	r.JSON(t, &feed)
	if len(feed.Updates) != 1 || feed.Updates[0].ID != l.id || feed.Updates[0].OutcomeAt == nil || !feed.Updates[0].OutcomeAt.After(since) {
		t.Fatalf("updates since the analysis: %s", r.Body)
	}
}

// The participation report: PDF and XLSX in every consultation language,
// with the released numbers of each survey by age band and region, the
// findings as published and the decisions; for the organisation and for
// a ministry a survey is shared with, and nobody else.
func TestParticipationReport(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel()
	l := newLoop(t, loopResponses())
	e, owner := l.e, l.owner
	moveConsultation(t, e, owner, l.id, "analyse")
	publish, _, err := examples.Outcome("youth-plan-2027.json", l.ids)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.Do("POST", "/v1/org/consultations/"+l.id+"/outcome", json.RawMessage(publish), bearer(owner)...); r.Status != 201 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	report := "/v1/org/consultations/" + l.id + "/report"
	for _, lang := range []string{"sv", "en", "ar"} {
		r := e.Do("GET", report+"?format=xlsx&lang="+lang, nil, bearer(owner)...)
		if r.Status != 200 || r.Header.Get("Content-Language") != lang || !strings.Contains(r.Header.Get("Content-Disposition"), "-participation-"+lang+".xlsx") {
			t.Fatalf("xlsx %s: %d %s", lang, r.Status, r.Body)
		}
		f, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		sheets := f.GetSheetList()
		rows, err := f.GetRows(sheets[0])
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]string{} // survey title | group -> count
		for _, row := range rows {
			if len(row) >= 3 {
				counts[row[0]+"|"+row[1]] = row[2]
			}
		}
		for name, id := range l.ids {
			def := l.defs[name]
			title := def.Title.In(lang, def.DefaultLanguage)
			st := getStatus(t, e, owner, id, "?by=age_band&lang="+lang)
			if got := counts[title+"|"+e.Catalog.Message(lang, "participation.responses", nil)]; got != strconv.Itoa(st.Status.Released) {
				t.Errorf("%s %s: responses %q, released %d", lang, name, got, st.Status.Released)
			}
			q := def.Question("age_band").Text.In(lang, def.DefaultLanguage)
			for _, g := range st.Results.Groups[1:] {
				want := e.Catalog.Message(lang, "export.hidden", nil)
				if !g.Hidden && g.N != nil && g.N.N != nil {
					want = strconv.Itoa(*g.N.N)
				} else if !g.Hidden {
					want = e.Catalog.Message(lang, "export.suppressed", nil)
				}
				if got := counts[title+"|"+q+": "+g.Label]; got != want {
					t.Errorf("%s %s age band %s: %q, released %q", lang, name, g.Label, got, want)
				}
			}
		}
		decisions, _ := f.GetRows(sheets[2])
		if len(decisions) < 4+5 || decisions[3][0] == "" {
			t.Errorf("%s: decisions sheet %v", lang, decisions)
		}
		f.Close()

		r = e.Do("GET", report+"?format=pdf&lang="+lang, nil, bearer(owner)...)
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.Body, []byte("%PDF")) {
			t.Fatalf("pdf %s: %d %s", lang, r.Status, r.Body[:min(200, len(r.Body))])
		}
		if text, ok := pdfText(t, r.Body); ok {
			words := " " + strings.Join(arabicLetterWords(text), " ") + " "
			for _, w := range []string{e.Catalog.Message(lang, "participation.report", nil), e.Catalog.Message(lang, "participation.decisions", nil),
				l.defs["safety-online-offline.json"].Title.In(lang, "sv")} {
				if !strings.Contains(words, " "+strings.Join(arabicLetterWords(w), " ")+" ") {
					t.Errorf("%s PDF: %q not read back", lang, w)
				}
			}
		}
	}
	if r := e.Do("GET", report+"?format=pdf&lang=fi", nil, bearer(owner)...); pointers(t, r)["/lang"] != "consultation_language" {
		t.Fatalf("a language the consultation lacks: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", report+"?format=doc", nil, bearer(owner)...); pointers(t, r)["/format"] != "unsupported_format" {
		t.Fatalf("unknown format: %d %s", r.Status, r.Body)
	}

	// A ministry a survey is shared with reads the report and the
	// measures; another organisation does not.
	ministryID, ministry := e.Org("Ministeriet")
	_, stranger := e.Org("Någon annan")
	if r := e.Do("POST", "/v1/org/surveys/"+l.ids["safety-online-offline.json"]+"/shares", map[string]string{"org_id": ministryID}, bearer(owner)...); r.Status/100 != 2 {
		t.Fatalf("share: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", report+"?format=xlsx&lang=en", nil, bearer(ministry)...); r.Status != 200 {
		t.Fatalf("ministry's report: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", report+"?format=xlsx", nil, bearer(stranger)...); r.Status != 404 {
		t.Fatalf("stranger's report: %d", r.Status)
	}
	// Reading is not writing: the ministry cannot add to the outcome, nor
	// can an analyst of the organisation.
	upd := map[string]any{"text": map[string]string{"sv": "a", "en": "b", "ar": "c"}}
	if r := e.Do("POST", "/v1/org/consultations/"+l.id+"/outcome/updates", upd, bearer(ministry)...); r.Status != 404 {
		t.Fatalf("ministry's update: %d %s", r.Status, r.Body)
	}
	analyst := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "analyst"}, bearer(owner)...).Map(t)["token"].(string)
	if r := e.Do("POST", "/v1/org/consultations/"+l.id+"/outcome/updates", upd, bearer(analyst)...); r.Status != 403 {
		t.Fatalf("analyst's update: %d %s", r.Status, r.Body)
	}
	if r := e.Do("GET", "/v1/org/consultations/"+l.id+"/outcome", nil, bearer(ministry)...); r.Status != 200 {
		t.Fatalf("ministry reads the outcome: %d %s", r.Status, r.Body)
	}
	var measures struct {
		Consultations []struct {
			ID            string `json:"id"`
			OrgName       string `json:"org_name"`
			Shared        bool   `json:"shared"`
			DaysToOutcome *int   `json:"days_to_outcome"`
			DecidedShare  *float64
		} `json:"consultations"`
		Organisations []struct {
			OrgName     string  `json:"org_name"`
			WithOutcome int     `json:"with_outcome"`
			Decided     float64 `json:"decided_share"`
		} `json:"organisations"`
	}
	e.Do("GET", "/v1/org/consultations/measures", nil, bearer(ministry)...).JSON(t, &measures)
	if len(measures.Consultations) != 1 || measures.Consultations[0].ID != l.id || !measures.Consultations[0].Shared ||
		measures.Consultations[0].OrgName != "Kommunen" || measures.Consultations[0].DaysToOutcome == nil ||
		len(measures.Organisations) != 1 || measures.Organisations[0].WithOutcome != 1 || measures.Organisations[0].Decided != 0.8 {
		t.Fatalf("ministry's measures: %+v", measures)
	}
	var none struct {
		Consultations []any `json:"consultations"`
	}
	e.Do("GET", "/v1/org/consultations/measures", nil, bearer(stranger)...).JSON(t, &none)
	if len(none.Consultations) != 0 {
		t.Fatalf("stranger's measures: %+v", none)
	}
}

// pdfText reads a PDF's text back with pdftotext, if it is installed.
func pdfText(t *testing.T, doc []byte) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Log("pdftotext (poppler-utils) is not installed: the PDF's text is not read back")
		return "", false
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out), true
}

// documentedOutcome prepares what a documented outcome request needs: a
// consultation of the organisation, analysing, whose example survey has
// a release of 150 responses; every citation of the body names that
// survey. For an update, the consultation's outcome is published first.
// It returns the request's path and body.
func documentedOutcome(t *testing.T, e *apitest.Env, owner, path string, body map[string]any) (string, map[string]any) {
	t.Helper()
	ids := exampleSurveys(t, e, owner, true)
	yp := "youth-policy-consultation.json"
	def, err := surveystest.Example(yp)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	e.Submit(ids[yp], submissions(def, 150, rng))
	e.Server.FlushSummaries(context.Background())
	id := createConsultation(t, e, owner, exampleConsultation(t, ids)).ID
	moveConsultation(t, e, owner, id, "publish")
	moveConsultation(t, e, owner, id, "analyse")
	cite := func(b map[string]any) map[string]any {
		b = deepCopy(t, b)
		findings, _ := b["findings"].([]any)
		for _, f := range findings {
			cites, _ := f.(map[string]any)["cites"].([]any)
			for _, c := range cites {
				c.(map[string]any)["survey"] = ids[yp]
			}
		}
		return b
	}
	if strings.HasSuffix(path, "/updates") {
		pub, _, err := examples.Outcome("youth-plan-2027.json", ids)
		if err != nil {
			t.Fatal(err)
		}
		var first map[string]any
		if err := json.Unmarshal(pub, &first); err != nil {
			t.Fatal(err)
		}
		// Only the findings of the released survey.
		first["findings"] = first["findings"].([]any)[:1]
		first["findings"].([]any)[0].(map[string]any)["cites"] = first["findings"].([]any)[0].(map[string]any)["cites"].([]any)[:1]
		if r := e.Do("POST", "/v1/org/consultations/"+id+"/outcome", cite(first), bearer(owner)...); r.Status != 201 {
			t.Fatalf("outcome for the documented update: %d %s", r.Status, r.Body)
		}
	}
	return strings.ReplaceAll(path, "{id}", id), cite(body)
}
