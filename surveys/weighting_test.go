package surveys_test

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/surveys"
)

// weightingDef is a survey with the dimensions of testdata/weighting.R
// (gender also has "prefer not to say") and the questions estimated.
func weightingDef() *surveys.Definition {
	opts := func(codes ...string) []surveys.Option {
		var o []surveys.Option
		for _, c := range codes {
			o = append(o, surveys.Option{Code: c, Label: surveys.Text{"en": c}})
		}
		return o
	}
	q := func(id string, typ surveys.QuestionType, codes ...string) surveys.Question {
		return surveys.Question{ID: id, Type: typ, Text: surveys.Text{"en": id}, Options: opts(codes...)}
	}
	return &surveys.Definition{DefaultLanguage: "en", Languages: []string{"en"}, Sections: []surveys.Section{{ID: "s", Questions: []surveys.Question{
		breakdown(q("age", surveys.SingleChoice, "13-15", "16-17", "18-20")),
		breakdown(q("gender", surveys.SingleChoice, "girl", "boy", "nonbinary", "prefer_not")),
		breakdown(q("region", surveys.SingleChoice, "north", "centre", "south", "capital")),
		q("told", surveys.SingleChoice, "nobody", "friend", "parent", "other"),
		q("where", surveys.MultipleChoice, "app", "school", "games"),
		{ID: "score", Type: surveys.Scale, Text: surveys.Text{"en": "score"}, Points: 5},
	}}}}
}

// breakdown makes q a breakdown question: weighting dimensions are.
func breakdown(q surveys.Question) surveys.Question {
	q.Breakdown = true
	return q
}

// readCSV reads a testdata CSV whose header lines start with '#', as
// maps from column to value.
func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("%s: %v", path, err)
	}
	var out []map[string]string
	for _, row := range rows[1:] {
		m := map[string]string{}
		for i, col := range rows[0] {
			m[col] = row[i]
		}
		out = append(out, m)
	}
	return out
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// rMargins is the margins of testdata/weighting.R.
func rMargins(t *testing.T) *surveys.Margins {
	m := &surveys.Margins{Missing: surveys.MissingExclude}
	for _, row := range readCSV(t, "testdata/weighting_margins_r.csv") {
		i := slices.IndexFunc(m.Dimensions, func(d surveys.Dimension) bool { return d.Question == row["dimension"] })
		if i < 0 {
			m.Dimensions = append(m.Dimensions, surveys.Dimension{Question: row["dimension"], Totals: map[string]float64{}})
			i = len(m.Dimensions) - 1
		}
		m.Dimensions[i].Totals[row["code"]] = num(t, row["total"])
	}
	m.Dimensions[1].NotStated = []string{"prefer_not"}
	return m
}

// rakedR rakes the sample of testdata/weighting.R and returns the frame,
// weights, the R rows (in the frame's cell order) and the cell counts.
func rakedR(t *testing.T) (*surveys.Frame, *surveys.Weights, []map[string]string) {
	t.Helper()
	f, err := rMargins(t).Frame(weightingDef())
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, "testdata/weighting_cells_r.csv")
	if len(rows) != f.Cells() || f.Cells() != 36 {
		t.Fatalf("%d R cells, %d in the frame", len(rows), f.Cells())
	}
	counts := make([]int, f.Cells())
	byCell := make([]map[string]string, f.Cells())
	for _, row := range rows {
		c, ok := f.Cell([]string{row["age"], row["gender"], row["region"]})
		if !ok || byCell[c] != nil {
			t.Fatalf("cell of %v: %d %v", row, c, ok)
		}
		counts[c] = int(num(t, row["n"]))
		byCell[c] = row
	}
	w, err := f.Rake(counts, surveys.RakeOptions{Epsilon: 1e-10})
	if err != nil {
		t.Fatal(err)
	}
	return f, w, byCell
}

