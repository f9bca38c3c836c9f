package export

import (
	"fmt"

	"github.com/youthvoice/youthvoice/surveys"
)

// A breakdown's pages: the groups side by side, one table per question,
// laid out by the table model (table.go).

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
