package i18n_test

import (
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/i18n"
)

// The rule of docs/surveys.md, "Which language": the requested languages
// in order, each matched exactly or by base language and script, then the
// default; never another language that CLDR deems close.
func TestMatcherRule(t *testing.T) {
	svEnAr := []string{"sv", "en", "ar"}
	cases := []struct {
		name             string
		codes            []string
		explicit, accept string
		want             string
	}{
		// The reported surprises: x/text's matcher gave en, sv, sv.
		{"somali falls back to the default", svEnAr, "so", "", "sv"},
		{"finnish does not find swedish", svEnAr, "fi", "", "sv"},
		{"ukrainian does not find anything", svEnAr, "uk", "", "sv"},
		{"ukrainian does not find english", []string{"en", "sv"}, "", "uk", "en"},
		{"ukrainian does not find russian", []string{"sv", "ru"}, "uk", "", "sv"},
		{"norwegian does not find swedish", svEnAr, "", "nb", "sv"},
		{"catalan does not find spanish", []string{"en", "es"}, "ca", "", "en"},

		{"exact", svEnAr, "ar", "", "ar"},
		{"upper case", svEnAr, "AR", "", "ar"},
		{"region finds the base language", svEnAr, "sv-FI", "", "sv"},
		{"region in the header", svEnAr, "", "ar-SA,ar;q=0.9", "ar"},
		{"underscore", svEnAr, "en_GB", "", "en"},
		{"explicit wins", svEnAr, "en", "ar", "en"},
		{"unsupported explicit gives way to the header", svEnAr, "so", "ar", "ar"},
		{"malformed explicit gives way to the header", svEnAr, "!!bad", "en", "en"},
		{"order of the header", svEnAr, "", "de, fi;q=0.9, en;q=0.8, ar;q=0.7", "en"},
		{"q-values, not position", svEnAr, "", "ar;q=0.2, en;q=0.9", "en"},
		{"equal q keep their order", svEnAr, "", "ar;q=0.5, en;q=0.5", "ar"},
		{"q=0 refuses", svEnAr, "", "en;q=0, ar;q=0.1", "ar"},
		{"wildcard is the default", svEnAr, "", "*, ar;q=0.1", "ar"},
		{"a malformed entry does not spoil the header", svEnAr, "", "x!!, ar", "ar"},
		{"bad q spoils only its entry", svEnAr, "", "en;q=abc, ar;q=0.5", "ar"},
		{"nothing asked", svEnAr, "", "", "sv"},
		{"no languages", nil, "sv", "", ""},

		{"traditional stays traditional", []string{"en", "zh-Hans", "zh-Hant"}, "zh-Hant", "", "zh-Hant"},
		{"taiwan is traditional", []string{"en", "zh-Hans", "zh-Hant"}, "zh-TW", "", "zh-Hant"},
		{"china is simplified", []string{"en", "zh-Hans", "zh-Hant"}, "zh-CN", "", "zh-Hans"},
		{"traditional never finds simplified", []string{"en", "zh-Hans"}, "zh-Hant", "", "en"},
		{"traditional never finds plain zh", []string{"en", "zh"}, "zh-Hant", "", "en"},
		{"plain zh finds simplified", []string{"en", "zh-Hans"}, "zh", "", "zh-Hans"},
		{"latin serbian never finds cyrillic", []string{"en", "sr"}, "sr-Latn", "", "en"},
		{"latin serbian finds latin", []string{"en", "sr", "sr-Latn"}, "sr-Latn-RS", "", "sr-Latn"},

		{"same region first", []string{"en", "pt-PT", "pt-BR"}, "pt-BR", "", "pt-BR"},
		{"no region before another region", []string{"pt-PT", "en", "pt"}, "pt-BR", "", "pt"},
		{"first listed among other regions", []string{"en", "pt-PT", "pt-AO"}, "pt-BR", "", "pt-PT"},
		{"plain finds a regional one", []string{"en", "pt-BR"}, "pt", "", "pt-BR"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := i18n.NewMatcher(tc.codes).Best(tc.explicit, tc.accept); got != tc.want {
				t.Errorf("%v: Best(%q, %q) = %q, want %q", tc.codes, tc.explicit, tc.accept, got, tc.want)
			}
		})
	}
}

// The server's own messages follow the same rule over the languages it
// speaks, with English last: a Somali speaker gets Somali, a German
// speaker English.
func TestCatalogNegotiatesByTheSameRule(t *testing.T) {
	c, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ explicit, accept, want string }{
		{"so", "", "so"}, {"de", "", "en"}, {"", "nb, da;q=0.5", "en"}, {"", "sv-FI", "sv"},
		{"ru", "uk;q=0.5", "uk"}, {"fa", "", "en"}, {"es-MX", "", "es"},
	} {
		if got := c.Negotiate(tc.explicit, tc.accept); got != tc.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", tc.explicit, tc.accept, got, tc.want)
		}
	}
}

// A header of thousands of entries is read only up to its first few
// languages: what comes after them is not considered.
func TestPrefsAreBounded(t *testing.T) {
	m := i18n.NewMatcher([]string{"sv", "ar"})
	long := strings.Repeat("de, ", 5000) + "ar"
	if got := m.Best("", long); got != "sv" {
		t.Errorf("ar after 5,000 entries: %q", got)
	}
	if got := m.Best("", strings.Repeat("x!!, ", 5000)+"ar"); got != "sv" {
		t.Errorf("ar after 5,000 malformed entries: %q", got)
	}
	if got := m.Best("", "de, fr, it, ar"); got != "ar" {
		t.Errorf("short header: %q", got)
	}
}

// Choosing among a survey's languages for a parsed request allocates
// nothing: the app's list does it once per survey on the page.
func TestPickAllocatesNothing(t *testing.T) {
	m := i18n.NewMatcher([]string{"sv", "en", "ar", "zh-Hant"})
	p := i18n.ParsePrefs("", "fi, zh-TW;q=0.8, en;q=0.5")
	if got := m.Pick(p); got != "zh-Hant" {
		t.Fatalf("Pick = %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { m.Pick(p) }); n != 0 {
		t.Errorf("Pick allocates %v times", n)
	}
}
