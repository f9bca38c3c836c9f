package export

import (
	"io"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// Layout of the XLSX overview sheet: the key facts, a blank row, then the
// header row of the overall tables (frozen).
const (
	xlOverviewHeaderRow = 8
	xlMaxSheetName      = 31 // UTF-16 code units, Excel's limit
	xlPercentFormat     = "0.0%"
	xlStatFormat        = "0.00"
)

// xlStyles are the cell styles of a workbook.
type xlStyles struct {
	title, header, groupHeader, count, pct, stat, muted, wrap int
}

func newXLStyles(f *excelize.File) (xlStyles, error) {
	var st xlStyles
	pct, stat := xlPercentFormat, xlStatFormat
	headerFill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}
	headerBorder := []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}
	for _, s := range []struct {
		id    *int
		style excelize.Style
	}{
		{&st.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&st.header, excelize.Style{Font: &excelize.Font{Bold: true}, Fill: headerFill, Border: headerBorder,
			Alignment: &excelize.Alignment{Vertical: "bottom"}}},
		{&st.groupHeader, excelize.Style{Font: &excelize.Font{Bold: true}, Fill: headerFill, Border: headerBorder,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "bottom", WrapText: true}}},
		{&st.count, excelize.Style{NumFmt: 3}}, // #,##0
		{&st.pct, excelize.Style{CustomNumFmt: &pct}},
		{&st.stat, excelize.Style{CustomNumFmt: &stat}},
		{&st.muted, excelize.Style{Font: &excelize.Font{Italic: true, Color: "666666"}}},
		{&st.wrap, excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
	} {
		id, err := f.NewStyle(&s.style)
		if err != nil {
			return st, err
		}
		*s.id = id
	}
	return st, nil
}

// xlWriter writes one workbook.
type xlWriter struct {
	f  *excelize.File
	s  *Summary
	l  *Labels
	st xlStyles
	ts summaryTables
}

// WriteXLSX writes a summary as an Excel workbook, streamed sheet by sheet
// so that memory stays flat:
//   - the overview (Labels.Overview): title, revision, release day, final,
//     k and respondents, the legend, then the overall tables, one row per option,
//     point or range (question, option, count, percent), "don't know",
//     statistics (mean, median, quartiles, SD; mean ranks), seen, answered
//     and skipped;
//   - one sheet per breakdown (named from its label): the same rows, with
//     a count and a percentage column for everyone and for each group;
//   - the method note (Labels.Method), one paragraph per row.
//
// Counts are numbers, percentages are fractions shown as "0.0%",
// statistics numbers shown as "0.00"; suppressed counts and withheld
// statistics hold one marker (withheldStat), explained by the legend
// above the overview's tables; hidden groups and a withheld release hold
// the Labels' texts. Header rows are frozen, and the sheets are
// right-to-left when s.Dir is "rtl".
func WriteXLSX(w io.Writer, s *Summary) (err error) {
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
	x := &xlWriter{f: f, s: s, l: &s.Labels, st: st, ts: newSummaryTables(s, &s.Labels)}
	sh, err := x.sheets()
	if err != nil {
		return err
	}
	if err := x.overview(sh.overview); err != nil {
		return err
	}
	for i, name := range sh.breakdowns {
		if err := x.breakdown(name, x.ts.Breakdowns[i]); err != nil {
			return err
		}
	}
	if sh.weighted != "" {
		if err := x.weighted(sh.weighted); err != nil {
			return err
		}
	}
	if err := x.method(sh.method); err != nil {
		return err
	}
	// The overview (the renamed Sheet1) is already the active sheet;
	// SetActiveSheet would read every streamed sheet back into memory.
	if err := f.SetDocProps(&excelize.DocProperties{Title: s.Title, Language: s.Lang, Creator: "YouthVoice"}); err != nil {
		return err
	}
	return f.Write(w)
}

// xlSheets are a workbook's sheet names.
type xlSheets struct {
	overview   string
	breakdowns []string // none when the release is withheld
	weighted   string   // the weighted figures' sheet, if any
	method     string
}

