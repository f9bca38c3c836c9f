package xlsform

import (
	"slices"
	"testing"
)

func TestResolveLanguage(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"English (en)", "en"}, {"en", "en"}, {"EN", "en"}, {"English", "en"}, {"english", "en"},
		{"Svenska", "sv"}, {"Swedish", "sv"}, {"svenska (sv)", "sv"}, {"Arabic (ar)", "ar"}, {"العربية", "ar"},
		{"Somali", "so"}, {"Soomaali", "so"}, {"Українська", "uk"}, {"Español (es)", "es"}, {"French", "fr"},
		{"en_GB", "en-GB"}, {"Portuguese (pt-BR)", "pt-BR"}, {"zh-hant", "zh-Hant"}, {"Farsi", "fa"},
		{"Chinese (Traditional)", "zh-Hant"}, {"English (United Kingdom)", "en"},
		// As published forms write them (testdata/published: kobocat's
		// label::Tetun, koboloadeR's label::Dari).
		{"Tetun", "tet"}, {"Dari", "prs"}, {"Sorani", "ckb"}, {"Kurmanji", "kmr"},
	} {
		if got, ok := resolveLanguage(tc.in); !ok || got != tc.want {
			t.Errorf("resolveLanguage(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	for _, bad := range []string{"", "Klingonish", "xx", "(zz)", "1234", "default language"} {
		if got, ok := resolveLanguage(bad); ok {
			t.Errorf("resolveLanguage(%q) = %q, want not found", bad, got)
		}
	}
}

// TestLanguageHeaders reads the ways organisers write a language in a
// header, and reports the one it cannot tell as one problem naming its
// column.
func TestLanguageHeaders(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers []string
		want    []string
	}{
		{"spec form", []string{"label::English (en)", "label::Svenska (sv)"}, []string{"en", "sv"}},
		{"codes", []string{"label::en", "label::ar"}, []string{"en", "ar"}},
		{"single colon and names", []string{"label:English", "label:Arabic"}, []string{"en", "ar"}},
		{"lower-case names", []string{"label::english", "label::swedish"}, []string{"en", "sv"}},
		{"upper-case header", []string{"LABEL::English (en)", "Label::fi"}, []string{"en", "fi"}},
		{"names CLDR spells otherwise", []string{"label::Dari", "label::Sorani"}, []string{"prs", "ckb"}},
		{"more such names", []string{"label::Tetun", "label::Kurmanji"}, []string{"tet", "kmr"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustRead(t, sheetRows{name: "survey", rows: [][]string{
				append([]string{"type", "name"}, tc.headers...),
				{"text", "q", "one", "two"},
			}}, settingsSheet([]string{"form_title"}, []string{"T"}))
			d := res.Definition
			if !slices.Equal(d.Languages, tc.want) || d.DefaultLanguage != tc.want[0] {
				t.Errorf("languages %v default %s, want %v", d.Languages, d.DefaultLanguage, tc.want)
			}
			if q := d.Question("q"); q.Text[tc.want[0]] != "one" || q.Text[tc.want[1]] != "two" {
				t.Errorf("text %v", q.Text)
			}
		})
	}
	t.Run("plain label in the default language", func(t *testing.T) {
		res := mustRead(t, sheetRows{name: "survey", rows: [][]string{
			{"type", "name", "label", "label::Arabic (ar)"}, {"text", "q", "one", "اثنان"},
		}}, settingsSheet([]string{"form_title", "default_language"}, []string{"T", "Svenska"}))
		d := res.Definition
		if d.DefaultLanguage != "sv" || !slices.Equal(d.Languages, []string{"sv", "ar"}) || d.Question("q").Text["sv"] != "one" {
			t.Errorf("default %s languages %v text %v", d.DefaultLanguage, d.Languages, d.Question("q").Text)
		}
		if len(res.Warnings) != 0 {
			t.Errorf("warnings %+v", res.Warnings)
		}
	})
	t.Run("no default language", func(t *testing.T) {
		res := mustRead(t, sheetRows{name: "survey", rows: [][]string{{"type", "name", "label"}, {"text", "q", "one"}}})
		if res.Definition.DefaultLanguage != "en" || !hasProblem(res.Warnings, "settings", 0, "default_language", CodeLanguageAssumed) ||
			!hasProblem(res.Warnings, "settings", 0, "form_title", CodeTitleAssumed) {
			t.Errorf("%s %+v", res.Definition.DefaultLanguage, res.Warnings)
		}
		if res.Definition.Title["en"] != "Untitled survey" {
			t.Errorf("title %v", res.Definition.Title)
		}
	})
	t.Run("one language twice", func(t *testing.T) {
		ps := problems(t, sheetRows{name: "survey", rows: [][]string{
			{"type", "name", "label::en", "label::English (en)"}, {"text", "q", "one", "two"},
		}})
		if len(ps) != 1 || !hasProblem(ps, "survey", 1, "label::English (en)", CodeDuplicateColumn) {
			t.Errorf("%+v", ps)
		}
	})
	t.Run("unknown language", func(t *testing.T) {
		ps := problems(t, sheetRows{name: "survey", rows: [][]string{
			{"type", "name", "label::English (en)", "label::Elvish"}, {"text", "q", "one", "two"},
		}})
		if len(ps) != 1 || !hasProblem(ps, "survey", 1, "label::Elvish", CodeLanguageUnknown) || ps[0].Params["Language"] != "Elvish" {
			t.Errorf("%+v", ps)
		}
	})
}
