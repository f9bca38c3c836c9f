package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// Arabic in the PDF report: shaping, the bidirectional algorithm, and
// whole reports read back with pdftotext (poppler-utils) and compared with
// the texts they were made from.

func TestPDFShapeArabic(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// seen initial, lam-alef final (the ligature is not optional),
		// meem isolated.
		{"سلام", "\uFEB3\uFEFC\uFEE1"},
		// lam-alef alone, and after a joining letter (feh initial, then
		// the final ligature).
		{"لا", "\uFEFB"},
		{"فلا", "\uFED3\uFEFC"},
		{"لأن", "\uFEF7\uFEE5"}, // the ligature does not join the noon
		// A mark between letters keeps their joins: beh initial + fatha,
		// teh final.
		{"بَت", "\uFE91\u064E\uFE96"},
		// A right-joining letter breaks the word: dal final, then waw
		// isolated (dal does not join the letter after it), reh isolated
		// (nor does waw).
		{"بدور", "\uFE91\uFEAA\uFEED\uFEAD"},
		// The zero width non-joiner keeps two letters apart (Persian);
		// the joiner joins a letter to nothing visible.
		{"می\u200cخواهم", "\uFEE3\uFBFD\u200c\uFEA7\uFEEE\uFE8D\uFEEB\uFEE2"},
		{"ب\u200d", "\uFE91\u200d"},
		// Alef maksura in the middle of a word takes its Forms-A medial.
		{"بىب", "\uFE91\uFBE9\uFE90"},
		// Latin and digits are left as they are.
		{"Abc 12 نعم", "Abc 12 \uFEE7\uFECC\uFEE2"},
	} {
		if got := pdfShapeArabic(c.in); got != c.want {
			t.Errorf("shape(%q) = %U, want %U", c.in, []rune(got), []rune(c.want))
		}
		// Every form is the letter it came from (NFKC).
		if back := norm.NFKC.String(pdfShapeArabic(c.in)); back != norm.NFKC.String(c.in) {
			t.Errorf("NFKC(shape(%q)) = %q", c.in, back)
		}
	}
	// The derived table: every form decomposes to its letter, dual-joining
	// letters have all four forms, and the font has every form.
	cov, err := pdfCoverage()
	if err != nil {
		t.Fatal(err)
	}
	letters := pdfArabicLetters()
	if len(letters) < 44 {
		t.Fatalf("%d letters shaped", len(letters))
	}
	for base, l := range letters {
		for i, f := range l.forms {
			if f == 0 {
				if l.join == joinDual || (l.join == joinRight && i < 2) || i == 0 {
					t.Errorf("%U (join %d) lacks form %d", base, l.join, i)
				}
				continue
			}
			if d := norm.NFKC.String(string(f)); d != string(base) {
				t.Errorf("form %U of %U decomposes to %q", f, base, d)
			}
			if !cov.has(f) {
				t.Errorf("the font lacks %U (form %d of %U)", f, i, base)
			}
		}
	}
	for c := rune(0x0621); c <= 0x064A; c++ {
		// 063B-063F are letters of other languages, without presentation
		// forms (refused: TestWritePDFScript).
		if _, ok := letters[c]; !ok && (c < 0x063B || c > 0x063F) {
			t.Errorf("letter %U of the Arabic alphabet is not shaped", c)
		}
	}
}

func TestPDFVisual(t *testing.T) {
	for _, c := range []struct {
		in   string
		rtl  bool
		want string
	}{
		{"abc", false, "abc"},
		{"abc", true, "abc"},
		{"אבג", true, "גבא"},
		// Numbers, dates and percentages stay left to right in RTL text.
		{"אב 12 (34.5%)", true, "(34.5%) 12 בא"},
		{"ג 2025-03-21", true, "2025-03-21 ג"},
		{"3 / 12", true, "12 / 3"},
		// Latin inside Arabic keeps its order; the run moves.
		{"أ PDF ب", true, "ب PDF أ"},
		// Arabic inside a left-to-right line is reversed in place.
		{"Title: אב (x)", false, "Title: בא (x)"},
		// Brackets are mirrored in RTL text; a trailing space is at the
		// end of the line, on its left.
		{"א (ב) ", true, " (ב) א"},
		// European digits after Arabic letters are Arabic numbers (W2):
		// still left to right.
		{"س 123 ص", true, "ص 123 س"},
		// A mark stays on its letter: reversed with it (drawn before it
		// left to right, as the font's zero-width marks expect).
		{"بَت", true, "تَب"},
	} {
		if got := pdfVisual(c.in, c.rtl); got != c.want {
			t.Errorf("visual(%q, rtl %v) = %q, want %q", c.in, c.rtl, got, c.want)
		}
	}
}

