package surveys_test

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

// readFloats reads a CSV of R's expected values (testdata/compare.R):
// every row after the header as numbers.
func readFloats(t *testing.T, path string, cols, minRows int) [][]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < minRows+1 {
		t.Fatalf("%s: %d rows of expected values", path, len(rows)-1)
	}
	var out [][]float64
	for _, row := range rows[1:] {
		if len(row) != cols {
			t.Fatalf("%s: bad row %v", path, row)
		}
		v := make([]float64, cols)
		for i := range v {
			if v[i], err = strconv.ParseFloat(row[i], 64); err != nil {
				t.Fatalf("%s: bad row %v", path, row)
			}
		}
		out = append(out, v)
	}
	return out
}

// TestCompareNewcombeMatchesR compares Newcombe's hybrid score interval
// with R (testdata/compare.R: prop.test's Wilson bounds and Newcombe's
// formula; its first case is the worked example of Newcombe's paper) at
// 45 points, every level, to within 1e-6.
func TestCompareNewcombeMatchesR(t *testing.T) {
	for _, v := range readFloats(t, "testdata/compare_newcombe_r.csv", 8, 45) {
		d, lo, hi, ok := surveys.Newcombe(int(v[0]), int(v[1]), int(v[2]), int(v[3]), int(v[4]))
		if !ok || math.Abs(d-v[5]) > 1e-6 || math.Abs(lo-v[6]) > 1e-6 || math.Abs(hi-v[7]) > 1e-6 {
			t.Errorf("Newcombe(%v/%v − %v/%v at %v) = %.9f [%.9f, %.9f] %v, R says %.9f [%.9f, %.9f]", v[0], v[1], v[2], v[3], v[4], d, lo, hi, ok, v[5], v[6], v[7])
		}
	}
	for _, c := range [][5]int{{1, 0, 1, 5, 95}, {1, 5, 1, 0, 95}, {-1, 5, 1, 5, 95}, {1, 5, 1, 5, 80}} {
		if _, _, _, ok := surveys.Newcombe(c[0], c[1], c[2], c[3], c[4]); ok {
			t.Errorf("Newcombe%v gave an interval", c)
		}
	}
}

// TestCompareWelchMatchesR compares Welch's interval and degrees of
// freedom with R's t.test(var.equal = FALSE) on samples of the given
// mean, SD and size (testdata/compare.R) at 30 points, to within 1e-6;
// the degrees of freedom need not be whole, and run from 1 to over 2,000
// (the exact quantile below 200, the expansion above).
func TestCompareWelchMatchesR(t *testing.T) {
	for _, v := range readFloats(t, "testdata/compare_welch_r.csv", 11, 30) {
		d, lo, hi, df, ok := surveys.Welch(v[0], v[1], int(v[2]), v[3], v[4], int(v[5]), int(v[6]))
		if !ok || math.Abs(d-v[7]) > 1e-6 || math.Abs(lo-v[8]) > 1e-6 || math.Abs(hi-v[9]) > 1e-6 || math.Abs(df-v[10]) > 1e-6 {
			t.Errorf("Welch(%v) = %.9f [%.9f, %.9f] df %.9f %v, R says %.9f [%.9f, %.9f] df %.9f", v[:7], d, lo, hi, df, ok, v[7], v[8], v[9], v[10])
		}
	}
	for _, c := range []struct {
		m1, s1     float64
		n1         int
		m2, s2     float64
		n2, level  int
		reasonable string
	}{
		{1, 1, 1, 1, 1, 5, 95, "one value"}, {1, 0, 5, 2, 0, 5, 95, "both constant"}, {1, -1, 5, 1, 1, 5, 95, "negative SD"},
		{1, 1, 5, 1, 1, 5, 80, "level"}, {math.NaN(), 1, 5, 1, 1, 5, 95, "NaN"}, {1, math.Inf(1), 5, 1, 1, 5, 95, "Inf"},
	} {
		if _, _, _, _, ok := surveys.Welch(c.m1, c.s1, c.n1, c.m2, c.s2, c.n2, c.level); ok {
			t.Errorf("Welch gave an interval: %s", c.reasonable)
		}
	}
}