// sheets names and creates every sheet first (tab order), each then
// streamed in turn, and makes them right-to-left for such a language.
func (x *xlWriter) sheets() (xlSheets, error) {
	f, s := x.f, x.s
	var sh xlSheets
	var used []string
	sh.overview = xlSheetName(s.Labels.Overview, "Overview", used)
	used = append(used, sh.overview)
	if err := f.SetSheetName(f.GetSheetName(0), sh.overview); err != nil {
		return sh, err
	}
	if !s.Overall.Withheld {
		for _, b := range s.Breakdowns {
			name := xlSheetName(b.Label, b.ID, used)
			used = append(used, name)
			sh.breakdowns = append(sh.breakdowns, name)
		}
	}
	added := append([]string{}, sh.breakdowns...)
	if s.Weighted != nil {
		sh.weighted = xlSheetName(s.Labels.Weighted, "Weighted", used)
		used = append(used, sh.weighted)
		added = append(added, sh.weighted)
	}
	sh.method = xlSheetName(s.Labels.Method, "Method", used)
	for _, name := range append(added, sh.method) {
		if _, err := f.NewSheet(name); err != nil {
			return sh, err
		}
	}
	if s.Dir == "rtl" {
		rtl := true
		for _, name := range f.GetSheetList() {
			if err := f.SetSheetView(name, 0, &excelize.ViewOptions{RightToLeft: &rtl}); err != nil {
				return sh, err
			}
		}
	}
	return sh, nil
}

// xlStream is a sheet being streamed, row by row.
type xlStream struct {
	sw  *excelize.StreamWriter
	row int
}

func (x *xlWriter) stream(sheet string, widths []float64, panes *excelize.Panes) (*xlStream, error) {
	sw, err := x.f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return nil, err
		}
	}
	if panes != nil {
		if err := sw.SetPanes(panes); err != nil {
			return nil, err
		}
	}
	return &xlStream{sw: sw}, nil
}

// next writes the next row (nil values are empty cells).
func (t *xlStream) next(values ...any) error { return t.nextWith(excelize.RowOpts{}, values...) }

func (t *xlStream) nextWith(opts excelize.RowOpts, values ...any) error {
	t.row++
	ref, err := excelize.CoordinatesToCellName(1, t.row)
	if err != nil {
		return err
	}
	return t.sw.SetRow(ref, values, opts)
}

// xlFrozen freezes the rows above row and the columns left of col (1-based).
func xlFrozen(cols, rows int) *excelize.Panes {
	ref, _ := excelize.CoordinatesToCellName(cols+1, rows+1)
	pane := "bottomLeft"
	if cols > 0 {
		pane = "bottomRight"
	}
	return &excelize.Panes{Freeze: true, XSplit: cols, YSplit: rows, TopLeftCell: ref, ActivePane: pane,
		Selection: []excelize.Selection{{SQRef: ref, ActiveCell: ref, Pane: pane}}}
}

func (x *xlWriter) text(s string) excelize.Cell { return excelize.Cell{StyleID: x.st.muted, Value: s} }
func (x *xlWriter) header(s string) excelize.Cell {
	return excelize.Cell{StyleID: x.st.header, Value: s}
}

// count returns a published count's cells: the number and its percentage
// (a fraction), or the suppressed text and nothing.
func (x *xlWriter) count(c surveys.Count) (any, any) {
	if !summaryCountShown(c) {
		return x.text(x.l.Suppressed), nil
	}
	n := excelize.Cell{StyleID: x.st.count, Value: *c.N}
	if c.Pct == nil {
		return n, nil
	}
	return n, excelize.Cell{StyleID: x.st.pct, Value: math.Round(*c.Pct*10) / 1000}
}

// interval returns a shown count's confidence interval cells (fractions,
// formatted as its percentage is), or nothing.
func (x *xlWriter) interval(c surveys.Count) (any, any) {
	lo, hi, ok := summaryInterval(c)
	if !ok {
		return nil, nil
	}
	return excelize.Cell{StyleID: x.st.pct, Value: math.Round(lo*10) / 1000}, excelize.Cell{StyleID: x.st.pct, Value: math.Round(hi*10) / 1000}
}

// xlValueCols is how many columns a table row's values take: count,
// percentage and the interval's two limits.
const xlValueCols = 4

// cells returns a table row's value cells (xlValueCols of them).
func (x *xlWriter) cells(r *summaryRow) []any {
	switch r.Kind {
	case rowStat:
		if r.CILow != nil && r.CIHigh != nil { // a statistic's interval
			return []any{excelize.Cell{StyleID: x.st.stat, Value: r.Value}, nil,
				excelize.Cell{StyleID: x.st.stat, Value: *r.CILow}, excelize.Cell{StyleID: x.st.stat, Value: *r.CIHigh}}
		}
		return []any{excelize.Cell{StyleID: x.st.stat, Value: r.Value}, nil, nil, nil}
	case rowStatWithheld:
		return []any{x.text(withheldStat(x.l)), nil, nil, nil}
	}
	c, p := x.count(r.Count)
	lo, hi := x.interval(r.Count)
	return []any{c, p, lo, hi}
}