// pdfRealSummary is the export of n random answers to the example
// consultation in lang, built as the API builds it (BuildSummary with the
// server's messages), collected more than released so the status notes
// say why.
func pdfRealSummary(tb testing.TB, lang string, n int) *Summary {
	tb.Helper()
	rel, cat := pdfRealRelease(tb, lang, n, false)
	return BuildSummary(rel, lang, lang, cat)
}

// pdfRealRelease is pdfRealSummary's release, with weighted figures too
// (age band, gender and area weighted to a population) when weighted.
func pdfRealRelease(tb testing.TB, lang string, n int, weighted bool) (Release, *i18n.Catalog) {
	tb.Helper()
	def, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		tb.Fatal(err)
	}
	cat, err := i18n.New()
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, uint64(n)))
	tally := surveys.NewTally()
	for range n {
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
		tally.Add(def, &surveys.Response{Revision: 1, Lang: lang, Day: "2026-11-20", Answers: answers})
	}
	k := def.Threshold()
	rel := Release{SurveyID: "consultation", Revision: 1, Def: def, Protected: surveys.Disclose(def, tally, k), K: k,
		N: n, Day: "2026-11-30", Collected: n + 3*k/2}
	if weighted {
		m := &surveys.Margins{Missing: surveys.MissingExclude, Dimensions: []surveys.Dimension{
			{Question: "age_band", Totals: map[string]float64{"10-12": 20000, "13-15": 30000, "16-18": 30000, "19-25": 20000}},
			{Question: "gender", Totals: map[string]float64{"girl": 49000, "boy": 49500, "nonbinary": 1500}, NotStated: []string{"no_answer"}},
		}}
		if rel.Weighted, err = rel.Protected.Weighted(tally.Cells, m, lang, 95); err != nil {
			tb.Fatal(err)
		}
	}
	return rel, cat
}

