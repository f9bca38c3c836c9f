package export

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"reflect"
	"regexp"
	"slices"
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

	"github.com/youthvoice/youthvoice/surveys"
)

// The PDF report: A4 portrait, Liberation Sans (Latin, Greek, Cyrillic)
// in the text and in the charts, one chart per question. fpdf neither
// shapes nor reorders text, so right-to-left and complex scripts are
// refused with ErrScript before anything is written.

const (
	pdfFamily = "LiberationSans"
	// pdfFamilyKey is pdfFamily as fpdf keeps it (GetFontFamily).
	pdfFamilyKey = "liberationsans"
	pdfMargin    = 18.0 // left, right and top margin, mm
	pdfBottom    = 18.0 // bottom margin (the footer sits inside it), mm
	pdfMaxLabel  = 40   // runes of a category name in a chart
)

var (
	pdfBarColor = color.RGBA{R: 0x2b, G: 0x6c, B: 0xb0, A: 0xff}
	pdfDKColor  = color.RGBA{R: 0xbd, G: 0xbd, B: 0xbd, A: 0xff}
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
	var doc bytes.Buffer
	if err := r.pdf.Output(&doc); err != nil {
		return err
	}
	// From here on the pages as fpdf held them are garbage.
	return pdfCompressPages(w, doc.Bytes())
}

// ---- page compression ----

// fpdf compresses each page's content with a zlib writer of its own: at
// about 1.2 MB a writer, the 600 pages of the largest survey's report
// allocated 700 MB in half a second, which the garbage collector counts
// as live while it marks, and the server's heap grew by some 80 MB for
// one report. So the report is written with fpdf's compression off, and
// pdfCompressPages compresses the page contents afterwards with one
// writer for all of them.

