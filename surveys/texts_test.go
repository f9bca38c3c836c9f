package surveys_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

func smallDef(t *testing.T) *surveys.Definition {
	t.Helper()
	d, err := surveystest.Load(surveystest.SmallSurvey)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// sensitiveDef is the small survey with every optional text: a
// description, an introduction, a content note, a support resource, a
// section title and a help text.
func sensitiveDef(t *testing.T) *surveys.Definition {
	t.Helper()
	d := smallDef(t)
	d.Sensitive = true
	d.Description = surveys.Text{"sv": "Om fritid"}
	d.Introduction = surveys.Text{"sv": "Välkommen"}
	d.ContentNote = surveys.Text{"sv": "Du kan hoppa över frågor"}
	d.SupportResources = []surveys.SupportResource{{Country: "SE", Name: surveys.Text{"sv": "Bris"}, Phone: "116 111",
		Hours: surveys.Text{"sv": "Dygnet runt"}}}
	d.Sections[0].Title = surveys.Text{"sv": "Fritid"}
	d.Question("why").Help = surveys.Text{"sv": "Skriv inga namn"}
	for _, q := range d.Questions() {
		q.Required = false
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestTextsListEveryTextWithItsKeyAndContext(t *testing.T) {
	d := sensitiveDef(t)
	texts := d.Texts("AR")
	var keys []string
	byKey := map[string]surveys.TranslatableText{}
	for _, e := range texts {
		keys = append(keys, e.Key)
		byKey[e.Key] = e
	}
	want := []string{"title", "description", "introduction", "thank_you", "content_note",
		"support.1.name", "support.1.hours", "section.main.title",
		"q.age_band.text", "q.age_band.opt.13-15.label", "q.age_band.opt.16-19.label",
		"q.activities.text", "q.activities.opt.sport.label", "q.activities.opt.music.label", "q.activities.opt.other.label",
		"q.satisfied.text", "q.satisfied.labels.1", "q.satisfied.labels.5", "q.satisfied.dont_know_label",
		"q.why.text", "q.why.help", "q.hours.text", "q.hours.unit",
		"q.priorities.text", "q.priorities.opt.places.label", "q.priorities.opt.transport.label", "q.priorities.opt.support.label",
		"q.agree.text", "q.agree.stmt.safe.label", "q.agree.stmt.heard.label", "q.agree.labels.1", "q.agree.labels.4"}
	if !slices.Equal(keys, want) {
		t.Fatalf("keys:\n got %q\nwant %q", keys, want)
	}
	for _, c := range []struct {
		key  string
		want surveys.TranslatableText
	}{
		{"title", surveys.TranslatableText{Key: "title", Pointer: "/title", Kind: surveys.TextTitle,
			Source: "Fritid i kommunen", Translation: "أوقات الفراغ في البلدية", MaxLength: 2000, Required: true}},
		{"description", surveys.TranslatableText{Key: "description", Pointer: "/description", Kind: surveys.TextDescription,
			Source: "Om fritid", MaxLength: 8000}},
		{"content_note", surveys.TranslatableText{Key: "content_note", Pointer: "/content_note", Kind: surveys.TextContentNote,
			Source: "Du kan hoppa över frågor", MaxLength: 8000, Required: true}},
		{"support.1.hours", surveys.TranslatableText{Key: "support.1.hours", Pointer: "/support_resources/0/hours",
			Kind: surveys.TextSupportHours, Country: "SE", Source: "Dygnet runt", MaxLength: 2000}},
		{"section.main.title", surveys.TranslatableText{Key: "section.main.title", Pointer: "/sections/0/title",
			Kind: surveys.TextSectionTitle, SectionID: "main", SectionTitle: "Fritid", Source: "Fritid", MaxLength: 2000}},
		{"q.age_band.opt.16-19.label", surveys.TranslatableText{Key: "q.age_band.opt.16-19.label",
			Pointer: "/sections/0/questions/0/options/1/label", Kind: surveys.TextOption, SectionID: "main", SectionTitle: "Fritid",
			QuestionID: "age_band", QuestionType: surveys.SingleChoice, QuestionText: "Hur gammal är du?", Code: "16-19",
			Source: "16–19 år", Translation: "16–19 سنة", MaxLength: 2000, Required: true}},
		{"q.satisfied.labels.5", surveys.TranslatableText{Key: "q.satisfied.labels.5", Pointer: "/sections/0/questions/2/labels/5",
			Kind: surveys.TextScaleLabel, SectionID: "main", SectionTitle: "Fritid", QuestionID: "satisfied",
			QuestionType: surveys.Scale, QuestionText: "Hur nöjd är du?", Point: 5, Source: "Mycket", Translation: "راضٍ جداً",
			MaxLength: 2000, Required: true}},
		{"q.hours.unit", surveys.TranslatableText{Key: "q.hours.unit", Pointer: "/sections/0/questions/4/unit", Kind: surveys.TextUnit,
			SectionID: "main", SectionTitle: "Fritid", QuestionID: "hours", QuestionType: surveys.Number, QuestionText: "Timmar i veckan?",
			Source: "timmar", Translation: "ساعات", MaxLength: 40}},
		{"q.agree.stmt.heard.label", surveys.TranslatableText{Key: "q.agree.stmt.heard.label",
			Pointer: "/sections/0/questions/6/statements/1/label", Kind: surveys.TextStatement, SectionID: "main", SectionTitle: "Fritid",
			QuestionID: "agree", QuestionType: surveys.Matrix, QuestionText: "Håller du med?", Code: "heard",
			Source: "Jag blir lyssnad på", Translation: "يُستمع إليّ", MaxLength: 2000, Required: true}},
	} {
		if got := byKey[c.key]; !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.key, got, c.want)
		}
	}
	// A language the survey does not have: every translation is empty.
	for _, e := range d.Texts("fi") {
		if e.Translation != "" {
			t.Errorf("fi %s: %q", e.Key, e.Translation)
		}
	}
}

// The translator's file and the completeness report count the same texts,
// under the same pointers, for every example survey.
func TestTextsAreTheTextsTheCompletenessReportCounts(t *testing.T) {
	defs := map[string]*surveys.Definition{"small": smallDef(t), "sensitive": sensitiveDef(t)}
	for _, name := range []string{"safety-online-offline.json", "youth-policy-consultation.json"} {
		d, err := surveystest.Example(name)
		if err != nil {
			t.Fatal(err)
		}
		defs[name] = d
	}
	for name, d := range defs {
		// Remove one language from a few texts, so that Missing lists them.
		delete(d.Title, "en")
		delete(d.Questions()[0].Text, "en")
		texts := d.Texts("en")
		keys := map[string]bool{}
		for _, e := range texts {
			if keys[e.Key] {
				t.Errorf("%s: key %s twice", name, e.Key)
			}
			keys[e.Key] = true
		}
		report := d.TranslationReport()
		for _, r := range report {
			if r.Texts != len(texts) {
				t.Errorf("%s %s: report counts %d texts, the file %d", name, r.Language, r.Texts, len(texts))
			}
			if len(r.MissingTexts) != len(r.Missing) {
				t.Fatalf("%s %s: %d missing, %d missing texts", name, r.Language, len(r.Missing), len(r.MissingTexts))
			}
			for i, m := range r.MissingTexts {
				if m.Pointer != r.Missing[i] || m.Key == "" || !keys[m.Key] {
					t.Errorf("%s %s: missing text %+v for %s", name, r.Language, m, r.Missing[i])
				}
			}
		}
		en := report[slices.Index(d.Languages, "en")]
		q := d.Questions()[0]
		if len(en.MissingTexts) < 2 || en.MissingTexts[0].Key != "title" || en.MissingTexts[0].Source != d.Title[d.DefaultLanguage] ||
			!slices.Contains(en.MissingTexts, surveys.MissingTextEntry{Key: "q." + q.ID + ".text", Pointer: "/sections/0/questions/0/text", Source: q.Text[d.DefaultLanguage]}) {
			t.Errorf("%s: en missing %+v", name, en.MissingTexts)
		}
	}
}

func TestTranslationTarget(t *testing.T) {
	d := smallDef(t)
	for _, c := range []struct {
		lang, want string
		code       surveys.Code
	}{
		{"ar", "ar", ""},
		{"AR", "ar", ""},
		{"fi", "fi", ""}, // a language being added
		{"zh-hant", "zh-Hant", ""},
		{"sv", "", surveys.CodeSourceLanguage},
		{"SV", "", surveys.CodeSourceLanguage},
		{"not a language", "", surveys.CodeUnknownLanguage},
		{"", "", surveys.CodeUnknownLanguage},
	} {
		got, err := d.TranslationTarget(c.lang)
		if got != c.want || codeOf(err) != c.code {
			t.Errorf("%q: %q %v, want %q %s", c.lang, got, err, c.want, c.code)
		}
	}
}

func codeOf(err error) surveys.Code {
	var ve *surveys.ValidationError
	if errors.As(err, &ve) && len(ve.Errors) == 1 {
		return ve.Errors[0].Code
	}
	return ""
}

func TestApplyTexts(t *testing.T) {
	for _, c := range []struct {
		name string
		lang string
		rows []surveys.TextRow
		// what the report says
		added, changed, cleared, unchanged []string
		languageAdded                      bool
		// the texts afterwards, by key, in the target language
		after map[string]string
	}{
		{
			name: "change, clear, keep, add",
			lang: "ar",
			rows: []surveys.TextRow{
				{Row: 2, Key: "title", Text: " عنوان جديد \n"},
				{Row: 3, Key: "thank_you", Text: ""},
				{Row: 4, Key: "q.age_band.text", Text: "كم عمرك؟"},
				{Row: 5}, // an empty row
				{Row: 6, Key: "q.satisfied.labels.5", Text: "جداً"},
				{Row: 7, Key: "q.agree.stmt.safe.label", Text: "آمن"},
			},
			changed:   []string{"title", "q.satisfied.labels.5", "q.agree.stmt.safe.label"},
			cleared:   []string{"thank_you"},
			unchanged: []string{"q.age_band.text"},
			after: map[string]string{"title": "عنوان جديد", "thank_you": "", "q.satisfied.labels.5": "جداً",
				"q.agree.stmt.safe.label": "آمن", "q.why.text": "لماذا؟"},
		},
		{
			name:          "a new language",
			lang:          "FI",
			rows:          []surveys.TextRow{{Row: 2, Key: "title", Text: "Vapaa-aika"}, {Row: 3, Key: "q.hours.unit", Text: "tuntia"}, {Row: 4, Key: "thank_you"}},
			added:         []string{"title", "q.hours.unit"},
			unchanged:     []string{"thank_you"},
			languageAdded: true,
			after:         map[string]string{"title": "Vapaa-aika", "q.hours.unit": "tuntia", "thank_you": ""},
		},
		{
			name:      "a new language, nothing given",
			lang:      "fi",
			rows:      []surveys.TextRow{{Row: 2, Key: "title", Text: "  "}},
			unchanged: []string{"title"},
			after:     map[string]string{"title": ""},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := smallDef(t)
			before := smallDef(t)
			out, report, err := d.ApplyTexts(c.lang, c.rows)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d, before) {
				t.Error("ApplyTexts changed the definition it was given")
			}
			for _, l := range []struct {
				name      string
				got, want []string
			}{{"added", report.Added, c.added}, {"changed", report.Changed, c.changed}, {"cleared", report.Cleared, c.cleared},
				{"unchanged", report.Unchanged, c.unchanged}} {
				if len(l.got) != 0 || len(l.want) != 0 {
					if !slices.Equal(l.got, l.want) {
						t.Errorf("%s: %q, want %q", l.name, l.got, l.want)
					}
				}
			}
			if report.Counts != (surveys.TextCounts{Added: len(c.added), Changed: len(c.changed), Cleared: len(c.cleared), Unchanged: len(c.unchanged)}) {
				t.Errorf("counts %+v", report.Counts)
			}
			if report.LanguageAdded != c.languageAdded || slices.Contains(out.Languages, report.Language) != (c.languageAdded || slices.Contains(d.Languages, report.Language)) {
				t.Errorf("language added %v, languages %v", report.LanguageAdded, out.Languages)
			}
			got := map[string]surveys.TranslatableText{}
			for _, e := range out.Texts(report.Language) {
				got[e.Key] = e
			}
			for k, want := range c.after {
				if got[k].Translation != want {
					t.Errorf("%s: %q, want %q", k, got[k].Translation, want)
				}
			}
			// Every other language is as it was.
			for _, l := range d.Languages {
				if l == report.Language {
					continue
				}
				if !reflect.DeepEqual(out.Texts(l), d.Texts(l)) {
					t.Errorf("%s changed", l)
				}
			}
			if err := out.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestApplyTextsRefusesBadRows(t *testing.T) {
	d := smallDef(t)
	long := strings.Repeat("ب", 2001)
	_, _, err := d.ApplyTexts("ar", []surveys.TextRow{
		{Row: 2, Key: "title", Text: "عنوان"},
		{Row: 3, Key: "q.nope.text", Text: "x"},
		{Row: 4, Key: "title", Text: "مرة أخرى"},
		{Row: 5, Key: "q.why.text", Text: long},
		{Row: 6, Key: "q.hours.unit", Text: strings.Repeat("س", 41)},
		{Row: 7, Key: "q.hours.unit", Text: strings.Repeat("س", 40)},
		{Row: 8, Key: "", Text: "بلا مفتاح"},
		{Row: 9, Key: "q.why.help", Text: "لا يوجد"}, // no help in any language: not listed
	})
	var tp *surveys.TextProblems
	if !errors.As(err, &tp) {
		t.Fatalf("%v", err)
	}
	type row struct {
		Row     int
		Pointer string
		Code    surveys.Code
	}
	var got []row
	for _, p := range tp.Problems {
		got = append(got, row{p.Row, p.Pointer, p.Code})
		if p.Params["Row"] != p.Row || p.Params["Key"] != p.Key {
			t.Errorf("params %v", p.Params)
		}
	}
	want := []row{{3, "/rows/3/key", surveys.CodeUnknownKey}, {4, "/rows/4/key", surveys.CodeDuplicate},
		{5, "/rows/5/translation", surveys.CodeTooLong}, {6, "/rows/6/translation", surveys.CodeTooLong},
		{8, "/rows/8/key", surveys.CodeRequired}, {9, "/rows/9/key", surveys.CodeUnknownKey}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %v\nwant %v", got, want)
	}
	if tp.Problems[2].Params["Max"] != 2000 || tp.Problems[3].Params["Max"] != 40 {
		t.Errorf("limits: %v %v", tp.Problems[2].Params, tp.Problems[3].Params)
	}
	if !strings.Contains(err.Error(), "row 3 q.nope.text: unknown_key") {
		t.Errorf("error text %q", err.Error())
	}
}

func TestApplyTextsRefusesTheWrongLanguageAndTooManyRows(t *testing.T) {
	d := smallDef(t)
	if _, _, err := d.ApplyTexts("sv", []surveys.TextRow{{Row: 2, Key: "title", Text: "x"}}); codeOf(err) != surveys.CodeSourceLanguage {
		t.Errorf("default language: %v", err)
	}
	if _, _, err := d.ApplyTexts("xx-!!", nil); codeOf(err) != surveys.CodeUnknownLanguage {
		t.Errorf("bad language: %v", err)
	}
	rows := make([]surveys.TextRow, surveys.MaxTextRows+1)
	_, _, err := d.ApplyTexts("ar", rows)
	var tp *surveys.TextProblems
	if !errors.As(err, &tp) || tp.Problems[0].Code != surveys.CodeTooMany || tp.Problems[0].Pointer != "/rows" {
		t.Errorf("too many rows: %v", err)
	}
}

// The new definition is validated: a 21st language is refused.
func TestApplyTextsValidatesTheResult(t *testing.T) {
	d := smallDef(t)
	for _, l := range []string{"fi", "so", "uk", "es", "de", "fr", "it", "nl", "pl", "pt", "ru", "tr", "fa", "ur", "ps", "da", "nb"} {
		d.Languages = append(d.Languages, l)
	}
	if len(d.Languages) != surveys.MaxLanguages {
		t.Fatalf("%d languages", len(d.Languages))
	}
	_, _, err := d.ApplyTexts("is", []surveys.TextRow{{Row: 2, Key: "title", Text: "Frítími"}})
	var ve *surveys.ValidationError
	if !errors.As(err, &ve) || ve.Errors[0].Pointer != "/languages" || ve.Errors[0].Code != surveys.CodeTooMany {
		t.Errorf("%v", err)
	}
}
