package export

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/youthvoice/youthvoice/surveys"
)

// CSVHeader is the header row of a summary CSV. The names are fixed (not
// translated) so that scripts can rely on them; the cells hold the
// translated texts.
var CSVHeader = []string{"breakdown", "group", "group_label", "question", "question_text", "option", "option_label", "count", "percent"}

// Option codes of the rows that are not an option, point or range.
const (
	codeN        = "_n"         // a group's respondents (question empty)
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
}

// summaryQuestionRows flattens one question's table.
func summaryQuestionRows(q *surveys.QuestionResults, l *Labels) []summaryRow {
	var out []summaryRow
	add := func(code, label string, c surveys.Count) {
		out = append(out, summaryRow{QID: q.ID, QText: q.Text, Code: code, Label: label, Count: c})
	}
	stats := func(prefix, labelPrefix string, st *surveys.Stats, withheld bool) {
		if st == nil && !withheld {
			return
		}
		names := []struct {
			code, label string
			v           func(*surveys.Stats) float64
		}{
			{codeMean, l.Mean, func(s *surveys.Stats) float64 { return s.Mean }},
			{codeMedian, l.Median, func(s *surveys.Stats) float64 { return s.Median }},
			{codeQ1, l.Q1, func(s *surveys.Stats) float64 { return s.Q1 }},
			{codeQ3, l.Q3, func(s *surveys.Stats) float64 { return s.Q3 }},
			{codeSD, l.SD, func(s *surveys.Stats) float64 { return s.SD }},
		}
		for _, n := range names {
			r := summaryRow{QID: q.ID, QText: q.Text, Code: prefix + n.code, Label: labelPrefix + n.label, Kind: rowStatWithheld}
			if st != nil {
				r.Kind, r.Value = rowStat, n.v(st)
			}
			out = append(out, r)
		}
	}
	for _, o := range q.Options {
		add(o.Code, o.Label, o.Count)
	}
	for _, b := range q.Bins {
		add(b.Code, b.Label, b.Count)
	}
	if q.DontKnow != nil {
		add(codeDontKnow, l.DontKnow, *q.DontKnow)
	}
	if q.Type != surveys.Matrix {
		stats("", "", q.Stats, q.StatsWithheld && q.Type != surveys.Ranking)
	}
	for _, mr := range q.MeanRanks {
		out = append(out, summaryRow{QID: q.ID, QText: q.Text, Code: codeMeanRank + ":" + mr.Code,
			Label: l.MeanRank + ": " + mr.Label, Kind: rowStat, Value: mr.MeanRank})
	}
	if q.Type == surveys.Ranking && q.StatsWithheld && len(q.MeanRanks) == 0 {
		// One row per option, as when shown, so that groups line up.
		for _, o := range q.Options {
			out = append(out, summaryRow{QID: q.ID, QText: q.Text, Code: codeMeanRank + ":" + o.Code,
				Label: l.MeanRank + ": " + o.Label, Kind: rowStatWithheld})
		}
	}
	for _, st := range q.Statements {
		pre, lpre := st.Code+":", st.Label+": "
		for _, b := range st.Bins {
			add(pre+b.Code, lpre+b.Label, b.Count)
		}
		if st.DontKnow != nil {
			add(pre+codeDontKnow, lpre+l.DontKnow, *st.DontKnow)
		}
		stats(pre, lpre, st.Stats, st.StatsWithheld)
		add(pre+codeAnswered, lpre+l.Answered, st.Answered)
	}
	add(codeSeen, l.Seen, q.Seen)
	add(codeAnswered, l.Answered, q.Answered)
	add(codeSkipped, l.Skipped, q.Skipped)
	return out
}

// summaryGroupLabel is a group's label, "everyone" for the group of all.
func summaryGroupLabel(g *surveys.GroupResults, l *Labels) string {
	if g.Code == "" && g.Label == "" {
		return l.Everyone
	}
	return g.Label
}

// summaryCountShown reports whether c holds a number that may be printed;
// a count without a number is treated as suppressed.
func summaryCountShown(c surveys.Count) bool { return !c.Suppressed && c.N != nil }

// WriteCSV writes a summary as CSV: UTF-8 with a byte order mark (so that
// Excel reads it as UTF-8), comma-separated, the CSVHeader row, then one
// row per published cell: the overall tables (breakdown empty), then each
// breakdown's groups (without its group of everyone, which repeats the
// overall tables). Each group starts with its respondents (option "_n");
// each question has its options, points or ranges (matrix:
// "statement:point"), "_dont_know", "_seen", "_answered" and "_skipped".
// A suppressed count is the Labels.Suppressed text with an empty
// percentage; a hidden group is one "_n" row with the Labels.Hidden text;
// a withheld release is one row with the Labels.Withheld text. Counts are
// integers, percentages have one decimal and a full stop. Statistics are
// not in the CSV (see WriteXLSX).
func WriteCSV(w io.Writer, s *Summary) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	l := &s.Labels
	line := func(bd, gcode, glabel, qid, qtext, code, label, count, pct string) error {
		return cw.Write([]string{bd, gcode, csvText(glabel), qid, csvText(qtext), code, csvText(label), csvText(count), pct})
	}
	cell := func(bd string, g *surveys.GroupResults, qid, qtext, code, label string, c surveys.Count) error {
		count, pct := l.Suppressed, ""
		if summaryCountShown(c) {
			count = strconv.Itoa(*c.N)
			if c.Pct != nil {
				pct = strconv.FormatFloat(*c.Pct, 'f', 1, 64)
			}
		}
		return line(bd, g.Code, summaryGroupLabel(g, l), qid, qtext, code, label, count, pct)
	}
	results := func(bd string, r *surveys.Results, skipEveryone bool) error {
		if r.Withheld {
			return line(bd, "", l.Everyone, "", "", codeN, l.Responses, l.Withheld, "")
		}
		for gi := range r.Groups {
			g := &r.Groups[gi]
			if skipEveryone && g.Code == "" {
				continue
			}
			if g.Hidden {
				if err := line(bd, g.Code, summaryGroupLabel(g, l), "", "", codeN, l.Responses, l.Hidden, ""); err != nil {
					return err
				}
				continue
			}
			n := surveys.Count{Suppressed: true}
			if g.N != nil {
				n = *g.N
			}
			if err := cell(bd, g, "", "", codeN, l.Responses, n); err != nil {
				return err
			}
			for qi := range g.Questions {
				for _, row := range summaryQuestionRows(&g.Questions[qi], l) {
					if row.Kind != rowCount {
						continue
					}
					if err := cell(bd, g, row.QID, row.QText, row.Code, row.Label, row.Count); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	if err := results("", &s.Overall, false); err != nil {
		return err
	}
	if !s.Overall.Withheld {
		for i := range s.Breakdowns {
			b := &s.Breakdowns[i]
			if err := results(b.ID, &b.Results, true); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvText keeps a spreadsheet from reading a text as a formula: a text
// that starts with =, +, -, @, a tab or a carriage return, and is not a
// plain number or a single character (a "-" for suppressed), gets a
// leading apostrophe (OWASP's advice for CSV files).
func csvText(s string) string {
	if len(s) < 2 || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	return "'" + s
}
