package export

import "github.com/youthvoice/youthvoice/surveys"

// The table model: a release's results laid out once, in this file, for
// the three summary writers. The CSV (one line per cell), the XLSX (a
// sheet per breakdown, groups side by side) and the PDF report (a table
// per question, groups side by side) print the same rows, the same group
// headers and the same group of everyone; only how a cell looks is each
// writer's own.
//
// The writers used to decide this each for itself, and their rules
// differed where a release departs from what surveys.Protected.Results
// makes (the group of everyone first, code "" and no label; every group
// with the same questions and rows):
//   - The CSV and XLSX called a group "everyone" when its code and its
//     label were both empty, the PDF when its code was. The code decides
//     (surveys.GroupResults: code "" is everyone), as the tests check.
//   - The XLSX overview printed the groups of code "" (none when there
//     was none); the PDF printed the first group then. The overall
//     tables are those of everyone, or of the release's first group when
//     no group is everyone (a release without breakdown has one group).
//   - The PDF laid out a breakdown's tables from the group of everyone,
//     even hidden, and took each group's cells by position (the n-th
//     option of one group printed under the n-th option of another); the
//     XLSX laid them out from the first group shown, adding any row only
//     another group has (a mean the first group lacks), and took cells by
//     question id and row code. The XLSX's rule is the model's: cells by
//     position were a bug (a count printed under another option's label)
//     whenever two groups' rows differ.
// For every release surveys makes these rules agree (everyone first,
// code "" and no label, the same rows in every group), so the files of
// every such release are unchanged byte for byte; only hand-made
// summaries showed the differences.
//
// What stays each writer's own is how it shows a cell (a missing count is
// a dash in the PDF, empty in the XLSX), which rows it prints (the CSV
// only counts; the PDF's breakdown tables answered, the categories and a
// scale's or number's mean) and what it leaves out (the CSV's breakdowns
// skip the group of everyone, which repeats the overall tables; the PDF's
// skip the breakdown question itself).

// Option codes of the rows that are not an option, point or range.
const (
	codeSeen     = "_seen"      // saw the question
	codeAnswered = "_answered"  // answered it (matrix statement: "statement:_answered")
	codeSkipped  = "_skipped"   // saw it and did not answer
	codeDontKnow = "_dont_know" // "don't know" (matrix statement: "statement:_dont_know")
	codeMean     = "_mean"      // statistics: XLSX and PDF only
	codeMedian   = "_median"
	codeQ1       = "_q1"
	codeQ3       = "_q3"
	codeSD       = "_sd"
	codeMeanRank = "_mean_rank" // ranking: "_mean_rank:option"
)

// summaryRowKind says what a summaryRow holds.
type summaryRowKind int

const (
	rowCount        summaryRowKind = iota // a published count (and percentage)
	rowStat                               // a statistic (Value)
	rowStatWithheld                       // a statistic that is withheld
)

// rowPart says which part of a question's table a row is, for a writer
// that prints only some parts (the PDF's breakdown tables).
type rowPart int

const (
	partCategory rowPart = iota // an option, point or range
	partDontKnow
	partStat // mean, median, quartiles, SD
	partMeanRank
	partAnswered
	partSeen
	partSkipped
)

// summaryRow is one line of a group's tables, in the order every writer
// prints them: per question the options (or points or ranges), "don't
// know", statistics, matrix statements (each: points, "don't know",
// statistics, answered), then seen, answered and skipped.
type summaryRow struct {
	QID, QText  string
	Code, Label string
	Kind        summaryRowKind
	Count       surveys.Count
	Value       float64
	Part        rowPart
	Statement   bool // the row is a matrix statement's
	// CILow and CIHigh: a statistic's confidence interval (a mean's,
	// surveys.MeanInterval; a median's or quartile's, surveys.QuantileInterval;
	// a mean rank's), nil for the standard deviation and where there is none.
	CILow, CIHigh *float64
}

