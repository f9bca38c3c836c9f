package xlsform

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// namesChoices is a list with a capitalised choice name.
var namesChoices = choicesSheet(r("prov", "Faryab", "Faryab"), r("prov", "kabul", "Kabul"),
	r("yn", "Yes", "Yes"), r("yn", "no", "No"))

// TestNamesLowercased: a name invalid only for its capitals becomes its
// lower-case form, with a warning at its cell, and every reference (a
// relevant's ${Name} and its choice values, in both forms, a constraint's
// ${Name}, a likert group's statements) follows it.
func TestNamesLowercased(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rows     [][]string
		question string // the id of the question checked
		want     string // its JSON, or its show_if's with a relevant
		warnings []int  // survey rows warned about (choices rows 2 and 4 always)
	}{
		{name: "question", rows: [][]string{r("select_one prov", "headOfHousehold", "Where?")},
			question: "headofhousehold", want: `"options":[{"code":"faryab"`, warnings: []int{2}},
		{name: "choice value in a comparison", rows: [][]string{r("select_one prov", "Province", "Where?"),
			r("text", "Why", "Why?", "", "", "${Province} = 'Faryab'")},
			question: "why", want: `{"question":"province","equals":"faryab"}`, warnings: []int{2, 3}},
		{name: "choice value in selected()", rows: [][]string{r("select_multiple yn", "Q1", "Sure?"),
			r("text", "why", "Why?", "", "", "selected(${Q1}, 'Yes') or selected(${Q1}, 'no')")},
			question: "why", want: `{"question":"q1","any_of":["yes","no"]}`, warnings: []int{2}},
		{name: "constraint", rows: [][]string{r("integer", "Age", "Age?", "", "", "", "${Age} >= 10 and ${Age} <= 20")},
			question: "age", want: `"min":10,"max":20`, warnings: []int{2}},
		{name: "likert group", rows: [][]string{r("begin group", "Feel", "How do you feel?", "", "", "", "", "table-list"),
			r("select_one yn", "Feel_Safe", "Safe?"), r("select_one yn", "Feel_Heard", "Heard?"), r("end group", "")},
			question: "feel", want: `"statements":[{"code":"safe"`, warnings: []int{2, 3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustRead(t, sheetRows{name: "survey", rows: append([][]string{surveyHeader}, tc.rows...)}, namesChoices, titled)
			q := res.Definition.Question(tc.question)
			if q == nil {
				t.Fatalf("no question %s in %+v", tc.question, res.Definition.Questions())
			}
			var got []byte
			if q.ShowIf != nil {
				got, _ = json.Marshal(q.ShowIf)
			} else {
				got, _ = json.Marshal(q)
			}
			if !strings.Contains(string(got), tc.want) {
				t.Errorf("got %s, want %s in it", got, tc.want)
			}
			for _, n := range tc.warnings {
				if !hasProblem(res.Warnings, "survey", n, "name", CodeNameLowercased) {
					t.Errorf("no warning at survey row %d: %+v", n, res.Warnings)
				}
			}
			for _, n := range []int{2, 4} {
				if !hasProblem(res.Warnings, "choices", n, "name", CodeNameLowercased) {
					t.Errorf("no warning at choices row %d: %+v", n, res.Warnings)
				}
			}
			renamed := 0
			for _, w := range res.Warnings {
				if w.Code == CodeNameLowercased {
					renamed++
					if w.Cell == "" || w.Cell == w.Params["Name"] {
						t.Errorf("warning without the name as written: %+v", w)
					}
				}
			}
			if renamed != len(tc.warnings)+2 {
				t.Errorf("%d renaming warnings, want %d: %+v", renamed, len(tc.warnings)+2, res.Warnings)
			}
		})
	}
}

// TestNamesRefused: names that lower-case to the same one are both
// refused, each naming the other's row; a name invalid for more than its
// capitals (an accent, a space) is refused as it was.
func TestNamesRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rows    [][]string
		choices sheetRows
		want    []Problem // sheet, row, column, code, and the row named
	}{
		{name: "question clash", rows: [][]string{r("text", "Q1", "One?"), r("text", "q1", "Other one?")},
			choices: namesChoices, want: []Problem{
				{Sheet: "survey", Row: 2, Column: "name", Code: CodeNameClash, Params: map[string]any{"Row": 3}},
				{Sheet: "survey", Row: 3, Column: "name", Code: CodeNameClash, Params: map[string]any{"Row": 2}}}},
		{name: "question and group clash", rows: [][]string{r("begin group", "Part"), r("text", "PART", "One?"),
			r("end group", "")}, choices: namesChoices, want: []Problem{
			{Sheet: "survey", Row: 2, Column: "name", Code: CodeNameClash, Params: map[string]any{"Row": 3}},
			{Sheet: "survey", Row: 3, Column: "name", Code: CodeNameClash, Params: map[string]any{"Row": 2}}}},
		{name: "choice clash", rows: [][]string{r("select_one yn", "q", "Sure?")},
			choices: choicesSheet(r("yn", "Yes", "Yes"), r("yn", "yes", "Yes again"), r("yn", "no", "No")), want: []Problem{
				{Sheet: "choices", Row: 2, Column: "name", Code: CodeNameClash, Params: map[string]any{"Row": 3}},
				{Sheet: "choices", Row: 3, Column: "name", Code: CodeNameClash, Params: map[string]any{"Row": 2}}}},
		{name: "accent", rows: [][]string{r("select_one yn", "Père", "Sure?")},
			choices: choicesSheet(r("yn", "Tête", "Yes"), r("yn", "no", "No")), want: []Problem{
				{Sheet: "survey", Row: 2, Column: "name", Code: surveys.CodeInvalidID},
				{Sheet: "choices", Row: 2, Column: "name", Code: surveys.CodeInvalidCode}}},
		{name: "space", rows: [][]string{r("text", "Head Of", "Who?")}, choices: namesChoices, want: []Problem{
			{Sheet: "survey", Row: 2, Column: "name", Code: surveys.CodeInvalidID}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := problems(t, sheetRows{name: "survey", rows: append([][]string{surveyHeader}, tc.rows...)}, tc.choices, titled)
			for _, want := range tc.want {
				found := false
				for _, p := range ps {
					if p.Sheet == want.Sheet && p.Row == want.Row && p.Column == want.Column && p.Code == want.Code &&
						(want.Params == nil || p.Params["Row"] == want.Params["Row"]) {
						found = true
					}
				}
				if !found {
					t.Errorf("no %+v in %+v", want, ps)
				}
			}
			if len(ps) != len(tc.want) {
				t.Errorf("%d problems, want %d: %+v", len(ps), len(tc.want), ps)
			}
		})
	}
}

// TestNamesMessagesRender: both messages are filled in every language.
func TestNamesMessagesRender(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	res := mustRead(t, sheetRows{name: "survey", rows: [][]string{surveyHeader, r("text", "Q", "Q?")}}, titled)
	ps := problems(t, sheetRows{name: "survey", rows: [][]string{surveyHeader, r("text", "Q", "Q?"), r("text", "q", "Q?")}}, titled)
	for _, p := range append(res.Warnings, ps...) {
		fe := p.FieldError()
		for _, lang := range cat.Languages() {
			msg := cat.Message(lang, "field."+string(fe.Code), fe.Params)
			if strings.Contains(msg, "<no value>") || strings.Contains(msg, "{{") || msg == "field."+string(fe.Code) {
				t.Errorf("%s in %s: %q (params %v)", fe.Code, lang, msg, fe.Params)
			}
		}
	}
}
