package export

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// tableGroups is a breakdown's groups for the table tests: everyone
// (with the code "" and, unlike any release surveys makes, a label),
// then groups a, b (hidden) and c.
func tableGroups() []surveys.GroupResults {
	c := func(n int) surveys.Count { return pdfCount(n, 50) }
	q := func(opts ...surveys.LabelledCount) []surveys.QuestionResults {
		return []surveys.QuestionResults{{ID: "q", Type: surveys.SingleChoice, Text: "Q?",
			Seen: c(10), Answered: c(9), Skipped: c(1), Options: opts}}
	}
	x, y, z := surveys.LabelledCount{Code: "x", Label: "X", Count: c(4)}, surveys.LabelledCount{Code: "y", Label: "Y", Count: c(5)},
		surveys.LabelledCount{Code: "z", Label: "Z", Count: c(7)}
	return []surveys.GroupResults{
		{Code: "", Label: "Everyone, labelled", N: &surveys.Count{N: pdfN(10)}, Questions: q(x, y)},
		{Code: "a", Label: "A", N: &surveys.Count{N: pdfN(6)}, Questions: q(y, x, z)}, // another order, one more option
		{Code: "b", Label: "B", Hidden: true},
		{Code: "c", Label: "C", N: &surveys.Count{N: pdfN(4)}}, // no question at all
	}
}

// TestTableGroups: the group of everyone is the group of code "", label
// or none, wherever it stands, and is headed Labels.Everyone; the
// overall tables are its, or the first group's when there is none.
func TestTableGroups(t *testing.T) {
	l := labelsSV
	groups := tableGroups()
	tb := newSummaryTable(&surveys.Results{Groups: groups}, &l)
	var headers []string
	for _, g := range tb.Groups {
		headers = append(headers, g.Header)
	}
	if want := []string{l.Everyone, "A", "B", "C"}; !slices.Equal(headers, want) {
		t.Errorf("headers %q, want %q", headers, want)
	}
	if g := tb.Everyone(); g == nil || g.GroupResults != &groups[0] || !g.Everyone {
		t.Errorf("everyone %+v", g)
	}
	last := append(slices.Clone(groups[1:]), groups[0])
	if g := newSummaryTable(&surveys.Results{Groups: last}, &l).Everyone(); g == nil || g.Code != "" {
		t.Errorf("everyone last: %+v", g)
	}
	if g := newSummaryTable(&surveys.Results{Groups: groups[1:]}, &l).Everyone(); g == nil || g.Code != "a" || g.Everyone {
		t.Errorf("without a group of everyone, the overall tables are the first group's: %+v", g)
	}
	if g := newSummaryTable(&surveys.Results{}, &l).Everyone(); g != nil {
		t.Errorf("no group: %+v", g)
	}
	// The layout is the first group shown.
	hidden := slices.Clone(groups)
	hidden[0].Hidden = true
	for _, c := range []struct {
		name   string
		groups []surveys.GroupResults
		layout int
	}{{"everyone first", groups, 0}, {"everyone hidden", hidden, 1}, {"all hidden", groups[2:3], -1}} {
		tb := newSummaryTable(&surveys.Results{Groups: c.groups}, &l)
		if tb.layout != c.layout || (c.layout < 0) != (tb.Questions() == nil) {
			t.Errorf("%s: layout %d (%d questions), want %d", c.name, tb.layout, len(tb.Questions()), c.layout)
		}
	}
}

// TestTableQuestionLines: a question's lines are the layout group's rows
// then any row only a later group has, and each group's cell is its row
// of the same code, not of the same position.
func TestTableQuestionLines(t *testing.T) {
	l := labelsSV
	tb := newSummaryTable(&surveys.Results{Groups: tableGroups()}, &l)
	tq := tb.Question(0)
	var codes []string
	for _, ln := range tq.Lines {
		codes = append(codes, ln.Code)
	}
	if want := []string{"x", "y", codeSeen, codeAnswered, codeSkipped, "z"}; !slices.Equal(codes, want) {
		t.Fatalf("lines %q, want %q", codes, want)
	}
	type cell struct {
		state cellState
		n     int
	}
	get := func(gi, li int) cell {
		s, r := tq.Cell(gi, &tq.Lines[li])
		if r == nil {
			return cell{s, -1}
		}
		return cell{s, *r.Count.N}
	}
	for _, c := range []struct {
		gi, li int
		want   cell
	}{
		{0, 0, cell{cellRow, 4}}, {0, 1, cell{cellRow, 5}}, {0, 5, cell{cellNoRow, -1}},
		{1, 0, cell{cellRow, 4}}, {1, 1, cell{cellRow, 5}}, {1, 5, cell{cellRow, 7}}, // by code: a lists y first
		{2, 0, cell{cellHidden, -1}},
		{3, 0, cell{cellNoQuestion, -1}},
	} {
		if got := get(c.gi, c.li); got != c.want {
			t.Errorf("group %d, line %s: %+v, want %+v", c.gi, codes[c.li], got, c.want)
		}
	}
	if tq.Groups() != 4 || tq.Group(2) != nil || tq.Group(1).ID != "q" {
		t.Errorf("groups %d, hidden %v", tq.Groups(), tq.Group(2))
	}
}