// summaryStats are the statistics' rows: code, label and value.
var summaryStats = []struct {
	code  string
	label func(*Labels) string
	v     func(*surveys.Stats) float64
	// ci is the statistic's interval (nil: the mean's, which its
	// question or statement holds, or none for the SD).
	ci func(*surveys.Stats) (lo, hi *float64)
}{
	{codeMean, func(l *Labels) string { return l.Mean }, func(s *surveys.Stats) float64 { return s.Mean }, nil},
	{codeMedian, func(l *Labels) string { return l.Median }, func(s *surveys.Stats) float64 { return s.Median },
		func(s *surveys.Stats) (lo, hi *float64) { return s.MedianCILow, s.MedianCIHigh }},
	{codeQ1, func(l *Labels) string { return l.Q1 }, func(s *surveys.Stats) float64 { return s.Q1 },
		func(s *surveys.Stats) (lo, hi *float64) { return s.Q1CILow, s.Q1CIHigh }},
	{codeQ3, func(l *Labels) string { return l.Q3 }, func(s *surveys.Stats) float64 { return s.Q3 },
		func(s *surveys.Stats) (lo, hi *float64) { return s.Q3CILow, s.Q3CIHigh }},
	{codeSD, func(l *Labels) string { return l.SD }, func(s *surveys.Stats) float64 { return s.SD }, nil},
}

// questionRows flattens one question's table into summaryRows.
type questionRows struct {
	q   *surveys.QuestionResults
	l   *Labels
	out []summaryRow
}

func (b *questionRows) add(code, label string, c surveys.Count, part rowPart, statement bool) {
	b.out = append(b.out, summaryRow{QID: b.q.ID, QText: b.q.Text, Code: code, Label: label, Count: c, Part: part, Statement: statement})
}

// stats adds the statistics' rows: their values, or each withheld; the
// mean's row carries its interval (lo, hi; nil when there is none), the
// median's and quartiles' theirs (st's).
func (b *questionRows) stats(prefix, labelPrefix string, st *surveys.Stats, withheld, statement bool, lo, hi *float64) {
	if st == nil && !withheld {
		return
	}
	for _, n := range summaryStats {
		r := summaryRow{QID: b.q.ID, QText: b.q.Text, Code: prefix + n.code, Label: labelPrefix + n.label(b.l),
			Kind: rowStatWithheld, Part: partStat, Statement: statement}
		if st != nil {
			r.Kind, r.Value = rowStat, n.v(st)
			switch {
			case n.code == codeMean:
				r.CILow, r.CIHigh = lo, hi
			case n.ci != nil:
				r.CILow, r.CIHigh = n.ci(st)
			}
		}
		b.out = append(b.out, r)
	}
}

// meanRanks adds a ranking question's mean ranks; when they are
// withheld, one withheld row per option, as when shown, so that groups
// line up.
func (b *questionRows) meanRanks() {
	q, l := b.q, b.l
	for _, mr := range q.MeanRanks {
		b.out = append(b.out, summaryRow{QID: q.ID, QText: q.Text, Code: codeMeanRank + ":" + mr.Code,
			Label: l.MeanRank + ": " + mr.Label, Kind: rowStat, Value: mr.MeanRank, Part: partMeanRank, CILow: mr.CILow, CIHigh: mr.CIHigh})
	}
	if q.Type == surveys.Ranking && q.StatsWithheld && len(q.MeanRanks) == 0 {
		for _, o := range q.Options {
			b.out = append(b.out, summaryRow{QID: q.ID, QText: q.Text, Code: codeMeanRank + ":" + o.Code,
				Label: l.MeanRank + ": " + o.Label, Kind: rowStatWithheld, Part: partMeanRank})
		}
	}
}

func (b *questionRows) statement(st *surveys.StatementResults) {
	pre, lpre := st.Code+":", st.Label+": "
	for _, bin := range st.Bins {
		b.add(pre+bin.Code, lpre+bin.Label, bin.Count, partCategory, true)
	}
	if st.DontKnow != nil {
		b.add(pre+codeDontKnow, lpre+b.l.DontKnow, *st.DontKnow, partDontKnow, true)
	}
	b.stats(pre, lpre, st.Stats, st.StatsWithheld, true, st.MeanCILow, st.MeanCIHigh)
	b.add(pre+codeAnswered, lpre+b.l.Answered, st.Answered, partAnswered, true)
}

