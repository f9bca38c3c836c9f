package api

import (
	"fmt"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

// A dry run's previews stop at maxPreviewBytes: a survey whose texts exist
// only in its default language is rendered in that language for each of
// its 20 languages, and 20 such previews of a large survey would be 20
// times the body. The default language comes first and is always shown;
// the languages left out are named.
func TestPreviewsAreBounded(t *testing.T) {
	langs := []string{"sv", "en", "ar", "fi", "so", "uk", "es", "de", "fr", "it", "pl", "pt", "tr", "fa", "ku", "ro", "ru", "zh", "ja", "ko"}
	d := &surveys.Definition{DefaultLanguage: "sv", Languages: langs, Title: surveys.Text{"sv": "Stor"}, ThankYou: surveys.Text{"sv": "Tack"}}
	qs := make([]surveys.Question, surveys.MaxQuestions)
	for i := range qs {
		qs[i] = surveys.Question{ID: fmt.Sprintf("q%d", i), Type: surveys.FreeText, Text: surveys.Text{"sv": strings.Repeat("å", surveys.MaxTextLength)}}
	}
	d.Sections = []surveys.Section{{ID: "s", Questions: qs}}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	out, left := previews("", 1, d)
	size := 0
	for _, b := range out {
		size += len(b)
	}
	if size > maxPreviewBytes || len(out) == 0 || len(left) == 0 || len(out)+len(left) != len(langs) {
		t.Fatalf("%d previews of %d bytes, %d left out", len(out), size, len(left))
	}
	if _, ok := out["sv"]; !ok {
		t.Error("the default language's preview was left out")
	}
	if left[len(left)-1] != "ko" {
		t.Errorf("left out %v: not the last languages", left)
	}
	// A small survey is previewed in every language.
	small := &surveys.Definition{DefaultLanguage: "sv", Languages: langs, Title: surveys.Text{"sv": "Liten"}}
	if out, left := previews("", 1, small); len(out) != len(langs) || len(left) != 0 {
		t.Errorf("small survey: %d previews, %v left out", len(out), left)
	}
}