// pdfToText is the text pdftotext reads from a PDF, or a skip when
// poppler-utils is missing (.ci/run installs it).
func pdfToText(t *testing.T, data []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed: the PDF's text cannot be read back")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// pdfWords is s after NFKC (presentation forms back to letters), as its
// words.
func pdfWords(s string) []string {
	s = norm.NFKC.String(s)
	s = strings.Map(func(c rune) rune {
		if unicode.Is(unicode.Cf, c) {
			return -1
		}
		return c
	}, s)
	return strings.Fields(s)
}

var pdfLamAlefMarks = regexp.MustCompile(`ل(\p{Mn}+)([اأإآ])`)

// pdfLetterWords are the words of s made of letters (with their marks),
// after NFKC, in order, and its numbers. pdftotext puts the characters of
// a line back in logical order by rules of its own, which place
// punctuation, brackets and numbers between right-to-left words
// differently from Unicode's algorithm (it reads "(ar)" drawn mirrored as
// ")(ar" and "1. كم" as ".1كم"), so the text read back is compared by
// its letter words in order and by its numbers.
//
// A lam-alef ligature carries the marks written between its lam and its
// alef after it ("لًا" prints as the ligature with its tanween, which
// reads back as "لاً"), so they are moved so in s as well.
func pdfLetterWords(s string) (words, numbers []string) {
	s = pdfLamAlefMarks.ReplaceAllString(norm.NFKC.String(s), "ل$2$1")
	split := func(keep func(rune) bool) []string {
		return strings.FieldsFunc(s, func(c rune) bool { return !keep(c) })
	}
	words = split(func(c rune) bool { return unicode.In(c, unicode.L, unicode.M) })
	numbers = split(unicode.IsDigit)
	return words, numbers
}

// TestWritePDFTextReadsBack writes the example consultation's report in
// Arabic and in English and reads the text back with pdftotext: after
// NFKC, every text the summary holds (title, questions, answers, the
// words of the tables, the status notes and the method note) is found
// word for word and in order, with its numbers, so Arabic letters were
// shaped into forms of the right letters, and each line, wrapped lines
// too, was put in an order that reads back as written. (Before, the
// Arabic report was refused with ErrScript.)
func TestWritePDFTextReadsBack(t *testing.T) {
	for _, lang := range []string{"ar", "en"} {
		t.Run(lang, func(t *testing.T) {
			// With weighted figures: their section and its words too.
			rel, cat := pdfRealRelease(t, lang, 120, true)
			s := BuildSummary(rel, lang, lang, cat)
			var buf bytes.Buffer
			if err := WritePDF(&buf, s); err != nil {
				t.Fatal(err)
			}
			if dir := os.Getenv("YOUTHVOICE_PDF_OUT"); dir != "" {
				// For looking at the pages: pdftoppm -png -r 80 DIR/report-ar.pdf DIR/ar
				if err := os.WriteFile(filepath.Join(dir, "report-"+lang+".pdf"), buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			read := pdfToText(t, buf.Bytes())
			gotWords, gotNumbers := pdfLetterWords(read)
			got := " " + strings.Join(gotWords, " ") + " "
			numbers := map[string]bool{}
			for _, n := range gotNumbers {
				numbers[n] = true
			}
			var texts []string
			texts = append(texts, s.Title)
			texts = append(texts, s.Notes...)
			texts = append(texts, s.Method...)
			lv := reflect.ValueOf(s.Labels)
			for i := range lv.NumField() {
				switch lv.Type().Field(i).Name {
				case "Legend", "Type", "CILow", "CIHigh": // the XLSX's (and CSV's) only
				case "Hidden", "Withheld", "Final": // none here
				default:
					texts = append(texts, lv.Field(i).String())
				}
			}
			for _, q := range s.Overall.Groups[0].Questions {
				texts = append(texts, q.Text)
				for _, o := range q.Options {
					texts = append(texts, o.Label)
				}
			}
			for _, d := range s.Weighted.Dimensions {
				for _, tot := range d.Totals {
					texts = append(texts, tot.Label)
				}
			}
			missing := 0
			for _, want := range texts {
				words, nums := pdfLetterWords(want)
				w := " " + strings.Join(words, " ") + " "
				ok := len(words) == 0 || strings.Contains(got, w)
				for _, n := range nums {
					ok = ok && numbers[n]
				}
				if !ok {
					missing++
					if missing <= 5 {
						t.Errorf("%s: not read back from the PDF: %q", lang, want)
					}
				}
			}
			if missing > 0 {
				t.Errorf("%s: %d of %d texts not read back; the text read:\n%.3000s", lang, missing, len(texts), read)
			}
			if lang == "ar" && len(gotWords) < 500 {
				t.Errorf("ar: only %d words read back", len(gotWords))
			}
		})
	}
}

// TestWritePDFRightToLeft checks the layout of an Arabic report: text
// starts at the right margin, a table's first column is on the right,
// and a chart's names are right of its bars, as pdftotext's word boxes
// place them.
func TestWritePDFRightToLeft(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed: the PDF's layout cannot be read back")
	}
	for _, lang := range []string{"ar", "en"} {
		s := pdfRealSummary(t, lang, 120)
		var buf bytes.Buffer
		if err := WritePDF(&buf, s); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		in := filepath.Join(dir, "r.pdf")
		if err := os.WriteFile(in, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, "-bbox", "-f", "1", "-l", "1", in, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext -bbox: %v", err)
		}
		// Where on page 1 (595 pt wide) the title's first word and the
		// key figures' first label ("Survey version") lie.
		first := pdfWords(s.Title)[0]
		label := pdfWords(s.Labels.Revision)[0]
		tx, ok1 := pdfWordX(string(out), first)
		lx, ok2 := pdfWordX(string(out), label)
		if !ok1 || !ok2 {
			t.Fatalf("%s: title word %q or label %q not on page 1", lang, first, label)
		}
		if lang == "ar" && (tx[1] < 520 || lx[1] < 520) {
			t.Errorf("ar: title word ends at %.0f pt, label at %.0f pt: not at the right margin (544 pt)", tx[1], lx[1])
		}
		if lang == "en" && (tx[0] > 60 || lx[0] > 60) {
			t.Errorf("en: title word starts at %.0f pt, label at %.0f pt: not at the left margin (51 pt)", tx[0], lx[0])
		}
	}
}

// pdfWordX finds word (compared after NFKC) in pdftotext's -bbox output
// and returns its left and right x.
func pdfWordX(html, word string) ([2]float64, bool) {
	for _, ln := range strings.Split(html, "\n") {
		i := strings.Index(ln, "<word ")
		if i < 0 {
			continue
		}
		j := strings.Index(ln, ">")
		k := strings.LastIndex(ln, "</word>")
		if j < 0 || k < j {
			continue
		}
		// -bbox gives a right-to-left word's characters in the order
		// drawn.
		got, w := []rune(norm.NFKC.String(ln[j+1:k])), norm.NFKC.String(word)
		back := slices.Clone(got)
		slices.Reverse(back)
		if string(got) != w && string(back) != w {
			continue
		}
		var x0, y0, x1, y1 float64
		if _, err := fmt.Sscanf(strings.TrimSpace(ln[i:j]), `<word xMin="%f" yMin="%f" xMax="%f" yMax="%f"`, &x0, &y0, &x1, &y1); err == nil {
			return [2]float64{x0, x1}, true
		}
	}
	return [2]float64{}, false
}

// pdfArabicTexts rewrites the words of the largest survey's texts in
// Arabic, so that the Arabic report has as much text to shape and order
// as the English one.
var pdfArabicTexts = strings.NewReplacer("Which one, question", "أيّ واحد، السؤال", "Option", "الخيار",
	"Statement", "العبارة", "of question", "من السؤال", "Not at all", "إطلاقًا", "Completely", "تمامًا",
	"The largest survey", "أكبر استبيان")

// pdfSetStrings replaces every settable string in v by fn of it.
func pdfSetStrings(v reflect.Value, fn func(string) string) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(fn(v.String()))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			pdfSetStrings(v.Elem(), fn)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			pdfSetStrings(v.Field(i), fn)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			pdfSetStrings(v.Index(i), fn)
		}
	}
}

