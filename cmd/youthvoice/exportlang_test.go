package main

import (
	"errors"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

// The command's --lang: the survey's default when empty, a survey
// language exactly or by base language, and a language the survey lacks
// refused (it used to label a Swedish file "so").
func TestExportLanguage(t *testing.T) {
	def := &surveys.Definition{DefaultLanguage: "sv", Languages: []string{"en", "sv", "ar"}}
	for _, c := range []struct{ asked, want string }{
		{"", "sv"}, {"sv", "sv"}, {"en", "en"}, {"ar", "ar"}, {"sv-FI", "sv"}, {"en-GB", "en"},
		{"so", ""}, {"fi", ""}, {"uk", ""}, {"not a language", ""},
	} {
		got, err := exportLanguage(def, c.asked)
		var usage usageError
		switch {
		case c.want == "" && !errors.As(err, &usage):
			t.Errorf("%q: got %q, %v; want a usage error", c.asked, got, err)
		case c.want != "" && (err != nil || got != c.want):
			t.Errorf("%q: got %q, %v; want %q", c.asked, got, err, c.want)
		}
	}
}
