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
// marks), no control or format characters, nothing the font lacks.
func (r *pdfReport) t(s string) string {
	s = norm.NFC.String(s)
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
	lines := p.SplitText(r.t(s), r.width)
	if p.GetY()+float64(len(lines))*h+20 > r.bottom {
		p.AddPage()
	}
	p.Bookmark(r.line(s), level, -1)
	p.MultiCell(r.width, h, r.t(s), "", "L", false)
	p.Ln(1.5)
	r.font("", 9.5)
}

func (r *pdfReport) para(s string, size float64) {
	r.font("", size)
	r.pdf.MultiCell(r.width, size*0.48, r.t(s), "", "L", false)
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