// BenchmarkLargestSurveyPDFLanguage compares the report of the largest
// survey (200 questions of 60 options, 6,000 responses) in English and
// in Arabic (the same survey, its texts and the server's words in
// Arabic: shaped, reordered line by line, laid out right to left).
//
//	go test ./export -run '^$' -bench BenchmarkLargestSurveyPDFLanguage -benchtime 3x
func BenchmarkLargestSurveyPDFLanguage(b *testing.B) {
	for _, lang := range []string{"en", "ar"} {
		b.Run(lang, func(b *testing.B) {
			s := largestSummary(b, false, 6000)
			if lang == "ar" {
				def := largestDefinition(b, false)
				cat, err := i18n.New()
				if err != nil {
					b.Fatal(err)
				}
				ar := BuildSummary(Release{SurveyID: "largest", Revision: 1, Def: def, Protected: surveys.Disclose(def, surveys.NewTally(), def.Threshold()),
					K: def.Threshold(), N: 6000, Day: "2026-12-01", Collected: 6000}, "en", "ar", cat)
				s.Labels, s.Method, s.Notes = ar.Labels, ar.Method, ar.Notes
				s.Lang, s.Dir = "ar", "rtl"
				pdfSetStrings(reflect.ValueOf(s), pdfArabicTexts.Replace)
				cov, err := pdfCoverage()
				if err != nil || pdfCheckScript(s, cov) != nil || !strings.Contains(s.Overall.Groups[0].Questions[0].Options[0].Label, "الخيار") {
					b.Fatal("the Arabic summary is not printable Arabic")
				}
			}
			runtime.GC() // the set-up's garbage is not the report's
			b.ReportAllocs()
			size := 0
			for b.Loop() {
				var buf bytes.Buffer
				if err := WritePDF(&buf, s); err != nil {
					b.Fatal(err)
				}
				size = buf.Len()
			}
			b.ReportMetric(float64(size)/(1<<20), "pdf-MB")
		})
	}
}
