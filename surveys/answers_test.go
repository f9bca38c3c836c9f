package surveys_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/scrub"
)

// en is a text in English, the only language of everyType.
func en(s string) surveys.Text { return surveys.Text{"en": s} }

// opts are options labelled with their codes; a code ending in "+" (the
// "+" dropped) asks for "other, please say" text.
func opts(codes ...string) []surveys.Option {
	out := make([]surveys.Option, len(codes))
	for i, c := range codes {
		other := strings.HasSuffix(c, "+")
		c = strings.TrimSuffix(c, "+")
		out[i] = surveys.Option{Code: c, Label: en(c), Other: other}
	}
	return out
}

// everyType is a valid survey with a question of every type, in one
// section: /sections/0/questions/0 is "consent", 1 "pick", 2 "many", 3
// "agree", 4 "hours", 5 "share", 6 "why", 7 "story", 8 "rank", 9 "grid",
// 10 "more" and 11 "plain".
func everyType() *surveys.Definition {
	ends := func(points int) map[string]surveys.Text {
		return map[string]surveys.Text{"1": en("low"), fmt.Sprint(points): en("high")}
	}
	return &surveys.Definition{
		DefaultLanguage: "en", Languages: []string{"en"},
		Title: en("Every type"), ThankYou: en("Thanks"),
		Sections: []surveys.Section{{ID: "s", Questions: []surveys.Question{
			{ID: "consent", Type: surveys.SingleChoice, Text: en("Consent?"), Required: true, Consent: true, Options: opts("yes", "no")},
			{ID: "pick", Type: surveys.SingleChoice, Text: en("Pick"), Required: true, Options: opts("a", "b", "other+")},
			{ID: "many", Type: surveys.MultipleChoice, Text: en("Many"), Options: opts("a", "b", "c", "other+"),
				MinSelections: 1, MaxSelections: 2},
			{ID: "agree", Type: surveys.Scale, Text: en("Agree"), Points: 5, Labels: ends(5), DontKnow: true, DontKnowLabel: en("?")},
			{ID: "hours", Type: surveys.Number, Text: en("Hours"), Integer: true, Min: ptr(0), Max: ptr(24), Unit: en("h")},
			{ID: "share", Type: surveys.Number, Text: en("Share"), Min: ptr(-1.5), Max: ptr(1.5)},
			{ID: "why", Type: surveys.FreeText, Text: en("Why"), MaxLength: 10},
			{ID: "story", Type: surveys.FreeText, Text: en("Story")},
			{ID: "rank", Type: surveys.Ranking, Text: en("Rank"), Options: opts("a", "b", "c")},
			{ID: "grid", Type: surveys.Matrix, Text: en("Grid"), Points: 4, Labels: ends(4), DontKnow: true, DontKnowLabel: en("?"),
				Statements: opts("s1", "s2")},
			{ID: "more", Type: surveys.FreeText, Text: en("More"), ShowIf: &surveys.Condition{Question: "pick", Equals: "a"}},
			{ID: "plain", Type: surveys.Scale, Text: en("Plain"), Points: 3, Labels: ends(3)},
		}}},
	}
}

// everyAnswer is a valid answer to each question of everyType but "more"
// (shown only when "pick" is "a"), as the app sends it.
func everyAnswer() map[string]json.RawMessage {
	return map[string]json.RawMessage{
		"consent": json.RawMessage(`"yes"`), "pick": json.RawMessage(`"a"`), "many": json.RawMessage(`["a"]`),
		"agree": json.RawMessage(`3`), "hours": json.RawMessage(`5`), "share": json.RawMessage(`0.5`),
		"why": json.RawMessage(`"short"`), "story": json.RawMessage(`"a story"`), "rank": json.RawMessage(`["a","b","c"]`),
		"grid": json.RawMessage(`{"s1":1,"s2":"dont_know"}`), "plain": json.RawMessage(`2`),
	}
}

