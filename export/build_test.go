package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// builtRelease is the example consultation's release of n random
// responses, as the API cuts it.
func builtRelease(tb testing.TB, n int) Release {
	tb.Helper()
	def, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, uint64(n)))
	t := surveys.NewTally()
	for i := range n {
		raw := map[string]json.RawMessage{}
		for id, v := range simulate.Answers(def, rng) {
			if raw[id], err = json.Marshal(v); err != nil {
				tb.Fatal(err)
			}
		}
		answers, err := def.ParseAnswers(raw)
		if err != nil {
			tb.Fatal(err)
		}
		t.Add(def, &surveys.Response{Revision: 1, Lang: def.DefaultLanguage, Day: fmt.Sprintf("2026-11-%02d", 1+i%28), Answers: answers})
	}
	k := def.Threshold()
	return Release{SurveyID: "s1", Revision: 1, Def: def, Protected: surveys.Disclose(def, t, k), K: k, N: n, Day: "2026-12-01", Collected: n}
}

// The method note says which counts are never shown as people say it,
// "from 1 to 9" (k = 10), in every language the server speaks; it used to
// say "between 1 and 10 minus 1".
func TestMethodNoteSaysTheSmallCountsPlainly(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	rel := builtRelease(t, 60)
	minus := []string{"minus", "ناقص", "miinus", "laga jaray", "мінус", "menos"}
	for _, lang := range cat.Languages() {
		s := BuildSummary(rel, rel.Def.DefaultLanguage, lang, cat)
		threshold := cat.Message(lang, "export.method.threshold", map[string]any{"K": rel.K, "Max": rel.K - 1})
		found := false
		for _, p := range s.Method {
			found = found || p == threshold
		}
		if !found {
			t.Errorf("%s: the threshold paragraph is not in the method note %q", lang, s.Method)
			continue
		}
		if !strings.Contains(threshold, strconv.Itoa(rel.K-1)) || strings.Contains(threshold, "{{") {
			t.Errorf("%s: %q does not name %d", lang, threshold, rel.K-1)
		}
		for _, m := range minus {
			if strings.Contains(strings.ToLower(threshold), m) {
				t.Errorf("%s: %q says %q", lang, threshold, m)
			}
		}
		// The legend explains the marker of suppressed counts and
		// withheld statistics in the same words.
		if l := s.Labels.Legend; !strings.Contains(l, s.Labels.Suppressed) || !strings.Contains(l, strconv.Itoa(rel.K)) || strings.Contains(l, "{{") {
			t.Errorf("%s: legend %q", lang, l)
		}
		// The status notes are apart from the method, and the files
		// print both.
		if len(s.Notes) == 0 || strings.Join(s.methodNote(), "\n") != strings.Join(append(append([]string{}, s.Notes...), s.Method...), "\n") {
			t.Errorf("%s: notes %q, method note %q", lang, s.Notes, s.methodNote())
		}
	}
}

// The status notes read right when one more is needed: no "1 more
// responses" or "about 1 more respondents" in any language (the numbers
// stand where no noun agrees with them).
func TestStatusNotesWithOneNeeded(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	st := surveys.ReleaseStatus{Collected: 10, Released: 10, K: 5, NextReleaseIn: 1,
		HeldBack: []surveys.HeldBack{{Question: "age_band", Group: "10-12", Label: "10–12", Needs: 1}}}
	wrong := regexp.MustCompile(`\b1 (more )?(responses|respondents|respuestas|personas|respondenter|jawaabood|ka-jawaabayaal)\b|unas 1\b`)
	for _, lang := range cat.Languages() {
		for _, none := range []bool{false, true} {
			for _, n := range StatusNotes(st, none, lang, cat) {
				if wrong.MatchString(n) || !strings.ContainsAny(n, "0123456789") {
					t.Errorf("%s: %q", lang, n)
				}
			}
		}
	}
}

// Every summary file says how many responses were collected and how many
// are released, and why they differ: responses after the last release
// wait until k new ones have come (export.status.held; before, the notes
// gave both numbers and how many more the next release needs, but not
// why the rest was missing), and after the close the last few stay out
// for good (export.status.final_unreleased).
func TestStatusNotesSayWhyCollectedAndReleasedDiffer(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range cat.Languages() {
		held := cat.Message(lang, "export.status.held", map[string]any{"K": 10})
		final := cat.Message(lang, "export.status.final_unreleased", map[string]any{"K": 10})
		if held == "" || held == "export.status.held" || !strings.Contains(held, "10") {
			t.Errorf("%s: held note %q", lang, held)
		}
		has := func(notes []string, s string) bool { return slices.Contains(notes, s) }
		open := StatusNotes(surveys.ReleaseStatus{Collected: 130, Released: 120, K: 10, NextReleaseIn: 1}, false, lang, cat)
		if !has(open, held) {
			t.Errorf("%s: open survey, 130 collected, 120 released: notes %q lack why", lang, open)
		}
		closed := StatusNotes(surveys.ReleaseStatus{Collected: 120, Released: 120, K: 10, Final: true, Unreleased: true}, false, lang, cat)
		if !has(closed, final) || has(closed, held) {
			t.Errorf("%s: closed survey: notes %q", lang, closed)
		}
		same := StatusNotes(surveys.ReleaseStatus{Collected: 120, Released: 120, K: 10, NextReleaseIn: 10}, false, lang, cat)
		if has(same, held) {
			t.Errorf("%s: nothing held back, yet %q", lang, same)
		}
	}
	// In every format, in English and in Arabic (the PDF's text is read
	// back in TestWritePDFTextReadsBack, which looks for every note).
	for _, lang := range []string{"en", "ar"} {
		s := pdfRealSummary(t, lang, 120)
		held := cat.Message(lang, "export.status.held", map[string]any{"K": s.K})
		collected := cat.Message(lang, "export.status.collected", map[string]any{"Collected": s.Status.Collected, "Released": s.Status.Released, "K": s.K})
		if s.Status.Collected <= s.Status.Released || !slices.Contains(s.Notes, held) || !slices.Contains(s.Notes, collected) {
			t.Fatalf("%s: status %+v, notes %q", lang, s.Status, s.Notes)
		}
		var c, x, j bytes.Buffer
		if err := WriteCSV(&c, s); err != nil {
			t.Fatal(err)
		}
		if err := WriteXLSX(&x, s); err != nil {
			t.Fatal(err)
		}
		if err := json.NewEncoder(&j).Encode(s); err != nil {
			t.Fatal(err)
		}
		var doc Document
		if err := json.Unmarshal(j.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(doc.Notes, held) || !slices.Contains(doc.Notes, collected) || doc.Status.Collected != s.Status.Collected || doc.Status.Released != s.Status.Released {
			t.Errorf("%s: json notes %q, status %+v", lang, doc.Notes, doc.Status)
		}
		if !strings.Contains(c.String(), held) || !strings.Contains(c.String(), collected) {
			t.Errorf("%s: the CSV lacks the status notes", lang)
		}
		f, err := excelize.OpenReader(&x)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, sheet := range f.GetSheetList() {
			rows, err := f.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range rows {
				for _, cell := range row {
					if cell == held || cell == collected {
						found++
					}
				}
			}
		}
		if found < 2 {
			t.Errorf("%s: the XLSX holds %d of the 2 status notes", lang, found)
		}
	}
}
