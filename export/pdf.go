package export

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/message"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/youthvoice/youthvoice/surveys"
)

// The PDF report: A4 portrait, Liberation Sans (Latin, Greek, Cyrillic)
// in the text and in the charts, one chart per question. fpdf neither
// shapes nor reorders text, so right-to-left and complex scripts are
// refused with ErrScript before anything is written.

const (
	pdfFamily   = "LiberationSans"
	pdfMargin   = 18.0 // left, right and top margin, mm
	pdfBottom   = 18.0 // bottom margin (the footer sits inside it), mm
	pdfChartDPI = 150
	pdfMaxLabel = 40 // runes of a category name in a chart
	pdfPNGLevel = png.BestSpeed
)

var (
	pdfBarColor = color.RGBA{R: 0x2b, G: 0x6c, B: 0xb0, A: 0xff}
	pdfDKColor  = color.RGBA{R: 0xbd, G: 0xbd, B: 0xbd, A: 0xff}
	// The charts use the Liberation Sans faces that gonum/plot registers
	// in its default font cache: the same font as the PDF's text.
	pdfChartFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
)

// WritePDF writes the summary as a PDF report. It returns ErrScript, and
// writes nothing, if the summary is right-to-left or holds text in a
// script the report cannot render.
func WritePDF(w io.Writer, s *Summary) error {
	if s == nil {
		return errors.New("export: no summary")
	}
	cov, err := pdfCoverage()
	if err != nil {
		return err
	}
	if err := pdfCheckScript(s, cov); err != nil {
		return err
	}
	r := newPDFReport(s, cov)
	if err := r.build(); err != nil {
		return err
	}
	// fpdf keeps the whole document in memory until Output, so nothing
	// reaches w unless the report was built completely.
	return r.pdf.Output(w)
}

// ---- script check ----

// pdfComplexScripts are scripts that need shaping or right-to-left
// ordering, which fpdf cannot do.
var pdfComplexScripts = []*unicode.RangeTable{
	unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana, unicode.Nko,
	unicode.Samaritan, unicode.Mandaic, unicode.Adlam, unicode.Hanifi_Rohingya,
	unicode.Yezidi, unicode.Mongolian, unicode.Tifinagh,
	unicode.Devanagari, unicode.Bengali, unicode.Gurmukhi, unicode.Gujarati,
	unicode.Oriya, unicode.Tamil, unicode.Telugu, unicode.Kannada,
	unicode.Malayalam, unicode.Sinhala, unicode.Thai, unicode.Lao,
	unicode.Tibetan, unicode.Myanmar, unicode.Khmer, unicode.Tai_Tham,
	unicode.Balinese, unicode.Javanese, unicode.Sundanese,
}

// pdfGlyphs is the set of BMP runes both Liberation Sans faces have a
// glyph for.
type pdfGlyphs [1 << 16 / 64]uint64

func (g *pdfGlyphs) has(r rune) bool {
	return r >= 0 && r < 1<<16 && g[r>>6]&(1<<(uint(r)&63)) != 0
}

var pdfCoverage = sync.OnceValues(func() (*pdfGlyphs, error) {
	var fonts []*sfnt.Font
	for _, ttf := range [][]byte{liberationsansregular.TTF, liberationsansbold.TTF} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			return nil, fmt.Errorf("export: pdf font: %w", err)
		}
		fonts = append(fonts, f)
	}
	g := new(pdfGlyphs)
	var buf sfnt.Buffer
	for r := rune(0x20); r < 1<<16; r++ {
		ok := true
		for _, f := range fonts {
			if i, err := f.GlyphIndex(&buf, r); err != nil || i == 0 {
				ok = false
				break
			}
		}
		if ok {
			g[r>>6] |= 1 << (uint(r) & 63)
		}
	}
	return g, nil
})

// pdfRuneOK reports whether r can be printed, or left out without
// garbling a word (symbols such as emoji the font has no glyph for).
func pdfRuneOK(r rune, cov *pdfGlyphs) bool {
	if r < utf8.RuneSelf {
		return true
	}
	if unicode.In(r, pdfComplexScripts...) {
		return false
	}
	if p, _ := bidi.LookupRune(r); p.Class() == bidi.R || p.Class() == bidi.AL ||
		p.Class() == bidi.RLE || p.Class() == bidi.RLO || p.Class() == bidi.RLI {
		return false
	}
	if cov.has(r) {
		return true
	}
	// Letters, marks and digits without a glyph would garble words.
	return !unicode.In(r, unicode.L, unicode.M, unicode.N)
}