// fieldErrors lists an error's problems in order as "pointer code" and,
// when it has parameters, " map[...]" (fmt prints map keys sorted).
func fieldErrors(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *surveys.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("not a validation error: %T %v", err, err)
	}
	var out []string
	for _, f := range ve.Errors {
		s := f.Pointer + " " + string(f.Code)
		if f.Params != nil {
			s += " " + fmt.Sprint(f.Params)
		}
		out = append(out, s)
	}
	return out
}

// Each question type accepts its answers in every form the app may send
// them, and normalizes them: codes in option order, texts trimmed and
// scrubbed, "don't know" as a flag (a scale) or 0 (a matrix statement).
func TestParseAnswersAcceptsEachType(t *testing.T) {
	story := "write to kid@example.com please"
	scrubbed, removed := scrub.Scrub(story)
	if removed != 1 || strings.Contains(scrubbed, "@") {
		t.Fatalf("the scrubber left %q (%d removed)", scrubbed, removed)
	}
	for _, c := range []struct {
		id, raw string
		want    surveys.Answer
	}{
		{"pick", `"b"`, surveys.Answer{Choice: "b"}},
		{"pick", ` {"choice":"other","other":"  my club  "}`, surveys.Answer{Choice: "other", Other: "my club"}},
		{"pick", `{"choice":"a","other":"   "}`, surveys.Answer{Choice: "a"}},
		{"many", `["c","a"]`, surveys.Answer{Choices: []string{"a", "c"}}},
		{"many", `{"choices":["other","b"],"other":"skating"}`, surveys.Answer{Choices: []string{"b", "other"}, Other: "skating"}},
		{"many", `{"choices":["other"],"other":"` + story + `"}`, surveys.Answer{Choices: []string{"other"}, Other: scrubbed, Removed: 1}},
		{"agree", `5`, surveys.Answer{Point: 5}},
		{"agree", `1.0`, surveys.Answer{Point: 1}},
		{"agree", `"dont_know"`, surveys.Answer{DontKnow: true}},
		{"hours", `24`, surveys.Answer{Number: 24}},
		{"hours", `0`, surveys.Answer{Number: 0}},
		{"share", `-1.5`, surveys.Answer{Number: -1.5}},
		{"why", `"  abcdefghij  "`, surveys.Answer{Text: "abcdefghij"}},
		{"story", `"` + story + `"`, surveys.Answer{Text: scrubbed, Removed: 1}},
		{"story", `"` + strings.Repeat("é", surveys.DefaultAnswerLength) + `"`, surveys.Answer{Text: strings.Repeat("é", surveys.DefaultAnswerLength)}},
		{"rank", `["c","a","b"]`, surveys.Answer{Order: []string{"c", "a", "b"}}},
		{"grid", `{"s1":4,"s2":"dont_know"}`, surveys.Answer{Rows: map[string]int{"s1": 4, "s2": 0}}},
		{"grid", `{"s2":1}`, surveys.Answer{Rows: map[string]int{"s2": 1}}},
		{"plain", `3`, surveys.Answer{Point: 3}},
		{"more", `"shown"`, surveys.Answer{Text: "shown"}},
	} {
		raw := everyAnswer()
		raw[c.id] = json.RawMessage(c.raw)
		answers, err := everyType().ParseAnswers(raw)
		if err != nil {
			t.Errorf("%s %s: %v", c.id, c.raw, err)
			continue
		}
		if got := answers[c.id]; !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %s: got %+v, want %+v", c.id, c.raw, got, c.want)
		}
	}
}

// Unanswered (or null) optional questions and questions hidden by show_if
// have no answer; everything else given is kept.
func TestParseAnswersLeavesOutUnanswered(t *testing.T) {
	raw := everyAnswer()
	raw["pick"] = json.RawMessage(`"b"`) // hides "more"
	raw["story"] = json.RawMessage(` null `)
	delete(raw, "grid")
	answers, err := everyType().ParseAnswers(raw)
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(maps.Keys(answers))
	want := []string{"agree", "consent", "hours", "many", "pick", "plain", "rank", "share", "why"}
	if !slices.Equal(got, want) {
		t.Fatalf("answered %q, want %q", got, want)
	}
}

