package surveys_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// plain is a valid two-language survey with nothing to warn about: a
// breakdown question of three real groups, short texts, not sensitive.
func plain() *surveys.Definition {
	sv := func(en, sv string) surveys.Text { return surveys.Text{"en": en, "sv": sv} }
	return &surveys.Definition{
		DefaultLanguage: "en", Languages: []string{"en", "sv"},
		Title: sv("Leisure", "Fritid"), ThankYou: sv("Thanks", "Tack"),
		Audience: surveys.Audience{MinAge: 10, MaxAge: 18, Regions: []string{"SE-AB", "NO"}},
		Sections: []surveys.Section{{ID: "s", Questions: []surveys.Question{
			{ID: "age", Type: surveys.SingleChoice, Breakdown: true, Text: sv("How old are you?", "Hur gammal är du?"), Options: []surveys.Option{
				{Code: "10-12", Label: sv("10 to 12", "10 till 12")},
				{Code: "13-15", Label: sv("13 to 15", "13 till 15")},
				{Code: "16-18", Label: sv("16 to 18", "16 till 18")},
			}},
			{ID: "fun", Type: surveys.FreeText, Text: sv("What do you like?", "Vad gillar du?"), Help: sv("A few words.", "Några ord.")},
		}}},
	}
}

// words is n words, in sentences of at most per words.
func words(n, per int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString("word")
		if (i+1)%per == 0 {
			b.WriteString(".")
		}
	}
	return b.String()
}

