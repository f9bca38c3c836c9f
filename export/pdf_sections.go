package export

import (
	"fmt"
	"strconv"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// The report's sections: the title block, the key figures, the overall
// results (a question each, pdf_question.go), the breakdowns
// (pdf_breakdown.go) and the method note.

func (r *pdfReport) titleBlock() {
	s, p, l := r.s, r.pdf, r.l
	r.font("B", 20)
	p.Bookmark(r.plain(s.Title), 0, -1)
	r.multi(r.width, 9, r.t(s.Title), "L")
	p.Ln(1)
	r.font("", 10)
	p.SetTextColor(90, 90, 90)
	lang := s.Lang
	if name := display.Self.Name(language.Make(s.Lang)); name != "" && pdfTextOK(name, r.cov) {
		lang = name + " (" + s.Lang + ")"
	}
	r.multi(r.width, 5, r.t(lang), "L")
	p.SetTextColor(0, 0, 0)
	if s.Final {
		r.font("B", 11)
		p.SetTextColor(int(pdfBarColor.R), int(pdfBarColor.G), int(pdfBarColor.B))
		r.multi(r.width, 6, r.t(l.Final), "L")
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
	// Responses collected and released, and why they differ, where a
	// reader of the report starts (and again in the method note).
	if len(s.Notes) > 0 {
		p.Ln(2)
		for _, note := range s.Notes {
			r.note(note)
		}
	}
	p.Ln(6)
}

func (r *pdfReport) keyFigures() {
	l := r.l
	r.heading(l.KeyFigures, 14, 0)
	g := r.ts.Overall.Everyone()
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
	g := r.ts.Overall.Everyone()
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

func (r *pdfReport) method() {
	note := r.s.methodNote()
	if len(note) == 0 {
		return
	}
	r.pdf.AddPage()
	r.heading(r.l.Method, 14, 0)
	for _, para := range note {
		r.para(para, 10)
		r.pdf.Ln(1)
	}
}
