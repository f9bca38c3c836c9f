package xlsform

import (
	"encoding/json"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

// conditionSurvey has a question of each type a condition may name.
func conditionSurvey() *surveys.Definition {
	lo, hi := 0.0, 10.0
	opts := []surveys.Option{{Code: "a", Label: surveys.Text{"en": "A"}}, {Code: "b", Label: surveys.Text{"en": "B"}}}
	return &surveys.Definition{Sections: []surveys.Section{{ID: "s", Questions: []surveys.Question{
		{ID: "one", Type: surveys.SingleChoice, Options: opts},
		{ID: "many", Type: surveys.MultipleChoice, Options: opts},
		{ID: "rank", Type: surveys.Ranking, Options: opts},
		{ID: "scale", Type: surveys.Scale, Points: 5},
		{ID: "whole", Type: surveys.Number, Integer: true, Min: &lo, Max: &hi},
		{ID: "dec", Type: surveys.Number, Min: &lo, Max: &hi},
		{ID: "free", Type: surveys.FreeText},
	}}}}
}

func TestRelevantTranslation(t *testing.T) {
	d := conditionSurvey()
	rv := &relevance{question: d.Question}
	for _, tc := range []struct {
		in, want string
	}{
		{"${one} = 'a'", `{"question":"one","equals":"a"}`},
		{"${one} = “a”", `{"question":"one","equals":"a"}`},
		{"'a' = ${one}", `{"question":"one","equals":"a"}`},
		{"selected(${many}, 'a')", `{"question":"many","equals":"a"}`},
		{"selected(${one}, 'a') or selected(${one}, 'b')", `{"question":"one","any_of":["a","b"]}`},
		{"${one} = 'a' or ${one} = 'b'", `{"question":"one","any_of":["a","b"]}`},
		{"${one} != 'a'", `{"any":[{"question":"one","answered":false},{"question":"one","none_of":["a"]}]}`},
		{"not(selected(${many}, 'a'))", `{"any":[{"question":"many","answered":false},{"question":"many","none_of":["a"]}]}`},
		{"${many} != '' and not(selected(${many}, 'a') or selected(${many}, 'b'))", `{"question":"many","none_of":["a","b"]}`},
		{"selected-at(${rank}, 0) = 'b'", `{"question":"rank","equals":"b"}`},
		{"selected(${rank}, 'b')", `{"question":"rank","answered":true}`},
		{"${scale} >= 3", `{"question":"scale","at_least":3}`},
		{"3 >= ${scale}", `{"question":"scale","at_most":3}`},
		{"${scale} > 3", `{"question":"scale","at_least":4}`},
		{"${whole} < 3", `{"question":"whole","at_most":2}`},
		{"${dec} <= 2.5", `{"question":"dec","at_most":2.5}`},
		{"${scale} = 2", `{"question":"scale","equals":2}`},
		{"${scale} = '2'", `{"question":"scale","equals":2}`},
		{"${scale} != 2", `{"any":[{"question":"scale","answered":false},{"question":"scale","at_most":1},{"question":"scale","at_least":3}]}`},
		{"not(${scale} >= 3)", `{"any":[{"question":"scale","answered":false},{"question":"scale","at_most":2}]}`},
		{"${free} != ''", `{"question":"free","answered":true}`},
		{"${free} = ''", `{"question":"free","answered":false}`},
		{"string-length(${free}) > 0", `{"question":"free","answered":true}`},
		{"count-selected(${many}) >= 1", `{"question":"many","answered":true}`},
		{"count-selected(${many}) = 0", `{"question":"many","answered":false}`},
		{"${one} = 'a' and ${scale} >= 4", `{"all":[{"question":"one","equals":"a"},{"question":"scale","at_least":4}]}`},
		{"${one} = 'a' and (${scale} >= 4 or ${free} != '')",
			`{"all":[{"question":"one","equals":"a"},{"any":[{"question":"scale","at_least":4},{"question":"free","answered":true}]}]}`},
		{"not(${one} = 'a' and ${scale} >= 4)",
			`{"any":[{"any":[{"question":"one","answered":false},{"question":"one","none_of":["a"]}]},{"any":[{"question":"scale","answered":false},{"question":"scale","at_most":3}]}]}`},
		{"not(not(${one} = 'a'))", `{"question":"one","equals":"a"}`},
	} {
		e, err := parseExpr(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		c, ok := rv.cond(e)
		if !ok {
			t.Errorf("%s: not translated", tc.in)
			continue
		}
		got, _ := json.Marshal(c)
		if string(got) != tc.want {
			t.Errorf("%s\n got  %s\n want %s", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{
		"${dec} > 2", "${dec} != 2", "count-selected(${many}) >= 2", "${one}", "true()", "${scale} + 1 > 2",
		"${one} = 'a' and", "(${one} = 'a'", "${free} = 'x'", "pulldata('x', 'y', 'z', 'w') = 1", "${one} = ${many}",
		"selected(${scale}, '1')", "not(${dec} >= 2)", "today() > '2020-01-01'", "${one} ! 'a'", "",
	} {
		e, err := parseExpr(bad)
		if err != nil {
			continue
		}
		if c, ok := rv.cond(e); ok {
			got, _ := json.Marshal(c)
			t.Errorf("%s: translated into %s, want refused", bad, got)
		}
	}
}

// TestConditionsRoundTrip: every show_if form Write writes is read back
// the same.
func TestConditionsRoundTrip(t *testing.T) {
	d := conditionSurvey()
	yes, no := true, false
	three := 3.0
	for _, c := range []surveys.Condition{
		{Question: "one", Equals: "a"}, {Question: "many", Equals: "b"}, {Question: "rank", Equals: "a"},
		{Question: "scale", Equals: 2.0}, {Question: "one", AnyOf: []string{"a", "b"}}, {Question: "many", NoneOf: []string{"a", "b"}},
		{Question: "one", NoneOf: []string{"a"}}, {Question: "scale", AtLeast: &three}, {Question: "dec", AtMost: &three},
		{Question: "free", Answered: &yes}, {Question: "free", Answered: &no},
		{All: []surveys.Condition{{Question: "one", Equals: "a"}, {Any: []surveys.Condition{{Question: "scale", AtLeast: &three}, {Question: "many", NoneOf: []string{"a"}}}}}},
		{Any: []surveys.Condition{{Question: "free", Answered: &no}, {Question: "many", NoneOf: []string{"b"}}}},
		{All: []surveys.Condition{{Question: "free", Answered: &yes}, {Question: "many", AnyOf: []string{"a", "b"}}}},
	} {
		expr := relevantOf(d, &c)
		e, err := parseExpr(expr)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		got, ok := (&relevance{question: d.Question}).cond(e)
		want, _ := json.Marshal(c)
		g, _ := json.Marshal(got)
		if !ok || string(g) != string(want) {
			t.Errorf("%s\n wrote %s\n read  %s", want, expr, g)
		}
	}
}