// TestRakeMatchesR compares the raked weight of each of 36 cells
// (3 dimensions, one empty cell, 994 respondents) with R survey's
// rake at epsilon 1e-10 (testdata/weighting.R), to within 1e-6.
func TestRakeMatchesR(t *testing.T) {
	f, w, rows := rakedR(t)
	for c, row := range rows {
		if row["n"] == "0" {
			continue
		}
		if want := num(t, row["weight"]); math.Abs(w.Cell[c]-want) > 1e-6 {
			t.Errorf("cell %s: weight %.9f, R says %.9f", f.CellName(c), w.Cell[c], want)
		}
	}
	if w.MaxError >= 1e-10 || w.Iterations < 2 || w.Iterations > surveys.MaxRakeIterations {
		t.Errorf("stopped after %d sweeps at %g", w.Iterations, w.MaxError)
	}
	// Lopsided on purpose: the trimming test below has work to do.
	if w.MaxRatio < 2.6 || w.MinRatio > 0.15 || !w.Trimmed || w.TrimRounds != 0 {
		t.Errorf("weights: ratio %g..%g, trimmed %v in %d rounds", w.MinRatio, w.MaxRatio, w.Trimmed, w.TrimRounds)
	}
}

// cellsOf reads one count column of the R cells, plus 0 not raked.
func cellsOf(t *testing.T, rows []map[string]string, col string) []int {
	out := make([]int, len(rows)+1)
	for c, row := range rows {
		out[c] = int(num(t, row[col]))
	}
	return out
}

// TestWeightedEstimatesMatchR compares the weighted proportions of a
// single- and a multiple-choice question, the weighted mean and SD of a
// scale, and Kish's effective sample size and design effect of each with
// R (testdata/weighting.R: svymean on the raked design, Kish's formulas
// on weights()), to within 1e-6.
func TestWeightedEstimatesMatchR(t *testing.T) {
	_, w, rows := rakedR(t)
	want := map[string]float64{}
	for _, row := range readCSV(t, "testdata/weighting_estimates_r.csv") {
		want[row["question"]+"/"+row["option"]+"/"+row["what"]] = num(t, row["value"])
	}
	near := func(name string, got float64) {
		t.Helper()
		v, ok := want[name]
		if !ok || math.Abs(got-v) > 1e-6 {
			t.Errorf("%s = %.9f, R says %.9f (%v)", name, got, v, ok)
		}
	}
	for _, q := range []struct {
		id    string
		codes []string
	}{{"told", []string{"nobody", "friend", "parent", "other"}}, {"where", []string{"app", "school", "games"}}} {
		var opts []surveys.OptionCells
		for _, code := range q.codes {
			opts = append(opts, surveys.OptionCells{Code: code, Cells: cellsOf(t, rows, q.id+"_"+code)})
		}
		tab, err := w.WeightedProportions(cellsOf(t, rows, q.id+"_answered"), opts, 10, 95)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range tab.Options {
			if o.Suppressed || o.CILow > o.Proportion || o.CIHigh < o.Proportion {
				t.Errorf("%s/%s: %+v", q.id, o.Code, o)
			}
			near(q.id+"/"+o.Code+"/proportion", o.Proportion)
		}
		near(q.id+"//neff", tab.NEff)
		near(q.id+"//deff", tab.Deff)
		if d := float64(tab.Base) / tab.NEff; math.Abs(d-tab.Deff) > 1e-12 {
			t.Errorf("%s: deff %g, n/n_eff %g", q.id, tab.Deff, d)
		}
	}
	sums := func(col string) []float64 {
		out := make([]float64, len(rows)+1)
		for c, row := range rows {
			out[c] = num(t, row[col])
		}
		return out
	}
	mean, sd, lo, hi, ok := w.WeightedMean(cellsOf(t, rows, "score_n"), sums("score_sum"), sums("score_sumsq"), 10, 95)
	if !ok || lo >= mean || hi <= mean {
		t.Fatalf("weighted mean %g [%g, %g] %v", mean, lo, hi, ok)
	}
	near("score//mean", mean)
	near("score//sd", sd)
}

