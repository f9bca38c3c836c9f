package surveys_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

// problemsOf lists an error's field problems as "pointer code".
func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *surveys.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("not a validation error: %v", err)
	}
	var out []string
	for _, f := range ve.Errors {
		out = append(out, f.Pointer+" "+string(f.Code))
	}
	return out
}

// wantProblems checks that err lists exactly want.
func wantProblems(t *testing.T, name string, err error, want ...string) {
	t.Helper()
	got := problemsOf(t, err)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: problems %q, want %q", name, got, want)
	}
}

// numberSurvey is a valid survey with a choice question and a number
// question (/sections/0/questions/1), then a question shown on a
// condition on the number (/sections/0/questions/2/show_if).
func numberSurvey() *surveys.Definition {
	return &surveys.Definition{
		DefaultLanguage: "en", Languages: []string{"en"},
		Title: surveys.Text{"en": "Numbers"}, ThankYou: surveys.Text{"en": "Thanks"},
		Sections: []surveys.Section{{ID: "s", Questions: []surveys.Question{
			{ID: "pick", Type: surveys.SingleChoice, Text: surveys.Text{"en": "Pick"}, Options: []surveys.Option{
				{Code: "a", Label: surveys.Text{"en": "A"}}, {Code: "b", Label: surveys.Text{"en": "B"}}}},
			{ID: "hours", Type: surveys.Number, Text: surveys.Text{"en": "Hours"}, Integer: true, Min: ptr(0), Max: ptr(24)},
			{ID: "why", Type: surveys.FreeText, Text: surveys.Text{"en": "Why"},
				ShowIf: &surveys.Condition{Question: "hours", AtLeast: ptr(10)}},
		}}},
	}
}

// Bounds of number questions, and numbers in conditions, are finite,
// within MaxNumber and whole for whole-number questions; 1e17 (which made
// the summary loop forever) and 1e308 (whose answers made statistics
// infinite) are refused with a pointer.
func TestNumberBoundsAreSane(t *testing.T) {
	if err := numberSurvey().Complete(); err != nil {
		t.Fatal(err)
	}
	const q = "/sections/0/questions/1"
	for _, c := range []struct {
		name   string
		change func(*surveys.Question, *surveys.Condition)
		want   []string
	}{
		{"widest", func(n *surveys.Question, _ *surveys.Condition) { n.Min, n.Max = ptr(-1e9), ptr(1e9) }, nil},
		{"1e17", func(n *surveys.Question, _ *surveys.Condition) { n.Min, n.Max = ptr(1e17), ptr(1e17) },
			[]string{q + "/min out_of_range", q + "/max out_of_range"}},
		{"1e308", func(n *surveys.Question, _ *surveys.Condition) { n.Integer, n.Max = false, ptr(1e308) },
			[]string{q + "/max out_of_range"}},
		{"just beyond", func(n *surveys.Question, _ *surveys.Condition) { n.Min = ptr(-1e9 - 1) },
			[]string{q + "/min out_of_range"}},
		{"NaN", func(n *surveys.Question, _ *surveys.Condition) { n.Min = ptr(math.NaN()) },
			[]string{q + "/min out_of_range"}},
		{"+Inf", func(n *surveys.Question, _ *surveys.Condition) { n.Max = ptr(math.Inf(1)) },
			[]string{q + "/max out_of_range"}},
		{"-Inf", func(n *surveys.Question, _ *surveys.Condition) { n.Min = ptr(math.Inf(-1)) },
			[]string{q + "/min out_of_range"}},
		{"min above max", func(n *surveys.Question, _ *surveys.Condition) { n.Min, n.Max = ptr(5), ptr(4) },
			[]string{q + "/max out_of_range"}},
		{"fractional bound of a whole number", func(n *surveys.Question, _ *surveys.Condition) { n.Max = ptr(23.5) },
			[]string{q + "/max not_integer"}},
		{"fractional bound of a decimal number", func(n *surveys.Question, _ *surveys.Condition) { n.Integer, n.Max = false, ptr(23.5) }, nil},
		{"missing bounds", func(n *surveys.Question, _ *surveys.Condition) { n.Min, n.Max = nil, nil },
			[]string{q + "/min required", q + "/max required"}},
		{"condition 1e308", func(_ *surveys.Question, c *surveys.Condition) { c.AtLeast = ptr(1e308) },
			[]string{"/sections/0/questions/2/show_if/at_least out_of_range"}},
		{"condition NaN", func(_ *surveys.Question, c *surveys.Condition) { c.AtLeast, c.AtMost = nil, ptr(math.NaN()) },
			[]string{"/sections/0/questions/2/show_if/at_most out_of_range"}},
		{"condition equals Inf", func(_ *surveys.Question, c *surveys.Condition) { c.AtLeast, c.Equals = nil, math.Inf(1) },
			[]string{"/sections/0/questions/2/show_if/equals out_of_range"}},
		{"condition equals 1e9", func(_ *surveys.Question, c *surveys.Condition) { c.AtLeast, c.Equals = nil, 1e9 }, nil},
	} {
		def := numberSurvey()
		qs := def.Sections[0].Questions
		c.change(&qs[1], qs[2].ShowIf)
		wantProblems(t, c.name, def.Validate(), c.want...)
	}
}

