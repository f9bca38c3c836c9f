package xlsform

import (
	"regexp"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/youthvoice/youthvoice/surveys"
)

// languageNames maps language names, lower-cased, to codes: the English
// name of every language CLDR names ("swedish" -> "sv") and its own name
// ("svenska" -> "sv"), so that headers written label::English or
// label:Svenska are understood as well as label::English (en).
var languageNames = sync.OnceValue(func() map[string]string {
	names := map[string]string{}
	add := func(name, code string) {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			return
		}
		// The shortest code wins a name two codes share ("en" over "eng").
		if old, ok := names[name]; ok && len(old) <= len(code) {
			return
		}
		names[name] = code
	}
	english := display.English.Languages()
	for _, b := range display.Values.BaseLanguages() {
		t, err := language.Compose(b)
		if err != nil {
			continue
		}
		code := t.String()
		add(english.Name(t), code)
		add(display.Self.Name(t), code)
	}
	// Names organisers write that CLDR spells otherwise or does not name
	// (published forms write label::Tetun for CLDR's Tetum, label::Dari,
	// which CLDR names only as Persian (Afghanistan), and the Kurdish
	// varieties by their own names).
	for name, code := range map[string]string{
		"farsi": "fa", "persian": "fa", "kiswahili": "sw", "chinese (simplified)": "zh-Hans",
		"chinese (traditional)": "zh-Hant", "bangla": "bn", "myanmar": "my", "tagalog": "fil",
		"tetun": "tet", "dari": "prs", "sorani": "ckb", "kurmanji": "kmr",
	} {
		add(name, code)
	}
	return names
})

var (
	// languageInParens is "English (en)", the form the XLSForm
	// specification recommends.
	languageInParens = regexp.MustCompile(`^(.*?)\s*\(([^()]*)\)\s*$`)
	// tagLike is a code as organisers write them: en, EN, en-GB, en_GB,
	// zh-Hant.
	tagLike = regexp.MustCompile(`^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,3}$`)
)

// resolveLanguage maps a language as written in a header ("English (en)",
// "en", "English", "english", "Svenska") to a code in canonical case. It
// reports false when it cannot tell which language is meant.
func resolveLanguage(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	if m := languageInParens.FindStringSubmatch(s); m != nil {
		if code, ok := parseTag(m[2]); ok {
			return code, true
		}
		if code, ok := languageNames()[strings.ToLower(s)]; ok {
			return code, true
		}
		s = m[1]
	}
	if code, ok := languageNames()[strings.ToLower(s)]; ok {
		return code, true
	}
	return parseTag(s)
}

// parseTag reads a language code, written in any case and with "_" or
// "-", as a canonical code; it must name a known language.
func parseTag(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !tagLike.MatchString(s) {
		return "", false
	}
	s = strings.ReplaceAll(s, "_", "-")
	t, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	if _, conf := t.Base(); conf != language.Exact {
		return "", false
	}
	return surveys.CanonicalLanguage(s), true
}

// languageHeader is how Write names a language: "Swedish (sv)", which
// pyxform and ODK show as the language's name and Read maps back by its
// code.
func languageHeader(code string) string {
	t, err := language.Parse(code)
	if err != nil {
		return code
	}
	name := display.English.Tags().Name(t)
	if name == "" {
		return code
	}
	return name + " (" + code + ")"
}