// legend is the overview's row above the tables: what the suppressed
// marker means, for counts and statistics (nothing for a withheld
// release, which has no tables).
func (x *xlWriter) legend() []any {
	if x.s.Overall.Withheld || x.l.Legend == "" {
		return nil
	}
	return []any{x.text(x.l.Legend)}
}

func (x *xlWriter) overview(sheet string) error {
	t, err := x.stream(sheet, []float64{50, 36, 12, 10, 12, 12}, xlFrozen(0, xlOverviewHeaderRow))
	if err != nil {
		return err
	}
	s, l := x.s, x.l
	var n any = x.text(l.Withheld)
	if !s.Overall.Withheld {
		n = x.text(l.Suppressed)
		if s.Overall.N != nil {
			n, _ = x.count(*s.Overall.N)
		}
	}
	for i, r := range [][]any{
		{excelize.Cell{StyleID: x.st.title, Value: s.Title}},
		{l.Revision, s.Revision},
		{l.Released, s.Released},
		{l.Final, s.Final},
		{l.Threshold, s.K},
		{l.Responses, n},
		x.legend(),
		{x.header(l.Question), x.header(l.Option), x.header(l.Count), x.header(l.Percent), x.header(l.CILow), x.header(l.CIHigh)},
	} {
		var opts excelize.RowOpts
		if i == 0 {
			opts.Height = 24 // the title
		}
		if err := t.nextWith(opts, r...); err != nil {
			return err
		}
	}
	if s.Overall.Withheld {
		if err := t.next(x.text(l.Withheld)); err != nil {
			return err
		}
		return t.sw.Flush()
	}
	if g := x.ts.Overall.Everyone(); g != nil {
		for qi := range g.Questions {
			for _, r := range summaryQuestionRows(&g.Questions[qi], l) {
				if err := t.next(append([]any{r.QText, r.Label}, x.cells(&r)...)...); err != nil {
					return err
				}
			}
		}
	}
	return t.sw.Flush()
}

// breakdown writes a breakdown's sheet: a count, a percentage and the
// interval's two limits per group, its lines those of the table model.
func (x *xlWriter) breakdown(sheet string, tb *summaryTable) error {
	t, err := x.breakdownHead(sheet, tb)
	if err != nil {
		return err
	}
	if tb.Withheld {
		if err := t.next(x.text(x.l.Withheld)); err != nil {
			return err
		}
		return t.sw.Flush()
	}
	if err := t.next(x.groupSizes(tb)...); err != nil {
		return err
	}
	for qi := range tb.Questions() {
		tq := tb.Question(qi)
		for li := range tq.Lines {
			if err := t.next(x.line(tb, &tq, &tq.Lines[li])...); err != nil {
				return err
			}
		}
	}
	return t.sw.Flush()
}

// breakdownHead starts a breakdown's sheet with its two header rows: the
// breakdown and the group headers (each over its xlValueCols columns), then the
// column names.
func (x *xlWriter) breakdownHead(sheet string, tb *summaryTable) (*xlStream, error) {
	l := x.l
	widths := []float64{48, 32}
	longest := 0
	for gi := range tb.Groups {
		widths = append(widths, 11, 9, 11, 11)
		longest = max(longest, utf8.RuneCountInString(tb.Groups[gi].Header))
	}
	t, err := x.stream(sheet, widths, xlFrozen(2, 2))
	if err != nil {
		return nil, err
	}
	top := []any{x.header(tb.Label), x.header("")}
	sub := []any{x.header(l.Question), x.header(l.Option)}
	for gi := range tb.Groups {
		top = append(top, excelize.Cell{StyleID: x.st.groupHeader, Value: tb.Groups[gi].Header},
			excelize.Cell{StyleID: x.st.groupHeader}, excelize.Cell{StyleID: x.st.groupHeader}, excelize.Cell{StyleID: x.st.groupHeader})
		sub = append(sub, x.header(l.Count), x.header(l.Percent), x.header(l.CILow), x.header(l.CIHigh))
	}
	lines := min(4, max(1, (longest+17)/18))
	if err := t.nextWith(excelize.RowOpts{Height: 15 * float64(lines)}, top...); err != nil {
		return nil, err
	}
	for gi := range tb.Groups {
		from, _ := excelize.CoordinatesToCellName(3+xlValueCols*gi, 1)
		to, _ := excelize.CoordinatesToCellName(2+xlValueCols*(gi+1), 1)
		if err := t.sw.MergeCell(from, to); err != nil {
			return nil, err
		}
	}
	return t, t.next(sub...)
}

