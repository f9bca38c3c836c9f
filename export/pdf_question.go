package export

import (
	"fmt"

	"github.com/youthvoice/youthvoice/surveys"
)

// One question of the overall results: its heading, its chart
// (pdf_charts.go), and its table of counts and statistics.

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
	headH := float64(len(r.split(r.t(q.Text), r.width)))*5.5 + 8
	if p.GetY()+headH+chart.h+15 > r.bottom && p.GetY() > pdfMargin+30 {
		p.AddPage()
	}
	p.Bookmark(r.plain(fmt.Sprintf("%d. %s", num, q.Text)), 1, -1)
	r.multi(r.width, 5.5, r.t(fmt.Sprintf("%d. %s", num, q.Text)), "L")
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
		ranks := map[string]surveys.MeanRank{}
		for _, m := range q.MeanRanks {
			ranks[m.Code] = m
		}
		t := pdfTable{head: []string{l.Option, l.Count, l.Percent, l.CI},
			widths: []float64{0, 22, 22, 32}, aligns: []string{"L", "R", "R", "R"}}
		if q.Type == surveys.Ranking {
			// The mean rank and its interval below it.
			t.head = append(t.head, l.MeanRank+" ("+l.CI+")")
			t.widths = append(t.widths, 30)
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
			row := []string{r.line(c.label), r.count(&c.count, false), pct, r.interval(c.count)}
			if q.Type == surveys.Ranking {
				mr := withheldStat(&l)
				if i < len(q.Options) {
					if v, ok := ranks[q.Options[i].Code]; ok {
						mr = r.num(v.MeanRank, 2) + r.ciAfter(v.CILow, v.CIHigh)
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
		r.statsTable("", []string{""}, []*surveys.Stats{q.Stats}, [][2]*float64{{q.MeanCILow, q.MeanCIHigh}})
	}
	p.Ln(6)
}

// statsTable prints statistics, one row per entry (nil: withheld), the
// mean followed by its interval (cis, one per entry; a dash without), the
// median and the quartiles each with its interval below the value.
func (r *pdfReport) statsTable(first string, names []string, stats []*surveys.Stats, cis [][2]*float64) {
	l := r.l
	head := []string{first, l.Mean, l.CI, l.Median, l.Q1, l.Q3, l.SD}
	var rows [][]string
	for i, st := range stats {
		row := []string{r.line(names[i])}
		if st == nil {
			for range 6 {
				row = append(row, withheldStat(&l))
			}
		} else {
			ci := "–"
			if lo, hi := cis[i][0], cis[i][1]; lo != nil && hi != nil {
				ci = r.num(*lo, 2) + "–" + r.num(*hi, 2)
			}
			row = append(row, r.num(st.Mean, 2), ci,
				r.num(st.Median, 2)+r.ciAfter(st.MedianCILow, st.MedianCIHigh),
				r.num(st.Q1, 2)+r.ciAfter(st.Q1CILow, st.Q1CIHigh),
				r.num(st.Q3, 2)+r.ciAfter(st.Q3CILow, st.Q3CIHigh),
				r.num(st.SD, 2))
		}
		rows = append(rows, row)
	}
	firstW := 60.0
	if first == "" && len(stats) == 1 && names[0] == "" {
		firstW = 0.1
		head[0] = ""
	}
	// The mean's interval has a column of its own; the median's and the
	// quartiles' go below their values, in columns as wide.
	// The mean's and SD's columns as wide as before the quantiles had
	// intervals (about 15 mm), the four with an interval 1.5 times that,
	// which "(3,00–4,00)" fits.
	vw := min((r.width-firstW)/8, 24)
	iw := 1.5 * vw
	t := pdfTable{head: head, rows: rows, widths: []float64{firstW, vw, iw, iw, iw, iw, vw},
		aligns: []string{"L", "R", "R", "R", "R", "R", "R"}}
	if firstW < 1 {
		t.head, t.widths, t.aligns = head[1:], t.widths[1:], t.aligns[1:]
		for i := range t.rows {
			t.rows[i] = t.rows[i][1:]
		}
	}
	r.table(t)
}

// ciAfter is an interval printed after its statistic, " (lo–hi)", or
// nothing when there is none; a cell too narrow for both sets it on the
// next line.
func (r *pdfReport) ciAfter(lo, hi *float64) string {
	if lo == nil || hi == nil {
		return ""
	}
	return " (" + r.num(*lo, 2) + "–" + r.num(*hi, 2) + ")"
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
	var cis [][2]*float64
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
		cis = append(cis, [2]*float64{st.MeanCILow, st.MeanCIHigh})
		anyStats = anyStats || st.Stats != nil || st.StatsWithheld
	}
	r.wideTable(head, rows, 50, 6, 8)
	if anyStats {
		r.statsTable(l.Statement, names, stats, cis)
	}
}
