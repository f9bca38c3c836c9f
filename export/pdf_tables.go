package export

import (
	"strings"
)

// Tables: cells wrapped (or set smaller) to fit their column, the header
// row repeated on a new page, and wide tables split into chunks of
// columns.

type pdfTable struct {
	head    []string // the header row; nil for none
	rows    [][]string
	widths  []float64 // mm; the last column takes what is left if 0
	aligns  []string
	size    float64 // font size
	boldCol bool    // first column bold
}

// wideTable builds tables of a label column and value columns, split into
// chunks of at most maxCols value columns side by side.
func (r *pdfReport) wideTable(head []string, rows [][]string, first float64, maxCols int, size float64) {
	for _, t := range r.wideChunks(head, rows, first, maxCols, size) {
		r.table(t)
		r.pdf.Ln(2)
	}
}

// wideChunks are wideTable's tables, one per chunk of columns.
func (r *pdfReport) wideChunks(head []string, rows [][]string, first float64, maxCols int, size float64) []pdfTable {
	nv := len(head) - 1
	if nv <= 0 {
		return nil
	}
	var out []pdfTable
	chunks := (nv + maxCols - 1) / maxCols
	per := (nv + chunks - 1) / chunks
	vw := (r.width - first) / float64(per)
	for a := 1; a <= nv; a += per {
		b := min(a+per, nv+1)
		t := pdfTable{size: size}
		t.head = append([]string{head[0]}, head[a:b]...)
		t.widths = []float64{first}
		t.aligns = []string{"L"}
		for range b - a {
			t.widths = append(t.widths, vw)
			t.aligns = append(t.aligns, "R")
		}
		for _, row := range rows {
			t.rows = append(t.rows, append([]string{row[0]}, row[a:b]...))
		}
		out = append(out, t)
	}
	return out
}

// pdfBreakBefore is the page-break rule for a block that must stay
// together (a table's header with its first row, a heading with the
// start of its table): it goes to a new page when the need mm from y do
// not fit above bottom, unless y is at the top already, where a new page
// would give no more room.
func pdfBreakBefore(y, need, top, bottom float64) bool {
	return y+need > bottom && y > top+0.01
}

// resolve fills in the defaults of a table: its font size, and the last
// column's width (0: what is left).
func (r *pdfReport) resolve(t pdfTable) pdfTable {
	if t.size == 0 {
		t.size = 8.5
	}
	t.widths = append([]float64(nil), t.widths...)
	sum := 0.0
	for i, w := range t.widths {
		if w == 0 {
			t.widths[i] = r.width - sum
		}
		sum += t.widths[i]
	}
	return t
}

// tableStart is the height of what a table must start with on one page:
// its header and its first row (the row alone for a table without
// header).
func (r *pdfReport) tableStart(t pdfTable) float64 {
	t = r.resolve(t)
	h := 0.0
	if t.head != nil {
		h += r.measure(t.head, t, true).h
	}
	if len(t.rows) > 0 {
		h += r.measure(t.rows[0], t, false).h
	}
	return h
}

func (r *pdfReport) table(t pdfTable) {
	t = r.resolve(t)
	// A header alone at the foot of a page, its rows on the next under
	// the header again, reads as a broken table: the header and the
	// first row start the table together.
	if t.head != nil && len(t.rows) > 0 && pdfBreakBefore(r.pdf.GetY(), r.tableStart(t), pdfMargin, r.bottom) {
		r.pdf.AddPage()
	}
	if t.head != nil {
		r.row(t.head, t, true, false)
	}
	for _, row := range t.rows {
		r.row(row, t, false, true)
	}
	r.font("", 9.5)
}

// pdfRow is a table row measured: each cell's lines and font size, and
// the row's height.
type pdfRow struct {
	lines [][]string
	sizes []float64
	h     float64
}

// rowStyle is the font style of cell i of a row.
func rowStyle(t pdfTable, header bool, i int) string {
	if header || (i == 0 && t.boldCol) {
		return "B"
	}
	return ""
}

// muted reports whether a cell holds a mark (suppressed, hidden,
// withheld) rather than a value.
func (r *pdfReport) muted(cell string, header bool) bool {
	return !header && (cell == r.l.Suppressed || cell == r.l.Hidden || cell == r.l.Withheld)
}

// measure wraps a row's cells into their columns (a word longer than its
// column is set smaller rather than split) and gives the row's height.
func (r *pdfReport) measure(cells []string, t pdfTable, header bool) pdfRow {
	p := r.pdf
	lh := t.size * 0.45
	const pad = 0.8
	style := func(i int) string { return rowStyle(t, header, i) }
	muted := func(i int) bool { return r.muted(cells[i], header) }
	lines := make([][]string, len(cells))
	sizes := make([]float64, len(cells))
	n := 1
	for i, c := range cells {
		// A word longer than the column is set smaller rather than split.
		c = r.t(c)
		size := t.size
		r.font(style(i), size)
		words := strings.Fields(c)
		if muted(i) {
			// The suppressed and hidden marks are kept on one line.
			words = []string{strings.Join(words, " ")}
		}
		for _, word := range words {
			for size > 5.5 && p.GetStringWidth(word) > t.widths[i]-2*p.GetCellMargin() {
				size -= 0.5
				r.font(style(i), size)
			}
		}
		sizes[i] = size
		lines[i] = r.split(c, t.widths[i])
		n = max(n, len(lines[i]))
	}
	return pdfRow{lines: lines, sizes: sizes, h: float64(n)*lh + 2*pad}
}

// row draws one table row, wrapping long cells, and starts a new page
// (repeating the header) if it does not fit.
func (r *pdfReport) row(cells []string, t pdfTable, header, repeatHead bool) {
	p := r.pdf
	lh := t.size * 0.45
	const pad = 0.8
	style := func(i int) string { return rowStyle(t, header, i) }
	muted := func(i int) bool { return r.muted(cells[i], header) }
	m := r.measure(cells, t, header)
	lines, sizes, h := m.lines, m.sizes, m.h
	if p.GetY()+h > r.bottom {
		p.AddPage()
		if repeatHead && t.head != nil {
			r.row(t.head, t, true, false)
		}
	}
	x0, y := pdfMargin, p.GetY()
	x := x0
	r.lineStyle(190, 0.2)
	for i := range cells {
		w := t.widths[i]
		if header {
			p.SetFillColor(235, 239, 244)
			r.rect(x, y, w, h, "FD")
			r.inkFill()
		} else {
			r.rect(x, y, w, h, "D")
		}
		r.font(style(i), sizes[i])
		if muted(i) {
			p.SetTextColor(120, 120, 120)
		}
		align := "L"
		if i < len(t.aligns) && !header {
			align = t.aligns[i]
		} else if header && i > 0 && i < len(t.aligns) {
			align = t.aligns[i]
		}
		for j, ln := range lines[i] {
			r.cell(x, y+pad+float64(j)*lh, w, lh, ln, align)
		}
		p.SetTextColor(0, 0, 0)
		x += w
	}
	p.SetXY(x0, y+h)
}

// keyValues is a two-column table without header.
func (r *pdfReport) keyValues(rows [][]string) {
	r.table(pdfTable{rows: rows, widths: []float64{70, 0}, aligns: []string{"L", "L"}, size: 9.5, boldCol: true})
}
