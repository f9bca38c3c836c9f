package surveys

import (
	"strings"

	"golang.org/x/text/language"
)

// CanonicalLanguage is a language code in BCP 47's canonical case: "SO" is
// "so", "sv-se" is "sv-SE", "zh-hant" is "zh-Hant". Tags are
// case-insensitive (RFC 5646, 2.1.1), so a survey written with "SO" means
// Somali; it keys its texts, and is matched, by the one canonical form.
// Only the case changes: a code that is not a valid tag, or whose
// canonical form is another code (the deprecated "iw" is "he"), is
// returned as it is, for validation to report as written.
func CanonicalLanguage(code string) string {
	if code == "" || len(code) > maxLanguageCode {
		return code
	}
	t, err := language.Parse(code)
	if err != nil {
		return code
	}
	if s := t.String(); s != code && strings.EqualFold(s, code) {
		return s
	}
	return code
}

// maxLanguageCode is the longest language code a survey may use.
const maxLanguageCode = 16
