package export

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/youthvoice/youthvoice/surveys"
)

// Text helpers: text made printable in the report's font, fonts and
// colours set only when they change, headings, paragraphs, and numbers
// in the language's format.

// t prepares text for printing: NFC (fpdf does not position combining
// marks), Arabic letters in their contextual forms (shaped before the
// format characters go, since a zero width joiner or non-joiner decides
// a form), no control or format characters, nothing the font lacks. The
// text stays in logical order: lines are put in visual order when drawn
// (cell, multi, text), after they are wrapped.
func (r *pdfReport) t(s string) string {
	s = pdfShapeArabic(norm.NFC.String(s))
	return strings.Map(func(c rune) rune {
		switch {
		case c == '\n':
			return c
		case c == '\t' || c == '\r':
			return ' '
		case c < utf8.RuneSelf:
			if c < 0x20 || c == 0x7f {
				return -1
			}
			return c
		case !r.cov.has(c) || unicode.Is(unicode.Cf, c):
			return -1
		}
		return c
	}, s)
}

// line is t on one line.
func (r *pdfReport) line(s string) string {
	return strings.Join(strings.Fields(r.t(s)), " ")
}

// plain is s on one line for the document's metadata and outline (the
// title, bookmarks), which PDF viewers shape and order themselves: the
// characters as written, NFC, without control or format characters.
func (r *pdfReport) plain(s string) string {
	s = strings.Map(func(c rune) rune {
		if unicode.IsControl(c) || unicode.Is(unicode.Cf, c) {
			return ' '
		}
		return c
	}, norm.NFC.String(s))
	return strings.Join(strings.Fields(s), " ")
}

// ---- right-to-left layout ----
//
// The report is laid out in left-to-right coordinates; a right-to-left
// report mirrors every box about the page's centre as it is drawn, so
// that a table's first column is on the right, a chart's names are on
// the right of its bars, and text starts at the right margin.

// X is where a box w mm wide that starts at x in the left-to-right
// layout is drawn.
func (r *pdfReport) X(x, w float64) float64 {
	if r.rtl {
		pw, _ := r.pdf.GetPageSize()
		return pw - x - w
	}
	return x
}

// A is the alignment a right-to-left report uses for a (L and R swap).
func (r *pdfReport) A(a string) string {
	if r.rtl {
		switch a {
		case "L", "":
			return "R"
		case "R":
			return "L"
		}
	}
	return a
}

// cell draws one line of prepared text (r.t, logical order) in a box w
// mm wide at x, y of the left-to-right layout, aligned as align says.
func (r *pdfReport) cell(x, y, w, h float64, s, align string) {
	r.pdf.SetXY(r.X(x, w), y)
	r.pdf.CellFormat(w, h, pdfVisual(s, r.rtl), "", 0, r.A(align), false, 0, "")
}

// multi is fpdf's MultiCell for the report's text: s prepared (r.t),
// wrapped to w mm in the current font, each line drawn in visual order
// from the current y, at the left margin of the layout; the cursor ends
// under the last line at the margin.
func (r *pdfReport) multi(w, h float64, s, align string) {
	p := r.pdf
	for _, ln := range r.split(s, w) {
		if p.GetY()+h > r.bottom {
			p.AddPage()
		}
		y := p.GetY()
		r.cell(pdfMargin, y, w, h, ln, align)
		p.SetXY(pdfMargin, y+h)
	}
}

// split wraps prepared text into lines w mm wide (less the cell
// margins) in the current font, at spaces and line breaks; a word longer
// than a line is cut, never between a letter and its marks. It replaces
// fpdf's SplitText, which counts a zero-width glyph (an Arabic vowel
// mark) as 65 em wide and so broke lines at every mark.
func (r *pdfReport) split(s string, w float64) []string {
	p := r.pdf
	limit := w - 2*p.GetCellMargin()
	space := p.GetStringWidth(" ")
	var out []string
	paras := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for pi, para := range paras {
		line, lw := "", 0.0
		for _, word := range strings.Fields(para) {
			ww := p.GetStringWidth(word)
			if line != "" && lw+space+ww <= limit {
				line, lw = line+" "+word, lw+space+ww
				continue
			}
			if line != "" {
				out = append(out, line)
			}
			for ww > limit {
				head, rest := r.cut(word, limit)
				if rest == "" {
					break
				}
				out = append(out, head)
				word = rest
				ww = p.GetStringWidth(word)
			}
			line, lw = word, ww
		}
		if line != "" || (pi > 0 && pi < len(paras)-1) {
			out = append(out, line)
		}
	}
	return out
}