// A number answer is within its question's bounds and, whatever the
// definition (one stored before the bounds were limited has wider ones),
// within MaxNumber; so even the largest answers give finite statistics.
func TestNumberAnswersAreBounded(t *testing.T) {
	def := numberSurvey()
	answer := func(def *surveys.Definition, v string) error {
		_, err := def.ParseAnswers(map[string]json.RawMessage{"hours": json.RawMessage(v)})
		return err
	}
	for v, want := range map[string]string{
		"0": "", "24": "", "25": "/answers/hours out_of_range", "-1": "/answers/hours out_of_range",
		"1.5": "/answers/hours not_integer", "1e400": "/answers/hours invalid_type", `"NaN"`: "/answers/hours invalid_type",
	} {
		if want == "" {
			wantProblems(t, v, answer(def, v))
		} else {
			wantProblems(t, v, answer(def, v), want)
		}
	}

	wide := numberSurvey()
	hours := &wide.Sections[0].Questions[1]
	hours.Integer, hours.Min, hours.Max = false, ptr(-1e308), ptr(1e308)
	wantProblems(t, "1e308 with wide bounds", answer(wide, "1e308"), "/answers/hours out_of_range")
	wantProblems(t, "-1e10 with wide bounds", answer(wide, "-1e10"), "/answers/hours out_of_range")
	var ve *surveys.ValidationError
	if errors.As(answer(wide, "1e308"), &ve) && (ve.Errors[0].Params["Min"] != int64(-1e9) || ve.Errors[0].Params["Max"] != int64(1e9)) {
		t.Errorf("the message names the bounds %v, want ±1e9", ve.Errors[0].Params)
	}

	// Many answers of the largest magnitude: every statistic is finite.
	widest := numberSurvey()
	hours = &widest.Sections[0].Questions[1]
	hours.Min, hours.Max = ptr(-1e9), ptr(1e9)
	tally := surveys.NewTally()
	for i := range 40 {
		v := "1e9"
		if i%4 == 0 {
			v = "-1e9"
		}
		answers, err := widest.ParseAnswers(map[string]json.RawMessage{"pick": json.RawMessage(`"a"`), "hours": json.RawMessage(v)})
		if err != nil {
			t.Fatal(err)
		}
		tally.Add(widest, &surveys.Response{Revision: 1, Lang: "en", Day: "2026-09-01", Answers: answers})
	}
	results := surveys.Disclose(widest, tally, 5).Results("en", "", "not answered")
	if _, err := json.Marshal(results); err != nil {
		t.Fatalf("results do not encode: %v", err)
	}
	var shown bool
	for _, q := range results.Groups[0].Questions {
		if q.ID == "hours" && q.Stats != nil {
			shown = true
			for _, f := range []float64{q.Stats.Mean, q.Stats.Median, q.Stats.Q1, q.Stats.Q3, q.Stats.SD} {
				if math.IsNaN(f) || math.IsInf(f, 0) {
					t.Errorf("statistic %v", f)
				}
			}
		}
	}
	if !shown {
		t.Log("statistics withheld: only their encoding was checked")
	}
}

// breakdownSurvey has n breakdown questions of opts options each.
func breakdownSurvey(n, opts int) *surveys.Definition {
	def := numberSurvey()
	for i := range n {
		def.Sections[0].Questions = append(def.Sections[0].Questions, surveys.Question{
			ID: fmt.Sprintf("dim%d", i), Type: surveys.SingleChoice, Text: surveys.Text{"en": "Group"}, Breakdown: true,
			Options: func() []surveys.Option {
				var out []surveys.Option
				for j := range opts {
					out = append(out, surveys.Option{Code: fmt.Sprint("g", j), Label: surveys.Text{"en": "G"}})
				}
				return out
			}(),
		})
	}
	return def
}

// At most MaxBreakdowns breakdown questions, each with at most
// MaxBreakdownOptions options.
func TestBreakdownLimits(t *testing.T) {
	wantProblems(t, "4 x 12", breakdownSurvey(surveys.MaxBreakdowns, surveys.MaxBreakdownOptions).Validate())
	wantProblems(t, "5 breakdowns", breakdownSurvey(surveys.MaxBreakdowns+1, 2).Validate(),
		"/sections/0/questions/7/breakdown too_many_breakdowns")
	wantProblems(t, "13 options", breakdownSurvey(1, surveys.MaxBreakdownOptions+1).Validate(),
		"/sections/0/questions/3/options breakdown_options")
	// The same 13 options are fine on a question that is not a breakdown.
	def := breakdownSurvey(1, surveys.MaxBreakdownOptions+1)
	def.Sections[0].Questions[3].Breakdown = false
	wantProblems(t, "13 options, no breakdown", def.Validate())
}

