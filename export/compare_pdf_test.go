package export

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestComparisonPDF writes a comparison by group as a PDF in English and
// in Arabic (right to left) and reads it back with pdftotext: the title,
// the waves, the level and the breakdown, every heading and column name,
// the questions, the answers, the groups with why one is not compared,
// the notes, the mark of a significant difference and the method are
// found word for word and in order, and the differences' numbers with
// them; a significant difference is marked with "*" and says whether it
// rose or fell. Text in a script the PDF cannot show is ErrScript, and
// nothing is written.
func TestComparisonPDF(t *testing.T) {
	for _, lang := range []string{"en", "ar"} {
		t.Run(lang, func(t *testing.T) {
			d := groupedComparison(t, lang)
			var buf bytes.Buffer
			if err := WriteComparisonPDF(&buf, d); err != nil {
				t.Fatal(err)
			}
			pdfCheckStructure(t, buf.Bytes())
			if dir := os.Getenv("YOUTHVOICE_PDF_OUT"); dir != "" {
				// For looking at the pages: pdftoppm -png -r 80 DIR/compare-ar.pdf DIR/ar
				if err := os.WriteFile(filepath.Join(dir, "compare-"+lang+".pdf"), buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			read := pdfToText(t, buf.Bytes())
			gotWords, gotNumbers := pdfLetterWords(read)
			got := " " + strings.Join(gotWords, " ") + " "
			if len(gotWords) < 1000 {
				t.Fatalf("only %d words read back", len(gotWords))
			}
			l := d.Labels
			texts := []string{d.Current.Title, d.Previous.Title, d.ByText, l.Report, l.Survey, l.Current, l.Previous, l.Level, l.By,
				l.Everyone, l.Group, l.Option, l.CI, l.Difference, l.Significant, l.Suppressed, l.Hidden, l.Responses, l.Released,
				l.Revision, l.Method, l.Mark, l.Higher}
			texts = append(append(texts, d.Notes...), d.Method...)
			for _, q := range d.Questions {
				texts = append(texts, q.Text)
				for _, r := range q.Rows {
					texts = append(texts, r.Label)
				}
			}
			if len(d.LeftOut) > 0 {
				texts = append(texts, l.LeftOutSheet, l.Reason, d.LeftOut[0].Why)
			}
			var marks, flagged int
			for _, g := range d.Groups {
				texts = append(texts, g.Label)
				if g.Why != "" {
					texts = append(texts, g.Why)
				}
				for _, q := range g.Questions {
					for _, r := range q.Rows {
						if r.Difference != nil && r.Difference.Significant {
							flagged++
						}
					}
				}
			}
			for _, q := range d.Questions {
				for _, r := range q.Rows {
					if r.Difference != nil && r.Difference.Significant {
						flagged++
					}
				}
			}
			marks = strings.Count(read, "*") - 1 // the mark's own explanation starts with one
			if flagged == 0 || marks != flagged {
				t.Errorf("%d differences marked significant, %d in the comparison", marks, flagged)
			}
			missing := 0
			for _, want := range texts {
				words, nums := pdfLetterWords(want)
				ok := len(words) == 0 || strings.Contains(got, " "+strings.Join(words, " ")+" ") || pdfWordsInOrder(gotWords, words, 40)
				for _, n := range nums {
					ok = ok && slices.Contains(gotNumbers, n)
				}
				if !ok {
					if missing++; missing <= 5 {
						t.Errorf("not read back: %q", want)
					}
				}
			}
			if missing > 0 {
				t.Errorf("%d of %d texts not read back; the text:\n%.2000s", missing, len(texts), read)
			}
			// Every difference's number, as the report writes it.
			r := &comparePDF{r: newPDFReport(&Summary{Lang: d.Lang}, nil), d: d, l: &d.Labels}
			for _, q := range d.Questions {
				for _, row := range q.Rows {
					if row.Difference == nil {
						continue
					}
					_, nums := pdfLetterWords(r.signed(row.Difference.Value, comparePlaces(row)))
					for _, n := range nums {
						if !slices.Contains(gotNumbers, n) {
							t.Errorf("%s/%s: the difference %v not read back", q.ID, row.Code, row.Difference.Value)
						}
					}
				}
			}
		})
	}
	d := groupedComparison(t, "en")
	d.Questions[0].Text = "नमस्ते"
	var buf bytes.Buffer
	if err := WriteComparisonPDF(&buf, d); !errors.Is(err, ErrScript) || buf.Len() != 0 {
		t.Fatalf("Devanagari: %v, %d bytes", err, buf.Len())
	}
	if err := WriteComparisonPDF(&buf, nil); err == nil {
		t.Fatal("no comparison: no error")
	}
}

// pdfWordsInOrder: want's words are in got in order, with at most gap
// other words between two of them. pdftotext reads a table row by row
// but a cell's wrapped lines between the other cells' text, and a
// paragraph that runs onto the next page with the page's footer inside.
func pdfWordsInOrder(got, want []string, gap int) bool {
	for start := range got {
		if got[start] != want[0] {
			continue
		}
		i, j := start+1, 1
		for j < len(want) && i < len(got) && i-start <= (j+1)*gap {
			if got[i] == want[j] {
				j++
			}
			i++
		}
		if j == len(want) {
			return true
		}
	}
	return false
}

// Without a breakdown the report has the comparison of everyone under
// the comparison's heading, and the marks say which way a difference
// went: "Higher" above 0, "Lower" below.
func TestComparisonPDFWithoutGroups(t *testing.T) {
	d := builtComparison(t, "sv", "sv", 90)
	x := &comparePDF{r: newPDFReport(&Summary{Lang: d.Lang}, nil), d: d, l: &d.Labels}
	var up, down int
	for _, q := range d.Questions {
		for _, r := range q.Rows {
			cells := x.difference(r)
			switch {
			case r.Difference == nil:
				if cells[0] != "–" || cells[2] != "" {
					t.Errorf("%s/%s: no difference, cells %q", q.ID, r.Code, cells)
				}
			case !r.Difference.Significant:
				if strings.HasSuffix(cells[0], "*") || cells[2] != "" {
					t.Errorf("%s/%s: not significant, cells %q", q.ID, r.Code, cells)
				}
			case r.Difference.Value > 0:
				up++
				if !strings.HasSuffix(cells[0], "*") || cells[2] != d.Labels.Higher || !strings.HasPrefix(cells[0], "+") {
					t.Errorf("%s/%s: significantly higher, cells %q", q.ID, r.Code, cells)
				}
			default:
				down++
				if !strings.HasSuffix(cells[0], "*") || cells[2] != d.Labels.Lower || !strings.HasPrefix(cells[0], "-") {
					t.Errorf("%s/%s: significantly lower, cells %q", q.ID, r.Code, cells)
				}
			}
		}
	}
	if up+down == 0 {
		t.Error("no significant difference to check")
	}
	var buf bytes.Buffer
	if err := WriteComparisonPDF(&buf, d); err != nil {
		t.Fatal(err)
	}
	words, _ := pdfLetterWords(pdfToText(t, buf.Bytes()))
	got := " " + strings.Join(words, " ") + " "
	sheet, _ := pdfLetterWords(d.Labels.Sheet)
	everyone, _ := pdfLetterWords(d.Labels.Everyone)
	if !strings.Contains(got, " "+strings.Join(sheet, " ")+" ") || strings.Contains(got, " "+strings.Join(everyone, " ")+" ") {
		t.Errorf("headings: %q expected, %q not", d.Labels.Sheet, d.Labels.Everyone)
	}
}

// BenchmarkComparisonPDF writes the comparison by area (six groups) of
// two releases of 2,000 and 1,500 responses to the example consultation
// in Arabic: the largest report a comparison of it makes.
func BenchmarkComparisonPDF(b *testing.B) {
	d := builtComparisonBy(b, "ar", "ar", "area", 95, 2000, 1500)
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := WriteComparisonPDF(&buf, d); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes/file")
}
