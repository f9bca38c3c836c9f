package export

import (
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// compareXLColumns is the number of columns of the comparison sheet:
// question, statement, answer, five per wave (count, base, value, lower,
// upper limit), difference with its limits, and the flag; with a
// breakdown, the group before them.
const compareXLColumns = 3 + 5 + 5 + 3 + 1

// WriteComparisonXLSX writes a comparison as a workbook, streamed with the
// summary workbook's styles:
//   - the comparison (Labels.Sheet): the two waves (title, responses,
//     release day), the notes, then one row per compared estimate:
//     question, statement, answer, each wave's count, base, value and
//     interval, the difference with its interval, and the flag. With a
//     breakdown, a first column names the group (Labels.Everyone, then
//     each group of the breakdown), so that an analyst filters or pivots
//     one sheet rather than leafing through a sheet per group (a
//     breakdown by region has twenty); each group starts with a row of
//     its respondents in each wave, and a group not compared has only
//     that row, with why;
//   - the questions left out (Labels.LeftOutSheet), each with why;
//   - the method (Labels.Method), one paragraph per row.
//
// Percentages are fractions shown as "0.0%", means numbers shown as
// "0.00"; a difference of percentages is in percentage points ("+0.0"),
// of means in the mean's unit ("+0.00"). An estimate a release does not
// publish holds the suppressed marker and nothing else, and then there is
// no difference. Sheets are right-to-left for such a language.
func WriteComparisonXLSX(w io.Writer, d *ComparisonDocument) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	st, err := newXLStyles(f)
	if err != nil {
		return err
	}
	pp, meanDiff := "+0.0;-0.0;0.0", "+0.00;-0.00;0.00"
	cx := compareXL{d: d, l: &d.Labels, x: &xlWriter{f: f, st: st}}
	if cx.pp, err = f.NewStyle(&excelize.Style{CustomNumFmt: &pp}); err != nil {
		return err
	}
	if cx.meanDiff, err = f.NewStyle(&excelize.Style{CustomNumFmt: &meanDiff}); err != nil {
		return err
	}
	names, err := xlNamedSheets(f, d.Dir, [2]string{d.Labels.Sheet, "Comparison"}, [2]string{d.Labels.LeftOutSheet, "Left out"}, [2]string{d.Labels.Method, "Method"})
	if err != nil {
		return err
	}
	for i, write := range []func(string) error{cx.rows, cx.leftOut, cx.method} {
		if err := write(names[i]); err != nil {
			return err
		}
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: d.Current.Title, Language: d.Lang, Creator: "YouthVoice"}); err != nil {
		return err
	}
	return f.Write(w)
}

type compareXL struct {
	d            *ComparisonDocument
	l            *ComparisonLabels
	x            *xlWriter
	pp, meanDiff int
}

func (cx compareXL) rows(sheet string) error {
	d, l, st := cx.d, cx.l, cx.x.st
	lead := cx.lead()
	widths := []float64{40, 24, 30}
	if lead == 1 {
		widths = append([]float64{24}, widths...)
	}
	for range compareXLColumns - 3 {
		widths = append(widths, 11)
	}
	header := 3 + len(d.Notes) + 3 // title, the waves, the notes, a blank row, two header rows
	t, err := cx.x.stream(sheet, widths, xlFrozen(3+lead, header))
	if err != nil {
		return err
	}
	if err := t.next(excelize.Cell{StyleID: st.title, Value: d.Current.Title}); err != nil {
		return err
	}
	for _, wv := range []struct {
		label string
		ref   surveys.WaveRef
	}{{l.Current, d.Current}, {l.Previous, d.Previous}} {
		if err := t.next(excelize.Cell{StyleID: st.header, Value: wv.label}, wv.ref.Title,
			excelize.Cell{StyleID: st.muted, Value: l.Responses}, excelize.Cell{StyleID: st.count, Value: wv.ref.Responses},
			excelize.Cell{StyleID: st.muted, Value: l.Released}, wv.ref.Day); err != nil {
			return err
		}
	}
	for _, n := range d.Notes {
		if err := t.next(excelize.Cell{StyleID: st.muted, Value: n}); err != nil {
			return err
		}
	}
	for t.row < header-2 {
		if err := t.next(); err != nil {
			return err
		}
	}
	// Two header rows: the waves over their columns, then each column.
	group := make([]any, 3+lead)
	for _, g := range []string{l.Current, l.Previous} {
		group = append(group, excelize.Cell{StyleID: st.groupHeader, Value: g}, nil, nil, nil, nil)
	}
	group = append(group, excelize.Cell{StyleID: st.groupHeader, Value: l.Difference}, nil, nil, nil)
	if err := t.next(group...); err != nil {
		return err
	}
	head := []string{l.Question, l.Statement, l.Option}
	if lead == 1 {
		head = append([]string{l.Group}, head...)
	}
	for range 2 {
		head = append(head, l.Count, l.Base, l.Value, l.CILow, l.CIHigh)
	}
	head = append(head, l.Difference, l.CILow, l.CIHigh, l.Significant)
	cells := make([]any, len(head))
	for i, h := range head {
		cells[i] = excelize.Cell{StyleID: st.header, Value: h}
	}
	if err := t.next(cells...); err != nil {
		return err
	}
	if err := cx.questions(t, l.Everyone, d.Questions); err != nil {
		return err
	}
	for _, g := range d.Groups {
		if err := t.next(cx.groupRow(g)...); err != nil {
			return err
		}
		if err := cx.questions(t, g.Label, g.Questions); err != nil {
			return err
		}
	}
	return t.sw.Flush()
}

