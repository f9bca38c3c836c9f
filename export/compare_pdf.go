package export

import (
	"errors"
	"io"
	"reflect"
	"strconv"

	"github.com/youthvoice/youthvoice/surveys"
)

// WriteComparisonPDF writes a comparison of two waves as a PDF report,
// with the summary report's machinery (pdf*.go): the same font, Arabic
// shaped and each line in visual order, a right-to-left report laid out
// mirrored. It holds the title, the two waves (title, responses, release
// day, revision), the level and the breakdown, how to read it, then for
// everyone and for each group of the breakdown a table per question:
// both waves' estimates with their intervals, the difference with its
// interval, and the mark of a significant one ("*" beside the
// difference, and whether it rose or fell); then the questions left out
// with why, and the method note. It returns ErrScript, and writes
// nothing, if the comparison holds text in a script the PDF cannot
// render.
func WriteComparisonPDF(w io.Writer, d *ComparisonDocument) error {
	if d == nil || d.Comparison == nil {
		return errors.New("export: no comparison")
	}
	cov, err := pdfCoverage()
	if err != nil {
		return err
	}
	if !pdfWalkStrings(reflect.ValueOf(d), func(t string) bool { return pdfTextOK(t, cov) }) {
		return ErrScript
	}
	// The report's page, fonts, footer and text helpers, with the
	// current wave's title, language and release day.
	r := newPDFReport(&Summary{Title: d.Current.Title, Lang: d.Lang, Dir: d.Dir, Released: d.Current.Day,
		Labels: Labels{Suppressed: d.Labels.Suppressed, Hidden: d.Labels.Hidden}}, cov)
	r.begin()
	r.pdf.AddPage()
	x := &comparePDF{r: r, d: d, l: &d.Labels}
	x.title()
	heading := x.l.Sheet
	if d.By != "" {
		heading = x.l.Everyone
	}
	x.section(heading, d.Questions)
	for _, g := range d.Groups {
		x.group(g)
	}
	x.leftOut()
	x.method()
	return r.finish(w)
}

type comparePDF struct {
	r *pdfReport
	d *ComparisonDocument
	l *ComparisonLabels
}

// comparePDFWidths are the columns of a question's table (174 mm in
// all): the answer; this wave's estimate and interval; the previous
// wave's; the difference and its interval; significant.
var comparePDFWidths = []float64{40, 17, 22, 17, 22, 15, 24, 17}

func (x *comparePDF) title() {
	r, d, l := x.r, x.d, x.l
	r.font("B", 11)
	r.pdf.SetTextColor(90, 90, 90)
	r.multi(r.width, 6, r.t(l.Report), "L")
	r.pdf.SetTextColor(0, 0, 0)
	r.font("B", 20)
	r.pdf.Bookmark(r.plain(d.Current.Title), 0, -1)
	r.multi(r.width, 9, r.t(d.Current.Title), "L")
	r.pdf.Ln(3)
	waves := pdfTable{head: []string{"", l.Current, l.Previous}, widths: []float64{50, 62, 0}, aligns: []string{"L", "L", "L"}, size: 9.5, boldCol: true}
	waves.rows = [][]string{
		{l.Survey, r.line(d.Current.Title), r.line(d.Previous.Title)},
		{l.Responses, strconv.Itoa(d.Current.Responses), strconv.Itoa(d.Previous.Responses)},
		{l.Released, d.Current.Day, d.Previous.Day},
		{l.Revision, strconv.Itoa(d.Current.Revision), strconv.Itoa(d.Previous.Revision)},
	}
	r.table(waves)
	r.pdf.Ln(2)
	kv := [][]string{{l.Level, strconv.Itoa(d.Level) + " %"}}
	if d.By != "" {
		kv = append(kv, []string{l.By, r.line(d.ByText)})
	}
	r.keyValues(kv)
	r.pdf.Ln(3)
	for _, n := range d.Notes {
		r.note(n)
	}
	r.note(l.Mark)
	r.pdf.Ln(3)
}

// section is the tables of one group's questions under its heading.
func (x *comparePDF) section(heading string, qs []surveys.QuestionComparison) {
	r := x.r
	r.heading(heading, 14, 0)
	for _, q := range qs {
		x.question(q)
	}
}