// TestWeightedIntervalOnEffectiveSize: with equal weights n_eff is n,
// the design effect 1 and the interval Wilson's; with unequal weights
// the interval is Wilson's at n_eff, wider than at n.
func TestWeightedIntervalOnEffectiveSize(t *testing.T) {
	m := &surveys.Margins{Missing: surveys.MissingExclude, Dimensions: []surveys.Dimension{
		{Question: "age", Totals: map[string]float64{"13-15": 100, "16-17": 100, "18-20": 100}},
	}}
	f, err := m.Frame(weightingDef())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		counts []int
		deff   float64
	}{{[]int{40, 40, 40}, 1}, {[]int{20, 40, 60}, 1.2222222222222223}} {
		w, err := f.Rake(tc.counts, surveys.RakeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		answered := append(slices.Clone(tc.counts), 0)
		chose := []int{tc.counts[0] / 2, tc.counts[1] / 4, tc.counts[2] / 4, 0}
		tab, err := w.WeightedProportions(answered, []surveys.OptionCells{{Code: "yes", Cells: chose}}, 10, 95)
		if err != nil {
			t.Fatal(err)
		}
		o := tab.Options[0]
		if math.Abs(tab.Deff-tc.deff) > 1e-12 || math.Abs(tab.NEff-120/tc.deff) > 1e-9 {
			t.Errorf("%v: n_eff %g deff %g", tc.counts, tab.NEff, tab.Deff)
		}
		// Weighted: each age band is a third; the proportion is the mean
		// of 1/2, 1/4, 1/4.
		if math.Abs(o.Proportion-1.0/3) > 1e-12 {
			t.Errorf("%v: proportion %g", tc.counts, o.Proportion)
		}
		lo, hi, _ := surveys.Wilson(40, 120, 95)
		if tc.deff == 1 && (math.Abs(o.CILow-lo) > 1e-12 || math.Abs(o.CIHigh-hi) > 1e-12) {
			t.Errorf("equal weights: [%g, %g], Wilson(40, 120) [%g, %g]", o.CILow, o.CIHigh, lo, hi)
		}
		if tc.deff > 1 && o.CIHigh-o.CILow <= hi-lo {
			t.Errorf("unequal weights: [%g, %g] no wider than Wilson(40, 120) [%g, %g]", o.CILow, o.CIHigh, lo, hi)
		}
	}
}