// manyQuestions is the shape of the examples: questions x options
// single-choice questions, of which the first breakdowns are breakdowns.
func manyQuestions(questions, opts, breakdowns int) *surveys.Definition {
	def := numberSurvey()
	def.Sections = nil
	for s := 0; s*50 < questions; s++ {
		sec := surveys.Section{ID: fmt.Sprint("s", s)}
		for i := s * 50; i < min(questions, (s+1)*50); i++ {
			q := surveys.Question{ID: fmt.Sprint("q", i), Type: surveys.SingleChoice, Text: surveys.Text{"en": "Q"}, Breakdown: i < breakdowns}
			for j := range opts {
				q.Options = append(q.Options, surveys.Option{Code: fmt.Sprint("o", j), Label: surveys.Text{"en": "O"}})
			}
			sec.Questions = append(sec.Questions, q)
		}
		def.Sections = append(def.Sections, sec)
	}
	return def
}

// The definitions of the security review that exhausted memory or took
// seconds to summarise are refused, and so is any survey whose summary
// would exceed MaxSummaryCells, with the count in the message.
func TestSummarySizeIsLimited(t *testing.T) {
	// 150 x 40 with 40 breakdowns: 3 GiB on one summary read.
	err := manyQuestions(150, 40, 40).Validate()
	got := problemsOf(t, err)
	var breakdowns, options, size int
	for _, p := range got {
		switch {
		case strings.HasSuffix(p, "/breakdown too_many_breakdowns"):
			breakdowns++
		case strings.HasSuffix(p, "/options breakdown_options"):
			options++
		case p == "/sections summary_too_large":
			size++
		}
	}
	if breakdowns != 36 || options != 40 || size != 1 || len(got) != 77 {
		t.Errorf("150 x 40 x 40: %d too many breakdowns, %d with too many options, %d too large, of %d: %q", breakdowns, options, size, len(got), got)
	}
	// 20 breakdowns x 20 options x 100 questions: 4.8 s and 475 MB.
	if problemsOf(t, manyQuestions(100, 20, 20).Validate()) == nil {
		t.Error("100 x 20 x 20 accepted")
	}

	// Within the breakdown limits, the size of the summary still counts:
	// 4 breakdowns of 12 options (53 groups) among 64 questions of 12
	// options: 53 x (1 + 64 x 16) cells.
	def := manyQuestions(64, 12, 4)
	if got, want := def.SummaryCells(), 53*(1+64*16); got != want {
		t.Fatalf("SummaryCells %d, want %d", got, want)
	}
	wantProblems(t, "64 x 12 x 4", def.Validate(), "/sections summary_too_large")
	var ve *surveys.ValidationError
	errors.As(def.Validate(), &ve)
	if p := ve.Errors[0].Params; p["Cells"] != 53*(1+64*16) || p["Max"] != surveys.MaxSummaryCells {
		t.Errorf("params %v", p)
	}
	// Without breakdowns, the largest matrices do not fit either.
	def = numberSurvey()
	for i := range 100 {
		q := surveys.Question{ID: fmt.Sprint("m", i), Type: surveys.Matrix, Text: surveys.Text{"en": "M"}, Points: surveys.MaxPoints,
			Labels: map[string]surveys.Text{"1": {"en": "no"}, fmt.Sprint(surveys.MaxPoints): {"en": "yes"}}}
		for j := range surveys.MaxStatements {
			q.Statements = append(q.Statements, surveys.Option{Code: fmt.Sprint("s", j), Label: surveys.Text{"en": "S"}})
		}
		def.Sections[0].Questions = append(def.Sections[0].Questions, q)
	}
	wantProblems(t, "100 matrices of 40 x 11", def.Validate(), "/sections summary_too_large")
	// A survey with another problem too big to count is not also called too large.
	def.Sections[0].Questions[3].Points = 1 << 62
	if got := problemsOf(t, def.Validate()); slices.Contains(got, "/sections summary_too_large") {
		t.Errorf("%q", got)
	}
}

// SummaryCells counts what the summary computes; the examples are well
// within the limits.
func TestSummaryCellsOfExamples(t *testing.T) {
	// (Each has one number question.)
	for name, want := range map[string]int{"youth-policy-consultation.json": 17 * 332, "safety-online-offline.json": 17 * 416} {
		def := loadExample(t, name)
		if got := def.SummaryCells(); got != want {
			t.Errorf("%s: %d cells, want %d", name, got, want)
		}
	}
}

// Every submission evaluates the survey's conditions, so their total is
// bounded: the 1001st show_if test is refused where it is.
func TestConditionTestsAreLimited(t *testing.T) {
	def := numberSurvey() // one test so far
	yes := true
	for i := range surveys.MaxConditionTests / 20 {
		c := &surveys.Condition{}
		for range 20 {
			c.Any = append(c.Any, surveys.Condition{Question: "pick", Answered: &yes})
		}
		def.Sections[0].Questions = append(def.Sections[0].Questions,
			surveys.Question{ID: fmt.Sprint("t", i), Type: surveys.FreeText, Text: surveys.Text{"en": "T"}, ShowIf: c})
	}
	wantProblems(t, "1001 tests", def.Validate(), "/sections/0/questions/52/show_if/any/19 too_many")
	def.Sections[0].Questions[2].ShowIf = nil
	wantProblems(t, "1000 tests", def.Validate())
}