func (x *comparePDF) group(g ComparisonGroup) {
	r, l := x.r, x.l
	r.heading(l.Group+": "+g.Label, 14, 0)
	n := func(v *int, hidden bool) string {
		switch {
		case hidden:
			return l.Hidden
		case v == nil:
			return l.Suppressed
		}
		return strconv.Itoa(*v)
	}
	both := g.NotCompared == surveys.GroupHiddenInBoth
	r.table(pdfTable{head: []string{"", l.Current, l.Previous}, widths: []float64{50, 62, 0}, aligns: []string{"L", "L", "L"}, size: 9.5, boldCol: true,
		rows: [][]string{{l.Responses, n(g.CurrentN, both || g.NotCompared == surveys.GroupHiddenInCurrent),
			n(g.PreviousN, both || g.NotCompared == surveys.GroupHiddenInPrevious)}}})
	r.pdf.Ln(3)
	if g.Why != "" {
		r.para(g.Why, 10)
		r.pdf.Ln(2)
		return
	}
	for _, q := range g.Questions {
		x.question(q)
	}
}

// question is one question's heading, a note of the previous wave's
// wording where it changed, and its table.
func (x *comparePDF) question(q surveys.QuestionComparison) {
	r, l := x.r, x.l
	r.heading(q.Text, 11, 1)
	if q.PreviousText != "" {
		r.note(l.Previous + ": " + q.PreviousText)
	}
	t := pdfTable{head: []string{l.Option, l.Current, l.CI, l.Previous, l.CI, l.Difference, l.CI, l.Significant},
		widths: comparePDFWidths, aligns: []string{"L", "R", "R", "R", "R", "R", "R", "L"}, size: 8}
	for _, row := range q.Rows {
		answer := row.Label
		if row.Statement != "" {
			answer = row.Statement + " – " + row.Label
		}
		cells := []string{r.line(answer)}
		cells = append(cells, x.estimate(row, row.Current)...)
		cells = append(cells, x.estimate(row, row.Previous)...)
		cells = append(cells, x.difference(row)...)
		t.rows = append(t.rows, cells)
	}
	r.table(t)
	r.pdf.Ln(4)
}

// places: percentages have one decimal, means two.
func (x *comparePDF) places(row surveys.CompareRow) (int, string) {
	if row.Kind == surveys.CompareRowMean {
		return 2, ""
	}
	return 1, "%"
}

// estimate is a wave's two cells: the estimate and its interval, or the
// suppressed marker and a dash.
func (x *comparePDF) estimate(row surveys.CompareRow, e surveys.Estimate) []string {
	if e.Suppressed || e.Value == nil {
		return []string{x.l.Suppressed, "–"}
	}
	p, unit := x.places(row)
	ci := "–"
	if e.CILow != nil && e.CIHigh != nil {
		ci = x.r.num(*e.CILow, p) + "–" + x.r.num(*e.CIHigh, p) + unit
	}
	return []string{x.r.num(*e.Value, p) + unit, ci}
}

// signed is v with its sign ("+1.5", "-1.5", "0.0").
func (x *comparePDF) signed(v float64, places int) string {
	s := x.r.num(v, places)
	if v > 0 {
		s = "+" + s
	}
	return s
}

// difference is the difference's three cells: the difference (in points
// or the mean's unit, "*" when significant), its interval, and whether
// it is significantly higher or lower; dashes without one.
func (x *comparePDF) difference(row surveys.CompareRow) []string {
	d := row.Difference
	if d == nil {
		return []string{"–", "–", ""}
	}
	p, _ := x.places(row)
	value := x.signed(d.Value, p)
	if d.CILow == nil || d.CIHigh == nil {
		return []string{value, "–", ""}
	}
	ci := "[" + x.signed(*d.CILow, p) + "; " + x.signed(*d.CIHigh, p) + "]"
	if !d.Significant {
		return []string{value, ci, ""}
	}
	mark := x.l.Higher
	if *d.CIHigh < 0 {
		mark = x.l.Lower
	}
	return []string{value + "*", ci, mark}
}

func (x *comparePDF) leftOut() {
	r, l := x.r, x.l
	if len(x.d.LeftOut) == 0 {
		return
	}
	r.heading(l.LeftOutSheet, 14, 0)
	t := pdfTable{head: []string{l.Question, l.Reason}, widths: []float64{70, 0}, aligns: []string{"L", "L"}, size: 8.5}
	for _, lo := range x.d.LeftOut {
		t.rows = append(t.rows, []string{r.line(lo.Text), lo.Why})
	}
	r.table(t)
	r.pdf.Ln(4)
}

func (x *comparePDF) method() {
	r := x.r
	r.heading(x.l.Method, 14, 0)
	for _, p := range x.d.Method {
		r.para(p, 10)
	}
}