// cut splits a word that is wider than limit mm: the most runes that fit
// (one at least, with its marks), and the rest.
func (r *pdfReport) cut(word string, limit float64) (string, string) {
	rs := []rune(word)
	n, w := 0, 0.0
	for n < len(rs) {
		cw := r.pdf.GetStringWidth(string(rs[n]))
		if n > 0 && w+cw > limit {
			break
		}
		w += cw
		n++
		for n < len(rs) && unicode.In(rs[n], unicode.Mn, unicode.Me) {
			n++
		}
	}
	return string(rs[:n]), string(rs[n:])
}

// text draws one line of prepared text with its left end at x of the
// layout and its baseline at y: in a right-to-left report, its right end
// at the mirrored x.
func (r *pdfReport) text(x, y float64, s string) {
	r.pdf.Text(r.X(x, r.pdf.GetStringWidth(s)), y, pdfVisual(s, r.rtl))
}

// rect and segment draw a rectangle and a line of the layout, mirrored
// in a right-to-left report.
func (r *pdfReport) rect(x, y, w, h float64, style string) {
	r.pdf.Rect(r.X(x, w), y, w, h, style)
}

func (r *pdfReport) segment(x1, y1, x2, y2 float64) {
	r.pdf.Line(r.X(x1, 0), y1, r.X(x2, 0), y2)
}

// ---- text helpers ----

// font selects the report's font. fpdf writes a font operator into the
// page on every SetFont, even an unchanged one, and a table cell or chart
// label sets the font again and again: in the report of the largest
// survey those repeats were half of the page content held in memory.
func (r *pdfReport) font(style string, size float64) {
	if pt, _ := r.pdf.GetFontSize(); pt == size && r.pdf.GetFontStyle() == style && r.pdf.GetFontFamily() == pdfFamilyKey {
		return
	}
	r.pdf.SetFont(pdfFamily, style, size)
}

// lineStyle sets the draw colour and line width, writing nothing when they
// are already set.
func (r *pdfReport) lineStyle(grey int, width float64) {
	if cr, cg, cb := r.pdf.GetDrawColor(); cr != grey || cg != grey || cb != grey {
		r.pdf.SetDrawColor(grey, grey, grey)
	}
	if r.pdf.GetLineWidth() != width {
		r.pdf.SetLineWidth(width)
	}
}

// inkFill sets the fill colour back to black, the text colour: fpdf wraps
// every piece of text in a save-colour-restore while they differ.
func (r *pdfReport) inkFill() {
	if cr, cg, cb := r.pdf.GetFillColor(); cr != 0 || cg != 0 || cb != 0 {
		r.pdf.SetFillColor(0, 0, 0)
	}
}

func (r *pdfReport) heading(s string, size float64, level int) {
	p := r.pdf
	r.font("B", size)
	h := size * 0.5
	lines := r.split(r.t(s), r.width)
	if p.GetY()+float64(len(lines))*h+20 > r.bottom {
		p.AddPage()
	}
	p.Bookmark(r.plain(s), level, -1)
	r.multi(r.width, h, r.t(s), "L")
	p.Ln(1.5)
	r.font("", 9.5)
}

func (r *pdfReport) para(s string, size float64) {
	r.font("", size)
	r.multi(r.width, size*0.48, r.t(s), "L")
	r.pdf.Ln(1.5)
}

func (r *pdfReport) note(s string) {
	r.pdf.SetTextColor(90, 90, 90)
	r.para(s, 8.5)
	r.pdf.SetTextColor(0, 0, 0)
}

// fit shortens s with an ellipsis to fit w mm in the current font.
func (r *pdfReport) fit(s string, w float64) string {
	if r.pdf.GetStringWidth(s) <= w {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 && r.pdf.GetStringWidth(string(rs)+"…") > w {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "…"
}

func (r *pdfReport) num(v float64, decimals int) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', decimals, 64), ".", r.dec, 1)
}

func (r *pdfReport) pct(p *float64) string {
	if p == nil {
		return "–"
	}
	return r.num(*p, 1) + "%"
}

// interval is a confidence interval cell: "22,8–40,6%", or a dash.
func (r *pdfReport) interval(c surveys.Count) string {
	lo, hi, ok := summaryInterval(c)
	if !ok {
		return "–"
	}
	return r.num(lo, 1) + "–" + r.num(hi, 1) + "%"
}

// count is a count cell: "12 (34,5%)", the suppressed label, or a dash.
func (r *pdfReport) count(c *surveys.Count, withPct bool) string {
	switch {
	case c == nil:
		return "–"
	case c.Suppressed:
		return r.l.Suppressed
	case c.N == nil:
		return "–"
	case withPct && c.Pct != nil:
		return strconv.Itoa(*c.N) + " (" + r.pct(c.Pct) + ")"
	}
	return strconv.Itoa(*c.N)
}
