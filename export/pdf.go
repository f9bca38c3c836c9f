package export

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io"
	"reflect"
	"strings"
	"time"

	_ "embed"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// The PDF report: A4 portrait, YouthVoice Sans (Noto Sans and Noto Sans
// Arabic merged: Latin, Greek, Cyrillic, Arabic; fonts/README.md) in the
// text and in the charts, one chart per question. fpdf neither shapes
// nor reorders text, so the report does both: Arabic letters become
// their contextual presentation forms (pdf_arabic.go) and each line is
// put in visual order (pdf_bidi.go); a right-to-left report is laid out
// mirrored (pdf_text.go). Scripts that need more shaping than that
// (Devanagari, Thai...) or that the font lacks (Hebrew...) are refused
// with ErrScript before anything is written.

// The report's font faces, embedded: about 210 KB each.
var (
	//go:embed fonts/YouthVoiceSans-Regular.ttf
	pdfFontRegular []byte
	//go:embed fonts/YouthVoiceSans-Bold.ttf
	pdfFontBold []byte
)

const (
	pdfFamily = "YouthVoiceSans"
	// pdfFamilyKey is pdfFamily as fpdf keeps it (GetFontFamily).
	pdfFamilyKey = "youthvoicesans"
	pdfMargin    = 18.0 // left, right and top margin, mm
	pdfBottom    = 18.0 // bottom margin (the footer sits inside it), mm
	pdfMaxLabel  = 40   // runes of a category name in a chart
)

var (
	pdfBarColor = color.RGBA{R: 0x2b, G: 0x6c, B: 0xb0, A: 0xff}
	pdfDKColor  = color.RGBA{R: 0xbd, G: 0xbd, B: 0xbd, A: 0xff}
)

// WritePDF writes the summary as a PDF report, right to left for a
// right-to-left language. It returns ErrScript, and writes nothing, if
// the summary holds text in a script the report cannot render.
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
	return r.finish(w)
}

// finish writes the built document to w, its pages compressed. fpdf
// keeps the whole document in memory until Output, so nothing reaches w
// unless the document was built completely.
func (r *pdfReport) finish(w io.Writer) error {
	if err := r.pdf.Error(); err != nil {
		return err
	}
	var doc bytes.Buffer
	if err := r.pdf.Output(&doc); err != nil {
		return err
	}
	// From here on the pages as fpdf held them are garbage.
	return pdfCompressPages(w, doc.Bytes())
}

type pdfReport struct {
	s      *Summary
	l      Labels
	cov    *pdfGlyphs
	rtl    bool // laid out right to left, mirrored
	pdf    *fpdf.Fpdf
	dec    string // decimal separator of the language
	ts     summaryTables
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
	CILow: "Lower limit (95 % CI)", CIHigh: "Upper limit (95 % CI)", CI: "95 % CI",
	Weighted: "Weighted to the population", WeightedPercent: "Weighted %", NEff: "Effective sample size",
	Deff: "Design effect", Population: "Population totals", Total: "Total", NotStated: "not stated",
	Weights: "Weights (times the average)",
}

func newPDFReport(s *Summary, cov *pdfGlyphs) *pdfReport {
	r := &pdfReport{s: s, l: s.Labels, cov: cov, dec: ".", rtl: strings.EqualFold(strings.TrimSpace(s.Dir), "rtl")}
	lv, dv := reflect.ValueOf(&r.l).Elem(), reflect.ValueOf(pdfDefaultLabels)
	for i := range lv.NumField() {
		if f := lv.Field(i); f.Kind() == reflect.String && strings.TrimSpace(f.String()) == "" {
			f.SetString(dv.Field(i).String())
		}
	}
	if d := message.NewPrinter(language.Make(s.Lang)).Sprintf("%.1f", 1.5); len(d) == 3 {
		r.dec = d[1:2]
	}
	r.ts = newSummaryTables(s, &r.l)
	return r
}

func (r *pdfReport) build() error {
	r.begin()
	p := r.pdf
	p.AddPage()
	r.titleBlock()
	r.keyFigures()
	r.overview()
	for _, t := range r.ts.Breakdowns {
		r.breakdown(t)
	}
	r.weighted()
	r.method()
	return p.Error()
}

// begin starts the document: page size and margins, fonts, metadata and
// the footer; no page yet.
func (r *pdfReport) begin() {
	s := r.s
	p := fpdf.New("P", "mm", "A4", "")
	r.pdf = p
	p.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	p.SetAutoPageBreak(true, pdfBottom)
	p.AddUTF8FontFromBytes(pdfFamily, "", pdfFontRegular)
	p.AddUTF8FontFromBytes(pdfFamily, "B", pdfFontBold)
	pw, ph := p.GetPageSize()
	r.width = pw - 2*pdfMargin
	r.bottom = ph - pdfBottom

	title := r.line(s.Title)
	// The document's title is metadata, which viewers shape and order
	// themselves: the letters as written.
	p.SetTitle(r.plain(s.Title), true)
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
		// The page number as the bidirectional algorithm shows "3 / 12"
		// in right-to-left text: the numbers read from the right. It is
		// not reordered here, since the alias {nb} must stay as it is.
		num := fmt.Sprintf("%d / {nb}", p.PageNo())
		if r.rtl {
			num = fmt.Sprintf("{nb} / %d", p.PageNo())
		}
		y := p.GetY()
		r.cell(pdfMargin, y, r.width-25, 5, r.fit(title, r.width-30), "L")
		p.SetXY(r.X(pdfMargin+r.width-25, 25), y)
		p.CellFormat(25, 5, num, "", 0, r.A("R"), false, 0, "")
		p.SetTextColor(0, 0, 0)
	})
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