func pdfTextOK(s string, cov *pdfGlyphs) bool {
	for _, r := range norm.NFC.String(s) {
		if !pdfRuneOK(r, cov) {
			return false
		}
	}
	return true
}

// pdfCheckScript returns ErrScript if the summary is right-to-left or any
// of its strings holds a character the report cannot render.
func pdfCheckScript(s *Summary, cov *pdfGlyphs) error {
	if strings.EqualFold(strings.TrimSpace(s.Dir), "rtl") {
		return ErrScript
	}
	if !pdfWalkStrings(reflect.ValueOf(s), func(t string) bool { return pdfTextOK(t, cov) }) {
		return ErrScript
	}
	return nil
}

// pdfWalkStrings calls fn on every string in v until fn returns false.
func pdfWalkStrings(v reflect.Value, fn func(string) bool) bool {
	switch v.Kind() {
	case reflect.String:
		return fn(v.String())
	case reflect.Pointer, reflect.Interface:
		return v.IsNil() || pdfWalkStrings(v.Elem(), fn)
	case reflect.Struct:
		for i := range v.NumField() {
			if !pdfWalkStrings(v.Field(i), fn) {
				return false
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if !pdfWalkStrings(v.Index(i), fn) {
				return false
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if !pdfWalkStrings(it.Key(), fn) || !pdfWalkStrings(it.Value(), fn) {
				return false
			}
		}
	}
	return true
}

// ---- report ----

type pdfReport struct {
	s      *Summary
	l      Labels
	cov    *pdfGlyphs
	pdf    *fpdf.Fpdf
	dec    string  // decimal separator of the language
	width  float64 // text width, mm
	bottom float64 // y where content must end, mm
	charts int
	err    error
}

// pdfDefaultLabels fill in labels the caller left empty.
var pdfDefaultLabels = Labels{
	Overview: "Results", Method: "Method", Question: "Question", Type: "Type",
	Option: "Option", Group: "Group", Everyone: "Everyone", Count: "Count",
	Percent: "Percent", Suppressed: "suppressed", Hidden: "hidden",
	Withheld:  "Withheld: fewer responses than the disclosure threshold",
	Responses: "Responses", Threshold: "Disclosure threshold (k)",
	Revision: "Revision", Released: "Released", Final: "Final release",
	Answered: "Answered", Skipped: "Skipped", Seen: "Seen", DontKnow: "Don't know",
	Mean: "Mean", Median: "Median", Q1: "Q1", Q3: "Q3", SD: "SD",
	MeanRank: "Mean rank", Statement: "Statement", KeyFigures: "Key figures",
}

func newPDFReport(s *Summary, cov *pdfGlyphs) *pdfReport {
	r := &pdfReport{s: s, l: s.Labels, cov: cov, dec: "."}
	lv, dv := reflect.ValueOf(&r.l).Elem(), reflect.ValueOf(pdfDefaultLabels)
	for i := range lv.NumField() {
		if f := lv.Field(i); f.Kind() == reflect.String && strings.TrimSpace(f.String()) == "" {
			f.SetString(dv.Field(i).String())
		}
	}
	if d := message.NewPrinter(language.Make(s.Lang)).Sprintf("%.1f", 1.5); len(d) == 3 {
		r.dec = d[1:2]
	}
	return r
}

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

func (r *pdfReport) build() error {
	s := r.s
	p := fpdf.New("P", "mm", "A4", "")
	r.pdf = p
	p.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	p.SetAutoPageBreak(true, pdfBottom)
	p.AddUTF8FontFromBytes(pdfFamily, "", liberationsansregular.TTF)
	p.AddUTF8FontFromBytes(pdfFamily, "B", liberationsansbold.TTF)
	pw, ph := p.GetPageSize()
	r.width = pw - 2*pdfMargin
	r.bottom = ph - pdfBottom

	title := r.line(s.Title)
	p.SetTitle(title, true)
	p.SetCatalogSort(true) // fonts and images in a fixed order
	p.SetCreator("YouthVoice", false)
	p.SetProducer("YouthVoice", false)
	if lang := pdfLangTag(s.Lang); lang != "" {
		p.SetLang(lang)
	}
	if d, err := time.Parse(time.DateOnly, s.Released); err == nil {
		// The release day, so the same release gives the same file.
		p.SetCreationDate(d)
		p.SetModificationDate(d)
	}
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(func() {
		p.SetY(-pdfBottom + 6)
		p.SetFont(pdfFamily, "", 8)
		p.SetTextColor(110, 110, 110)
		num := fmt.Sprintf("%d / {nb}", p.PageNo())
		p.CellFormat(r.width-25, 5, r.fit(title, r.width-30), "", 0, "L", false, 0, "")
		p.CellFormat(25, 5, num, "", 0, "R", false, 0, "")
		p.SetTextColor(0, 0, 0)
	})

	p.AddPage()
	r.titleBlock()
	r.keyFigures()
	r.overview()
	for i := range s.Breakdowns {
		r.breakdown(&s.Breakdowns[i])
	}
	r.method()
	if r.err != nil {
		return r.err
	}
	return p.Error()
}

// pdfLangTag is the language code for the catalog's /Lang (written
// unescaped by fpdf, so only letters, digits and hyphens).
func pdfLangTag(lang string) string {
	for _, c := range lang {
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return ""
		}
	}
	return lang
}

// ---- text helpers ----

func (r *pdfReport) font(style string, size float64) { r.pdf.SetFont(pdfFamily, style, size) }

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

// ---- tables ----

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
	nv := len(head) - 1
	if nv <= 0 {
		return
	}
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
		r.table(t)
		r.pdf.Ln(2)
	}
}

