package surveys_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/surveys"
)

// question finds a question of d by id, to change it.
func question(d *surveys.Definition, id string) *surveys.Question { return d.Question(id) }

// nest wraps c in depth all-groups.
func nest(c surveys.Condition, depth int) surveys.Condition {
	for range depth {
		c = surveys.Condition{All: []surveys.Condition{c}}
	}
	return c
}

// helpline is a valid support resource.
func helpline() surveys.SupportResource {
	return surveys.SupportResource{Country: "SE", Name: en("Helpline"), Phone: "116 111", Hours: en("Always")}
}

// Each problem a definition can have (every definition code of
// surveys/errors.go and validate.go but invalid_type and unknown_field,
// which the API's JSON decoding reports), with its JSON pointer and
// message parameters. A case starts from everyType, which is valid; its
// problems are listed in the order Validate finds them.
func TestValidateProblems(t *testing.T) {
	q := func(n int) string { return fmt.Sprintf("/sections/0/questions/%d", n) }
	showIf := q(10) + "/show_if"
	long := func(n int) string { return strings.Repeat("x", n) }
	languages := []string{"en", "sv", "ar", "fi", "so", "uk", "es", "de", "fr", "it", "nl", "da", "nb", "pl", "pt", "ro", "ru", "tr", "fa", "el", "et"}
	atLeast := func(f float64) surveys.Condition { return surveys.Condition{Question: "hours", AtLeast: &f} }
	yes := true
	for _, c := range []struct {
		name   string
		change func(d *surveys.Definition)
		want   []string
	}{
		// Languages and the survey's texts.
		{"languages: too many", func(d *surveys.Definition) { d.Languages = languages }, []string{"/languages too_many map[Max:20]"}},
		{"languages: unknown", func(d *surveys.Definition) { d.Languages = []string{"en", "english", "iw"} },
			[]string{"/languages/1 unknown_language map[Language:english]", "/languages/2 unknown_language map[Language:iw]"}},
		{"languages: the same in another case", func(d *surveys.Definition) { d.Languages = []string{"en", "EN"} }, []string{"/languages/1 duplicate"}},
		{"languages: duplicate", func(d *surveys.Definition) { d.Languages = []string{"en", "en"} }, []string{"/languages/1 duplicate"}},
		{"default language: required", func(d *surveys.Definition) { d.DefaultLanguage = "" },
			[]string{"/default_language required", "/title/ required"}},
		{"default language: undeclared", func(d *surveys.Definition) { d.DefaultLanguage = "sv" },
			[]string{"/default_language undeclared_language map[Language:sv]", "/title/sv required"}},
		{"title: required", func(d *surveys.Definition) { d.Title = nil }, []string{"/title/en required"}},
		{"text: undeclared language", func(d *surveys.Definition) { d.Description = surveys.Text{"fr": "x"} },
			[]string{"/description/fr undeclared_language map[Language:fr]"}},
		{"text: too long", func(d *surveys.Definition) { d.Title["en"] = long(surveys.MaxTextLength + 1) }, []string{"/title/en too_long map[Max:2000]"}},
		{"long text: too long", func(d *surveys.Definition) { d.Introduction = en(long(surveys.MaxLongTextLength + 1)) },
			[]string{"/introduction/en too_long map[Max:8000]"}},
		{"long text: not too long", func(d *surveys.Definition) { d.Introduction = en(long(surveys.MaxLongTextLength)) }, nil},

		// Settings.
		{"estimated minutes: too many", func(d *surveys.Definition) { d.EstimatedMinutes = 241 }, []string{"/estimated_minutes out_of_range map[Max:240 Min:0]"}},
		{"estimated minutes: negative", func(d *surveys.Definition) { d.EstimatedMinutes = -1 }, []string{"/estimated_minutes out_of_range map[Max:240 Min:0]"}},
		{"k: too low", func(d *surveys.Definition) { d.K = surveys.MinK - 1 }, []string{"/k threshold_too_low map[Min:5]"}},
		{"k: too high", func(d *surveys.Definition) { d.K = 1001 }, []string{"/k out_of_range map[Max:1000 Min:5]"}},
		{"window: closes when it opens", func(d *surveys.Definition) {
			at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			d.OpensAt, d.ClosesAt = &at, &at
		}, []string{"/closes_at window"}},

		// Audience.
		{"audience: min age", func(d *surveys.Definition) { d.Audience.MinAge = -1 }, []string{"/audience/min_age out_of_range map[Max:120 Min:0]"}},
		{"audience: max age below min age", func(d *surveys.Definition) { d.Audience.MinAge, d.Audience.MaxAge = 15, 12 },
			[]string{"/audience/max_age out_of_range map[Max:120 Min:15]"}},
		{"audience: too many regions", func(d *surveys.Definition) { d.Audience.Regions = slices.Repeat([]string{"SE-AB"}, 101) },
			[]string{"/audience/regions too_many map[Max:100]"}},
		{"audience: invalid region", func(d *surveys.Definition) { d.Audience.Regions = []string{"SE-AB", "not a region"} },
			[]string{"/audience/regions/1 invalid"}},

		// Sensitive surveys and support resources.
		{"sensitive: note, help and optional questions", func(d *surveys.Definition) { d.Sensitive = true }, []string{
			"/content_note required", "/support_resources required", q(1) + "/required sensitive_required",
		}},
		{"sensitive: complete", func(d *surveys.Definition) {
			d.Sensitive, d.ContentNote, d.SupportResources = true, en("About abuse"), []surveys.SupportResource{helpline()}
			question(d, "pick").Required = false
		}, nil},
		{"sensitive: note and a bad resource, in order", func(d *surveys.Definition) {
			d.Sensitive, d.SupportResources = true, []surveys.SupportResource{{Country: "se", Name: en("Helpline"), Phone: "116 111"}}
			question(d, "pick").Required = false
		}, []string{"/support_resources/0/country invalid_country", "/content_note required"}},
		{"support: too many", func(d *surveys.Definition) {
			d.SupportResources = slices.Repeat([]surveys.SupportResource{helpline()}, 21)
		},
			[]string{"/support_resources too_many map[Max:20]"}},
		{"support: every field", func(d *surveys.Definition) {
			d.SupportResources = []surveys.SupportResource{
				{Country: "se", Hours: surveys.Text{"fr": "x"}},
				{Country: "SE", Name: en(long(surveys.MaxTextLength + 1)), Phone: long(41), URL: "ftp://example.org"},
			}
		}, []string{
			"/support_resources/0/country invalid_country", "/support_resources/0/name required", "/support_resources/0/phone required",
			"/support_resources/0/hours/fr undeclared_language map[Language:fr]",
			"/support_resources/1/phone too_long map[Max:40]", "/support_resources/1/url invalid",
			"/support_resources/1/name/en too_long map[Max:2000]",
		}},
		{"support: a web site is enough", func(d *surveys.Definition) {
			d.SupportResources = []surveys.SupportResource{{Country: "SE", Name: en("Chat"), URL: "https://example.org/chat"}}
		}, nil},

		// Sections.
		{"sections: required", func(d *surveys.Definition) { d.Sections = nil }, []string{"/sections required"}},
		{"sections: too many", func(d *surveys.Definition) { d.Sections = make([]surveys.Section, surveys.MaxSections+1) },
			[]string{"/sections too_many map[Max:50]"}},
		{"section: id, title and questions", func(d *surveys.Definition) {
			d.Sections = append(d.Sections, surveys.Section{Title: surveys.Text{"sv": "x"}})
		}, []string{"/sections/1/id required", "/sections/1/title/sv undeclared_language map[Language:sv]", "/sections/1/questions required"}},
		{"section: id shared with a question", func(d *surveys.Definition) { d.Sections[0].ID = "pick" },
			[]string{q(1) + "/id duplicate"}},
		{"questions: too many", func(d *surveys.Definition) {
			extra := make([]surveys.Question, surveys.MaxQuestions)
			for i := range extra {
				extra[i] = surveys.Question{ID: fmt.Sprintf("x%d", i), Type: surveys.FreeText, Text: en("x")}
			}
			d.Sections = append(d.Sections, surveys.Section{ID: "t", Questions: extra})
		}, []string{"/sections/1/questions too_many map[Max:200]"}},

		// Every question.
		{"question: id required", func(d *surveys.Definition) { question(d, "why").ID = "" }, []string{q(6) + "/id required"}},
		{"question: invalid id", func(d *surveys.Definition) { question(d, "why").ID = "Why" }, []string{q(6) + "/id invalid_id"}},
		{"question: duplicate id", func(d *surveys.Definition) { question(d, "why").ID = "story" }, []string{q(7) + "/id duplicate"}},
		{"question: text required", func(d *surveys.Definition) { question(d, "why").Text = nil }, []string{q(6) + "/text required"}},
		{"question: help too long", func(d *surveys.Definition) { question(d, "why").Help = en(long(surveys.MaxTextLength + 1)) },
			[]string{q(6) + "/help/en too_long map[Max:2000]"}},
		{"question: type required", func(d *surveys.Definition) { question(d, "why").Type = "" }, []string{q(6) + "/type required"}},
		{"question: unknown type", func(d *surveys.Definition) { question(d, "why").Type = "date" }, []string{q(6) + "/type unknown_type map[Type:date]"}},
		{"question: consent on another type", func(d *surveys.Definition) { question(d, "many").Consent = true },
			[]string{q(2) + "/consent not_applicable"}},

		// Breakdowns.
		{"breakdown: not a single choice", func(d *surveys.Definition) { question(d, "many").Breakdown = true },
			[]string{q(2) + "/breakdown breakdown_type"}},
		{"breakdown: too many options", func(d *surveys.Definition) {
			p := question(d, "pick")
			p.Breakdown = true
			for i := len(p.Options); i <= surveys.MaxBreakdownOptions; i++ {
				p.Options = append(p.Options, opts(fmt.Sprintf("o%d", i))...)
			}
		}, []string{q(1) + "/options breakdown_options map[Max:12]"}},
		{"breakdown: too many", func(d *surveys.Definition) {
			for i := range surveys.MaxBreakdowns + 1 {
				d.Sections[0].Questions = append(d.Sections[0].Questions, surveys.Question{
					ID: fmt.Sprintf("b%d", i), Type: surveys.SingleChoice, Text: en("b"), Breakdown: true, Options: opts("x", "y")})
			}
		}, []string{q(16) + "/breakdown too_many_breakdowns map[Max:4]"}},

		// Options and statements.
		{"options: required", func(d *surveys.Definition) { question(d, "pick").Options = nil },
			[]string{q(1) + "/options required", showIf + "/equals unknown_option map[Code:a]"}},
		{"options: too many", func(d *surveys.Definition) { question(d, "many").Options = options("o", surveys.MaxOptions+1) },
			[]string{q(2) + "/options too_many map[Max:60]"}},
		{"options: code, label", func(d *surveys.Definition) {
			question(d, "pick").Options = []surveys.Option{{Code: "A B", Label: en("x")}, {Code: "b"}, {Code: "b", Label: surveys.Text{"fr": "b"}}}
		}, []string{
			q(1) + "/options/0/code invalid_code", q(1) + "/options/1/label required",
			q(1) + "/options/2/code duplicate", q(1) + "/options/2/label/fr undeclared_language map[Language:fr]",
			showIf + "/equals unknown_option map[Code:a]",
		}},
		{"options: other on a ranking", func(d *surveys.Definition) { question(d, "rank").Options[0].Other = true },
			[]string{q(8) + "/options/0/other not_applicable"}},
		{"ranking: one option", func(d *surveys.Definition) { question(d, "rank").Options = opts("a") }, []string{q(8) + "/options required"}},
		{"statements: required", func(d *surveys.Definition) { question(d, "grid").Statements = nil },
			[]string{q(9) + "/statements required", q(9) + "/statements required"}},
		{"statements: too many", func(d *surveys.Definition) { question(d, "grid").Statements = options("s", surveys.MaxStatements+1) },
			[]string{q(9) + "/statements too_many map[Max:40]"}},
		{"statements: other", func(d *surveys.Definition) { question(d, "grid").Statements[1].Other = true },
			[]string{q(9) + "/statements/1/other not_applicable"}},

		// Multiple choice.
		{"selections: min above the options", func(d *surveys.Definition) { question(d, "many").MinSelections = 5 }, []string{
			q(2) + "/min_selections out_of_range map[Max:4 Min:0]", q(2) + "/max_selections out_of_range map[Max:4 Min:5]",
		}},
		{"selections: max below min", func(d *surveys.Definition) { question(d, "many").MinSelections = 3 },
			[]string{q(2) + "/max_selections out_of_range map[Max:4 Min:3]"}},
		{"selections: max negative", func(d *surveys.Definition) { question(d, "many").MaxSelections = -1 },
			[]string{q(2) + "/max_selections out_of_range map[Max:4 Min:1]"}},

		// Scales and matrices.
		{"scale: too few points", func(d *surveys.Definition) { question(d, "agree").Points = 1 },
			[]string{q(3) + "/points out_of_range map[Max:11 Min:2]"}},
		{"scale: too many points", func(d *surveys.Definition) { question(d, "grid").Points = surveys.MaxPoints + 1 },
			[]string{q(9) + "/points out_of_range map[Max:11 Min:2]"}},
		{"scale: end labels", func(d *surveys.Definition) { question(d, "agree").Labels = nil },
			[]string{q(3) + "/labels/1 required", q(3) + "/labels/5 required"}},
		{"scale: label of no point", func(d *surveys.Definition) { question(d, "agree").Labels["6"] = en("x") },
			[]string{q(3) + "/labels/6 out_of_range map[Max:5 Min:1]"}},
		{"scale: label not a number", func(d *surveys.Definition) { question(d, "agree").Labels["01"] = en("x") },
			[]string{q(3) + "/labels/01 out_of_range map[Max:5 Min:1]"}},
		{"scale: label too long", func(d *surveys.Definition) { question(d, "agree").Labels["3"] = en(long(surveys.MaxTextLength + 1)) },
			[]string{q(3) + "/labels/3/en too_long map[Max:2000]"}},
		{"scale: don't know label", func(d *surveys.Definition) { question(d, "agree").DontKnowLabel = nil },
			[]string{q(3) + "/dont_know_label required"}},

		// Numbers.
		{"number: bounds required", func(d *surveys.Definition) { question(d, "hours").Min, question(d, "hours").Max = nil, nil },
			[]string{q(4) + "/min required", q(4) + "/max required"}},
		{"number: bound not finite", func(d *surveys.Definition) { question(d, "share").Max = ptr(math.Inf(1)) },
			[]string{q(5) + "/max out_of_range map[Max:1000000000 Min:-1000000000]"}},
		{"number: bound beyond MaxNumber", func(d *surveys.Definition) { question(d, "share").Min = ptr(-2e9) },
			[]string{q(5) + "/min out_of_range map[Max:1000000000 Min:-1000000000]"}},
		{"number: min above max", func(d *surveys.Definition) { question(d, "hours").Min = ptr(30) },
			[]string{q(4) + "/max out_of_range map[Max:1000000000 Min:30]"}},
		{"number: whole bounds", func(d *surveys.Definition) { question(d, "hours").Min = ptr(0.5) }, []string{q(4) + "/min not_integer"}},
		{"number: unit too long", func(d *surveys.Definition) { question(d, "hours").Unit = en(long(41)) },
			[]string{q(4) + "/unit/en too_long map[Max:40]"}},

		// Text.
		{"text: max length too large", func(d *surveys.Definition) { question(d, "why").MaxLength = surveys.MaxAnswerTextLength + 1 },
			[]string{q(6) + "/max_length out_of_range map[Max:5000 Min:1]"}},
		{"text: max length negative", func(d *surveys.Definition) { question(d, "why").MaxLength = -1 },
			[]string{q(6) + "/max_length out_of_range map[Max:5000 Min:1]"}},

		// show_if, on "more".
		{"show_if: too deep", func(d *surveys.Definition) {
			question(d, "more").ShowIf = ptrCondition(nest(surveys.Condition{Question: "pick", Equals: "a"}, surveys.MaxConditionDepth))
		}, []string{showIf + "/all/0/all/0/all/0/all/0 too_many map[Max:4]"}},
		{"show_if: deep enough", func(d *surveys.Definition) {
			question(d, "more").ShowIf = ptrCondition(nest(surveys.Condition{Question: "pick", Equals: "a"}, surveys.MaxConditionDepth-1))
		}, nil},
		{"show_if: a group with a question", func(d *surveys.Definition) {
			question(d, "more").ShowIf = &surveys.Condition{Question: "pick", All: []surveys.Condition{atLeast(1)}}
		}, []string{showIf + " bad_condition"}},
		{"show_if: all and any", func(d *surveys.Definition) {
			question(d, "more").ShowIf = &surveys.Condition{All: []surveys.Condition{atLeast(1)}, Any: []surveys.Condition{atLeast(2)}}
		}, []string{showIf + " bad_condition"}},
		{"show_if: a group with an operator", func(d *surveys.Definition) {
			question(d, "more").ShowIf = &surveys.Condition{Any: []surveys.Condition{atLeast(1)}, Answered: &yes}
		}, []string{showIf + " bad_condition"}},
		{"show_if: too many in a group", func(d *surveys.Definition) {
			question(d, "more").ShowIf = &surveys.Condition{Any: slices.Repeat([]surveys.Condition{atLeast(1)}, 21)}
		}, []string{showIf + "/any too_many map[Max:20]"}},
		{"show_if: each in a group", func(d *surveys.Definition) {
			question(d, "more").ShowIf = &surveys.Condition{Any: []surveys.Condition{atLeast(1), {Question: "hours"}}}
		}, []string{showIf + "/any/1 bad_condition"}},
		{"show_if: two operators", func(d *surveys.Definition) {
			question(d, "more").ShowIf = &surveys.Condition{Question: "pick", Equals: "a", Answered: &yes}
		}, []string{showIf + " bad_condition"}},
		{"show_if: question required", func(d *surveys.Definition) { question(d, "more").ShowIf = &surveys.Condition{Answered: &yes} },
			[]string{showIf + "/question required"}},
		{"show_if: unknown question", func(d *surveys.Definition) { question(d, "more").ShowIf.Question = "gone" },
			[]string{showIf + "/question unknown_question"}},
		{"show_if: a later question", func(d *surveys.Definition) {
			question(d, "more").ShowIf = &surveys.Condition{Question: "plain", Answered: &yes}
		},
			[]string{showIf + "/question later_question"}},
		{"show_if: itself", func(d *surveys.Definition) { question(d, "more").ShowIf.Question = "more" },
			[]string{showIf + "/question later_question"}},
		{"show_if: operator not allowed", func(d *surveys.Definition) {
			f := 1.0
			question(d, "more").ShowIf = &surveys.Condition{Question: "pick", AtMost: &f}
		}, []string{showIf + "/at_most operator_not_allowed map[Type:single_choice]"}},
		{"show_if: any_of a scale", func(d *surveys.Definition) {
			question(d, "more").ShowIf = &surveys.Condition{Question: "agree", AnyOf: []string{"a"}}
		},
			[]string{showIf + "/any_of operator_not_allowed map[Type:scale]"}},
		{"show_if: equals a text", func(d *surveys.Definition) {
			question(d, "more").ShowIf = &surveys.Condition{Question: "why", Equals: "x"}
		},
			[]string{showIf + "/equals operator_not_allowed map[Type:text]"}},
		{"show_if: at_least beyond MaxNumber", func(d *surveys.Definition) { question(d, "more").ShowIf = ptrCondition(atLeast(2e9)) },
			[]string{showIf + "/at_least out_of_range map[Max:1000000000 Min:-1000000000]"}},
		{"show_if: equals beyond MaxNumber", func(d *surveys.Definition) {
			question(d, "more").ShowIf = &surveys.Condition{Question: "hours", Equals: math.NaN()}
		}, []string{showIf + "/equals out_of_range map[Max:1000000000 Min:-1000000000]"}},
		{"show_if: a number for a code", func(d *surveys.Definition) { question(d, "more").ShowIf.Equals = 1.0 },
			[]string{showIf + "/equals invalid"}},
		{"show_if: a code for a number", func(d *surveys.Definition) {
			question(d, "more").ShowIf = &surveys.Condition{Question: "agree", Equals: "1"}
		},
			[]string{showIf + "/equals invalid"}},
		{"show_if: equals an unknown option", func(d *surveys.Definition) { question(d, "more").ShowIf.Equals = "z" },
			[]string{showIf + "/equals unknown_option map[Code:z]"}},
		{"show_if: any_of an unknown option", func(d *surveys.Definition) {
			question(d, "more").ShowIf = &surveys.Condition{Question: "many", AnyOf: []string{"a", "z"}}
		}, []string{showIf + "/any_of/1 unknown_option map[Code:z]"}},
		{"show_if: none_of an unknown option", func(d *surveys.Definition) {
			question(d, "more").ShowIf = &surveys.Condition{Question: "pick", NoneOf: []string{"y", "b"}}
		}, []string{showIf + "/none_of/0 unknown_option map[Code:y]"}},
		{"show_if: every operator allowed", func(d *surveys.Definition) {
			question(d, "more").ShowIf = &surveys.Condition{All: []surveys.Condition{
				{Question: "pick", Equals: "a"}, {Question: "many", NoneOf: []string{"b"}}, {Question: "agree", Equals: 2.0},
				{Question: "hours", AtMost: ptr(3)}, {Question: "rank", Equals: "c"}, {Question: "grid", Answered: &yes},
			}}
		}, nil},

		// Several problems, in the order they are found.
		{"several, in order", func(d *surveys.Definition) {
			d.Languages = append(d.Languages, "en")
			d.K = 2
			d.Audience.MinAge = 200
			question(d, "pick").Options = nil
			question(d, "why").MaxLength = -1
			question(d, "more").ShowIf.Question = "plain"
			d.Sections = append(d.Sections, surveys.Section{ID: "t"})
		}, []string{
			"/languages/1 duplicate", "/k threshold_too_low map[Min:5]", "/audience/min_age out_of_range map[Max:120 Min:0]",
			q(1) + "/options required", q(6) + "/max_length out_of_range map[Max:5000 Min:1]", showIf + "/question later_question",
			"/sections/1/questions required",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := everyType()
			c.change(d)
			if got := fieldErrors(t, d.Validate()); !slices.Equal(got, c.want) {
				t.Errorf("problems\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

func ptrCondition(c surveys.Condition) *surveys.Condition { return &c }

// A field of another question type is pointed at, for each field.
func TestValidateFieldsOfOtherTypes(t *testing.T) {
	for _, c := range []struct {
		field string
		set   func(q *surveys.Question)
	}{
		{"options", func(q *surveys.Question) { q.Options = opts("a") }},
		{"min_selections", func(q *surveys.Question) { q.MinSelections = 1 }},
		{"max_selections", func(q *surveys.Question) { q.MaxSelections = 1 }},
		{"points", func(q *surveys.Question) { q.Points = 3 }},
		{"labels", func(q *surveys.Question) { q.Labels = map[string]surveys.Text{"1": en("x")} }},
		{"dont_know", func(q *surveys.Question) { q.DontKnow = true }},
		{"dont_know_label", func(q *surveys.Question) { q.DontKnowLabel = en("?") }},
		{"statements", func(q *surveys.Question) { q.Statements = opts("s") }},
		{"integer", func(q *surveys.Question) { q.Integer = true }},
		{"min", func(q *surveys.Question) { q.Min = ptr(0) }},
		{"max", func(q *surveys.Question) { q.Max = ptr(0) }},
		{"unit", func(q *surveys.Question) { q.Unit = en("h") }},
	} {
		d := everyType()
		c.set(question(d, "why"))
		want := []string{"/sections/0/questions/6/" + c.field + " not_applicable map[Type:text]"}
		if got := fieldErrors(t, d.Validate()); !slices.Equal(got, want) {
			t.Errorf("%s: problems %q, want %q", c.field, got, want)
		}
	}
	d := everyType()
	question(d, "hours").MaxLength = 10
	question(d, "rank").Points = 3
	want := []string{"/sections/0/questions/4/max_length not_applicable map[Type:number]", "/sections/0/questions/8/points not_applicable map[Type:ranking]"}
	if got := fieldErrors(t, d.Validate()); !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
}

// A summary too large to compute is refused, at /sections, once every
// question is within its own limits.
func TestValidateSummaryTooLarge(t *testing.T) {
	d := everyType()
	labels := map[string]surveys.Text{"1": en("low"), "11": en("high")}
	for i := range 2 {
		d.Sections[0].Questions = append(d.Sections[0].Questions, surveys.Question{ID: fmt.Sprintf("m%d", i), Type: surveys.Matrix,
			Text: en("m"), Points: surveys.MaxPoints, Labels: labels, Statements: options("s", surveys.MaxStatements)})
	}
	for i := range surveys.MaxBreakdowns {
		d.Sections[0].Questions = append(d.Sections[0].Questions, surveys.Question{ID: fmt.Sprintf("b%d", i), Type: surveys.SingleChoice,
			Text: en("b"), Breakdown: true, Options: options("o", surveys.MaxBreakdownOptions)})
	}
	d.Languages = []string{"en", "sv", "ar"} // options() labels in these
	want := []string{fmt.Sprintf("/sections summary_too_large map[Cells:%d Max:%d]", d.SummaryCells(), surveys.MaxSummaryCells)}
	if got := fieldErrors(t, d.Validate()); d.SummaryCells() <= surveys.MaxSummaryCells || !slices.Equal(got, want) {
		t.Fatalf("%d cells: problems %q, want %q", d.SummaryCells(), got, want)
	}
	// A question over its own limits is reported instead.
	d.Sections[0].Questions[len(d.Sections[0].Questions)-1].Options = options("o", surveys.MaxOptions+1)
	got := fieldErrors(t, d.Validate())
	if slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "summary_too_large") }) {
		t.Fatalf("summary size reported with an oversized question: %q", got)
	}
}

// Complete is Validate and every text in every declared language; the
// languages lacking are listed text by text, in the order of the survey.
func TestComplete(t *testing.T) {
	if err := everyType().Complete(); err != nil {
		t.Fatalf("everyType: %v", err)
	}
	d := everyType()
	d.Sections = d.Sections[:1]
	d.Sections[0].Questions = d.Sections[0].Questions[6:7] // "why"
	d.Languages = []string{"en", "sv"}
	d.Description = surveys.Text{"sv": "Om"}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/title/sv missing_translation map[Language:sv]", "/description/en missing_translation map[Language:en]",
		"/thank_you/sv missing_translation map[Language:sv]", "/sections/0/questions/0/text/sv missing_translation map[Language:sv]",
	}
	if got := fieldErrors(t, d.Complete()); !slices.Equal(got, want) {
		t.Fatalf("problems %q, want %q", got, want)
	}
	// An invalid definition gets its validation problems, not the
	// translations it lacks.
	d.K = 1
	if got := fieldErrors(t, d.Complete()); !slices.Equal(got, []string{"/k threshold_too_low map[Min:5]"}) {
		t.Fatalf("problems %q", got)
	}
}

// An organisation's default support resources are checked without survey
// languages: any valid language tag is accepted in a name.
func TestValidateSupportResources(t *testing.T) {
	if err := surveys.ValidateSupportResources([]surveys.SupportResource{helpline(), {Country: "FI", Name: surveys.Text{"fi": "Apu", "sv": "Hjälp"}, URL: "https://example.fi"}}); err != nil {
		t.Fatal(err)
	}
	err := surveys.ValidateSupportResources([]surveys.SupportResource{{Country: "SE", Name: surveys.Text{"english": "x"}, Phone: "1"}, {Name: en("x")}})
	want := []string{"/0/name/english unknown_language map[Language:english]", "/1/country invalid_country", "/1/phone required"}
	if got := fieldErrors(t, err); !slices.Equal(got, want) {
		t.Fatalf("problems %q, want %q", got, want)
	}
	// Language codes in any case: stored canonical; one language twice is
	// a duplicate.
	rs := []surveys.SupportResource{{Country: "SO", Name: surveys.Text{"SO": "Caawimo", "EN": "Help"}, Hours: surveys.Text{"So": "24/7"}, Phone: "1"}}
	if err := surveys.ValidateSupportResources(rs); err != nil || !maps.Equal(rs[0].Name, surveys.Text{"so": "Caawimo", "en": "Help"}) ||
		!maps.Equal(rs[0].Hours, surveys.Text{"so": "24/7"}) {
		t.Fatalf("%v: %v %v", err, rs[0].Name, rs[0].Hours)
	}
	err = surveys.ValidateSupportResources([]surveys.SupportResource{{Country: "SE", Name: surveys.Text{"sv": "Hjälp", "SV": "Hjälp!"}, Phone: "1"}})
	if got := fieldErrors(t, err); !slices.Equal(got, []string{"/0/name/SV duplicate"}) {
		t.Fatalf("problems %q", got)
	}
	err = surveys.ValidateSupportResources(slices.Repeat([]surveys.SupportResource{helpline()}, surveys.MaxSupportResources+1))
	if got := fieldErrors(t, err); !slices.Equal(got, []string{" too_many map[Max:20]"}) {
		t.Fatalf("problems %q", got)
	}
}

// The problems' error text lists each pointer and code, for logs and
// wrapped errors.
func TestValidationErrorText(t *testing.T) {
	d := everyType()
	d.K = 1
	question(d, "why").ID = ""
	if got, want := d.Validate().Error(), "invalid: /k: threshold_too_low, /sections/0/questions/6/id: required"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}

// CheckBreakdown tells an unknown question from one that exists but is
// not a breakdown question, and names the questions that are.
func TestCheckBreakdown(t *testing.T) {
	withDims := everyType()
	question(withDims, "pick").Breakdown = true
	question(withDims, "consent").Breakdown = true
	for _, tc := range []struct {
		name string
		def  *surveys.Definition
		by   string
		want string // "" for nil, else "code params"
	}{
		{"a breakdown question", withDims, "pick", ""},
		{"unknown", withDims, "nope", "unknown_question map[]"},
		{"not a breakdown", withDims, "hours", "not_breakdown map[Breakdowns:consent, pick Question:hours]"},
		{"no breakdowns at all", everyType(), "hours", "no_breakdowns map[Question:hours]"},
		{"unknown, no breakdowns", everyType(), "nope", "unknown_question map[]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.def.CheckBreakdown("/by", tc.by)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("%v", err)
				}
				return
			}
			var ve *surveys.ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Pointer != "/by" {
				t.Fatalf("%v", err)
			}
			if got := fmt.Sprintf("%s %v", ve.Errors[0].Code, ve.Errors[0].Params); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// Language codes are case-insensitive (BCP 47): a survey written with
// "SO" or "sv-se" is valid, and every text is keyed, and found, by the
// canonical code. A code that is not a language is reported once, where
// it is declared, not again at each of the texts keyed by it (a survey
// with "SO" used to get one unknown_language and an undeclared_language
// for every text).
func TestLanguageCodesAreCaseInsensitive(t *testing.T) {
	// recase writes every code of a definition as f makes it.
	recase := func(d *surveys.Definition, f func(string) string) {
		re := func(t surveys.Text) {
			for k, v := range t {
				if nk := f(k); nk != k {
					delete(t, k)
					t[nk] = v
				}
			}
		}
		for i := range d.Languages {
			d.Languages[i] = f(d.Languages[i])
		}
		d.DefaultLanguage = f(d.DefaultLanguage)
		re(d.Title)
		re(d.ThankYou)
		for si := range d.Sections {
			re(d.Sections[si].Title)
			for qi := range d.Sections[si].Questions {
				q := &d.Sections[si].Questions[qi]
				re(q.Text)
				re(q.DontKnowLabel)
				re(q.Unit)
				for _, l := range q.Labels {
					re(l)
				}
				for oi := range q.Options {
					re(q.Options[oi].Label)
				}
				for oi := range q.Statements {
					re(q.Statements[oi].Label)
				}
			}
		}
		for i := range d.SupportResources {
			re(d.SupportResources[i].Name)
			re(d.SupportResources[i].Hours)
		}
	}
	twoLanguages := func(second string) *surveys.Definition {
		d := everyType()
		recase(d, func(l string) string { return l }) // en only so far
		d.Languages = append(d.Languages, second)
		add := func(t surveys.Text) {
			if t != nil {
				t[second] = t["en"] + " (2)"
			}
		}
		add(d.Title)
		add(d.ThankYou)
		for si := range d.Sections {
			add(d.Sections[si].Title)
			for qi := range d.Sections[si].Questions {
				q := &d.Sections[si].Questions[qi]
				add(q.Text)
				add(q.DontKnowLabel)
				add(q.Unit)
				for _, l := range q.Labels {
					add(l)
				}
				for oi := range q.Options {
					add(q.Options[oi].Label)
				}
				for oi := range q.Statements {
					add(q.Statements[oi].Label)
				}
			}
		}
		for i := range d.SupportResources {
			add(d.SupportResources[i].Name)
			add(d.SupportResources[i].Hours)
		}
		return d
	}
	for _, tc := range []struct {
		name     string
		def      func() *surveys.Definition
		want     []string // problems; none: valid and complete
		langs    string   // the declared languages after validation
		textLang string   // a code every text has after validation
	}{
		{"upper case everywhere", func() *surveys.Definition {
			d := twoLanguages("so")
			recase(d, strings.ToUpper)
			return d
		}, nil, "en so", "so"},
		{"declared upper, texts lower", func() *surveys.Definition {
			d := twoLanguages("so")
			d.Languages = []string{"EN", "SO"}
			return d
		}, nil, "en so", "so"},
		{"declared lower, texts upper", func() *surveys.Definition {
			d := twoLanguages("so")
			recase(d, strings.ToUpper)
			d.Languages, d.DefaultLanguage = []string{"en", "so"}, "en"
			return d
		}, nil, "en so", "so"},
		{"region and script", func() *surveys.Definition {
			d := twoLanguages("sv-se")
			recase(d, func(l string) string {
				if l == "sv-se" {
					return "SV-se"
				}
				return l
			})
			return d
		}, nil, "en sv-SE", "sv-SE"},
		{"the same language twice in one text", func() *surveys.Definition {
			d := twoLanguages("so")
			d.Title["SO"] = "again"
			return d
		}, []string{"/title/SO duplicate"}, "en so", "so"},
		{"not a language: reported once", func() *surveys.Definition {
			return twoLanguages("s!o")
		}, []string{"/languages/1 unknown_language map[Language:s!o]"}, "en s!o", "s!o"},
		{"a deprecated code is not silently another", func() *surveys.Definition {
			return twoLanguages("iw")
		}, []string{"/languages/1 unknown_language map[Language:iw]"}, "en iw", "iw"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.def()
			err := d.Complete()
			var got []string
			if ve, ok := err.(*surveys.ValidationError); ok {
				for _, f := range ve.Errors {
					s := f.Pointer + " " + string(f.Code)
					if f.Params != nil {
						s += fmt.Sprintf(" %v", f.Params)
					}
					got = append(got, s)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("problems %q, want %q", got, tc.want)
			}
			if l := strings.Join(d.Languages, " "); l != tc.langs || d.DefaultLanguage != "en" {
				t.Errorf("languages %q, default %q; want %q, en", l, d.DefaultLanguage, tc.langs)
			}
			for _, q := range d.Questions() {
				if _, ok := q.Text[tc.textLang]; !ok || len(q.Text) != 2 {
					t.Errorf("question %s: text %v has no %q", q.ID, q.Text, tc.textLang)
				}
				for _, o := range q.Options {
					if _, ok := o.Label[tc.textLang]; !ok {
						t.Errorf("question %s, option %s: %v has no %q", q.ID, o.Code, o.Label, tc.textLang)
					}
				}
			}
			if err == nil && d.Title.In(tc.textLang, "en") != d.Title["en"]+" (2)" {
				t.Errorf("title in %s: %q", tc.textLang, d.Title.In(tc.textLang, "en"))
			}
		})
	}
}

// A submission in "SO" answers the survey's "so".
func TestSubmissionLanguageIsCaseInsensitive(t *testing.T) {
	d := everyType()
	d.Languages = []string{"en", "so"}
	sub := &surveys.Submission{SubmissionID: "0b6f3f5e-4f5e-4d8e-9c39-6a3c2b1d0e7f", Revision: 1, Lang: "SO",
		Answers: map[string]json.RawMessage{"consent": json.RawMessage(`"yes"`), "pick": json.RawMessage(`"a"`)}}
	r, err := surveys.NewResponse([]byte("key"), "s", d, sub, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if r.Lang != "so" {
		t.Errorf("stored lang %q, want so", r.Lang)
	}
}

// The organisation's default support resources are found for a survey
// whose codes are in another case.
func TestDefaultSupportMatchesLanguagesInAnyCase(t *testing.T) {
	defaults := []surveys.SupportResource{{Country: "SE", Name: surveys.Text{"en": "Helpline", "SO": "Khadka"}, Phone: "116 111"}}
	got := surveys.DefaultSupport(defaults, []string{"EN", "so"})
	if want := (surveys.Text{"en": "Helpline", "so": "Khadka"}); !maps.Equal(got[0].Name, want) {
		t.Errorf("name %v, want %v", got[0].Name, want)
	}
}
