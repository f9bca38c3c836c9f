package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// groupComparisonView is the JSON of a comparison by group.
type groupComparisonView struct {
	comparisonView
	By     string `json:"by"`
	ByText string `json:"by_text"`
	Groups []struct {
		Code, Label string
		CurrentN    *int   `json:"current_n"`
		PreviousN   *int   `json:"previous_n"`
		NotCompared string `json:"not_compared"`
		Why         string
		Questions   []surveys.QuestionComparison
		Compared    int
		Significant int
	} `json:"groups"`
}

// Two waves compared by group through the API (?by=): each group's rows
// are the two summaries' published numbers of that group (the summary's
// ?by=) at the level asked for, each difference Newcombe's or Welch's
// from them; a group either summary hides is not compared and says why;
// a breakdown question that either survey lacks, or of other codes, is a
// translated 422 at /by. The CSV has a group column, the PDF (in Arabic
// here) reads back with the groups; both are audited (TestCompareWorkflow
// checks that the files are counted in the export metrics).
func TestCompareByGroupThroughTheAPI(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel() // waits on its own summarizer mostly
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	const file = "youth-policy-consultation.json"
	def, err := surveystest.Example(file)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	// Last year only 3 non-binary young people answered: a group hidden
	// whatever the perturbation; the others are large enough to show.
	var lastYear []map[string]any
	nonbinary := 0
	for _, s := range submissions(def, 160, rng) {
		if s["answers"].(map[string]any)["gender"] == "nonbinary" {
			if nonbinary++; nonbinary > 3 {
				continue
			}
		}
		lastYear = append(lastYear, s)
	}
	last := publishWave(t, e, owner, file, lastYear)
	this := publishWave(t, e, owner, file, submissions(def, 400, rng))
	small := createSurvey(t, e, owner, smallSurvey(t))
	publishSurvey(t, e, owner, small)
	e.Server.FlushSummaries(context.Background())
	e.Clock.Advance(2 * time.Second)

	path := "/v1/org/surveys/" + this + "/compare?with=" + last
	r := e.Do("GET", path+"&by=gender&level=99&lang=en", nil, bearer(owner)...)
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body[:min(400, len(r.Body))])
	}
	var v groupComparisonView
	r.JSON(t, &v)
	cur := getIntervals(t, e, "/v1/org/surveys/"+this+"/summary?lang=en&level=99&by=gender", bearer(owner)...).Results
	prev := getIntervals(t, e, "/v1/org/surveys/"+last+"/summary?lang=en&level=99&by=gender", bearer(owner)...).Results
	if v.By != "gender" || v.ByText != def.Question("gender").Text.In("en", def.DefaultLanguage) || len(v.Groups) != len(cur.Groups)-1 ||
		len(v.Notes) != 5 || len(v.Method) != 6 {
		t.Fatalf("by %q (%q), %d groups, the summary %d; notes %q", v.By, v.ByText, len(v.Groups), len(cur.Groups)-1, v.Notes)
	}
	var hidden, checked, suppressed int
	for i, g := range v.Groups {
		cg := cur.Groups[i+1]
		var pg surveys.GroupResults
		for _, x := range prev.Groups[1:] {
			if x.Code == g.Code {
				pg = x
			}
		}
		if g.Code != cg.Code || g.Label != cg.Label || pg.Code != g.Code {
			t.Fatalf("group %d: %q %q, the summaries %q %q, %q", i, g.Code, g.Label, cg.Code, cg.Label, pg.Code)
		}
		if cg.Hidden || pg.Hidden {
			hidden++
			if g.NotCompared == "" || g.Why == "" || len(g.Questions) != 0 {
				t.Errorf("group %s hidden in a summary: %q %q, %d questions", g.Code, g.NotCompared, g.Why, len(g.Questions))
			}
			continue
		}
		for k, n := range []struct {
			got  *int
			want *surveys.Count
		}{{g.CurrentN, cg.N}, {g.PreviousN, pg.N}} {
			published := n.want != nil && !n.want.Suppressed && n.want.N != nil
			if published != (n.got != nil) || published && *n.got != *n.want.N {
				t.Errorf("group %s wave %d: respondents %v, the summary %+v", g.Code, k, n.got, n.want)
			}
		}
		c, s, f, _ := checkAPIRows(t, v.Level, g.Questions, cg, pg)
		checked, suppressed = checked+c, suppressed+s
		if f != g.Significant {
			t.Errorf("group %s: %d flagged, the group says %d", g.Code, f, g.Significant)
		}
	}
	if hidden == 0 || checked < 100 || suppressed == 0 || v.Groups[2].NotCompared != surveys.GroupHiddenInPrevious {
		t.Errorf("%d groups hidden, %d rows checked, %d with a number not published: the test needs all", hidden, checked, suppressed)
	}

	// Bad breakdowns, each a translated problem at /by.
	for _, c := range []struct{ query, code string }{
		{path + "&by=nosuch", "unknown_question"},
		{path + "&by=wellbeing", "not_breakdown"},
		{"/v1/org/surveys/" + this + "/compare?with=" + small + "&by=gender", "by_not_in_previous"},
		{"/v1/org/surveys/" + small + "/compare?with=" + this + "&by=gender", "unknown_question"},
	} {
		r := e.Do("GET", c.query, nil, append(bearer(owner), "Accept-Language", "sv")...)
		if got := pointers(t, r); r.Status != 422 || got["/by"] != c.code {
			t.Errorf("%s: %d %v", c.query, r.Status, got)
		}
	}

	// The CSV: a line per group and the groups' rows.
	r = e.Do("GET", path+"&by=gender&format=csv&lang=en", nil, bearer(owner)...)
	lines, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\ufeff")))).ReadAll()
	if r.Status != 200 || err != nil {
		t.Fatalf("csv: %d %v", r.Status, err)
	}
	groupLines := 0
	for _, l := range lines[1:] {
		if l[0] == "gender" && l[1] != "" {
			groupLines++
		}
	}
	want := len(v.Groups)
	for _, g := range v.Groups {
		for _, q := range g.Questions {
			want += len(q.Rows)
		}
	}
	if lines[0][0] != "breakdown" || groupLines != want {
		t.Errorf("csv: header %v, %d lines of groups, want %d", lines[0], groupLines, want)
	}

	// The PDF in Arabic: the groups read back.
	r = e.Do("GET", path+"&by=gender&format=pdf&lang=ar", nil, bearer(owner)...)
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/pdf" || r.Header.Get("Content-Language") != "ar" ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "compare-ar.pdf") || !bytes.HasPrefix(r.Body, []byte("%PDF-")) {
		t.Fatalf("pdf: %d %v", r.Status, r.Header)
	}
	if text, ok := pdfText(t, r.Body); ok {
		read := " " + strings.Join(arabicLetterWords(text), " ") + " "
		cat, err := i18n.New()
		if err != nil {
			t.Fatal(err)
		}
		want := []string{def.Title.In("ar", def.DefaultLanguage), def.Question("gender").Text.In("ar", def.DefaultLanguage),
			cat.Message("ar", "compare.report", nil), cat.Message("ar", "compare.by", nil), cat.Message("ar", "export.method", nil)}
		for _, o := range def.Question("gender").Options {
			want = append(want, o.Label.In("ar", def.DefaultLanguage))
		}
		for _, w := range want {
			if !strings.Contains(read, " "+strings.Join(arabicLetterWords(w), " ")+" ") {
				t.Errorf("not read back from the Arabic PDF: %q", w)
			}
		}
	}
	if h := e.Do("HEAD", path+"&by=gender&format=pdf", nil, bearer(owner)...); h.Status != 200 || len(h.Body) != 0 || h.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("HEAD: %d, %d bytes, %v", h.Status, len(h.Body), h.Header)
	}
	audit := auditDetails(t, e, owner)
	if audit["compare/"+this+"/"+last+"/pdf/ar"] != 2 || audit["compare/"+this+"/"+last+"/csv/en"] != 2 {
		t.Errorf("audit: %v", audit)
	}
}