func (r *pdfReport) table(t pdfTable) {
	if t.size == 0 {
		t.size = 8.5
	}
	sum := 0.0
	for i, w := range t.widths {
		if w == 0 {
			t.widths[i] = r.width - sum
		}
		sum += t.widths[i]
	}
	if t.head != nil {
		r.row(t.head, t, true, false)
	}
	for _, row := range t.rows {
		r.row(row, t, false, true)
	}
	r.font("", 9.5)
}

// row draws one table row, wrapping long cells, and starts a new page
// (repeating the header) if it does not fit.
func (r *pdfReport) row(cells []string, t pdfTable, header, repeatHead bool) {
	p := r.pdf
	lh := t.size * 0.45
	const pad = 0.8
	style := func(i int) string {
		if header || (i == 0 && t.boldCol) {
			return "B"
		}
		return ""
	}
	muted := func(i int) bool {
		return !header && (cells[i] == r.l.Suppressed || cells[i] == r.l.Hidden || cells[i] == r.l.Withheld)
	}
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
		lines[i] = p.SplitText(c, t.widths[i])
		n = max(n, len(lines[i]))
	}
	h := float64(n)*lh + 2*pad
	if p.GetY()+h > r.bottom {
		p.AddPage()
		if repeatHead && t.head != nil {
			r.row(t.head, t, true, false)
		}
	}
	x0, y := pdfMargin, p.GetY()
	x := x0
	p.SetDrawColor(190, 190, 190)
	p.SetLineWidth(0.2)
	for i := range cells {
		w := t.widths[i]
		if header {
			p.SetFillColor(235, 239, 244)
			p.Rect(x, y, w, h, "FD")
		} else {
			p.Rect(x, y, w, h, "D")
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
			p.SetXY(x, y+pad+float64(j)*lh)
			p.CellFormat(w, lh, ln, "", 0, align, false, 0, "")
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

// ---- sections ----

func (r *pdfReport) titleBlock() {
	s, p, l := r.s, r.pdf, r.l
	r.font("B", 20)
	p.Bookmark(r.line(s.Title), 0, -1)
	p.MultiCell(r.width, 9, r.t(s.Title), "", "L", false)
	p.Ln(1)
	r.font("", 10)
	p.SetTextColor(90, 90, 90)
	lang := s.Lang
	if name := display.Self.Name(language.Make(s.Lang)); name != "" && pdfTextOK(name, r.cov) {
		lang = name + " (" + s.Lang + ")"
	}
	p.MultiCell(r.width, 5, r.t(lang), "", "L", false)
	p.SetTextColor(0, 0, 0)
	if s.Final {
		r.font("B", 11)
		p.SetTextColor(int(pdfBarColor.R), int(pdfBarColor.G), int(pdfBarColor.B))
		p.MultiCell(r.width, 6, r.t(l.Final), "", "L", false)
		p.SetTextColor(0, 0, 0)
	}
	p.Ln(4)
	k := s.K
	if k == 0 {
		k = s.Overall.K
	}
	n := l.Withheld
	if !s.Overall.Withheld {
		n = r.count(s.Overall.N, false)
	}
	r.keyValues([][]string{
		{l.Revision, strconv.Itoa(s.Revision)},
		{l.Released, s.Released},
		{l.Threshold, strconv.Itoa(k)},
		{l.Responses, n},
	})
	p.Ln(8)
}

// everyone is the overall group of a release.
func pdfEveryone(res *surveys.Results) *surveys.GroupResults {
	for i := range res.Groups {
		if res.Groups[i].Code == "" {
			return &res.Groups[i]
		}
	}
	if len(res.Groups) > 0 {
		return &res.Groups[0]
	}
	return nil
}

func (r *pdfReport) keyFigures() {
	l := r.l
	r.heading(l.KeyFigures, 14, 0)
	g := pdfEveryone(&r.s.Overall)
	if r.s.Overall.Withheld || g == nil {
		r.para(l.Withheld, 10)
		return
	}
	if g.Hidden {
		r.para(l.Hidden, 10)
		return
	}
	r.keyValues([][]string{{l.Responses, r.count(r.s.Overall.N, false)}})
	r.pdf.Ln(4)
	t := pdfTable{head: []string{l.Question, l.Seen, l.Answered, l.Skipped},
		widths: []float64{0, 22, 30, 30}, aligns: []string{"L", "R", "R", "R"}}
	t.widths[0] = r.width - 82
	for i, q := range g.Questions {
		t.rows = append(t.rows, []string{fmt.Sprintf("%d. %s", i+1, r.line(q.Text)),
			r.count(&q.Seen, false), r.count(&q.Answered, true), r.count(&q.Skipped, true)})
	}
	r.table(t)
}

func (r *pdfReport) overview() {
	r.pdf.AddPage()
	r.heading(r.l.Overview, 14, 0)
	g := pdfEveryone(&r.s.Overall)
	if r.s.Overall.Withheld || g == nil {
		r.para(r.l.Withheld, 10)
		return
	}
	if g.Hidden {
		r.para(r.l.Hidden, 10)
		return
	}
	for i := range g.Questions {
		r.question(i+1, &g.Questions[i])
		if r.err != nil {
			return
		}
	}
}

// pdfCat is one category (option, point, range, don't know) of a question.
type pdfCat struct {
	label string
	count surveys.Count
	dk    bool
}

func (r *pdfReport) categories(q *surveys.QuestionResults) []pdfCat {
	var cats []pdfCat
	for _, o := range q.Options {
		cats = append(cats, pdfCat{label: o.Label, count: o.Count})
	}
	for _, b := range q.Bins {
		cats = append(cats, pdfCat{label: b.Label, count: b.Count})
	}
	if q.DontKnow != nil {
		cats = append(cats, pdfCat{label: r.l.DontKnow, count: *q.DontKnow, dk: true})
	}
	return cats
}

func (r *pdfReport) question(num int, q *surveys.QuestionResults) {
	p, l := r.pdf, r.l
	cats := r.categories(q)

	// The chart first, so the heading can be kept on its page.
	var chart []byte
	var chartW, chartH float64
	var err error
	switch {
	case len(q.Statements) > 0:
		chart, chartW, chartH, err = r.matrixChart(q)
	case len(q.Options) > 0 || len(q.Bins) > 0:
		chart, chartW, chartH, err = r.barChart(cats)
	}
	if err != nil {
		r.err = fmt.Errorf("export: pdf chart of %s: %w", q.ID, err)
		return
	}
	r.font("B", 11)
	headH := float64(len(p.SplitText(r.t(q.Text), r.width)))*5.5 + 8
	if p.GetY()+headH+chartH+15 > r.bottom && p.GetY() > pdfMargin+30 {
		p.AddPage()
	}
	p.Bookmark(r.line(fmt.Sprintf("%d. %s", num, q.Text)), 1, -1)
	p.MultiCell(r.width, 5.5, r.t(fmt.Sprintf("%d. %s", num, q.Text)), "", "L", false)
	r.note(fmt.Sprintf("%s: %s · %s: %s", l.Answered, r.count(&q.Answered, true), l.Skipped, r.count(&q.Skipped, true)))

	if maxH := r.bottom - pdfMargin - 20; chartH > maxH {
		// A very long list of options: the chart is set smaller.
		chartW, chartH = chartW*maxH/chartH, maxH
	}
	if chart != nil {
		r.charts++
		name := fmt.Sprintf("chart%d", r.charts)
		p.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(chart))
		if p.GetY()+chartH > r.bottom {
			p.AddPage()
		}
		p.ImageOptions(name, pdfMargin, p.GetY(), chartW, chartH, true, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		p.Ln(2)
	}

	if len(q.Statements) > 0 {
		r.matrixTables(q)
	} else if len(cats) > 0 {
		ranks := map[string]float64{}
		for _, m := range q.MeanRanks {
			ranks[m.Code] = m.MeanRank
		}
		t := pdfTable{head: []string{l.Option, l.Count, l.Percent},
			widths: []float64{0, 25, 25}, aligns: []string{"L", "R", "R"}}
		if q.Type == surveys.Ranking {
			t.head = append(t.head, l.MeanRank)
			t.widths = append(t.widths, 25)
			t.aligns = append(t.aligns, "R")
		}
		fixed := 0.0
		for _, w := range t.widths {
			fixed += w
		}
		t.widths[0] = r.width - fixed
		for i, c := range cats {
			pct := "–"
			if !c.count.Suppressed {
				pct = r.pct(c.count.Pct)
			}
			row := []string{r.line(c.label), r.count(&c.count, false), pct}
			if q.Type == surveys.Ranking {
				mr := l.Suppressed
				if i < len(q.Options) {
					if v, ok := ranks[q.Options[i].Code]; ok {
						mr = r.num(v, 2)
					}
				}
				row = append(row, mr)
			}
			t.rows = append(t.rows, row)
		}
		r.table(t)
	}
	if q.Stats != nil || (q.StatsWithheld && q.Type != surveys.Ranking && len(q.Statements) == 0) {
		p.Ln(2)
		r.statsTable("", []string{""}, []*surveys.Stats{q.Stats})
	}
	p.Ln(6)
}

// statsTable prints statistics, one row per entry (nil: withheld).
func (r *pdfReport) statsTable(first string, names []string, stats []*surveys.Stats) {
	l := r.l
	head := []string{first, l.Mean, l.Median, l.Q1, l.Q3, l.SD}
	var rows [][]string
	for i, st := range stats {
		row := []string{r.line(names[i])}
		if st == nil {
			for range 5 {
				row = append(row, l.Suppressed)
			}
		} else {
			for _, v := range []float64{st.Mean, st.Median, st.Q1, st.Q3, st.SD} {
				row = append(row, r.num(v, 2))
			}
		}
		rows = append(rows, row)
	}
	firstW := 60.0
	if first == "" && len(stats) == 1 && names[0] == "" {
		firstW = 0.1
		head[0] = ""
	}
	vw := min((r.width-firstW)/5, 30)
	t := pdfTable{head: head, rows: rows, widths: []float64{firstW, vw, vw, vw, vw, vw},
		aligns: []string{"L", "R", "R", "R", "R", "R"}}
	if firstW < 1 {
		t.head, t.widths, t.aligns = head[1:], t.widths[1:], t.aligns[1:]
		for i := range t.rows {
			t.rows[i] = t.rows[i][1:]
		}
	}
	r.table(t)
}

func (r *pdfReport) matrixTables(q *surveys.QuestionResults) {
	l := r.l
	if len(q.Statements) == 0 {
		return
	}
	head := []string{l.Statement}
	for _, b := range q.Statements[0].Bins {
		head = append(head, b.Label)
	}
	hasDK := false
	for _, st := range q.Statements {
		hasDK = hasDK || st.DontKnow != nil
	}
	if hasDK {
		head = append(head, l.DontKnow)
	}
	head = append(head, l.Answered)
	var rows [][]string
	var names []string
	var stats []*surveys.Stats
	anyStats := false
	for _, st := range q.Statements {
		row := []string{r.line(st.Label)}
		for i := range q.Statements[0].Bins {
			if i < len(st.Bins) {
				row = append(row, r.count(&st.Bins[i].Count, true))
			} else {
				row = append(row, "–")
			}
		}
		if hasDK {
			row = append(row, r.count(st.DontKnow, true))
		}
		row = append(row, r.count(&st.Answered, false))
		rows = append(rows, row)
		names = append(names, st.Label)
		stats = append(stats, st.Stats)
		anyStats = anyStats || st.Stats != nil || st.StatsWithheld
	}
	r.wideTable(head, rows, 50, 6, 8)
	if anyStats {
		r.statsTable(l.Statement, names, stats)
	}
}

func (r *pdfReport) breakdown(b *Breakdown) {
	p, l := r.pdf, r.l
	p.AddPage()
	r.heading(b.Label, 14, 0)
	res := &b.Results
	if res.Withheld || len(res.Groups) == 0 {
		r.para(l.Withheld, 10)
		return
	}
	head := []string{""}
	for _, g := range res.Groups {
		name := g.Label
		if g.Code == "" {
			name = l.Everyone
		}
		head = append(head, r.line(name))
	}
	cell := func(g *surveys.GroupResults, c *surveys.Count, pct bool) string {
		if g.Hidden {
			return l.Hidden
		}
		return r.count(c, pct)
	}
	// Group sizes.
	head[0] = l.Group
	row := []string{l.Responses}
	for i := range res.Groups {
		row = append(row, cell(&res.Groups[i], res.Groups[i].N, false))
	}
	r.wideTable(head, [][]string{row}, 55, 6, 8)
	p.Ln(3)

	first := pdfEveryone(res)
	if first == nil {
		return
	}
	for qi := range first.Questions {
		q := &first.Questions[qi]
		if q.ID == b.ID {
			continue
		}
		// Rows: answered, then every category (matrix: statement × point).
		type rowDef struct {
			label string
			get   func(*surveys.QuestionResults) *surveys.Count
			pct   bool
		}
		defs := []rowDef{{l.Answered, func(x *surveys.QuestionResults) *surveys.Count { return &x.Answered }, false}}
		for i, c := range r.categories(q) {
			if c.dk {
				defs = append(defs, rowDef{c.label, func(x *surveys.QuestionResults) *surveys.Count { return x.DontKnow }, true})
				continue
			}
			if i < len(q.Options) {
				defs = append(defs, rowDef{c.label, func(x *surveys.QuestionResults) *surveys.Count {
					if i < len(x.Options) {
						return &x.Options[i].Count
					}
					return nil
				}, true})
				continue
			}
			j := i - len(q.Options)
			defs = append(defs, rowDef{c.label, func(x *surveys.QuestionResults) *surveys.Count {
				if j < len(x.Bins) {
					return &x.Bins[j].Count
				}
				return nil
			}, true})
		}
		for si, st := range q.Statements {
			for bi, bin := range st.Bins {
				defs = append(defs, rowDef{st.Label + ": " + bin.Label, func(x *surveys.QuestionResults) *surveys.Count {
					if si < len(x.Statements) && bi < len(x.Statements[si].Bins) {
						return &x.Statements[si].Bins[bi].Count
					}
					return nil
				}, true})
			}
			if st.DontKnow != nil {
				defs = append(defs, rowDef{st.Label + ": " + l.DontKnow, func(x *surveys.QuestionResults) *surveys.Count {
					if si < len(x.Statements) {
						return x.Statements[si].DontKnow
					}
					return nil
				}, true})
			}
		}
		var rows [][]string
		for _, d := range defs {
			row := []string{r.line(d.label)}
			for gi := range res.Groups {
				g := &res.Groups[gi]
				gq := pdfQuestion(g, q.ID)
				if gq == nil && !g.Hidden {
					row = append(row, "–")
					continue
				}
				var c *surveys.Count
				if gq != nil {
					c = d.get(gq)
				}
				row = append(row, cell(g, c, d.pct))
			}
			rows = append(rows, row)
		}
		// Means of scales and numbers, where shown.
		if q.Stats != nil || q.StatsWithheld {
			if q.Type == surveys.Scale || q.Type == surveys.Number {
				row := []string{l.Mean}
				for gi := range res.Groups {
					g := &res.Groups[gi]
					gq := pdfQuestion(g, q.ID)
					switch {
					case g.Hidden:
						row = append(row, l.Hidden)
					case gq == nil:
						row = append(row, "–")
					case gq.Stats == nil:
						row = append(row, l.Suppressed)
					default:
						row = append(row, r.num(gq.Stats.Mean, 2))
					}
				}
				rows = append(rows, row)
			}
		}
		r.font("B", 10)
		if p.GetY()+25 > r.bottom {
			p.AddPage()
		}
		p.MultiCell(r.width, 5, r.t(fmt.Sprintf("%d. %s", qi+1, q.Text)), "", "L", false)
		p.Ln(1)
		head[0] = l.Option
		r.wideTable(head, rows, 55, 6, 8)
		p.Ln(3)
	}
}

func pdfQuestion(g *surveys.GroupResults, id string) *surveys.QuestionResults {
	for i := range g.Questions {
		if g.Questions[i].ID == id {
			return &g.Questions[i]
		}
	}
	return nil
}

func (r *pdfReport) method() {
	if len(r.s.Method) == 0 {
		return
	}
	r.pdf.AddPage()
	r.heading(r.l.Method, 14, 0)
	for _, para := range r.s.Method {
		r.para(para, 10)
		r.pdf.Ln(1)
	}
}

// ---- charts ----

// chartLabel is a category name in a chart; a suppressed one is named
// so, and has no bar.
func (r *pdfReport) chartLabel(label string, suppressed bool) string {
	s := r.line(label)
	if rs := []rune(s); len(rs) > pdfMaxLabel {
		s = strings.TrimSpace(string(rs[:pdfMaxLabel-1])) + "…"
	}
	if suppressed {
		s += " (" + r.line(r.l.Suppressed) + ")"
	}
	return s
}

func (r *pdfReport) newPlot() *plot.Plot {
	p := plot.New()
	small, normal := font.From(pdfChartFont, 8), font.From(pdfChartFont, 9)
	p.Title.TextStyle.Font = normal
	p.X.Label.TextStyle.Font = small
	p.Y.Label.TextStyle.Font = small
	p.X.Tick.Label.Font = small
	p.Y.Tick.Label.Font = normal
	p.Legend.TextStyle.Font = small
	p.X.Label.Text = r.line(r.l.Count)
	p.X.Tick.Marker = pdfIntTicks{}
	g := plotter.NewGrid()
	g.Horizontal.Width = 0
	g.Vertical.Color = color.Gray{Y: 0xdd}
	p.Add(g)
	return p
}

// pdfIntTicks marks whole numbers only: the charts show counts.
type pdfIntTicks struct{}

func (pdfIntTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if t.Value == math.Trunc(t.Value) {
			if t.Label != "" {
				t.Label = strconv.FormatFloat(t.Value, 'f', 0, 64)
			}
			out = append(out, t)
		}
	}
	return out
}

// slot is the height per category in mm.
func pdfSlot(n int) float64 {
	switch {
	case n > 24:
		return 5
	case n > 12:
		return 6.5
	}
	return 8
}

// barChart draws one horizontal bar per category, first at the top.
func (r *pdfReport) barChart(cats []pdfCat) (img []byte, w, h float64, err error) {
	n := len(cats)
	p := r.newPlot()
	names := make([]string, n)
	vals := make(plotter.Values, n)
	var lab plotter.XYLabels
	maxV := 0.0
	dk := -1
	for i, c := range cats {
		y := n - 1 - i
		shown := !c.count.Suppressed && c.count.N != nil
		names[y] = r.chartLabel(c.label, c.count.Suppressed)
		if c.dk {
			dk = y
		}
		if !shown {
			continue
		}
		v := float64(*c.count.N)
		vals[y] = v
		maxV = max(maxV, v)
		lab.XYs = append(lab.XYs, plotter.XY{X: v, Y: float64(y)})
		lab.Labels = append(lab.Labels, r.count(&c.count, true))
	}
	slot := pdfSlot(n)
	bars, err := plotter.NewBarChart(vals, vg.Length(slot*0.62)*vg.Millimeter)
	if err != nil {
		return nil, 0, 0, err
	}
	bars.Horizontal = true
	bars.Color = pdfBarColor
	bars.LineStyle.Width = 0
	p.Add(bars)
	if dk >= 0 && !cats[n-1-dk].count.Suppressed {
		// Don't know in grey, over the blue bar.
		dvals := make(plotter.Values, n)
		dvals[dk] = vals[dk]
		dbars, err := plotter.NewBarChart(dvals, vg.Length(slot*0.62)*vg.Millimeter)
		if err != nil {
			return nil, 0, 0, err
		}
		dbars.Horizontal = true
		dbars.Color = pdfDKColor
		dbars.LineStyle.Width = 0
		p.Add(dbars)
	}
	if len(lab.XYs) > 0 {
		labels, err := plotter.NewLabels(lab)
		if err != nil {
			return nil, 0, 0, err
		}
		for i := range labels.TextStyle {
			labels.TextStyle[i].Font = font.From(pdfChartFont, 8)
			labels.TextStyle[i].XAlign = draw.XLeft
			labels.TextStyle[i].YAlign = draw.YCenter
		}
		labels.Offset = vg.Point{X: vg.Points(3)}
		p.Add(labels)
	}
	p.NominalY(names...)
	r.ranges(p, maxV, n)
	h = 16 + slot*float64(n)
	img, w, err = r.render(p, nil, h, 0)
	return img, w, h, err
}

func (r *pdfReport) ranges(p *plot.Plot, maxV float64, n int) {
	p.X.Min = 0
	p.X.Max = max(maxV*1.22, 1)
	p.Y.Min = -0.5
	p.Y.Max = float64(n) - 0.5
	p.X.Padding = 0
	p.Y.Padding = 0
}

// matrixChart stacks each statement's points in one bar per statement,
// with the legend under the chart.
func (r *pdfReport) matrixChart(q *surveys.QuestionResults) (img []byte, w, h float64, err error) {
	sts := q.Statements
	n := len(sts)
	p := r.newPlot()
	names := make([]string, n)
	nb := len(sts[0].Bins)
	hasDK := false
	for _, st := range sts {
		hasDK = hasDK || st.DontKnow != nil
	}
	series := nb
	if hasDK {
		series++
	}
	slot := pdfSlot(n)
	leg := plot.NewLegend()
	leg.TextStyle.Font = font.From(pdfChartFont, 8)
	leg.Left = true
	leg.Top = true
	leg.ThumbnailWidth = vg.Points(12)
	leg.Padding = vg.Points(2)
	var prev *plotter.BarChart
	totals := make([]float64, n)
	for j := range series {
		vals := make(plotter.Values, n)
		label := r.l.DontKnow
		if j < nb {
			label = sts[0].Bins[j].Label
		}
		for i, st := range sts {
			y := n - 1 - i
			var c *surveys.Count
			if j < nb && j < len(st.Bins) {
				c = &st.Bins[j].Count
			} else if j >= nb {
				c = st.DontKnow
			}
			if c != nil && !c.Suppressed && c.N != nil {
				vals[y] = float64(*c.N)
				totals[y] += vals[y]
			}
		}
		bc, err := plotter.NewBarChart(vals, vg.Length(slot*0.62)*vg.Millimeter)
		if err != nil {
			return nil, 0, 0, err
		}
		bc.Horizontal = true
		bc.LineStyle.Width = 0
		bc.Color = pdfRamp(j, nb)
		if j >= nb {
			bc.Color = pdfDKColor
		}
		if prev != nil {
			bc.StackOn(prev)
		}
		p.Add(bc)
		leg.Add(r.chartLabel(label, false), bc)
		prev = bc
	}
	for i, st := range sts {
		sup := false
		for _, b := range st.Bins {
			sup = sup || b.Count.Suppressed
		}
		if st.DontKnow != nil && st.DontKnow.Suppressed {
			sup = true
		}
		names[n-1-i] = r.chartLabel(st.Label, sup)
	}
	maxV := 0.0
	for _, t := range totals {
		maxV = max(maxV, t)
	}
	p.NominalY(names...)
	r.ranges(p, maxV/1.22*1.05, n)
	legH := float64(series)*4.2 + 3
	h = 16 + slot*float64(n) + legH
	img, w, err = r.render(p, &leg, h, legH)
	return img, w, h, err
}

// pdfRamp is the colour of point j of n: light to dark blue.
func pdfRamp(j, n int) color.Color {
	lo := [3]float64{0xc6, 0xdb, 0xef}
	hi := [3]float64{0x08, 0x30, 0x6b}
	f := 0.0
	if n > 1 {
		f = float64(j) / float64(n-1)
	}
	c := func(i int) uint8 { return uint8(math.Round(lo[i] + (hi[i]-lo[i])*f)) }
	return color.RGBA{R: c(0), G: c(1), B: c(2), A: 0xff}
}

// render draws the plot to an opaque PNG h mm high, with the legend (if
// any) in a strip of legH mm under it. It returns the PNG and its width
// in mm: the text width less one pixel per chart already drawn, because
// fpdf orders images by pixel width, and distinct widths make the same
// release give the same file.
func (r *pdfReport) render(p *plot.Plot, leg *plot.Legend, h, legH float64) ([]byte, float64, error) {
	px := int(r.width/25.4*pdfChartDPI) - r.charts%256
	w := vg.Length(px) / pdfChartDPI * vg.Inch
	c := vgimg.NewWith(vgimg.UseWH(w, vg.Length(h)*vg.Millimeter), vgimg.UseDPI(pdfChartDPI))
	dc := draw.New(c)
	if leg != nil {
		lh := vg.Length(legH) * vg.Millimeter
		p.Draw(draw.Crop(dc, 0, 0, lh, 0))
		leg.Draw(draw.Crop(dc, 2*vg.Millimeter, 0, 0, lh-dc.Size().Y))
	} else {
		p.Draw(dc)
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: pdfPNGLevel}
	if err := enc.Encode(&buf, c.Image()); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), float64(px) / pdfChartDPI * 25.4, nil
}
