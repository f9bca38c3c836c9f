package export

import (
	"fmt"

	"github.com/youthvoice/youthvoice/surveys"
)

// A breakdown's pages: the groups side by side, one table per question,
// laid out by the table model (table.go).

// breakdown prints a breakdown's page: the groups' sizes, then a table
// per question (but the breakdown question itself, where each group is
// all of one option).
func (r *pdfReport) breakdown(t *summaryTable) {
	p, l := r.pdf, r.l
	p.AddPage()
	r.heading(t.Label, 14, 0)
	if t.Withheld || len(t.Groups) == 0 {
		r.para(l.Withheld, 10)
		return
	}
	head := []string{l.Group}
	for gi := range t.Groups {
		head = append(head, r.line(t.Groups[gi].Header))
	}
	r.wideTable(head, [][]string{r.groupSizes(t)}, 55, 6, 8)
	p.Ln(3)
	head[0] = l.Option
	qs := t.Questions()
	for qi := range qs {
		if qs[qi].ID != t.ID {
			r.breakdownQuestion(qi+1, t.Question(qi), head)
		}
	}
}

// groupSizes is the row of respondents per group.
func (r *pdfReport) groupSizes(t *summaryTable) []string {
	row := []string{r.l.Responses}
	for gi := range t.Groups {
		if g := &t.Groups[gi]; g.Hidden {
			row = append(row, r.l.Hidden)
		} else {
			row = append(row, r.count(g.N, false))
		}
	}
	return row
}

// breakdownQuestion prints question num's table, its heading kept on the
// table's page.
func (r *pdfReport) breakdownQuestion(num int, tq tableQuestion, head []string) {
	p := r.pdf
	rows := r.breakdownRows(&tq)
	// The heading, and under it the table's header and first row, start
	// on one page (the tables' own rule, pdfBreakBefore, with the
	// heading on top).
	need := 1.0
	if chunks := r.wideChunks(head, rows, 55, 6, 8); len(chunks) > 0 {
		need += r.tableStart(chunks[0])
	}
	heading := r.t(fmt.Sprintf("%d. %s", num, tq.Text))
	r.font("B", 10)
	need += 5 * float64(len(r.split(heading, r.width)))
	if pdfBreakBefore(p.GetY(), max(need, 25), pdfMargin, r.bottom) {
		p.AddPage()
	}
	r.multi(r.width, 5, heading, "L")
	p.Ln(1)
	r.wideTable(head, rows, 55, 6, 8)
	p.Ln(3)
}

// breakdownRows are the rows of a question's table: answered, then every
// category (matrix: statement × point, and "don't know"), then the mean
// of a scale or number.
func (r *pdfReport) breakdownRows(tq *tableQuestion) [][]string {
	var answered, cats, mean [][]string
	for i := range tq.Lines {
		ln := &tq.Lines[i]
		switch {
		case ln.Part == partAnswered && !ln.Statement:
			answered = append(answered, r.breakdownCounts(tq, ln, false))
		case ln.Part == partCategory || ln.Part == partDontKnow:
			cats = append(cats, r.breakdownCounts(tq, ln, true))
		case ln.Code == codeMean && (tq.Type == surveys.Scale || tq.Type == surveys.Number):
			mean = append(mean, r.breakdownMean(tq, ln))
		}
	}
	return append(append(answered, cats...), mean...)
}

// breakdownCounts is a row of counts, with their percentages if pct.
func (r *pdfReport) breakdownCounts(tq *tableQuestion, ln *tableLine, pct bool) []string {
	row := []string{r.line(ln.Label)}
	for gi := range tq.Groups() {
		switch state, c := tq.Cell(gi, ln); state {
		case cellHidden:
			row = append(row, r.l.Hidden)
		case cellRow:
			row = append(row, r.count(&c.Count, pct))
		default:
			row = append(row, "–")
		}
	}
	return row
}

// breakdownMean is the row of means: suppressed where a group's mean is
// withheld or missing.
func (r *pdfReport) breakdownMean(tq *tableQuestion, ln *tableLine) []string {
	row := []string{r.line(ln.Label)}
	for gi := range tq.Groups() {
		switch state, c := tq.Cell(gi, ln); {
		case state == cellHidden:
			row = append(row, r.l.Hidden)
		case state == cellNoQuestion:
			row = append(row, "–")
		case state == cellRow && c.Kind == rowStat:
			row = append(row, r.num(c.Value, 2))
		default:
			row = append(row, withheldStat(&r.l))
		}
	}
	return row
}