// TestWeightedSuppressesSmallCells: an option chosen by fewer than k
// respondents has no weighted figure however large their weight, nor
// has any option of a base below k; an option nobody chose (0) is shown.
func TestWeightedSuppressesSmallCells(t *testing.T) {
	m := &surveys.Margins{Missing: surveys.MissingExclude, Dimensions: []surveys.Dimension{
		{Question: "age", Totals: map[string]float64{"13-15": 9000, "16-17": 500, "18-20": 500}},
	}}
	f, err := m.Frame(weightingDef())
	if err != nil {
		t.Fatal(err)
	}
	w, err := f.Rake([]int{3, 50, 50}, surveys.RakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The 3 respondents aged 13-15 weigh 3,000 each: 90 % of the
	// weighted total, but 3 < k.
	tab, err := w.WeightedProportions([]int{3, 50, 50, 0}, []surveys.OptionCells{
		{Code: "small", Cells: []int{3, 0, 0, 0}},
		{Code: "big", Cells: []int{0, 50, 50, 0}},
		{Code: "none", Cells: []int{0, 0, 0, 0}},
	}, 10, 95)
	if err != nil {
		t.Fatal(err)
	}
	small, big, none := tab.Options[0], tab.Options[1], tab.Options[2]
	if !small.Suppressed || small.Proportion != 0 || small.CIHigh != 0 || small.Count != 3 {
		t.Errorf("3 respondents of weight 3000: %+v", small)
	}
	if big.Suppressed || math.Abs(big.Proportion-0.1) > 1e-9 || none.Suppressed || none.Proportion != 0 {
		t.Errorf("shown options: %+v %+v", big, none)
	}
	tab, err = w.WeightedProportions([]int{3, 5, 1, 0}, []surveys.OptionCells{{Code: "x", Cells: []int{0, 5, 0, 0}}}, 10, 95)
	if err != nil || !tab.Suppressed || !tab.Options[0].Suppressed || tab.Options[0].Proportion != 0 {
		t.Errorf("a base of 9 < k: %+v %v", tab, err)
	}
	if _, _, _, _, ok := w.WeightedMean([]int{3, 5, 1, 0}, []float64{9, 15, 3, 0}, []float64{27, 45, 9, 0}, 10, 95); ok {
		t.Error("a weighted mean of 9 values with k = 10")
	}
}

// TestWeightingMarginsRefused: every problem of a margins body, each at
// its JSON pointer with its code.
func TestWeightingMarginsRefused(t *testing.T) {
	good := func() *surveys.Margins { return rMargins(t) }
	type want struct {
		pointer string
		code    surveys.Code
	}
	for _, tc := range []struct {
		name   string
		change func(m *surveys.Margins)
		want   []want
	}{
		{"no rule", func(m *surveys.Margins) { m.Missing = "" }, []want{{"/missing", surveys.CodeRequired}}},
		{"unknown rule", func(m *surveys.Margins) { m.Missing = "spread" }, []want{{"/missing", surveys.CodeInvalid}}},
		{"no dimensions", func(m *surveys.Margins) { m.Dimensions = nil }, []want{{"/dimensions", surveys.CodeRequired}}},
		{"five dimensions", func(m *surveys.Margins) { m.Dimensions = append(m.Dimensions, m.Dimensions[0], m.Dimensions[0]) },
			[]want{{"/dimensions", surveys.CodeTooMany}}},
		{"unknown question", func(m *surveys.Margins) { m.Dimensions[2].Question = "county" }, []want{{"/dimensions/2/question", surveys.CodeUnknownQuestion}}},
		{"no question", func(m *surveys.Margins) { m.Dimensions[2].Question = "" }, []want{{"/dimensions/2/question", surveys.CodeRequired}}},
		{"twice", func(m *surveys.Margins) { m.Dimensions[2] = m.Dimensions[0] }, []want{{"/dimensions/2/question", surveys.CodeDuplicate}}},
		{"multiple choice", func(m *surveys.Margins) {
			m.Dimensions[2] = surveys.Dimension{Question: "where", Totals: map[string]float64{"app": 813000, "school": 1, "games": 1}}
		}, []want{{"/dimensions/2/question", surveys.CodeWeightingType}}},
		{"unknown code", func(m *surveys.Margins) { m.Dimensions[0].Totals["21-24"] = 5 },
			[]want{{"/dimensions/0/totals/21-24", surveys.CodeUnknownOption}}},
		{"zero total", func(m *surveys.Margins) { m.Dimensions[0].Totals["16-17"] = 0 },
			[]want{{"/dimensions/0/totals/16-17", surveys.CodeOutOfRange}}},
		{"half a person", func(m *surveys.Margins) { m.Dimensions[0].Totals["16-17"] = 0.5 },
			[]want{{"/dimensions/0/totals/16-17", surveys.CodeOutOfRange}}},
		{"NaN total", func(m *surveys.Margins) { m.Dimensions[0].Totals["16-17"] = math.NaN() },
			[]want{{"/dimensions/0/totals/16-17", surveys.CodeOutOfRange}}},
		{"huge total", func(m *surveys.Margins) { m.Dimensions[0].Totals["16-17"] = 2e10 },
			[]want{{"/dimensions/0/totals/16-17", surveys.CodeOutOfRange}}},
		{"code forgotten", func(m *surveys.Margins) { m.Dimensions[1].NotStated = nil },
			[]want{{"/dimensions/1/totals/prefer_not", surveys.CodeRequired}}},
		{"code both ways", func(m *surveys.Margins) { m.Dimensions[1].NotStated = []string{"prefer_not", "girl"} },
			[]want{{"/dimensions/1/not_stated/1", surveys.CodeDuplicate}}},
		{"not stated unknown", func(m *surveys.Margins) { m.Dimensions[1].NotStated = []string{"prefer_not", "x"} },
			[]want{{"/dimensions/1/not_stated/1", surveys.CodeUnknownOption}}},
		{"another population", func(m *surveys.Margins) { m.Dimensions[2].Totals["capital"] += 10000 },
			[]want{{"/dimensions/2/totals", surveys.CodeWeightingTotals}}},
		{"every code not stated", func(m *surveys.Margins) {
			m.Dimensions[0] = surveys.Dimension{Question: "age", NotStated: []string{"13-15", "16-17", "18-20"}}
		}, []want{{"/dimensions/0/totals", surveys.CodeRequired}}},
		{"two problems", func(m *surveys.Margins) { m.Missing = ""; m.Dimensions[0].Totals["13-15"] = -1 },
			[]want{{"/missing", surveys.CodeRequired}, {"/dimensions/0/totals/13-15", surveys.CodeOutOfRange}}},
	} {
		m := good()
		tc.change(m)
		_, err := m.Frame(weightingDef())
		var ve *surveys.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var got []want
		for _, e := range ve.Errors {
			got = append(got, want{e.Pointer, e.Code})
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	m := good()
	m.Dimensions[2].Totals["capital"] += 1187000
	_, err := m.Frame(weightingDef())
	var ve *surveys.ValidationError
	if !errors.As(err, &ve) || ve.Errors[0].Params["Sum"] != "2000000" || ve.Errors[0].Params["First"] != "813000" {
		t.Errorf("another population's totals: %v", err) // not 2e+06 in the message
	}
	// Rounded tables of one population (within 0.5 %) are scaled to the
	// first dimension's total.
	m = good()
	m.Dimensions[2].Totals["capital"] += 1000
	f, err := m.Frame(weightingDef())
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, v := range f.Dims[2].Targets {
		sum += v
	}
	if math.Abs(sum-813000) > 1e-6 || f.Total != 813000 {
		t.Errorf("scaled region totals add up to %g", sum)
	}
}

// TestWeightingMarginsJSON: the body the API will take decodes into
// Margins and lays out as documented (codes in the survey's order, cells
// numbered with the first dimension slowest).
func TestWeightingMarginsJSON(t *testing.T) {
	var m surveys.Margins
	body := `{"missing": "exclude", "dimensions": [
		{"question": "gender", "totals": {"boy": 408000, "girl": 396000, "nonbinary": 9000}, "not_stated": ["prefer_not"]},
		{"question": "age", "totals": {"18-20": 298000, "16-17": 205000, "13-15": 310000}}]}`
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	f, err := m.Frame(weightingDef())
	if err != nil {
		t.Fatal(err)
	}
	if f.Cells() != 9 || !slices.Equal(f.Dims[0].Codes, []string{"girl", "boy", "nonbinary"}) || f.Dims[0].Targets[1] != 408000 || f.Total != 813000 {
		t.Fatalf("frame %+v", f)
	}
	for c := range f.Cells() {
		if got, ok := f.Cell(f.Codes(c)); !ok || got != c {
			t.Errorf("cell %d: codes %v back to %d %v", c, f.Codes(c), got, ok)
		}
	}
	if f.CellName(1) != "girl/16-17" || f.CellName(3) != "boy/13-15" {
		t.Errorf("cell 1 %s, cell 3 %s", f.CellName(1), f.CellName(3))
	}
}

// TestWeightingTooManyCells: 4 dimensions of 6 codes are 1,296 cells.
func TestWeightingTooManyCells(t *testing.T) {
	def := &surveys.Definition{Sections: []surveys.Section{{ID: "s"}}}
	m := &surveys.Margins{Missing: surveys.MissingExclude}
	for i := range 4 {
		q := surveys.Question{ID: "d" + strconv.Itoa(i), Type: surveys.SingleChoice, Breakdown: true}
		totals := map[string]float64{}
		for j := range 6 {
			code := "c" + strconv.Itoa(j)
			q.Options = append(q.Options, surveys.Option{Code: code})
			totals[code] = 10
		}
		def.Sections[0].Questions = append(def.Sections[0].Questions, q)
		m.Dimensions = append(m.Dimensions, surveys.Dimension{Question: q.ID, Totals: totals})
	}
	_, err := m.Frame(def)
	var ve *surveys.ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Code != surveys.CodeWeightingCells || ve.Errors[0].Params["Cells"] != 1296 {
		t.Fatalf("1,296 cells: %v", err)
	}
	m.Dimensions = m.Dimensions[:3]
	if f, err := m.Frame(def); err != nil || f.Cells() != 216 {
		t.Fatalf("216 cells: %v", err)
	}
}

// TestRakeRefusesEmptyCategory: a category with a total and no
// respondents cannot be weighted; it is named at its total.
func TestRakeRefusesEmptyCategory(t *testing.T) {
	f, err := rMargins(t).Frame(weightingDef())
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, f.Cells())
	for c := range counts {
		if f.Codes(c)[1] != "nonbinary" {
			counts[c] = 5
		}
	}
	_, err = f.Rake(counts, surveys.RakeOptions{})
	var ve *surveys.ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Pointer != "/dimensions/1/totals/nonbinary" || ve.Errors[0].Code != surveys.CodeWeightingEmpty {
		t.Fatalf("no non-binary respondents: %v", err)
	}
	if _, err := f.Rake(counts[1:], surveys.RakeOptions{}); err == nil {
		t.Error("counts of the wrong length")
	}
}

// TestRakeRefusesImpossibleMargins: when the empty cells make the
// margins unreachable, raking stops at its bound with an error instead
// of returning weights that do not meet them.
func TestRakeRefusesImpossibleMargins(t *testing.T) {
	m := &surveys.Margins{Missing: surveys.MissingExclude, Dimensions: []surveys.Dimension{
		{Question: "age", Totals: map[string]float64{"13-15": 30, "16-17": 70}, NotStated: []string{"18-20"}},
		{Question: "region", Totals: map[string]float64{"north": 60, "centre": 40}, NotStated: []string{"south", "capital"}},
	}}
	f, err := m.Frame(weightingDef())
	if err != nil {
		t.Fatal(err)
	}
	// Only 13-15 in the north and 16-17 in the centre: 30 ≠ 60.
	_, err = f.Rake([]int{5, 0, 0, 5}, surveys.RakeOptions{MaxIterations: 50})
	var ve *surveys.ValidationError
	if !errors.As(err, &ve) || ve.Errors[0].Code != surveys.CodeWeightingConverge {
		t.Fatalf("impossible margins: %v", err)
	}
}

// TestRakeTrims: weights beyond the bounds are trimmed and re-raked; the
// margins stay met and the weights end within the bounds (untrimmed
// they span 0.14 to 2.70 times the mean: TestRakeMatchesR). Bounds the
// margins cannot allow (no weight below half the mean) are met as far as
// they can be, and the result says so.
func TestRakeTrims(t *testing.T) {
	f, err := rMargins(t).Frame(weightingDef())
	if err != nil {
		t.Fatal(err)
	}
	_, _, rows := rakedR(t)
	counts := cellsOf(t, rows, "n")[:f.Cells()]
	w, err := f.Rake(counts, surveys.RakeOptions{TrimLow: 0.2, TrimHigh: 2.2})
	if err != nil {
		t.Fatal(err)
	}
	if !w.Trimmed || w.TrimRounds == 0 || w.MaxRatio > 2.2*(1+1e-4) || w.MinRatio < 0.2/(1+1e-4) {
		t.Errorf("trimmed in %d rounds (%v): ratios %g..%g", w.TrimRounds, w.Trimmed, w.MinRatio, w.MaxRatio)
	}
	checkMargins(t, f, counts, w.Cell, 1e-9)
	for _, bad := range []surveys.RakeOptions{{TrimLow: 1}, {TrimLow: -0.1}, {TrimHigh: 0.9}, {TrimLow: math.NaN()}, {TrimHigh: 2, Epsilon: math.NaN()}} {
		if _, err := f.Rake(counts, bad); err == nil {
			t.Errorf("bounds %+v accepted", bad)
		}
	}
	// The sweeps of all rounds share one budget: when it runs out, the
	// last round that met the margins stands, marked not trimmed.
	w, err = f.Rake(counts, surveys.RakeOptions{TrimLow: 0.2, TrimHigh: 2.2, MaxIterations: 25})
	if err != nil || w.Trimmed || w.Sweeps > 25 || w.TrimRounds == 0 || w.MaxRatio <= 2.2*(1+1e-4) {
		t.Fatalf("25 sweeps: %v, trimmed %v after %d sweeps, %d rounds, max ratio %g", err, w.Trimmed, w.Sweeps, w.TrimRounds, w.MaxRatio)
	}
	checkMargins(t, f, counts, w.Cell, 1e-9)
	w, err = f.Rake(counts, surveys.RakeOptions{TrimLow: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if w.Trimmed || w.TrimRounds != surveys.MaxTrimRounds || w.MinRatio >= 0.5 {
		t.Errorf("bounds the margins forbid: trimmed %v in %d rounds, ratios %g..%g", w.Trimmed, w.TrimRounds, w.MinRatio, w.MaxRatio)
	}
	checkMargins(t, f, counts, w.Cell, 1e-9)
}

// checkMargins checks that the weighted counts meet every total.
func checkMargins(t *testing.T, f *surveys.Frame, counts []int, w []float64, tol float64) {
	t.Helper()
	for i, d := range f.Dims {
		got := make([]float64, len(d.Codes))
		for c, n := range counts {
			j := slices.Index(d.Codes, f.Codes(c)[i])
			got[j] += float64(n) * w[c]
		}
		for j, target := range d.Targets {
			if math.Abs(got[j]-target) > tol*target {
				t.Errorf("%s=%s: weighted %g, total %g", d.Question, d.Codes[j], got[j], target)
			}
		}
	}
}

// TestWeightingMissingExcluded: a respondent who skipped a dimension or
// chose a not-stated code is not raked and weighs the mean weight.
func TestWeightingMissingExcluded(t *testing.T) {
	f, w, rows := rakedR(t)
	for _, codes := range [][]string{{"13-15", "prefer_not", "north"}, {"13-15", "", "north"}, {"13-15", "girl"}, {"x", "girl", "north"}} {
		if _, ok := f.Cell(codes); ok {
			t.Errorf("%v has a cell", codes)
		}
	}
	if math.Abs(w.Missing-813000.0/994) > 1e-9 { // 994 respondents raked
		t.Errorf("missing weight %g", w.Missing)
	}
	// 100 not raked, 30 of them "friend": they count as 100 of mean weight.
	answered := cellsOf(t, rows, "told_answered")
	friend := cellsOf(t, rows, "told_friend")
	base, _ := w.WeightedProportions(answered, []surveys.OptionCells{{Code: "friend", Cells: friend}}, 10, 95)
	answered[len(rows)], friend[len(rows)] = 100, 30
	with, _ := w.WeightedProportions(answered, []surveys.OptionCells{{Code: "friend", Cells: friend}}, 10, 95)
	wantP := (base.Options[0].Proportion*base.WeightedBase + 30*w.Missing) / (base.WeightedBase + 100*w.Missing)
	if with.Base != base.Base+100 || math.Abs(with.Options[0].Proportion-wantP) > 1e-12 {
		t.Errorf("with 100 not raked: %+v, want proportion %g", with, wantP)
	}
}

// TestRakeProperties: raking random samples to random margins of up to
// 4 dimensions meets every margin to 1e-9 or says why not.
func TestRakeProperties(t *testing.T) {
	racetest.SkipSingleFlow(t)
	rng := rand.New(rand.NewPCG(17, 1))
	def := weightingDef()
	def.Sections[0].Questions[3].Breakdown = true // told: a fourth dimension
	dims := []string{"age", "gender", "region", "told"}
	for trial := range 300 {
		m := &surveys.Margins{Missing: surveys.MissingExclude}
		nd := 1 + rng.IntN(4)
		for _, id := range dims[:nd] {
			q := def.Questions()[slices.Index(dims, id)]
			d := surveys.Dimension{Question: id, Totals: map[string]float64{}}
			for _, o := range q.Options {
				d.Totals[o.Code] = float64(100 + rng.IntN(1000))
			}
			m.Dimensions = append(m.Dimensions, d)
		}
		// Same population in every dimension: scale to the first.
		first := 0.0
		for _, v := range m.Dimensions[0].Totals {
			first += v
		}
		for _, d := range m.Dimensions[1:] {
			s := 0.0
			for _, v := range d.Totals {
				s += v
			}
			for k := range d.Totals {
				d.Totals[k] *= first / s
			}
		}
		f, err := m.Frame(def)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		counts := make([]int, f.Cells())
		for c := range counts {
			counts[c] = 1 + rng.IntN(30) // every cell filled: always reachable
		}
		w, err := f.Rake(counts, surveys.RakeOptions{})
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		checkMargins(t, f, counts, w.Cell, 1e-9)
	}
}