// wave is a release of def from responses, as the API makes it.
func wave(def *surveys.Definition, id string, responses []*surveys.Response, k int) surveys.Wave {
	p := surveys.Disclose(def, tallyResponses(def, responses), k)
	return surveys.Wave{Survey: id, Title: id, Revision: 1, Day: "2026-11-03", Results: p.Results("en", "", "not answered")}
}

// shifted keeps the responses of a wave that differs from the other:
// none of gender's first option, and wellbeing (a scale) only at 3 or
// more, so that a proportion and a mean differ for sure.
func shifted(rs []*surveys.Response) []*surveys.Response {
	var out []*surveys.Response
	for _, r := range rs {
		if a, ok := r.Answers["gender"]; ok && a.Choice == "girl" {
			continue
		}
		if a, ok := r.Answers["wellbeing"]; ok && !a.DontKnow && a.Point < 3 {
			continue
		}
		out = append(out, r)
	}
	return out
}

// TestCompareWaves compares two releases of the same survey, one with a
// shifted population: every question is compared or left out with its
// reason; every row's estimates are the release's published numbers with
// their intervals at the level; a difference exists exactly where both
// are published, is Newcombe's or Welch's from those numbers, and is
// flagged exactly when its interval excludes 0; the shift is found.
func TestCompareWaves(t *testing.T) {
	const k = 10
	def := loadExample(t, "youth-policy-consultation.json")
	if def.Question("gender").Option("girl") == nil {
		t.Fatal("the example has no gender option girl")
	}
	prev := wave(def, "last-year", randomResponses(t, def, 300, 11), k)
	cur := wave(def, "this-year", shifted(randomResponses(t, def, 500, 12)), k)
	for _, level := range surveys.Levels() {
		c, err := surveys.Compare(cur, prev, level)
		if err != nil {
			t.Fatal(err)
		}
		if c.Level != level || c.Current.Survey != "this-year" || c.Previous.Survey != "last-year" || c.Current.Responses != *cur.Results.N.N {
			t.Fatalf("header %+v %+v level %d", c.Current, c.Previous, c.Level)
		}
		left := map[string]string{}
		for _, l := range c.LeftOut {
			left[l.ID] = l.Reason
		}
		for _, q := range def.Questions() {
			compared := false
			for _, qc := range c.Questions {
				compared = compared || qc.ID == q.ID
			}
			switch {
			case q.Type == surveys.FreeText && left[q.ID] != surveys.LeftOutNoEstimates:
				t.Errorf("%s (text): left out as %q", q.ID, left[q.ID])
			case q.Type != surveys.FreeText && (!compared || left[q.ID] != ""):
				t.Errorf("%s: compared %v, left out %q", q.ID, compared, left[q.ID])
			}
		}
		rows, shown, flagged := checkComparison(t, c, cur, prev)
		t.Logf("level %d: %d rows, %d differences, %d significant, %d left out", level, rows, shown, flagged, len(c.LeftOut))
		if rows < 100 || shown < 50 {
			t.Errorf("level %d: %d rows, %d with a difference", level, rows, shown)
		}
		if c.Compared != shown || c.Significant != flagged {
			t.Errorf("level %d: counted %d compared, %d significant; the rows have %d, %d", level, c.Compared, c.Significant, shown, flagged)
		}
		found := map[string]bool{}
		for _, qc := range c.Questions {
			for _, r := range qc.Rows {
				if r.Difference != nil && r.Difference.Significant {
					found[qc.ID+"/"+r.Code] = true
				}
			}
		}
		if !found["gender/girl"] || !found["wellbeing/_mean"] {
			t.Errorf("level %d: the shift was not found: significant %v", level, found)
		}
	}
}

// checkComparison checks every row of c against the two waves' published
// numbers; it returns the rows, those with a difference interval and
// those flagged.
func checkComparison(t *testing.T, c *surveys.Comparison, cur, prev surveys.Wave) (rows, shown, flagged int) {
	t.Helper()
	return checkRows(t, c.Level, c.Questions, cur.Results, 0, prev.Results, 0)
}