// lead is the number of columns before the question: 1 (the group) with
// a breakdown.
func (cx compareXL) lead() int {
	if cx.d.By != "" {
		return 1
	}
	return 0
}

// questions writes the rows of one group's questions (label: the group's
// label, in the first column with a breakdown).
func (cx compareXL) questions(t *xlStream, label string, qs []surveys.QuestionComparison) error {
	for _, q := range qs {
		for _, r := range q.Rows {
			row := []any{q.Text, r.Statement, r.Label}
			if cx.lead() == 1 {
				row = append([]any{label}, row...)
			}
			row = append(row, cx.estimate(r, r.Current)...)
			row = append(row, cx.estimate(r, r.Previous)...)
			row = append(row, cx.difference(r)...)
			if err := t.next(row...); err != nil {
				return err
			}
		}
	}
	return nil
}

// groupRow is a group's first row: its respondents in each wave (the
// hidden marker where a release hides it, the suppressed one where it
// does not publish the number), and why a group is not compared.
func (cx compareXL) groupRow(g ComparisonGroup) []any {
	st, l := cx.x.st, cx.l
	row := []any{excelize.Cell{StyleID: st.header, Value: g.Label}, excelize.Cell{StyleID: st.muted, Value: l.Responses}, nil, nil}
	if g.Why != "" {
		row[3] = excelize.Cell{StyleID: st.muted, Value: g.Why}
	}
	for _, w := range []struct {
		n      *int
		hidden bool
	}{
		{g.CurrentN, g.NotCompared == surveys.GroupHiddenInCurrent || g.NotCompared == surveys.GroupHiddenInBoth},
		{g.PreviousN, g.NotCompared == surveys.GroupHiddenInPrevious || g.NotCompared == surveys.GroupHiddenInBoth},
	} {
		switch {
		case w.hidden:
			row = append(row, nil, nil, excelize.Cell{StyleID: st.muted, Value: l.Hidden}, nil, nil)
		case w.n == nil:
			row = append(row, nil, nil, excelize.Cell{StyleID: st.muted, Value: l.Suppressed}, nil, nil)
		default:
			row = append(row, excelize.Cell{StyleID: st.count, Value: *w.n}, nil, nil, nil, nil)
		}
	}
	return row
}

// estimate is one wave's five cells.
func (cx compareXL) estimate(r surveys.CompareRow, e surveys.Estimate) []any {
	st := cx.x.st
	if e.Suppressed {
		return []any{nil, nil, excelize.Cell{StyleID: st.muted, Value: cx.l.Suppressed}, nil, nil}
	}
	out := []any{excelize.Cell{StyleID: st.count, Value: *e.N}, nil}
	if e.Base != nil {
		out[1] = excelize.Cell{StyleID: st.count, Value: *e.Base}
	}
	style, scale := st.pct, 100.0
	if r.Kind == surveys.CompareRowMean {
		style, scale = st.stat, 1
	}
	for _, v := range []*float64{e.Value, e.CILow, e.CIHigh} {
		if v == nil {
			out = append(out, nil)
			continue
		}
		out = append(out, excelize.Cell{StyleID: style, Value: *v / scale})
	}
	return out
}

func (cx compareXL) difference(r surveys.CompareRow) []any {
	d := r.Difference
	if d == nil {
		return []any{nil, nil, nil, nil}
	}
	style := cx.pp
	if r.Kind == surveys.CompareRowMean {
		style = cx.meanDiff
	}
	out := []any{excelize.Cell{StyleID: style, Value: d.Value}, nil, nil, nil}
	if d.CILow != nil {
		out[1], out[2] = excelize.Cell{StyleID: style, Value: *d.CILow}, excelize.Cell{StyleID: style, Value: *d.CIHigh}
		if d.Significant {
			out[3] = excelize.Cell{StyleID: cx.x.st.header, Value: cx.l.Yes}
		}
	}
	return out
}

func (cx compareXL) leftOut(sheet string) error {
	st, l := cx.x.st, cx.l
	t, err := cx.x.stream(sheet, []float64{24, 50, 60}, xlFrozen(0, 1))
	if err != nil {
		return err
	}
	if err := t.next(excelize.Cell{StyleID: st.header, Value: l.Question}, excelize.Cell{StyleID: st.header, Value: ""},
		excelize.Cell{StyleID: st.header, Value: l.Reason}); err != nil {
		return err
	}
	for _, lo := range cx.d.LeftOut {
		if err := t.next(lo.ID, lo.Text, excelize.Cell{StyleID: st.wrap, Value: lo.Why}); err != nil {
			return err
		}
	}
	return t.sw.Flush()
}

func (cx compareXL) method(sheet string) error {
	t, err := cx.x.stream(sheet, []float64{110}, nil)
	if err != nil {
		return err
	}
	for _, p := range append(append([]string{}, cx.d.Notes...), cx.d.Method...) {
		if err := t.nextWith(excelize.RowOpts{Height: min(409, 15*float64(len(p)/100+1)+3)}, excelize.Cell{StyleID: cx.x.st.wrap, Value: p}); err != nil {
			return err
		}
	}
	return t.sw.Flush()
}