// TestSummaryQuestionRows lists each question type's rows in the writers'
// order, with what part of the table each is.
func TestSummaryQuestionRows(t *testing.T) {
	l := labelsSV
	qs := pdfQuestions(1)
	type row struct {
		code  string
		kind  summaryRowKind
		part  rowPart
		stmt  bool
		label string
	}
	tail := []row{{codeSeen, rowCount, partSeen, false, l.Seen}, {codeAnswered, rowCount, partAnswered, false, l.Answered},
		{codeSkipped, rowCount, partSkipped, false, l.Skipped}}
	stats := func(prefix, lprefix string, kind summaryRowKind, stmt bool) []row {
		var out []row
		for i, code := range []string{codeMean, codeMedian, codeQ1, codeQ3, codeSD} {
			out = append(out, row{prefix + code, kind, partStat, stmt, lprefix + []string{l.Mean, l.Median, l.Q1, l.Q3, l.SD}[i]})
		}
		return out
	}
	cat := func(code, label string) row { return row{code, rowCount, partCategory, false, label} }
	scaleRows := []row{cat("1", "1 Mycket dåligt"), cat("2", "2"), cat("3", "3"), cat("4", "4"), cat("5", "5 Дуже добре"),
		{codeDontKnow, rowCount, partDontKnow, false, l.DontKnow}}
	scaleRows = append(scaleRows, stats("", "", rowStat, false)...)
	matrix := []row{
		{"safe:1", rowCount, partCategory, true, "Jag känner mig trygg i skolan: 1 Stämmer inte"},
		{"safe:2", rowCount, partCategory, true, "Jag känner mig trygg i skolan: 2"},
		{"safe:3", rowCount, partCategory, true, "Jag känner mig trygg i skolan: 3 Stämmer helt"}}
	matrix = append(matrix, stats("safe:", "Jag känner mig trygg i skolan: ", rowStat, true)...)
	matrix = append(matrix, row{"safe:" + codeAnswered, rowCount, partAnswered, true, "Jag känner mig trygg i skolan: " + l.Answered},
		row{"heard:1", rowCount, partCategory, true, "Vuxna lyssnar på mig: 1 Stämmer inte"},
		row{"heard:2", rowCount, partCategory, true, "Vuxna lyssnar på mig: 2"},
		row{"heard:3", rowCount, partCategory, true, "Vuxna lyssnar på mig: 3 Stämmer helt"})
	matrix = append(matrix, stats("heard:", "Vuxna lyssnar på mig: ", rowStatWithheld, true)...)
	matrix = append(matrix, row{"heard:" + codeAnswered, rowCount, partAnswered, true, "Vuxna lyssnar på mig: " + l.Answered})
	rankWithheld := qs[5]
	rankWithheld.MeanRanks, rankWithheld.StatsWithheld = nil, true
	for _, c := range []struct {
		name string
		q    surveys.QuestionResults
		want []row
	}{
		{"single choice", qs[0], []row{cat("a", "13–15 år"), cat("b", "16–18 år"), cat("c", "19–25 år")}},
		{"scale", qs[1], scaleRows},
		{"matrix", qs[3], matrix},
		{"free text", qs[4], nil},
		{"ranking", qs[5], []row{cat("a", "Bostäder"), cat("b", "Jobb"), cat("c", "Kollektivtrafik"),
			{codeMeanRank + ":a", rowStat, partMeanRank, false, l.MeanRank + ": Bostäder"},
			{codeMeanRank + ":b", rowStat, partMeanRank, false, l.MeanRank + ": Jobb"},
			{codeMeanRank + ":c", rowStat, partMeanRank, false, l.MeanRank + ": Kollektivtrafik"}}},
		{"ranking withheld", rankWithheld, []row{cat("a", "Bostäder"), cat("b", "Jobb"), cat("c", "Kollektivtrafik"),
			{codeMeanRank + ":a", rowStatWithheld, partMeanRank, false, l.MeanRank + ": Bostäder"},
			{codeMeanRank + ":b", rowStatWithheld, partMeanRank, false, l.MeanRank + ": Jobb"},
			{codeMeanRank + ":c", rowStatWithheld, partMeanRank, false, l.MeanRank + ": Kollektivtrafik"}}},
	} {
		var got []row
		for _, r := range summaryQuestionRows(&c.q, &l) {
			if r.QID != c.q.ID || r.QText != c.q.Text {
				t.Errorf("%s: row %s of question %q %q", c.name, r.Code, r.QID, r.QText)
			}
			got = append(got, row{r.Code, r.Kind, r.Part, r.Statement, r.Label})
		}
		if want := append(c.want, tail...); !slices.Equal(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", c.name, got, want)
		}
	}
}