// checkRows checks the rows of qs against group gc of cur's results and
// group gp of prev's (0: everyone), as checkComparison.
func checkRows(t *testing.T, level int, qs []surveys.QuestionComparison, cur surveys.Results, gc int, prev surveys.Results, gp int) (rows, shown, flagged int) {
	t.Helper()
	c := struct{ Level int }{level}
	cq := publishedEstimates(cur, gc)
	pq := publishedEstimates(prev, gp)
	for _, qc := range qs {
		for _, r := range qc.Rows {
			rows++
			key := qc.ID + "/" + r.Code
			ce, pe := cq[key], pq[key]
			if ce.kind == "" || pe.kind == "" {
				t.Fatalf("%s: a row the releases do not have", key)
			}
			checkEstimate(t, key+" current", r.Current, ce, c.Level)
			checkEstimate(t, key+" previous", r.Previous, pe, c.Level)
			if r.Current.Suppressed || r.Previous.Suppressed {
				if r.Difference != nil {
					t.Errorf("%s: a difference beside a number not published: %+v", key, *r.Difference)
				}
				continue
			}
			if r.Difference == nil {
				t.Errorf("%s: no difference of two published estimates", key)
				continue
			}
			var d, lo, hi float64
			var ok bool
			scale, places := 100.0, 1
			if r.Kind == surveys.CompareRowProportion {
				d, lo, hi, ok = surveys.Newcombe(ce.n, ce.base, pe.n, pe.base, c.Level)
			} else {
				d, lo, hi, _, ok = surveys.Welch(ce.mean, ce.sd, ce.n, pe.mean, pe.sd, pe.n, c.Level)
				scale, places = 1, 2
			}
			if !ok {
				if r.Difference.CILow != nil || r.Difference.Significant {
					t.Errorf("%s: an interval where there is none", key)
				}
				continue
			}
			p := math.Pow(10, float64(places))
			rnd := func(v float64) float64 { return math.Round(scale*v*p) / p }
			got := r.Difference
			if got.CILow == nil || got.Value != rnd(d) || *got.CILow != rnd(lo) || *got.CIHigh != rnd(hi) || got.Significant != (lo > 0 || hi < 0) {
				t.Errorf("%s: difference %+v, want %v [%v, %v]", key, got, rnd(d), rnd(lo), rnd(hi))
			}
			if *got.CILow > got.Value || *got.CIHigh < got.Value {
				t.Errorf("%s: the difference %v outside its interval [%v, %v]", key, got.Value, *got.CILow, *got.CIHigh)
			}
			shown++
			if got.Significant {
				flagged++
			}
		}
	}
	return rows, shown, flagged
}

// published is what a release shows of one estimate, read from its
// JSON as anyone downloading it would.
type published struct {
	kind           string
	suppressed     bool
	n, base        int
	pct, mean, sd  float64
	ciLow, ciHigh  float64
	hasMeanValues  bool
	meanValueCount int
}

