package export

import (
	"errors"
	"io"
	"reflect"
	"strconv"
)

// WriteParticipationPDF writes the participation report as a PDF, with the
// summary report's machinery: the same font, Arabic shaped and each line
// in visual order, a right-to-left report laid out mirrored (pdf_text.go).
// It returns ErrScript, and writes nothing, if the report holds text in a
// script the PDF cannot render.
func WriteParticipationPDF(w io.Writer, p *Participation) error {
	if p == nil {
		return errors.New("export: no participation report")
	}
	cov, err := pdfCoverage()
	if err != nil {
		return err
	}
	if !pdfWalkStrings(reflect.ValueOf(p), func(t string) bool { return pdfTextOK(t, cov) }) {
		return ErrScript
	}
	// The report's page, fonts, footer and text helpers, with the
	// participation report's title, language and day.
	r := newPDFReport(&Summary{Title: p.Title, Lang: p.Lang, Dir: p.Dir, Released: p.Day,
		Labels: Labels{Suppressed: p.Labels.Suppressed, Hidden: p.Labels.Hidden}}, cov)
	r.begin()
	r.pdf.AddPage()
	pr := &participationPDF{r: r, p: p, l: &p.Labels}
	pr.title()
	pr.takingPart()
	pr.findings()
	pr.decisions()
	pr.timeline()
	pr.method()
	return r.finish(w)
}

type participationPDF struct {
	r *pdfReport
	p *Participation
	l *ParticipationLabels
}

func (x *participationPDF) title() {
	r, p, l := x.r, x.p, x.l
	r.font("B", 11)
	r.pdf.SetTextColor(90, 90, 90)
	r.multi(r.width, 6, r.t(l.Report), "L")
	r.pdf.SetTextColor(0, 0, 0)
	r.font("B", 20)
	r.pdf.Bookmark(r.plain(p.Title), 0, -1)
	r.multi(r.width, 9, r.t(p.Title), "L")
	r.pdf.Ln(3)
	r.keyValues([][]string{{l.Question, r.line(p.Question)}, {l.DecisionMaker, r.line(p.DecisionMaker)}, {l.State, r.line(p.State)}})
	r.pdf.Ln(6)
}

// count is a released count: the number, or the suppressed or hidden
// marker.
func (x *participationPDF) count(g ParticipationGroup) string {
	if g.Hidden {
		return x.l.Hidden
	}
	return x.r.count(&g.Count, false)
}

func (x *participationPDF) takingPart() {
	r, l := x.r, x.l
	r.heading(l.TakingPart, 14, 0)
	for _, s := range x.p.Surveys {
		r.heading(s.Title, 11.5, 1)
		if s.Withheld {
			r.para(l.NotReleased, 10)
			continue
		}
		r.keyValues([][]string{{l.Responses, strconv.Itoa(s.Responses)}, {l.Released, s.Released}})
		if s.Final {
			r.note(l.Final)
		}
		r.pdf.Ln(2)
		for _, b := range []*ParticipationBreakdown{s.AgeBand, s.Region} {
			if b == nil {
				continue
			}
			t := pdfTable{head: []string{b.Question, l.Count}, widths: []float64{r.width - 40, 40}, aligns: []string{"L", "R"}}
			for _, g := range b.Groups {
				t.rows = append(t.rows, []string{r.line(g.Label), x.count(g)})
			}
			r.table(t)
			r.pdf.Ln(3)
		}
	}
}

func (x *participationPDF) findings() {
	r, l := x.r, x.l
	r.heading(l.Findings, 14, 0)
	if len(x.p.Findings) == 0 {
		r.para(l.NoOutcome, 10)
		return
	}
	for i, f := range x.p.Findings {
		r.font("B", 10)
		r.multi(r.width, 5, r.t(strconv.Itoa(i+1)+". "+f.Text), "L")
		r.pdf.Ln(1)
		t := pdfTable{head: []string{l.Cited, l.Count}, widths: []float64{r.width - 60, 60}, aligns: []string{"L", "R"}, size: 8.5}
		for _, c := range f.Cites {
			what := c.Survey + " – " + c.Question
			if c.Group != "" {
				what += " – " + c.Group
			}
			if c.Option != "" {
				what += " – " + c.Option
			}
			what += " (" + l.Released + " " + c.Released + ", " + l.Responses + " " + strconv.Itoa(c.N) + ")"
			t.rows = append(t.rows, []string{r.line(what), citeText(c, l, r.num)})
		}
		r.table(t)
		r.pdf.Ln(3)
	}
}

func (x *participationPDF) decisions() {
	r, l := x.r, x.l
	r.heading(l.Decisions, 14, 0)
	if len(x.p.Decisions) == 0 {
		r.para(l.NoOutcome, 10)
		return
	}
	for i, d := range x.p.Decisions {
		r.font("B", 10)
		r.multi(r.width, 5, r.t(strconv.Itoa(i+1)+". "+d.Proposal), "L")
		r.pdf.Ln(1)
		rows := [][]string{{l.Status, r.line(d.Status)}}
		for _, kv := range [][2]string{{l.Reason, d.Reason}, {l.DecidedBy, d.DecidedBy}, {l.DecidedOn, d.DecidedOn}, {l.Next, d.Next}} {
			if kv[1] != "" {
				rows = append(rows, []string{kv[0], r.t(kv[1])})
			}
		}
		r.keyValues(rows)
		r.pdf.Ln(3)
	}
	if len(x.p.Updates) == 0 {
		return
	}
	r.heading(l.Updates, 12, 1)
	for _, u := range x.p.Updates {
		r.font("B", 10)
		r.multi(r.width, 5, r.t(u.Day), "L")
		r.para(u.Text, 10)
		for _, ch := range u.Changes {
			r.para("– "+ch, 9.5)
		}
		r.pdf.Ln(2)
	}
}

func (x *participationPDF) timeline() {
	r := x.r
	r.heading(x.l.Timeline, 14, 0)
	var rows [][]string
	for _, e := range x.p.Timeline {
		rows = append(rows, []string{e.Label, e.Day})
	}
	if len(rows) > 0 {
		r.keyValues(rows)
	}
	r.pdf.Ln(4)
}

func (x *participationPDF) method() {
	r := x.r
	r.heading(x.l.Method, 14, 0)
	for _, n := range x.p.Notes {
		r.para(n, 10)
	}
}