// tableSummary is a summary whose breakdown has the groups of
// tableGroups.
func tableSummary() *Summary {
	s := pdfTestSummary()
	s.Overall.Groups[0].Label = "Everyone, labelled"
	s.Breakdowns[0].Results.Groups = tableGroups()
	s.Breakdowns[0].ID = "age"
	return s
}

// TestWritersShareTheTable: the three writers print the model's group
// headers (the group of code "" is everyone, labelled or not) and cells
// (by code, whatever a group's order of options).
func TestWritersShareTheTable(t *testing.T) {
	s := tableSummary()
	l := s.Labels
	var c, x bytes.Buffer
	if err := WriteCSV(&c, s); err != nil {
		t.Fatal(err)
	}
	if err := WriteXLSX(&x, s); err != nil {
		t.Fatal(err)
	}

	// CSV: the overall group is everyone; the breakdown leaves it out.
	rows, err := csv.NewReader(bytes.NewReader(c.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]map[string]bool{}
	for _, r := range rows[1:] {
		if labels[r[0]] == nil {
			labels[r[0]] = map[string]bool{}
		}
		labels[r[0]][r[2]] = true
	}
	if !labels[""][l.Everyone] || labels[""]["Everyone, labelled"] || len(labels[""]) != 1 {
		t.Errorf("CSV overall group labels %v, want only %q", labels[""], l.Everyone)
	}
	if labels["age"][l.Everyone] || !labels["age"]["A"] || !labels["age"]["B"] || !labels["age"]["C"] {
		t.Errorf("CSV breakdown group labels %v", labels["age"])
	}

	// XLSX: the headers, and group a's cells by code.
	f, err := excelize.OpenReader(bytes.NewReader(x.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[1]
	xrows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(xrows[0][2:], "|"), strings.Join([]string{l.Everyone, "", "", "", "A", "", "", "", "B", "", "", "", "C"}, "|"); got != want {
		t.Errorf("XLSX headers %q, want %q", got, want)
	}
	byLabel := map[string][]string{}
	for _, r := range xrows[3:] {
		byLabel[r[1]] = r
	}
	for label, want := range map[string][2]string{"X": {"4", "4"}, "Y": {"5", "5"}, "Z": {"", "7"}} {
		if r := byLabel[label]; len(r) < 7 || r[2] != want[0] || r[6] != want[1] {
			t.Errorf("XLSX row %s: %q, want everyone %q and a %q", label, r, want[0], want[1])
		}
	}

	// PDF: the same headers and cells.
	cov, err := pdfCoverage()
	if err != nil {
		t.Fatal(err)
	}
	r := newPDFReport(s, cov)
	tb := r.ts.Breakdowns[0]
	var heads []string
	for _, g := range tb.Groups {
		heads = append(heads, g.Header)
	}
	if want := []string{l.Everyone, "A", "B", "C"}; !slices.Equal(heads, want) {
		t.Errorf("PDF headers %q, want %q", heads, want)
	}
	tq := tb.Question(0)
	got := r.breakdownRows(&tq)
	want := [][]string{
		{l.Answered, "9", "9", l.Hidden, "–"},
		{"X", "4 (50,0%)", "4 (50,0%)", l.Hidden, "–"},
		{"Y", "5 (50,0%)", "5 (50,0%)", l.Hidden, "–"},
		{"Z", "–", "7 (50,0%)", l.Hidden, "–"},
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("PDF rows\n%q\nwant\n%q", got, want)
	}
	// In the file: group a's count of Z, an option the first group lacks
	// (the PDF used to take cells by position and print only the first
	// group's options).
	var buf bytes.Buffer
	if err := WritePDF(&buf, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pdfInspect(t, buf.Bytes()).content, "("+pdfEncoded("7 (50,0%)", false)+")") {
		t.Error("PDF: group a's count of Z is not in the breakdown table")
	}
}

// TestPDFBreakdownMean: a scale's means, one per group, suppressed where
// withheld, and shown when only another group than the first has them.
func TestPDFBreakdownMean(t *testing.T) {
	s := pdfTestSummary()
	groups := s.Breakdowns[0].Results.Groups
	groups[0].Questions[1].Stats = nil // nobody in the first group answered
	groups[2].Questions = pdfQuestions(1)
	groups[2].Questions[1].Stats, groups[2].Questions[1].StatsWithheld = nil, true
	cov, err := pdfCoverage()
	if err != nil {
		t.Fatal(err)
	}
	r := newPDFReport(s, cov)
	tq := r.ts.Breakdowns[0].Question(1)
	rows := r.breakdownRows(&tq)
	l := s.Labels
	if got, want := rows[len(rows)-1], []string{l.Mean, l.Suppressed, "3,62", l.Suppressed, l.Hidden, l.Hidden}; !slices.Equal(got, want) {
		t.Errorf("mean row %q, want %q", got, want)
	}
	if rows[0][0] != l.Answered || len(rows) != 1+5+1+1 {
		t.Errorf("rows %q: want answered, 5 points, don't know, mean", rows)
	}
}
