package export

import (
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// The weighted figures of a summary export (Summary.Weighted, with
// ?weighted=true): every file shows them apart from the unweighted
// tables, under their own heading, with the margins they were weighted
// to; the method note says how (WeightingNotes).

// weightedLine is one line of the weighted table: an option's weighted
// percentage, or a mean; NEff and Deff on the first line of a question.
type weightedLine struct {
	QID, QText, Code, Label string
	Pct, Low, High          *float64 // a percentage and its interval
	Mean                    bool     // Pct, Low, High are a mean and its interval
	NEff, Deff              *float64
	Suppressed              bool
}

// Codes of the weighted lines' own rows in the CSV.
const (
	codeWeighted  = "_weighted"  // breakdown of the weighted figures' rows
	codeWeighting = "_weighting" // breakdown of the margins' rows
)

func weightedLines(w *surveys.WeightedResults) []weightedLine {
	var out []weightedLine
	for _, q := range w.Questions {
		first := len(out)
		if q.Mean != nil {
			out = append(out, weightedLine{QID: q.ID, QText: q.Text, Code: codeMean, Pct: q.Mean, Low: q.MeanCILow, High: q.MeanCIHigh, Mean: true})
		}
		for _, o := range q.Options {
			out = append(out, weightedLine{QID: q.ID, QText: q.Text, Code: o.Code, Label: o.Label, Pct: o.Pct, Low: o.CILow, High: o.CIHigh, Suppressed: o.Suppressed})
		}
		if len(out) > first {
			out[first].NEff, out[first].Deff = q.NEff, q.Deff
		}
	}
	return out
}

// weightingRows are the margins and the weights' figures as label-value
// rows: each dimension's totals, then the design effect and the weights'
// spread.
func weightingRows(w *surveys.WeightedResults, l *Labels) [][3]string {
	var out [][3]string
	for _, d := range w.Dimensions {
		for _, t := range d.Totals {
			v := l.NotStated
			if t.Total != nil {
				v = strconv.FormatFloat(*t.Total, 'f', -1, 64)
			}
			out = append(out, [3]string{d.Text, t.Label, v})
		}
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return append(out, [3]string{l.Deff, "", f(w.Deff)}, [3]string{l.Weights, "", f(w.MinWeight) + " – " + f(w.MaxWeight)})
}

// csvWeighted writes the weighted figures (breakdown "_weighted": percent
// and its interval, or a mean in value; n_eff and deff as rows "_n_eff"
// and "_deff" in value) and the margins (breakdown "_weighting": each
// dimension's code with its total, or the not-stated text, in value).
func (c *csvSummary) weighted(w *surveys.WeightedResults) error {
	if w == nil {
		return nil
	}
	f1 := func(p *float64, d int) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', d, 64)
	}
	for _, ln := range weightedLines(w) {
		var err error
		switch {
		case ln.Mean:
			err = c.line(codeWeighted, "", "", ln.QID, ln.QText, codeMean, c.l.Mean, "", "", f1(ln.Low, 2), f1(ln.High, 2), f1(ln.Pct, 2))
		case ln.Suppressed:
			err = c.line(codeWeighted, "", "", ln.QID, ln.QText, ln.Code, ln.Label, c.l.Suppressed, "")
		default:
			err = c.line(codeWeighted, "", "", ln.QID, ln.QText, ln.Code, ln.Label, "", f1(ln.Pct, 1), f1(ln.Low, 1), f1(ln.High, 1))
		}
		if err != nil {
			return err
		}
		if ln.NEff != nil {
			if err := c.line(codeWeighted, "", "", ln.QID, ln.QText, "_n_eff", c.l.NEff, "", "", "", "", f1(ln.NEff, 1)); err != nil {
				return err
			}
			if err := c.line(codeWeighted, "", "", ln.QID, ln.QText, "_deff", c.l.Deff, "", "", "", "", f1(ln.Deff, 3)); err != nil {
				return err
			}
		}
	}
	for _, d := range w.Dimensions {
		for _, t := range d.Totals {
			v := c.l.NotStated
			if t.Total != nil {
				v = strconv.FormatFloat(*t.Total, 'f', -1, 64)
			}
			if err := c.line(codeWeighting, "", "", d.Question, d.Text, t.Code, t.Label, "", "", "", "", v); err != nil {
				return err
			}
		}
	}
	g := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, kv := range [][2]string{{"_deff", g(w.Deff)}, {"_min_weight", g(w.MinWeight)}, {"_max_weight", g(w.MaxWeight)},
		{"_raked", strconv.Itoa(w.Raked)}, {"_not_raked", strconv.Itoa(w.NotRaked)}} {
		if err := c.line(codeWeighting, "", "", "", "", kv[0], "", "", "", "", "", kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// weighted writes the workbook's sheet of weighted figures: a row per
// option (weighted percentage and its interval) or mean, n_eff and deff
// on a question's first row, then the margins.
func (x *xlWriter) weighted(sheet string) error {
	w, l := x.s.Weighted, x.l
	t, err := x.stream(sheet, []float64{40, 30, 12, 12, 12, 10, 10}, xlFrozen(0, 1))
	if err != nil {
		return err
	}
	if err := t.next(x.header(l.Question), x.header(l.Option), x.header(l.WeightedPercent), x.header(l.CILow), x.header(l.CIHigh),
		x.header(l.NEff), x.header(l.Deff)); err != nil {
		return err
	}
	pct := func(p *float64) any {
		if p == nil {
			return nil
		}
		return excelize.Cell{StyleID: x.st.pct, Value: *p / 100}
	}
	stat := func(p *float64) any {
		if p == nil {
			return nil
		}
		return excelize.Cell{StyleID: x.st.stat, Value: *p}
	}
	for _, ln := range weightedLines(w) {
		row := []any{ln.QText, ln.Label, pct(ln.Pct), pct(ln.Low), pct(ln.High), stat(ln.NEff), stat(ln.Deff)}
		switch {
		case ln.Mean:
			row[1], row[2], row[3], row[4] = l.Mean, stat(ln.Pct), stat(ln.Low), stat(ln.High)
		case ln.Suppressed:
			row[2] = x.text(l.Suppressed)
		}
		if err := t.next(row...); err != nil {
			return err
		}
	}
	if err := t.next(); err != nil {
		return err
	}
	if err := t.next(x.header(l.Population), x.header(l.Option), x.header(l.Total)); err != nil {
		return err
	}
	for _, r := range weightingRows(w, l) {
		if err := t.next(r[0], r[1], r[2]); err != nil {
			return err
		}
	}
	return t.sw.Flush()
}

// weighted is the report's section of weighted figures: for each
// question a table of its options' weighted percentages (or its mean)
// with their intervals, and a line with its n_eff and deff; then the
// margins.
func (r *pdfReport) weighted() {
	w := r.s.Weighted
	if w == nil {
		return
	}
	l := &r.l
	r.pdf.AddPage()
	r.heading(l.Weighted, 14, 0)
	lines := weightedLines(w)
	for i := 0; i < len(lines); {
		j := i + 1
		for j < len(lines) && lines[j].QID == lines[i].QID {
			j++
		}
		r.weightedQuestion(lines[i:j])
		i = j
	}
	r.heading(l.Population, 12, 1)
	var totals [][]string
	for _, row := range weightingRows(w, l) {
		totals = append(totals, []string{row[0], row[1], row[2]})
	}
	r.table(pdfTable{head: []string{l.Question, l.Option, l.Total}, rows: totals, widths: []float64{70, r.width - 110, 40},
		aligns: []string{"L", "L", "R"}, size: 9, boldCol: true})
}

// weightedQuestion is one question's table in the weighted section.
func (r *pdfReport) weightedQuestion(lines []weightedLine) {
	l := &r.l
	var rows [][]string
	for _, ln := range lines {
		label, value, ci := ln.Label, r.pct(ln.Pct), "–"
		if ln.Low != nil && ln.High != nil {
			ci = r.num(*ln.Low, 1) + "–" + r.num(*ln.High, 1) + "%"
		}
		switch {
		case ln.Mean:
			label, value, ci = l.Mean, "–", "–"
			if ln.Pct != nil {
				value = r.num(*ln.Pct, 2)
			}
			if ln.Low != nil && ln.High != nil {
				ci = r.num(*ln.Low, 2) + "–" + r.num(*ln.High, 2)
			}
		case ln.Suppressed:
			value = l.Suppressed
		}
		rows = append(rows, []string{label, value, ci})
	}
	r.table(pdfTable{head: []string{lines[0].QText, l.WeightedPercent, l.CI}, rows: rows,
		widths: []float64{r.width - 70, 30, 40}, aligns: []string{"L", "R", "R"}, size: 9})
	if q := lines[0]; q.NEff != nil && q.Deff != nil {
		r.note(l.NEff + ": " + r.num(*q.NEff, 1) + " · " + l.Deff + ": " + r.num(*q.Deff, 2))
	}
	r.pdf.Ln(2)
}