// groupSizes is the row of respondents per group.
func (x *xlWriter) groupSizes(tb *summaryTable) []any {
	row := []any{nil, x.l.Responses}
	for gi := range tb.Groups {
		g := &tb.Groups[gi]
		switch {
		case g.Hidden:
			row = append(row, x.text(x.l.Hidden), nil, nil, nil)
		case g.N == nil:
			row = append(row, x.text(x.l.Suppressed), nil, nil, nil)
		default:
			c, _ := x.count(*g.N)
			row = append(row, c, nil, nil, nil)
		}
	}
	return row
}

// line is one line of a question's table: the question, the row's label,
// and each group's cells (empty where the group has no such row).
func (x *xlWriter) line(tb *summaryTable, tq *tableQuestion, ln *tableLine) []any {
	row := []any{ln.QText, ln.Label}
	for gi := range tb.Groups {
		switch state, r := tq.Cell(gi, ln); state {
		case cellHidden:
			row = append(row, x.text(x.l.Hidden), nil, nil, nil)
		case cellRow:
			row = append(row, x.cells(r)...)
		default:
			row = append(row, nil, nil, nil, nil)
		}
	}
	return row
}

func (x *xlWriter) method(sheet string) error {
	const width = 100
	t, err := x.stream(sheet, []float64{width}, nil)
	if err != nil {
		return err
	}
	if err := t.nextWith(excelize.RowOpts{Height: 24}, excelize.Cell{StyleID: x.st.title, Value: x.l.Method}); err != nil {
		return err
	}
	for _, p := range x.s.methodNote() {
		// Excel does not fit a row's height to wrapped text it did not
		// wrap itself; estimate the lines.
		lines := 0
		for _, para := range strings.Split(p, "\n") {
			lines += max(1, (utf8.RuneCountInString(para)+width-8)/(width-7))
		}
		h := math.Min(409, 15*float64(lines)+3)
		if err := t.nextWith(excelize.RowOpts{Height: h}, excelize.Cell{StyleID: x.st.wrap, Value: p}); err != nil {
			return err
		}
	}
	return t.sw.Flush()
}

// xlNamedSheets names a new workbook's sheets: each wanted name (want,
// fallback) made valid and unique by xlSheetName, the first sheet renamed
// and the others added in order, all right to left when dir is "rtl". It
// returns the names given.
func xlNamedSheets(f *excelize.File, dir string, wanted ...[2]string) ([]string, error) {
	var names []string
	for _, w := range wanted {
		names = append(names, xlSheetName(w[0], w[1], names))
	}
	if err := f.SetSheetName(f.GetSheetName(0), names[0]); err != nil {
		return nil, err
	}
	for _, n := range names[1:] {
		if _, err := f.NewSheet(n); err != nil {
			return nil, err
		}
	}
	if dir == "rtl" {
		rtl := true
		for _, n := range names {
			if err := f.SetSheetView(n, 0, &excelize.ViewOptions{RightToLeft: &rtl}); err != nil {
				return nil, err
			}
		}
	}
	return names, nil
}

// xlSheetName makes a valid, unused sheet name from want (or fallback):
// without []:*?/\ and control characters, not starting or ending with an
// apostrophe, at most 31 UTF-16 code units, and different (ignoring case,
// as Excel does) from the names used and from Excel's reserved "History";
// a name taken gets " (2)", " (3)"... after it.
func xlSheetName(want, fallback string, used []string) string {
	clean := func(s string) string {
		s = strings.Map(func(r rune) rune {
			switch {
			case strings.ContainsRune(`[]:*?/\`, r):
				return ' '
			case unicode.IsControl(r), r == utf8.RuneError:
				return ' '
			}
			return r
		}, s)
		return strings.Join(strings.Fields(s), " ")
	}
	trim := func(s string) string {
		for {
			t := strings.TrimSpace(strings.Trim(s, "'"))
			if t == s {
				return s
			}
			s = t
		}
	}
	cut := func(s string, units int) string {
		n := 0
		for i, r := range s {
			u := 1
			if r >= 0x10000 {
				u = 2
			}
			if n+u > units {
				return trim(s[:i])
			}
			n += u
		}
		return s
	}
	taken := func(name string) bool {
		if strings.EqualFold(name, "History") {
			return true
		}
		for _, u := range used {
			if strings.EqualFold(u, name) {
				return true
			}
		}
		return false
	}
	base := trim(clean(want))
	if base == "" {
		base = trim(clean(fallback))
	}
	if base == "" {
		base = "Sheet"
	}
	name := cut(base, xlMaxSheetName)
	for i := 2; name == "" || taken(name); i++ {
		suffix := " (" + itoa(i) + ")"
		name = cut(base, xlMaxSheetName-len(suffix)) + suffix
	}
	return name
}