// summaryQuestionRows flattens one question's table.
func summaryQuestionRows(q *surveys.QuestionResults, l *Labels) []summaryRow {
	b := &questionRows{q: q, l: l}
	for _, o := range q.Options {
		b.add(o.Code, o.Label, o.Count, partCategory, false)
	}
	for _, bin := range q.Bins {
		b.add(bin.Code, bin.Label, bin.Count, partCategory, false)
	}
	if q.DontKnow != nil {
		b.add(codeDontKnow, l.DontKnow, *q.DontKnow, partDontKnow, false)
	}
	if q.Type != surveys.Matrix {
		// A ranking question's statistics are its mean ranks.
		b.stats("", "", q.Stats, q.StatsWithheld && q.Type != surveys.Ranking, false, q.MeanCILow, q.MeanCIHigh)
	}
	b.meanRanks()
	for i := range q.Statements {
		b.statement(&q.Statements[i])
	}
	b.add(codeSeen, l.Seen, q.Seen, partSeen, false)
	b.add(codeAnswered, l.Answered, q.Answered, partAnswered, false)
	b.add(codeSkipped, l.Skipped, q.Skipped, partSkipped, false)
	return b.out
}

// withheldStat is what every writer prints for a withheld statistic
// (mean, median, quartile, standard deviation, mean rank): the short
// marker of a suppressed count, so that a reader meets one word for
// "not shown" in every table; why it is not shown is the legend's
// (Labels.Legend) and the method note's to say. The XLSX used to print
// the sentence of a withheld release there ("Too few responses so
// far..."), which read as if the whole release were empty.
func withheldStat(l *Labels) string { return l.Suppressed }

// summaryInterval is a shown count's confidence interval (percentages,
// surveys.Wilson at surveys.DefaultLevel), which every writer prints in
// columns of its own beside the percentage: none for a suppressed count,
// or one without a percentage. The interval is computed in surveys from
// the published count and base only, so printing it reveals nothing the
// count and percentage beside it do not.
func summaryInterval(c surveys.Count) (lo, hi float64, ok bool) {
	if !summaryCountShown(c) || c.Pct == nil || c.CILow == nil || c.CIHigh == nil {
		return 0, 0, false
	}
	return *c.CILow, *c.CIHigh, true
}

// summaryCountShown reports whether c holds a number that may be printed;
// a count without a number is treated as suppressed.
func summaryCountShown(c surveys.Count) bool { return !c.Suppressed && c.N != nil }

// isEveryone reports whether g is the group of all respondents.
func isEveryone(g *surveys.GroupResults) bool { return g.Code == "" }

// tableGroup is one group of a table: a column of the side-by-side
// tables, a block of lines in the CSV.
type tableGroup struct {
	*surveys.GroupResults
	Header   string // what the group is called: its label, Labels.Everyone for everyone
	Everyone bool
}

// summaryTable is one release's results laid out: the overall tables, or
// one breakdown's.
type summaryTable struct {
	ID, Label string // the breakdown question's id and text; empty for the overall tables
	Breakdown bool   // a breakdown's table (not the overall one)
	Withheld  bool
	Groups    []tableGroup
	// layout is the group whose questions and rows give the side-by-side
	// tables their order: the first group shown (everyone, in every
	// release surveys makes), -1 when every group is hidden.
	layout int
	l      *Labels
}

// summaryTables are a summary's tables, built once per file.
type summaryTables struct {
	Overall    *summaryTable
	Breakdowns []*summaryTable
}

// newSummaryTables lays out a summary with the labels l (the PDF's have
// defaults filled in).
func newSummaryTables(s *Summary, l *Labels) summaryTables {
	ts := summaryTables{Overall: newSummaryTable(&s.Overall, l)}
	for i := range s.Breakdowns {
		b := &s.Breakdowns[i]
		t := newSummaryTable(&b.Results, l)
		t.ID, t.Label, t.Breakdown = b.ID, b.Label, true
		ts.Breakdowns = append(ts.Breakdowns, t)
	}
	return ts
}

func newSummaryTable(r *surveys.Results, l *Labels) *summaryTable {
	t := &summaryTable{Withheld: r.Withheld, layout: -1, l: l}
	for i := range r.Groups {
		g := tableGroup{GroupResults: &r.Groups[i], Header: r.Groups[i].Label, Everyone: isEveryone(&r.Groups[i])}
		if g.Everyone {
			g.Header = l.Everyone
		}
		if t.layout < 0 && !g.Hidden {
			t.layout = i
		}
		t.Groups = append(t.Groups, g)
	}
	return t
}