// publishedEstimates reads the estimates of a release's tables of group
// gi (0: everyone) by "question/code", from the JSON a download gives
// (so from published numbers only).
func publishedEstimates(r surveys.Results, gi int) map[string]published {
	b, _ := json.Marshal(r)
	var back surveys.Results
	_ = json.Unmarshal(b, &back)
	out := map[string]published{}
	prop := func(key string, c surveys.Count, base surveys.Count) {
		p := published{kind: surveys.CompareRowProportion, suppressed: c.Suppressed || c.N == nil || c.Pct == nil || base.N == nil}
		if !p.suppressed {
			p.n, p.base, p.pct = *c.N, *base.N, *c.Pct
		}
		out[key] = p
	}
	mean := func(key string, st *surveys.Stats, answered surveys.Count, dk *surveys.Count) {
		p := published{kind: surveys.CompareRowMean, suppressed: true}
		if st != nil && answered.N != nil && (dk == nil || dk.N != nil) {
			n := *answered.N
			if dk != nil {
				n -= *dk.N
			}
			p = published{kind: surveys.CompareRowMean, n: n, mean: st.Mean, sd: st.SD, suppressed: n < 2}
		}
		out[key] = p
	}
	for _, q := range back.Groups[gi].Questions {
		for _, o := range append(append([]surveys.LabelledCount{}, q.Options...), q.Bins...) {
			prop(q.ID+"/"+o.Code, o.Count, q.Answered)
		}
		if q.DontKnow != nil {
			prop(q.ID+"/_dont_know", *q.DontKnow, q.Answered)
		}
		if q.Type == surveys.Scale || q.Type == surveys.Number {
			mean(q.ID+"/_mean", q.Stats, q.Answered, q.DontKnow)
		}
		for _, s := range q.Statements {
			for _, o := range s.Bins {
				prop(q.ID+"/"+s.Code+":"+o.Code, o.Count, s.Answered)
			}
			if s.DontKnow != nil {
				prop(q.ID+"/"+s.Code+":_dont_know", *s.DontKnow, s.Answered)
			}
			mean(q.ID+"/"+s.Code+":_mean", s.Stats, s.Answered, s.DontKnow)
		}
	}
	return out
}

func checkEstimate(t *testing.T, where string, e surveys.Estimate, want published, level int) {
	t.Helper()
	if want.suppressed {
		if !e.Suppressed || e.N != nil || e.Value != nil || e.CILow != nil || e.Base != nil || e.SD != nil {
			t.Errorf("%s: the release does not publish it, the comparison shows %+v", where, e)
		}
		return
	}
	if e.Suppressed || e.N == nil || e.Value == nil || e.CILow == nil || *e.N != want.n {
		t.Errorf("%s: published %+v, the comparison shows %+v", where, want, e)
		return
	}
	if want.kind == surveys.CompareRowProportion {
		lo, hi, _ := surveys.Wilson(want.n, want.base, level)
		if e.Base == nil || *e.Base != want.base || *e.Value != want.pct || *e.CILow != math.Round(lo*1000)/10 || *e.CIHigh != math.Round(hi*1000)/10 {
			t.Errorf("%s: %+v, want %d of %d (%v %%) in [%.1f, %.1f]", where, e, want.n, want.base, want.pct, 100*lo, 100*hi)
		}
		return
	}
	lo, hi, _ := surveys.MeanInterval(want.mean, want.sd, want.n, level)
	if *e.Value != want.mean || e.SD == nil || *e.SD != want.sd || *e.CILow != math.Round(lo*100)/100 || *e.CIHigh != math.Round(hi*100)/100 {
		t.Errorf("%s: %+v, want mean %v sd %v n %d in [%.2f, %.2f]", where, e, want.mean, want.sd, want.n, lo, hi)
	}
}

