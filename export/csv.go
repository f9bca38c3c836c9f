package export

import (
	"encoding/csv"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

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
	// The method note's rows: breakdown "_method", then the responses
	// collected and in the release, and the paragraphs ("_note:1"...).
	codeMethod    = "_method"
	codeCollected = "_collected"
	codeReleased  = "_released"
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
		// Ids, codes and percentages are ours and plain, cleaned all the same.
		return cw.Write([]string{csvClean(bd), csvClean(gcode), csvText(glabel), csvClean(qid), csvText(qtext), csvClean(code), csvText(label), csvText(count), pct})
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
	// The method note, after the tables: the responses collected and
	// released as numbers, then each paragraph, under the breakdown
	// "_method" that scripts can leave out.
	st := s.Status
	for _, r := range []struct {
		code string
		n    int
	}{{codeCollected, st.Collected}, {codeReleased, st.Released}} {
		if err := line(codeMethod, "", "", "", "", r.code, l.Responses, strconv.Itoa(r.n), ""); err != nil {
			return err
		}
	}
	for i, p := range s.Method {
		if err := line(codeMethod, "", "", "", "", "_note:"+strconv.Itoa(i+1), p, "", ""); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvText makes a text safe to put in a CSV cell that a spreadsheet opens.
//
// Control characters are removed (csvClean). Then a text is kept from being
// read as a formula (OWASP's advice for CSV files: a leading apostrophe)
// when its first visible character is =, +, - or @, or a tab or carriage
// return comes before it. "First visible" is what a person or a lenient
// reader sees: invisible and format characters (zero-width space, BOM,
// bidi controls, soft hyphen), combining marks and spaces in front are
// skipped, and the character is compared after NFKC, so that the
// full-width "＝1+1" and the small-form "﹦1+1" count as "=1+1".
// Plain decimal numbers ("-3", "12.5", the counts and percentages we write
// ourselves) and a single character (a "-" for suppressed) are left as
// they are; "-Inf", "+NaN" and "0x1p-2" are not plain numbers.
func csvText(s string) string {
	s = csvClean(s)
	if !csvFormulaLike(s) {
		return s
	}
	return "'" + s
}

// csvClean removes NUL and the other C0 control characters except tab,
// line feed and carriage return (which encoding/csv quotes), DEL and the
// C1 control characters, and replaces bytes that are not UTF-8 with U+FFFD:
// a raw NUL ends the text early in some readers and lets a text hide what
// follows, and none of them belongs in an answer or a label.
func csvClean(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || (c < ' ' && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s // ASCII without controls, the common case
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t', r == '\n', r == '\r':
			return r
		case r < ' ', r >= 0x7f && r <= 0x9f:
			return -1
		}
		return r // strings.Map turns invalid bytes into U+FFFD
	}, s)
}

// plainNumber is a decimal number as strconv writes it: the only text
// starting with - or + that is not escaped.
var plainNumber = regexp.MustCompile(`^[-+]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$`)

// csvFormulaLike reports whether a spreadsheet could read s as a formula.
func csvFormulaLike(s string) bool {
	if utf8.RuneCountInString(s) < 2 || plainNumber.MatchString(s) {
		return false
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\t' || r == '\r':
			return true
		case unicode.IsSpace(r) || csvInvisible(r):
			i += size
			continue
		}
		switch first, _ := utf8.DecodeRuneInString(norm.NFKC.String(s[i : i+size])); first {
		case '=', '+', '-', '@', '\u2212': // U+2212 is the minus sign some keyboards and editors type
			return true
		}
		return false
	}
	return false
}

// csvInvisible reports whether r shows nothing of its own: format
// characters (soft hyphen, zero-width space and joiners, BOM, bidi
// controls), combining marks, variation selectors and fillers.
func csvInvisible(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me) ||
		r == 0x115F || r == 0x1160 || r == 0x3164 || r == 0xFFA0
}
