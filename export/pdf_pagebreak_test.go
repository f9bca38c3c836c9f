package export

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// pdfPageContents are the content streams of an uncompressed document as
// fpdf writes it (build without pdfCompressPages), one per page, in page
// order.
func pdfPageContents(t *testing.T, doc []byte) []string {
	t.Helper()
	var pages []string
	rest := doc
	for {
		i := bytes.Index(rest, []byte(">>\nstream\n"))
		if i < 0 {
			break
		}
		rest = rest[i+len(">>\nstream\n"):]
		j := bytes.Index(rest, []byte("\nendstream"))
		if j < 0 {
			t.Fatal("a stream without its end")
		}
		if c := string(rest[:j]); strings.Contains(c, ")Tj") && strings.Contains(c, "BT ") {
			pages = append(pages, c)
		}
		rest = rest[j:]
	}
	return pages
}

// pdfOrphanHeader reports whether a page ends with a table's header row
// and none of its rows: a header cell is a filled and stroked rectangle
// ("re B"), a row's cell a stroked one ("re S").
func pdfOrphanHeader(page string) bool {
	h := strings.LastIndex(page, " re B")
	return h >= 0 && !strings.Contains(page[h:], " re S")
}

// pdfLayoutReport is a report ready to draw on, without its sections.
func pdfLayoutReport(t *testing.T) *pdfReport {
	t.Helper()
	cov, err := pdfCoverage()
	if err != nil {
		t.Fatal(err)
	}
	r := newPDFReport(pdfTestSummary(), cov)
	r.begin()
	r.pdf.AddPage()
	return r
}

func pdfOutput(t *testing.T, r *pdfReport) []string {
	t.Helper()
	var buf bytes.Buffer
	if err := r.pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return pdfPageContents(t, buf.Bytes())
}

// A table started at any height of a page keeps its header with its first
// row: where both do not fit, the table starts on the next page. Before,
// a header that fitted was drawn alone at the foot of the page and
// repeated over the rows on the next.
func TestPDFTableHeaderKeepsItsFirstRow(t *testing.T) {
	tables := map[string]pdfTable{
		"counts": {head: []string{"Svarsalternativ", "Antal", "Andel"}, widths: []float64{0, 25, 25}, aligns: []string{"L", "R", "R"},
			rows: [][]string{{"13–15 år", "25", "45.5"}, {"16–18 år", "20", "36.4"}, {"19–25 år", "10", "18.2"}}},
		"tall first row": {head: []string{"Påstående", "1", "2"}, widths: []float64{40, 20, 20}, aligns: []string{"L", "R", "R"},
			rows: [][]string{{"Jag känner mig trygg i skolan och på vägen dit, på rasterna och efter skolan", "9", "15"}, {"Vuxna lyssnar", "4", "7"}}},
	}
	for name, tb := range tables {
		probe := pdfLayoutReport(t)
		bottom := probe.bottom
		for y := bottom - 40; y < bottom; y += 0.5 {
			r := pdfLayoutReport(t)
			r.pdf.SetY(y)
			tb := tb
			tb.widths = append([]float64(nil), tb.widths...)
			r.table(tb)
			pages := pdfOutput(t, r)
			for i, page := range pages {
				if pdfOrphanHeader(page) {
					t.Errorf("%s at y = %.1f mm: page %d of %d ends with the header alone", name, y, i+1, len(pages))
				}
			}
			if len(pages) == 0 {
				t.Fatal("no page content found")
			}
		}
	}
}

// A breakdown question's heading stays with its table's header and first
// row, wherever the question starts.
func TestPDFBreakdownHeadingKeepsItsTable(t *testing.T) {
	probe := pdfLayoutReport(t)
	tb := probe.ts.Breakdowns[0]
	head := []string{probe.l.Option}
	for gi := range tb.Groups {
		head = append(head, tb.Groups[gi].Header)
	}
	for y := probe.bottom - 45; y < probe.bottom; y += 0.5 {
		r := pdfLayoutReport(t)
		r.pdf.SetY(y)
		r.breakdownQuestion(2, r.ts.Breakdowns[0].Question(1), head)
		pages := pdfOutput(t, r)
		for i, page := range pages {
			if pdfOrphanHeader(page) {
				t.Errorf("at y = %.1f mm: page %d of %d ends with the header alone", y, i+1, len(pages))
			}
			// The question's heading is drawn with its table's cells.
			if text := pdfEncoded("2.", false); strings.Contains(page, text) && !strings.Contains(page[strings.Index(page, text):], " re S") {
				t.Errorf("at y = %.1f mm: page %d of %d ends with the heading alone", y, i+1, len(pages))
			}
		}
	}
}

// pdfBreakBefore, the rule: a block goes to a new page when it does not
// fit, unless it is at the top of a page already.
func TestPDFBreakBefore(t *testing.T) {
	const top, bottom = 18.0, 279.0
	for _, tc := range []struct {
		y, need float64
		want    bool
	}{
		{100, 10, false},
		{269, 10, false}, // ends at the bottom exactly
		{269.5, 10, true},
		{272, 10.8, true}, // a header of 5.4 mm fits, but not with its first row
		{top, 400, false}, // taller than a page: a new page gives no more room
		{top + 1, 400, true},
	} {
		if got := pdfBreakBefore(tc.y, tc.need, top, bottom); got != tc.want {
			t.Errorf("pdfBreakBefore(y %v, need %v) = %v, want %v", tc.y, tc.need, got, tc.want)
		}
	}
}

// Whole reports of long releases, their questions of many lengths
// pushing each table to another height: no page ends with a table's
// header alone.
func TestPDFReportHasNoOrphanHeaders(t *testing.T) {
	cov, err := pdfCoverage()
	if err != nil {
		t.Fatal(err)
	}
	for variant := range 12 { // variants 5 and 11 left a header alone before the fix
		s := pdfTestSummary()
		qs := s.Overall.Groups[0].Questions
		for i := range 16 {
			q := qs[(i+variant)%2] // a single choice, a scale with statistics
			q.ID = fmt.Sprintf("%s%d", q.ID, i)
			q.Text = strings.Repeat("Hur ofta tänker du på det här? ", 1+(i*variant+i)%6)
			qs = append(qs, q)
		}
		s.Overall.Groups[0].Questions = qs
		// A breakdown of nine groups: each question's table in two
		// chunks of columns, the second starting wherever the first ends.
		by := &s.Breakdowns[0].Results
		for g := range 4 + variant%4 {
			grp := by.Groups[1]
			grp.Code, grp.Label = fmt.Sprintf("g%d", g), fmt.Sprintf("Grupp %d", g)
			grp.Questions = qs
			by.Groups = append(by.Groups, grp)
		}
		by.Groups[0].Questions = qs
		r := newPDFReport(s, cov)
		if err := r.build(); err != nil {
			t.Fatal(err)
		}
		pages := pdfOutput(t, r)
		if len(pages) < 8 {
			t.Fatalf("%d pages", len(pages))
		}
		for i, page := range pages {
			if pdfOrphanHeader(page) {
				t.Errorf("variant %d: page %d of %d ends with a table header alone", variant, i+1, len(pages))
			}
		}
	}
}