// TestCompareLeftOut: a question is compared only when its id, type and
// codes match; each other one is listed once with why.
func TestCompareLeftOut(t *testing.T) {
	const k = 5
	cur := loadExample(t, "youth-policy-consultation.json")
	prevDef := loadExample(t, "youth-policy-consultation.json")
	// Last year: occupation had another option, wellbeing 4 points,
	// area was a multiple choice question, transport_fix was not asked,
	// and a question about sport was.
	for si := range prevDef.Sections {
		qs := prevDef.Sections[si].Questions
		for qi := 0; qi < len(qs); qi++ {
			q := &qs[qi]
			switch q.ID {
			case "occupation":
				q.Options[len(q.Options)-1].Code = "apprentice"
			case "wellbeing":
				q.Points = 4
				q.Labels["4"] = q.Labels["5"]
				delete(q.Labels, "5")
			case "sought_help":
				q.Type = surveys.MultipleChoice
			case "transport_fix":
				q.ID = "sport_clubs"
			}
		}
	}
	if err := prevDef.Complete(); err != nil {
		t.Fatal(err)
	}
	c, err := surveys.Compare(wave(cur, "a", randomResponses(t, cur, 80, 1), k), wave(prevDef, "b", randomResponses(t, prevDef, 80, 2), k), 95)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range c.LeftOut {
		if _, twice := got[l.ID]; twice || l.Text == "" {
			t.Errorf("left out %+v", l)
		}
		got[l.ID] = l.Reason
	}
	want := map[string]string{
		"occupation": surveys.LeftOutOptionsDiffer, "wellbeing": surveys.LeftOutOptionsDiffer, "sought_help": surveys.LeftOutTypeDiffers,
		"transport_fix": surveys.LeftOutOnlyCurrent, "sport_clubs": surveys.LeftOutOnlyPrevious,
		"support_idea": surveys.LeftOutNoEstimates, "school_change": surveys.LeftOutNoEstimates,
		"top_priority_why": surveys.LeftOutNoEstimates, "anything_else": surveys.LeftOutNoEstimates,
	}
	if len(got) != len(want) {
		t.Errorf("left out %v, want %v", got, want)
	}
	for id, reason := range want {
		if got[id] != reason {
			t.Errorf("%s: left out as %q, want %q", id, got[id], reason)
		}
	}
	for _, qc := range c.Questions {
		if want[qc.ID] != "" {
			t.Errorf("%s compared", qc.ID)
		}
	}
}

// Bad input and nothing to compare are the errors the API explains.
func TestCompareErrors(t *testing.T) {
	def := loadExample(t, "youth-policy-consultation.json")
	a := wave(def, "a", randomResponses(t, def, 40, 1), 10)
	b := wave(def, "b", randomResponses(t, def, 40, 2), 10)
	var ve *surveys.ValidationError
	for _, level := range []int{0, 80, 100, -95} {
		if _, err := surveys.Compare(a, b, level); !errors.As(err, &ve) || ve.Errors[0].Pointer != "/level" || ve.Errors[0].Code != surveys.CodeLevel {
			t.Errorf("level %d: %v", level, err)
		}
	}
	few := wave(def, "few", randomResponses(t, def, 9, 3), 10)
	var we *surveys.WithheldError
	if _, err := surveys.Compare(a, few, 95); !errors.As(err, &we) || we.Survey != "few" {
		t.Errorf("withheld previous: %v", err)
	}
	if _, err := surveys.Compare(few, a, 95); !errors.As(err, &we) || we.Survey != "few" {
		t.Errorf("withheld current: %v", err)
	}
	other := loadExample(t, "safety-online-offline.json")
	texts := surveys.Results{K: 10, Groups: []surveys.GroupResults{{Questions: []surveys.QuestionResults{{ID: "one_change", Type: surveys.FreeText, Text: "?"}}}}}
	c := wave(other, "other", randomResponses(t, other, 40, 4), 10)
	c.Results.Groups[0].Questions = texts.Groups[0].Questions
	if _, err := surveys.Compare(a, c, 95); !errors.Is(err, surveys.ErrNothingComparable) {
		t.Errorf("nothing comparable: %v", err)
	}
}

// A release read back from JSON no longer knows the bases its
// percentages were computed from: the comparison then shows nothing
// rather than guess a base (which could be one the release suppresses).
func TestCompareNeedsPublishedBases(t *testing.T) {
	def := loadExample(t, "youth-policy-consultation.json")
	a := wave(def, "a", randomResponses(t, def, 60, 1), 10)
	b := wave(def, "b", randomResponses(t, def, 60, 2), 10)
	raw, _ := json.Marshal(b.Results)
	var back surveys.Results
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	b.Results = back
	c, err := surveys.Compare(a, b, 95)
	if err != nil {
		t.Fatal(err)
	}
	for _, qc := range c.Questions {
		for _, r := range qc.Rows {
			if r.Kind == surveys.CompareRowProportion && (!r.Previous.Suppressed || r.Difference != nil) {
				t.Fatalf("%s/%s: %+v from a base it was not given", qc.ID, r.Code, r)
			}
		}
	}
	if !strings.Contains(string(raw), `"ci_low"`) {
		t.Fatal("the release had no intervals")
	}
}