func TestWarnings(t *testing.T) {
	helpSE := surveys.SupportResource{Country: "SE", Name: surveys.Text{"en": "BRIS", "sv": "BRIS"}, Phone: "116 111"}
	helpNO := surveys.SupportResource{Country: "NO", Name: surveys.Text{"en": "Kors på halsen", "sv": "Kors på halsen"}, Phone: "800 333 21"}
	age := func(d *surveys.Definition) *surveys.Question { return d.Question("age") }
	sensitive := func(d *surveys.Definition, rs ...surveys.SupportResource) {
		d.Sensitive = true
		d.ContentNote = surveys.Text{"en": "About hard things.", "sv": "Om svåra saker."}
		d.SupportResources = rs
	}
	cases := []struct {
		name   string
		change func(*surveys.Definition)
		org    []surveys.SupportResource
		want   []string // pointer code params
	}{
		{"nothing to warn about", func(*surveys.Definition) {}, nil, nil},
		{"prefer not to say as a breakdown group", func(d *surveys.Definition) {
			age(d).Options = append(age(d).Options, surveys.Option{Code: "prefer_not_to_say", Label: surveys.Text{"en": "I prefer not to say", "sv": "Vill inte säga"}})
		}, nil, []string{"/sections/0/questions/0/options/3 breakdown_non_answer map[K:10 Option:prefer_not_to_say Question:age]"}},
		{"a non-answer found by its English label", func(d *surveys.Definition) {
			age(d).Options = append(age(d).Options, surveys.Option{Code: "x", Label: surveys.Text{"en": "Don't know", "sv": "Vet inte"}})
		}, nil, []string{"/sections/0/questions/0/options/3 breakdown_non_answer map[K:10 Option:x Question:age]"}},
		{"an other option as a breakdown group", func(d *surveys.Definition) {
			age(d).Options[2].Other = true
		}, nil, []string{"/sections/0/questions/0/options/2 breakdown_non_answer map[K:10 Option:16-18 Question:age]"}},
		{"a non-answer in a question that is no breakdown", func(d *surveys.Definition) {
			age(d).Breakdown = false
			age(d).Options = append(age(d).Options, surveys.Option{Code: "dont_know", Label: surveys.Text{"en": "?", "sv": "?"}})
		}, nil, nil},
		{"codes that only look alike are real groups", func(d *surveys.Definition) {
			age(d).Options[0].Code = "national"
			age(d).Options[1].Code = "unknownland"[:7] // "unknown"
		}, nil, []string{"/sections/0/questions/0/options/1 breakdown_non_answer map[K:10 Option:unknown Question:age]"}},
		{"more groups than the expected responses fill", func(d *surveys.Definition) {
			d.K = 30 // 4 groups (3 options and no answer) x 30 = 120 > 100
		}, nil, []string{"/sections/0/questions/0/options breakdown_groups map[Expected:100 Groups:4 K:30 Needed:120 Question:age]"}},
		{"as many groups as the expected responses fill", func(d *surveys.Definition) {
			d.K = 25 // 4 x 25 = 100
		}, nil, nil},
		{"sensitive with support for every country", func(d *surveys.Definition) { sensitive(d, helpSE, helpNO) }, nil, nil},
		{"sensitive without support for Norway", func(d *surveys.Definition) { sensitive(d, helpSE) }, nil,
			[]string{"/audience/regions/1 support_missing_country map[Country:NO]"}},
		{"sensitive without Norway's support that the organisation has", func(d *surveys.Definition) { sensitive(d, helpSE) },
			[]surveys.SupportResource{helpNO}, []string{"/audience/regions/1 support_in_org map[Country:NO]"}},
		{"a country named once, whatever its regions", func(d *surveys.Definition) {
			sensitive(d, helpNO)
			d.Audience.Regions = []string{"se-ab", "SE-C", "NO", "SE", "EU-WIDE"}
		}, nil, []string{"/audience/regions/0 support_missing_country map[Country:SE]"}},
		{"not sensitive: no support warning", func(d *surveys.Definition) { d.SupportResources = nil }, nil, nil},
		{"untranslated texts, once per question", func(d *surveys.Definition) {
			delete(d.Title, "sv")
			delete(age(d).Options[1].Label, "sv")
			delete(age(d).Text, "sv")
			d.Question("fun").Help = surveys.Text{"en": "A few words."}
		}, nil, []string{
			"/title untranslated map[Languages:sv]",
			"/sections/0/questions/0 untranslated map[Languages:sv]",
			"/sections/0/questions/1 untranslated map[Languages:sv]",
		}},
		{"a long question text", func(d *surveys.Definition) {
			d.Question("fun").Text = surveys.Text{"en": words(41, 10), "sv": "Kort."}
		}, nil, []string{"/sections/0/questions/1/text long_text map[Languages:en Max:40 Words:41]"}},
		{"a long sentence in two languages", func(d *surveys.Definition) {
			d.Question("fun").Help = surveys.Text{"en": words(26, 30), "sv": words(30, 30)}
		}, nil, []string{"/sections/0/questions/1/help long_sentence map[Languages:en, sv Max:25 Words:30]"}},
		{"short sentences make no long sentence", func(d *surveys.Definition) {
			d.Question("fun").Help = surveys.Text{"en": words(50, 10), "sv": words(50, 10)}
		}, nil, nil},
		{"a script without spaces counts its characters", func(d *surveys.Definition) {
			d.Languages = append(d.Languages, "zh")
			for _, t := range []surveys.Text{d.Title, d.ThankYou, age(d).Text, age(d).Options[0].Label, age(d).Options[1].Label, age(d).Options[2].Label, d.Question("fun").Text, d.Question("fun").Help} {
				t["zh"] = "短"
			}
			d.Question("fun").Text["zh"] = strings.Repeat("很", 130) // 44 words of 3 characters
		}, nil, []string{"/sections/0/questions/1/text long_text map[Languages:zh Max:40 Words:44]", "/sections/0/questions/1/text long_sentence map[Languages:zh Max:25 Words:44]"}},
		{"readers of 16 and over: no reading warnings", func(d *surveys.Definition) {
			d.Audience.MinAge = 16
			d.Question("fun").Text = surveys.Text{"en": words(60, 60), "sv": "Kort."}
		}, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := plain()
			c.change(d)
			if err := d.Validate(); err != nil {
				t.Fatalf("the case's definition is invalid: %v", err)
			}
			var got []string
			for _, w := range surveys.Warnings(d, c.org) {
				got = append(got, fmt.Sprintf("%s %s %v", w.Pointer, w.Code, w.Params))
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// The warnings of one definition are bounded: a survey of 200 untranslated
// questions lists MaxWarnings of them, then counts the rest.
func TestWarningsAreBounded(t *testing.T) {
	d := plain()
	qs := make([]surveys.Question, 0, surveys.MaxQuestions)
	for i := range surveys.MaxQuestions {
		qs = append(qs, surveys.Question{ID: fmt.Sprintf("q%d", i), Type: surveys.FreeText, Text: surveys.Text{"en": "Why?"}})
	}
	d.Sections = []surveys.Section{{ID: "s", Questions: qs}}
	d.Question("q0").Text["en"] = words(60, 60)
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	ws := surveys.Warnings(d, nil)
	if len(ws) != surveys.MaxWarnings+1 {
		t.Fatalf("%d warnings, want %d", len(ws), surveys.MaxWarnings+1)
	}
	// The title's, then 199 questions', then the more: 2 left (a
	// question's and the long text's).
	last := ws[len(ws)-1]
	if last.Code != surveys.WarnMore || last.Params["Count"] != 2 {
		t.Errorf("last warning: %+v", last)
	}
}

// The example surveys, written by people who knew the rules, still offer
// "no answer" as a breakdown group of gender: the warning finds it, and
// finds no untranslated text in them.
func TestExampleWarnings(t *testing.T) {
	for _, name := range []string{"youth-policy-consultation.json", "safety-online-offline.json"} {
		d, err := surveystest.Example(name)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, w := range surveys.Warnings(d, nil) {
			t.Logf("%s: %s %s %v", name, w.Pointer, w.Code, w.Params)
			if w.Code == surveys.WarnUntranslated || w.Code == surveys.WarnMore {
				t.Errorf("%s: a published example has %s at %s", name, w.Code, w.Pointer)
			}
			found = found || (w.Code == surveys.WarnBreakdownNonAnswer && w.Params["Question"] == "gender" && w.Params["Option"] == "no_answer")
		}
		if !found {
			t.Errorf("%s: no warning about gender's no_answer group", name)
		}
	}
}