var (
	pdfObjRe  = regexp.MustCompile(`\A(\d+) 0 obj\n<</Length (\d+)>>\nstream\n`)
	pdfTailRe = regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n?\z`)
)

const pdfStreamEnd = "\nendstream\nendobj\n"

// pdfCompressPages writes doc, a PDF as fpdf writes it without
// compression, to w with every stream that has no filter (the page
// contents: fpdf compresses fonts and images itself) compressed, and the
// cross-reference table made anew. Every other byte is copied as it is.
// A document of another shape is written unchanged: it is still a valid
// PDF, only larger.
func pdfCompressPages(w io.Writer, doc []byte) error {
	objs, xref, ok := pdfObjects(doc)
	if !ok {
		_, err := w.Write(doc)
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var pos int64
	put := func(b []byte) {
		n, _ := bw.Write(b)
		pos += int64(n)
	}
	offsets := make(map[int]int64, len(objs))
	put(doc[:objs[0].start])
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	for _, o := range objs {
		offsets[o.num] = pos
		body := doc[o.start:o.end]
		m := pdfObjRe.FindSubmatch(body)
		if m == nil {
			put(body)
			continue
		}
		n, err := strconv.Atoi(string(m[2]))
		data := body[len(m[0]):]
		if err != nil || n > len(data) || string(data[n:]) != pdfStreamEnd {
			put(body)
			continue
		}
		z.Reset()
		zw.Reset(&z)
		if _, err := zw.Write(data[:n]); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		put(fmt.Appendf(nil, "%s 0 obj\n<</Filter /FlateDecode /Length %d>>\nstream\n", m[1], z.Len()))
		put(z.Bytes())
		put([]byte(pdfStreamEnd))
	}
	// The table: one 20-byte line per object, in the order of their
	// numbers, then the trailer as it was and where the table now starts.
	start := pos
	put(fmt.Appendf(nil, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1))
	for i := 1; i <= len(objs); i++ {
		put(fmt.Appendf(nil, "%010d 00000 n \n", offsets[i]))
	}
	put(doc[xref.trailer:xref.startxref])
	put(fmt.Appendf(nil, "startxref\n%d\n%%%%EOF\n", start))
	return bw.Flush()
}

// pdfObject is where object num lies in a document, end excluded.
type pdfObject struct {
	num        int
	start, end int
}

// pdfXref is where a document's trailer and its startxref line begin.
type pdfXref struct{ trailer, startxref int }

// pdfObjects reads the cross-reference table at the end of doc (a single
// section from object 0, as fpdf writes it) and returns the objects in the
// order they lie in the file; ok is false if doc is not of that shape.
func pdfObjects(doc []byte) (objs []pdfObject, x pdfXref, ok bool) {
	tail := doc[max(0, len(doc)-64):]
	m := pdfTailRe.FindSubmatchIndex(tail)
	if m == nil {
		return nil, x, false
	}
	x.startxref = len(doc) - len(tail) + m[0]
	at, err := strconv.Atoi(string(tail[m[2]:m[3]]))
	if err != nil || at < 0 || at >= x.startxref {
		return nil, x, false
	}
	table := doc[at:x.startxref]
	var count int
	head, rest, found := bytes.Cut(table, []byte("\n0000000000 65535 f \n"))
	if !found {
		return nil, x, false
	}
	if _, err := fmt.Sscanf(string(head), "xref\n0 %d", &count); err != nil || count < 2 || len(rest) < (count-1)*20 {
		return nil, x, false
	}
	x.trailer = at + len(head) + len("\n0000000000 65535 f \n") + (count-1)*20
	if !bytes.HasPrefix(doc[x.trailer:], []byte("trailer\n")) {
		return nil, x, false
	}
	for i := 1; i < count; i++ {
		line := rest[(i-1)*20 : i*20]
		off, err := strconv.Atoi(string(line[:10]))
		if err != nil || string(line[10:]) != " 00000 n \n" || off <= 0 || off >= at ||
			!bytes.HasPrefix(doc[off:], []byte(strconv.Itoa(i)+" 0 obj\n")) {
			return nil, x, false
		}
		objs = append(objs, pdfObject{num: i, start: off})
	}
	slices.SortFunc(objs, func(a, b pdfObject) int { return a.start - b.start })
	for i := range objs {
		objs[i].end = at
		if i+1 < len(objs) {
			objs[i].end = objs[i+1].start
		}
		if objs[i].end <= objs[i].start {
			return nil, x, false
		}
	}
	return objs, x, true
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
	// The pages are compressed after Output, by pdfCompressPages.
	p.SetCompression(false)
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
	r.lineStyle(190, 0.2)
	for i := range cells {
		w := t.widths[i]
		if header {
			p.SetFillColor(235, 239, 244)
			p.Rect(x, y, w, h, "FD")
			r.inkFill()
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

	// The chart is laid out first, so the heading can be kept on its page.
	var chart pdfChart
	switch {
	case len(q.Statements) > 0:
		chart = r.matrixChart(q)
	case len(q.Options) > 0 || len(q.Bins) > 0:
		chart = r.barChart(cats)
	}
	r.font("B", 11)
	headH := float64(len(p.SplitText(r.t(q.Text), r.width)))*5.5 + 8
	if p.GetY()+headH+chart.h+15 > r.bottom && p.GetY() > pdfMargin+30 {
		p.AddPage()
	}
	p.Bookmark(r.line(fmt.Sprintf("%d. %s", num, q.Text)), 1, -1)
	p.MultiCell(r.width, 5.5, r.t(fmt.Sprintf("%d. %s", num, q.Text)), "", "L", false)
	r.note(fmt.Sprintf("%s: %s · %s: %s", l.Answered, r.count(&q.Answered, true), l.Skipped, r.count(&q.Skipped, true)))

	if chart.draw != nil {
		if p.GetY()+chart.h > r.bottom {
			p.AddPage()
		}
		y := p.GetY()
		chart.draw(y)
		r.font("", 9.5)
		p.SetXY(pdfMargin, y+chart.h+2)
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

// The charts are drawn as vector graphics in the page's own content:
// rectangles, lines and text in the report's font. They used to be drawn
// by gonum/plot into a 150 dpi raster image and PNG-encoded, one image
// per question: the largest valid survey (200 questions of 60 options)
// took 23 s, 5 GB of allocations and a 52 MB file
// (BenchmarkLargestSurveyPDF, docs/performance.md). Vector charts cost a
// few hundred bytes of page content per bar, stay sharp when printed, and
// their text can be searched and copied like the rest of the report.

// pdfChart is a chart laid out for the page: its height in mm, and how
// to draw it with its top at y.
type pdfChart struct {
	h    float64
	draw func(y float64)
}

// Chart geometry, mm unless named otherwise.
const (
	pdfChartTop    = 2.0  // space above the first bar
	pdfChartAxis   = 10.0 // the axis under the bars: ticks, numbers, "Count"
	pdfChartGap    = 1.5  // between a bar and its value label
	pdfChartMaxCol = 0.45 // the category names take at most this share of the width
	pdfBarShare    = 0.62 // of a slot's height, the bar's
	pdfTickPt      = 8.0  // font size of the numbers on the axis and on the bars
	pdfPtMM        = 25.4 / 72
)

// pdfSlot is the height per category in mm.
func pdfSlot(n int) float64 {
	switch {
	case n > 24:
		return 5
	case n > 12:
		return 6.5
	}
	return 8
}

// chartSlot is the height per category of a chart of n categories whose
// other parts take fixed mm: the usual slot, or less, so that the whole
// chart fits on one page.
func (r *pdfReport) chartSlot(n int, fixed float64) float64 {
	slot := pdfSlot(n)
	if maxH := r.bottom - pdfMargin - 20; fixed+slot*float64(n) > maxH {
		slot = (maxH - fixed) / float64(n)
	}
	return slot
}

// pdfLabelPt is the font size of the category names for a slot height.
func pdfLabelPt(slot float64) float64 { return min(9, max(5.5, slot*0.75/pdfPtMM)) }

// chartLabel is a category name in a chart, at most pdfMaxLabel runes and
// w mm wide in the current font; a suppressed one is named so (and has
// no bar).
func (r *pdfReport) chartLabel(label string, suppressed bool, w float64) string {
	s := r.line(label)
	if rs := []rune(s); len(rs) > pdfMaxLabel {
		s = strings.TrimSpace(string(rs[:pdfMaxLabel-1])) + "…"
	}
	suffix := ""
	if suppressed {
		suffix = " (" + r.line(r.l.Suppressed) + ")"
	}
	// The suppressed mark is never the part cut off.
	return r.fit(s, w-r.pdf.GetStringWidth(suffix)) + suffix
}

// labelColumn is the width of the category names' column: the widest
// name, within pdfChartMaxCol of the width.
func (r *pdfReport) labelColumn(labels []string, suppressed []bool, pt float64) float64 {
	r.font("", pt)
	w := 0.0
	limit := r.width * pdfChartMaxCol
	for i, l := range labels {
		w = max(w, r.pdf.GetStringWidth(r.chartLabel(l, suppressed[i], limit)))
		if w >= limit {
			return limit
		}
	}
	return w + 1
}

// pdfStep is the distance between the ticks of an axis from 0 to hi:
// whole numbers of the form 1, 2 or 5 times a power of ten, about five
// ticks.
func pdfStep(hi float64) float64 {
	if hi <= 5 {
		return 1
	}
	raw := hi / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*mag {
			return max(1, m*mag)
		}
	}
	return 10 * mag
}

// pdfTextY is the baseline that centres text of pt points on y.
func pdfTextY(y, pt float64) float64 { return y + 0.35*pt*pdfPtMM }

// fill sets the fill colour, writing nothing when it is already set.
func (r *pdfReport) fill(c color.RGBA) {
	if cr, cg, cb := r.pdf.GetFillColor(); cr != int(c.R) || cg != int(c.G) || cb != int(c.B) {
		r.pdf.SetFillColor(int(c.R), int(c.G), int(c.B))
	}
}

// The charts draw their parts grouped by colour and font (grid, axis,
// bars, names, numbers), so that the page holds few colour and font
// changes.

// axis draws the grid, the count axis from 0 to hi (mm per count: scale)
// under rows from y0 to y1, its numbers and the axis's name.
func (r *pdfReport) axis(x0, y0, y1, hi, scale float64) {
	p := r.pdf
	step := pdfStep(hi)
	right := x0 + hi*scale
	r.lineStyle(0xdd, 0.2)
	for v := step; v <= hi+1e-9; v += step {
		p.Line(x0+v*scale, y0, x0+v*scale, y1)
	}
	r.lineStyle(0, 0.2)
	for v := 0.0; v <= hi+1e-9; v += step {
		p.Line(x0+v*scale, y1, x0+v*scale, y1+1)
	}
	p.Line(x0, y0, x0, y1)
	p.Line(x0, y1, right, y1)
	r.inkFill()
	r.font("", pdfTickPt)
	p.SetTextColor(60, 60, 60)
	for v := 0.0; v <= hi+1e-9; v += step {
		x := x0 + v*scale
		s := strconv.FormatFloat(v, 'f', 0, 64)
		if w := p.GetStringWidth(s); x+w/2 <= right+1 {
			p.Text(x-w/2, y1+1.5+pdfTickPt*pdfPtMM, s)
		}
	}
	name := r.line(r.l.Count)
	p.Text(x0+(right-x0-p.GetStringWidth(name))/2, y1+pdfChartAxis-1.5, name)
	p.SetTextColor(0, 0, 0)
}

// names draws the category names of a chart, right-aligned before x0, a
// suppressed one in grey.
func (r *pdfReport) names(labels []string, sup []bool, x0, top, slot, lw, pt float64) {
	p := r.pdf
	r.inkFill()
	r.font("", pt)
	for i, l := range labels {
		name := r.chartLabel(l, sup[i], lw)
		if sup[i] {
			p.SetTextColor(110, 110, 110)
		}
		p.Text(x0-1-p.GetStringWidth(name), pdfTextY(top+(float64(i)+0.5)*slot, pt), name)
		p.SetTextColor(0, 0, 0)
	}
}

// barChart lays out one horizontal bar per category, first at the top,
// each with its count and percentage at its end; a suppressed category
// has no bar and says so after its name.
func (r *pdfReport) barChart(cats []pdfCat) pdfChart {
	n := len(cats)
	slot := r.chartSlot(n, pdfChartTop+pdfChartAxis)
	pt := pdfLabelPt(slot)
	labels := make([]string, n)
	sup := make([]bool, n)
	for i, c := range cats {
		labels[i], sup[i] = c.label, c.count.Suppressed
	}
	lw := r.labelColumn(labels, sup, pt)
	x0 := pdfMargin + lw + 1
	pw := pdfMargin + r.width - x0
	// The scale leaves room for every bar's value label after it.
	r.font("", pdfTickPt)
	scale, maxV := math.Inf(1), 0.0
	values := make([]string, n)
	for i, c := range cats {
		if c.count.Suppressed || c.count.N == nil {
			continue
		}
		values[i] = r.count(&c.count, true)
		v := float64(*c.count.N)
		maxV = max(maxV, v)
		if v > 0 {
			scale = min(scale, (pw-pdfChartGap-r.pdf.GetStringWidth(values[i]))/v)
		}
	}
	if math.IsInf(scale, 1) || scale <= 0 {
		scale = pw / max(maxV, 1)
	}
	hi := math.Floor(pw / scale)
	h := pdfChartTop + slot*float64(n) + pdfChartAxis
	return pdfChart{h: h, draw: func(y float64) {
		p := r.pdf
		top := y + pdfChartTop
		r.axis(x0, top, top+slot*float64(n), hi, scale)
		for i, c := range cats {
			if values[i] != "" && *c.count.N > 0 {
				if c.dk {
					r.fill(pdfDKColor)
				} else {
					r.fill(pdfBarColor)
				}
				mid := top + (float64(i)+0.5)*slot
				p.Rect(x0, mid-slot*pdfBarShare/2, float64(*c.count.N)*scale, slot*pdfBarShare, "F")
			}
		}
		r.names(labels, sup, x0, top, slot, lw, pt)
		r.font("", pdfTickPt)
		for i, c := range cats {
			if values[i] != "" {
				mid := top + (float64(i)+0.5)*slot
				p.Text(x0+float64(*c.count.N)*scale+pdfChartGap, pdfTextY(mid, pdfTickPt), values[i])
			}
		}
	}}
}

// matrixChart lays out one bar per statement, its points stacked (light
// to dark, "don't know" grey), with the legend under the chart.
func (r *pdfReport) matrixChart(q *surveys.QuestionResults) pdfChart {
	sts := q.Statements
	n := len(sts)
	nb := len(sts[0].Bins)
	hasDK := false
	for _, st := range sts {
		hasDK = hasDK || st.DontKnow != nil
	}
	series := nb
	if hasDK {
		series++
	}
	// The legend: a swatch and a name per series, side by side, wrapped.
	const sw, legPt, legLine = 3.0, 8.0, 4.5
	type legItem struct {
		name string
		x, y float64
	}
	r.font("", legPt)
	legend := make([]legItem, series)
	lx, ly := 0.0, 0.0
	for j := range legend {
		name := r.l.DontKnow
		if j < nb {
			name = sts[0].Bins[j].Label
		}
		name = r.chartLabel(name, false, r.width-sw-2)
		w := sw + 1 + r.pdf.GetStringWidth(name) + 4
		if lx > 0 && lx+w > r.width {
			lx, ly = 0, ly+legLine
		}
		legend[j] = legItem{name, lx, ly}
		lx += w
	}
	legH := ly + legLine + 2

	slot := r.chartSlot(n, pdfChartTop+pdfChartAxis+legH)
	pt := pdfLabelPt(slot)
	labels := make([]string, n)
	sup := make([]bool, n)
	maxV := 0.0
	for i, st := range sts {
		labels[i] = st.Label
		total := 0.0
		for _, b := range st.Bins {
			sup[i] = sup[i] || b.Count.Suppressed
			if !b.Count.Suppressed && b.Count.N != nil {
				total += float64(*b.Count.N)
			}
		}
		if st.DontKnow != nil {
			sup[i] = sup[i] || st.DontKnow.Suppressed
			if !st.DontKnow.Suppressed && st.DontKnow.N != nil {
				total += float64(*st.DontKnow.N)
			}
		}
		maxV = max(maxV, total)
	}
	lw := r.labelColumn(labels, sup, pt)
	x0 := pdfMargin + lw + 1
	pw := pdfMargin + r.width - x0
	scale := pw / max(maxV*1.05, 1)
	hi := math.Floor(pw / scale)
	h := pdfChartTop + slot*float64(n) + pdfChartAxis + legH
	return pdfChart{h: h, draw: func(y float64) {
		p := r.pdf
		top := y + pdfChartTop
		bottom := top + slot*float64(n)
		r.axis(x0, top, bottom, hi, scale)
		for i, st := range sts {
			mid := top + (float64(i)+0.5)*slot
			x := x0
			for j := range series {
				var c *surveys.Count
				if j < nb && j < len(st.Bins) {
					c = &st.Bins[j].Count
				} else if j >= nb {
					c = st.DontKnow
				}
				if c == nil || c.Suppressed || c.N == nil || *c.N == 0 {
					continue
				}
				w := float64(*c.N) * scale
				r.fill(pdfSeriesColor(j, nb))
				p.Rect(x, mid-slot*pdfBarShare/2, w, slot*pdfBarShare, "F")
				x += w
			}
		}
		ly := bottom + pdfChartAxis + 2
		for j, it := range legend {
			r.fill(pdfSeriesColor(j, nb))
			p.Rect(pdfMargin+it.x, ly+it.y, sw, sw, "F")
		}
		r.names(labels, sup, x0, top, slot, lw, pt)
		r.font("", legPt)
		for _, it := range legend {
			p.Text(pdfMargin+it.x+sw+1, pdfTextY(ly+it.y+sw/2, legPt), it.name)
		}
	}}
}

// pdfSeriesColor is the colour of part j of a matrix bar of n points:
// light to dark blue, and grey for "don't know" (j = n).
func pdfSeriesColor(j, n int) color.RGBA {
	if j >= n {
		return pdfDKColor
	}
	lo := [3]float64{0xc6, 0xdb, 0xef}
	hi := [3]float64{0x08, 0x30, 0x6b}
	f := 0.0
	if n > 1 {
		f = float64(j) / float64(n-1)
	}
	c := func(i int) uint8 { return uint8(math.Round(lo[i] + (hi[i]-lo[i])*f)) }
	return color.RGBA{R: c(0), G: c(1), B: c(2), A: 0xff}
}