// Every problem with answers, for each question type: its code, its JSON
// pointer under /answers and its message parameters; several problems
// are listed in the order of the questions.
func TestParseAnswersProblems(t *testing.T) {
	long := func(n int) string { return `"` + strings.Repeat("x", n) + `"` }
	for _, c := range []struct {
		name   string
		change map[string]string // question id -> raw answer; "" leaves it out
		def    func(*surveys.Definition)
		want   []string
	}{
		{"required", map[string]string{"pick": ""}, nil, []string{"/answers/pick required"}},
		{"null is not an answer", map[string]string{"pick": "null"}, nil, []string{"/answers/pick required"}},
		{"required consent", map[string]string{"consent": ""}, nil, []string{"/answers/consent required"}},
		{"consent refused", map[string]string{"consent": `"no"`}, nil, []string{"/answers/consent consent_refused"}},
		{"unknown question", map[string]string{"nope": `1`}, nil, []string{"/answers/nope unknown_question_answer"}},
		{"hidden question", map[string]string{"pick": `"b"`, "more": `"x"`}, nil, []string{"/answers/more hidden_question"}},
		{"a bad answer hides what depends on it", map[string]string{"pick": `"z"`, "more": `"x"`}, nil,
			[]string{"/answers/pick unknown_option map[Code:z]", "/answers/more hidden_question"}},

		{"single: not a code", map[string]string{"pick": `3`}, nil, []string{"/answers/pick invalid_type map[Expected:option code]"}},
		{"single: object without choice", map[string]string{"pick": `{"other":"x"}`}, nil, []string{"/answers/pick invalid_type map[Expected:option code]"}},
		{"single: unknown field", map[string]string{"pick": `{"choice":"a","x":1}`}, nil, []string{"/answers/pick invalid_type map[Expected:option code]"}},
		{"single: unknown option", map[string]string{"pick": `"z"`}, nil, []string{"/answers/pick unknown_option map[Code:z]"}},
		{"single: other not allowed", map[string]string{"pick": `{"choice":"a","other":"x"}`}, nil, []string{"/answers/pick/other other_not_allowed"}},
		{"single: other too long", map[string]string{"pick": `{"choice":"other","other":` + long(501) + `}`}, nil, []string{"/answers/pick/other too_long map[Max:500]"}},

		{"multiple: not a list", map[string]string{"many": `"a"`}, nil, []string{"/answers/many invalid_type map[Expected:list of option codes]"}},
		{"multiple: unknown field", map[string]string{"many": `{"choices":["a"],"x":1}`}, nil, []string{"/answers/many invalid_type map[Expected:list of option codes]"}},
		{"multiple: unknown option", map[string]string{"many": `["a","z"]`}, nil, []string{"/answers/many/1 unknown_option map[Code:z]"}},
		{"multiple: duplicate", map[string]string{"many": `["b","b"]`}, nil, []string{"/answers/many/1 duplicate"}},
		{"multiple: none", map[string]string{"many": `[]`}, nil, []string{"/answers/many selections map[Max:2 Min:1]"}},
		{"multiple: too many", map[string]string{"many": `["a","b","c"]`}, nil, []string{"/answers/many selections map[Max:2 Min:1]"}},
		{"multiple: too few", map[string]string{"many": `["a"]`}, func(d *surveys.Definition) { d.Sections[0].Questions[2].MinSelections = 2 },
			[]string{"/answers/many selections map[Max:2 Min:2]"}},
		{"multiple: no maximum", map[string]string{"many": `[]`}, func(d *surveys.Definition) {
			d.Sections[0].Questions[2].MinSelections, d.Sections[0].Questions[2].MaxSelections = 0, 0
		},
			[]string{"/answers/many selections map[Max:4 Min:1]"}},
		{"multiple: other not allowed", map[string]string{"many": `{"choices":["a"],"other":"x"}`}, nil, []string{"/answers/many/other other_not_allowed"}},

		{"scale: not a point", map[string]string{"agree": `"x"`}, nil, []string{"/answers/agree invalid_type map[Expected:scale point]"}},
		{"scale: not whole", map[string]string{"agree": `2.5`}, nil, []string{"/answers/agree invalid_type map[Expected:scale point]"}},
		{"scale: far out", map[string]string{"agree": `1001`}, nil, []string{"/answers/agree invalid_type map[Expected:scale point]"}},
		{"scale: a list", map[string]string{"agree": `[1]`}, nil, []string{"/answers/agree invalid_type map[Expected:scale point]"}},
		{"scale: don't know not offered", map[string]string{"plain": `"dont_know"`}, nil, []string{"/answers/plain invalid_type map[Expected:scale point]"}},
		{"scale: above", map[string]string{"agree": `6`}, nil, []string{"/answers/agree out_of_range map[Max:5 Min:1]"}},
		{"scale: below", map[string]string{"agree": `0`}, nil, []string{"/answers/agree out_of_range map[Max:5 Min:1]"}},

		{"number: not a number", map[string]string{"hours": `"5"`}, nil, []string{"/answers/hours invalid_type map[Expected:number]"}},
		{"number: not whole", map[string]string{"hours": `2.5`}, nil, []string{"/answers/hours not_integer"}},
		{"number: above", map[string]string{"hours": `25`}, nil, []string{"/answers/hours out_of_range map[Max:24 Min:0]"}},
		{"number: below", map[string]string{"share": `-2`}, nil, []string{"/answers/share out_of_range map[Max:1.5 Min:-1.5]"}},
		{"number: too large for JSON", map[string]string{"share": `1e400`}, nil, []string{"/answers/share invalid_type map[Expected:number]"}},
		{"number: no bounds, above MaxNumber", map[string]string{"share": `1e10`}, func(d *surveys.Definition) { d.Sections[0].Questions[5].Min, d.Sections[0].Questions[5].Max = nil, nil },
			[]string{"/answers/share out_of_range map[Max:1000000000 Min:-1000000000]"}},

		{"text: not a text", map[string]string{"why": `5`}, nil, []string{"/answers/why invalid_type map[Expected:text]"}},
		{"text: too long", map[string]string{"why": `"12345678901"`}, nil, []string{"/answers/why too_long map[Max:10]"}},
		{"text: longer than the default", map[string]string{"story": long(surveys.DefaultAnswerLength + 1)}, nil, []string{"/answers/story too_long map[Max:1000]"}},

		{"ranking: not a list", map[string]string{"rank": `"a"`}, nil, []string{"/answers/rank invalid_type map[Expected:list of option codes]"}},
		{"ranking: unknown option", map[string]string{"rank": `["a","z","b"]`}, nil, []string{"/answers/rank/1 unknown_option map[Code:z]"}},
		{"ranking: duplicate", map[string]string{"rank": `["a","b","a"]`}, nil, []string{"/answers/rank/2 duplicate"}},
		{"ranking: not all", map[string]string{"rank": `["b","a"]`}, nil, []string{"/answers/rank rank_all map[Count:3]"}},

		{"matrix: not an object", map[string]string{"grid": `[1]`}, nil, []string{"/answers/grid invalid_type map[Expected:object of statement codes]"}},
		{"matrix: empty", map[string]string{"grid": `{}`}, nil, []string{"/answers/grid invalid_type map[Expected:object of statement codes]"}},
		{"matrix: unknown statement", map[string]string{"grid": `{"s9":1}`}, nil, []string{"/answers/grid/s9 unknown_option map[Code:s9]"}},
		{"matrix: escaped statement code", map[string]string{"grid": `{"a/b":1}`}, nil, []string{"/answers/grid/a~1b unknown_option map[Code:a/b]"}},
		{"matrix: not a point", map[string]string{"grid": `{"s1":"x"}`}, nil, []string{"/answers/grid/s1 invalid_type map[Expected:scale point]"}},
		{"matrix: don't know not offered", map[string]string{"grid": `{"s1":"dont_know"}`}, func(d *surveys.Definition) { d.Sections[0].Questions[9].DontKnow = false },
			[]string{"/answers/grid/s1 invalid_type map[Expected:scale point]"}},
		{"matrix: out of range", map[string]string{"grid": `{"s2":5}`}, nil, []string{"/answers/grid/s2 out_of_range map[Max:4 Min:1]"}},

		{"several, in question order", map[string]string{"nope": `1`, "hours": `25`, "pick": `"z"`, "rank": `["a"]`, "consent": ""}, nil, []string{
			"/answers/nope unknown_question_answer",
			"/answers/consent required",
			"/answers/pick unknown_option map[Code:z]",
			"/answers/hours out_of_range map[Max:24 Min:0]",
			"/answers/rank rank_all map[Count:3]",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			def := everyType()
			if c.def != nil {
				c.def(def)
			}
			raw := everyAnswer()
			for id, r := range c.change {
				if r == "" {
					delete(raw, id)
				} else {
					raw[id] = json.RawMessage(r)
				}
			}
			answers, err := def.ParseAnswers(raw)
			if got := fieldErrors(t, err); !slices.Equal(got, c.want) {
				t.Errorf("problems\n%q\nwant\n%q", got, c.want)
			}
			if answers != nil {
				t.Errorf("answers %v returned with problems", answers)
			}
		})
	}
}

