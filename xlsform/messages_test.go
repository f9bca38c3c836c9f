package xlsform

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/i18n"
)

// TestMessagesRender: the message of every problem and warning that
// pyxform's forms, the published forms (testdata/published) and the tests'
// workbooks give is filled in every language the server speaks: no
// template field is left without a value.
func TestMessagesRender(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	var all []Problem
	files, _ := filepath.Glob("testdata/pyxform/*.xlsx")
	published, _ := filepath.Glob("testdata/published/*/*.xlsx")
	files = append(files, published...)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := read(t, b)
		var e *Error
		switch {
		case errors.As(err, &e):
			all = append(all, e.Problems...)
		case err == nil:
			all = append(all, res.Warnings...)
		}
	}
	all = append(all, problems(t, sheetRows{name: "survey", rows: [][]string{surveyHeader,
		r("range", "a", "A?", "", "", "", "", "", "start=x"), r("select_one", "b", "B?"), r("select_one nolist", "c", "C?"),
		r("select_one yn extra words", "d", "D?"), r("text", "e", "E?", "", "maybe"),
	}}, choicesSheet(r("yn", "yes", "Yes")), settingsSheet([]string{"default_language", "youthvoice::k", "youthvoice::sensitive"},
		[]string{"Elvish", "x", "yes"}))...)
	res := mustRead(t, sheetRows{name: "survey", rows: [][]string{surveyHeader,
		r("note", "n", "Hello"), r("start", "start"), r("select_one yn or_other", "q", "Q?", "", "", "", "", "quick"),
		r("range", "g", "G?", "", "", "", "", "", "start=1 end=5 step=1"), r("decimal", "h", "H?", "", "", "", ". > 0 and . < 1"),
		r("text", "i", "I?", "", "", "", "regex(., '^a')"), r("note", "last", "Bye"),
	}}, choicesSheet(r("yn", "yes", "Yes")))
	all = append(all, res.Warnings...)
	codes := map[Code]bool{}
	for _, p := range all {
		codes[p.Code] = true
		fe := p.FieldError()
		for _, lang := range cat.Languages() {
			msg := cat.Message(lang, "field."+string(fe.Code), fe.Params)
			if strings.Contains(msg, "<no value>") || strings.Contains(msg, "{{") || msg == "field."+string(fe.Code) {
				t.Errorf("%s in %s: %q (params %v)", fe.Code, lang, msg, fe.Params)
			}
		}
	}
	t.Logf("%d codes", len(codes))
	if len(codes) < 30 {
		t.Errorf("only %d codes met: the test reads too little", len(codes))
	}
}