// Everyone is the group whose tables are the overall ones: the group of
// everyone, or the first group when none is (a release cut without a
// breakdown holds one group); nil when there is no group.
func (t *summaryTable) Everyone() *tableGroup {
	for i := range t.Groups {
		if t.Groups[i].Everyone {
			return &t.Groups[i]
		}
	}
	if len(t.Groups) > 0 {
		return &t.Groups[0]
	}
	return nil
}

// Questions are the questions of the side-by-side tables, in order (the
// layout group's); none when every group is hidden.
func (t *summaryTable) Questions() []surveys.QuestionResults {
	if t.layout < 0 {
		return nil
	}
	return t.Groups[t.layout].Questions
}

// Rows are group gi's rows of its question qi.
func (t *summaryTable) Rows(gi, qi int) []summaryRow {
	return summaryQuestionRows(&t.Groups[gi].Questions[qi], t.l)
}

// tableLine is one line of a question's side-by-side table: the row as
// the first group that has it names it, and each group's row of the
// same code (nil where a group has none).
type tableLine struct {
	summaryRow
	cells []*summaryRow
}

// tableQuestion is one question's side-by-side table.
type tableQuestion struct {
	*surveys.QuestionResults // the layout group's
	Lines                    []tableLine
	in                       []*surveys.QuestionResults // each group's (nil: hidden, or without the question)
	t                        *summaryTable
}

// cellState says what a group has in a line of a side-by-side table.
type cellState int

const (
	cellRow        cellState = iota // a row: a count or a statistic
	cellHidden                      // the group is hidden
	cellNoQuestion                  // the group does not have the question
	cellNoRow                       // the group has the question but not this row
)

// Question lays out question qi of Questions side by side: its lines
// are the layout group's rows, then any row only a later group has (the
// statistics of a question nobody in the first group answered); each
// group's cell is its row of the same question id and code.
func (t *summaryTable) Question(qi int) tableQuestion {
	q := &t.Questions()[qi]
	tq := tableQuestion{QuestionResults: q, in: make([]*surveys.QuestionResults, len(t.Groups)), t: t}
	rows := make([][]summaryRow, len(t.Groups))
	at := map[string]int{}
	for gi := range t.Groups {
		if t.Groups[gi].Hidden {
			continue
		}
		tq.in[gi] = t.Groups[gi].question(qi, q.ID)
		if tq.in[gi] == nil {
			continue
		}
		rows[gi] = summaryQuestionRows(tq.in[gi], t.l)
		for i := range rows[gi] {
			if _, ok := at[rows[gi][i].Code]; !ok {
				at[rows[gi][i].Code] = len(tq.Lines)
				tq.Lines = append(tq.Lines, tableLine{summaryRow: rows[gi][i], cells: make([]*summaryRow, len(t.Groups))})
			}
		}
	}
	for gi := range rows {
		for i := range rows[gi] {
			tq.Lines[at[rows[gi][i].Code]].cells[gi] = &rows[gi][i]
		}
	}
	return tq
}

// question is the group's question id, which is usually its qi-th.
func (g *tableGroup) question(qi int, id string) *surveys.QuestionResults {
	if qi < len(g.Questions) && g.Questions[qi].ID == id {
		return &g.Questions[qi]
	}
	for i := range g.Questions {
		if g.Questions[i].ID == id {
			return &g.Questions[i]
		}
	}
	return nil
}

// Cell is what group gi has in line ln: its row (cellRow), or why it has
// none.
func (tq *tableQuestion) Cell(gi int, ln *tableLine) (cellState, *summaryRow) {
	switch {
	case tq.t.Groups[gi].Hidden:
		return cellHidden, nil
	case tq.in[gi] == nil:
		return cellNoQuestion, nil
	case ln.cells[gi] == nil:
		return cellNoRow, nil
	}
	return cellRow, ln.cells[gi]
}

// Groups is how many groups the table has.
func (tq *tableQuestion) Groups() int { return len(tq.in) }

// Group is group gi's own table of the question (nil: hidden, or
// without the question).
func (tq *tableQuestion) Group(gi int) *surveys.QuestionResults { return tq.in[gi] }