// More answers than a survey may have questions are refused before any
// is read.
func TestParseAnswersTooMany(t *testing.T) {
	raw := map[string]json.RawMessage{}
	for i := range surveys.MaxQuestions + 1 {
		raw[fmt.Sprintf("q%d", i)] = json.RawMessage(`"z"`)
	}
	_, err := everyType().ParseAnswers(raw)
	want := []string{"/answers too_many_answers map[Max:200]"}
	if got := fieldErrors(t, err); !slices.Equal(got, want) {
		t.Fatalf("problems %q, want %q", got, want)
	}
}

// Condition.Eval follows the rules of docs/surveys.md for each operator
// and question type.
func TestConditionEval(t *testing.T) {
	def := everyType()
	answers := surveys.Answers{
		"pick":  {Choice: "a"},
		"many":  {Choices: []string{"a", "c"}},
		"agree": {Point: 4},
		"hours": {Number: 5},
		"rank":  {Order: []string{"b", "a", "c"}},
		"why":   {Text: "x"},
		"plain": {DontKnow: true},
		"gone":  {Choice: "x"}, // a question the definition does not have
	}
	yes, no := true, false
	leaf := func(q string) surveys.Condition { return surveys.Condition{Question: q} }
	with := func(c surveys.Condition, f func(*surveys.Condition)) surveys.Condition { f(&c); return c }
	equals := func(q string, v any) surveys.Condition {
		return with(leaf(q), func(c *surveys.Condition) { c.Equals = v })
	}
	anyOf := func(q string, codes ...string) surveys.Condition {
		return with(leaf(q), func(c *surveys.Condition) { c.AnyOf = codes })
	}
	noneOf := func(q string, codes ...string) surveys.Condition {
		return with(leaf(q), func(c *surveys.Condition) { c.NoneOf = codes })
	}
	atLeast := func(q string, v float64) surveys.Condition {
		return with(leaf(q), func(c *surveys.Condition) { c.AtLeast = &v })
	}
	atMost := func(q string, v float64) surveys.Condition {
		return with(leaf(q), func(c *surveys.Condition) { c.AtMost = &v })
	}
	answered := func(q string, b *bool) surveys.Condition {
		return with(leaf(q), func(c *surveys.Condition) { c.Answered = b })
	}
	for _, c := range []struct {
		name string
		cond surveys.Condition
		want bool
	}{
		{"single equals", equals("pick", "a"), true},
		{"single equals other", equals("pick", "b"), false},
		{"multiple equals one chosen", equals("many", "c"), true},
		{"multiple equals one not chosen", equals("many", "b"), false},
		{"ranking equals first", equals("rank", "b"), true},
		{"ranking equals not first", equals("rank", "a"), false},
		{"scale equals", equals("agree", 4.0), true},
		{"scale equals other point", equals("agree", 3.0), false},
		{"scale don't know equals nothing", equals("plain", 0.0), false},
		{"number equals", equals("hours", 5.0), true},
		{"choice equals a number", equals("pick", 1.0), false},
		{"equals of another kind", equals("pick", true), false},
		{"text equals", equals("why", "x"), false},
		{"single any_of", anyOf("pick", "b", "a"), true},
		{"single any_of none", anyOf("pick", "b"), false},
		{"multiple any_of", anyOf("many", "b", "c"), true},
		{"multiple any_of none", anyOf("many", "b"), false},
		{"single none_of", noneOf("pick", "b"), true},
		{"single none_of chosen", noneOf("pick", "a"), false},
		{"multiple none_of", noneOf("many", "b"), true},
		{"multiple none_of chosen", noneOf("many", "b", "c"), false},
		{"none_of unanswered", noneOf("story", "b"), false},
		{"scale at_least", atLeast("agree", 4), true},
		{"scale at_least above", atLeast("agree", 5), false},
		{"scale at_most", atMost("agree", 4), true},
		{"scale at_most below", atMost("agree", 3), false},
		{"number at_least", atLeast("hours", 5), true},
		{"number at_most below", atMost("hours", 4.5), false},
		{"don't know at_least", atLeast("plain", 0), false},
		{"don't know at_most", atMost("plain", 100), false},
		{"text at_least", atLeast("why", 0), false},
		{"answered", answered("why", &yes), true},
		{"answered: don't know counts", answered("plain", &yes), true},
		{"answered, not", answered("story", &yes), false},
		{"not answered", answered("story", &no), true},
		{"not answered, but is", answered("why", &no), false},
		{"unanswered", equals("story", "x"), false},
		{"unknown question", equals("gone", "x"), false},
		{"unknown question, answered", answered("gone", &yes), true},
		{"unknown question, not answered", answered("lost", &no), true},
		{"no operator", leaf("pick"), false},
		{"all true", surveys.Condition{All: []surveys.Condition{equals("pick", "a"), atLeast("hours", 1)}}, true},
		{"all, one false", surveys.Condition{All: []surveys.Condition{equals("pick", "a"), atLeast("hours", 6)}}, false},
		{"any, one true", surveys.Condition{Any: []surveys.Condition{equals("pick", "b"), atLeast("hours", 1)}}, true},
		{"any, none true", surveys.Condition{Any: []surveys.Condition{equals("pick", "b"), atLeast("hours", 6)}}, false},
		{"nested", surveys.Condition{All: []surveys.Condition{{Any: []surveys.Condition{equals("pick", "b"), equals("rank", "b")}}, answered("story", &no)}}, true},
	} {
		if got := c.cond.Eval(def, answers); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// Visible says which questions were shown: those without show_if and
// those whose condition holds.
func TestVisible(t *testing.T) {
	def := everyType()
	for _, c := range []struct {
		pick string
		more bool
	}{{"a", true}, {"b", false}, {"", false}} {
		answers := surveys.Answers{}
		if c.pick != "" {
			answers["pick"] = surveys.Answer{Choice: c.pick}
		}
		seen := def.Visible(answers)
		if len(seen) != len(def.Questions()) || !seen["pick"] || seen["more"] != c.more {
			t.Errorf("pick %q: visible %v, want more %v", c.pick, seen, c.more)
		}
	}
}
