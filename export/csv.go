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
// The column value, last so that scripts written for the columns before
// it read on, holds the statistics.
var CSVHeader = []string{"breakdown", "group", "group_label", "question", "question_text", "option", "option_label", "count", "percent", "ci_low", "ci_high", "value"}

// Option codes of the CSV's own rows (the others are the table model's,
// table.go).
const (
	codeN = "_n" // a group's respondents (question empty)
	// The method note's rows: breakdown "_method", then the responses
	// collected and in the release, and the paragraphs ("_note:1"...).
	codeMethod    = "_method"
	codeCollected = "_collected"
	codeReleased  = "_released"
)

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
// integers, percentages have one decimal and a full stop, as have the
// limits of their confidence intervals (ci_low, ci_high; empty where the
// percentage is). After the counts of a question come its statistics
// (option "_mean", "_median", "_q1", "_q3", "_sd", matrix
// "statement:_mean"..., ranking "_mean_rank:option"): the statistic in the
// column value with two decimals (Labels.Suppressed when withheld), its
// interval's limits in ci_low and ci_high with two decimals (none for the
// SD or where there is none), count and percent empty.
func WriteCSV(w io.Writer, s *Summary) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	c := &csvSummary{cw: csv.NewWriter(w), l: &s.Labels}
	if err := c.cw.Write(CSVHeader); err != nil {
		return err
	}
	ts := newSummaryTables(s, c.l)
	if err := c.table(ts.Overall); err != nil {
		return err
	}
	if !ts.Overall.Withheld {
		for _, t := range ts.Breakdowns {
			if err := c.table(t); err != nil {
				return err
			}
		}
	}
	if err := c.weighted(s.Weighted); err != nil {
		return err
	}
	if err := c.method(s); err != nil {
		return err
	}
	c.cw.Flush()
	return c.cw.Error()
}

// csvSummary writes the lines of a summary CSV.
type csvSummary struct {
	cw *csv.Writer
	l  *Labels
}

func (c *csvSummary) line(bd, gcode, glabel, qid, qtext, code, label, count string, pct ...string) error {
	// Ids, codes and percentages are ours and plain, cleaned all the same.
	// pct: the percentage, its interval's limits and a statistic's value,
	// as many as there are.
	p := [4]string{}
	copy(p[:], pct)
	return c.cw.Write([]string{csvClean(bd), csvClean(gcode), csvText(glabel), csvClean(qid), csvText(qtext), csvClean(code), csvText(label), csvText(count), p[0], p[1], p[2], csvText(p[3])})
}

// cell writes a published count: the number and its percentage, or the
// suppressed text.
func (c *csvSummary) cell(bd string, g *tableGroup, qid, qtext, code, label string, n surveys.Count) error {
	count, pct, lo, hi := c.l.Suppressed, "", "", ""
	if summaryCountShown(n) {
		count = strconv.Itoa(*n.N)
		if n.Pct != nil {
			pct = strconv.FormatFloat(*n.Pct, 'f', 1, 64)
		}
		if l, h, ok := summaryInterval(n); ok {
			lo, hi = strconv.FormatFloat(l, 'f', 1, 64), strconv.FormatFloat(h, 'f', 1, 64)
		}
	}
	return c.line(bd, g.Code, g.Header, qid, qtext, code, label, count, pct, lo, hi)
}

// table writes a table's groups one after the other. A breakdown leaves
// out its group of everyone, which repeats the overall tables.
func (c *csvSummary) table(t *summaryTable) error {
	if t.Withheld {
		return c.line(t.ID, "", c.l.Everyone, "", "", codeN, c.l.Responses, c.l.Withheld, "")
	}
	for gi := range t.Groups {
		if t.Breakdown && t.Groups[gi].Everyone {
			continue
		}
		if err := c.group(t, gi); err != nil {
			return err
		}
	}
	return nil
}

// group writes a group's respondents, then its counts and statistics; a
// hidden group is its one line.
func (c *csvSummary) group(t *summaryTable, gi int) error {
	g, l := &t.Groups[gi], c.l
	if g.Hidden {
		return c.line(t.ID, g.Code, g.Header, "", "", codeN, l.Responses, l.Hidden, "")
	}
	n := surveys.Count{Suppressed: true}
	if g.N != nil {
		n = *g.N
	}
	if err := c.cell(t.ID, g, "", "", codeN, l.Responses, n); err != nil {
		return err
	}
	for qi := range g.Questions {
		for _, row := range t.Rows(gi, qi) {
			var err error
			if row.Kind == rowCount {
				err = c.cell(t.ID, g, row.QID, row.QText, row.Code, row.Label, row.Count)
			} else {
				err = c.stat(t.ID, g, &row)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// stat writes a statistic's line: its value and interval (two decimals),
// or the suppressed text when it is withheld.
func (c *csvSummary) stat(bd string, g *tableGroup, r *summaryRow) error {
	value, lo, hi := c.l.Suppressed, "", ""
	if r.Kind == rowStat {
		value = strconv.FormatFloat(r.Value, 'f', 2, 64)
		if r.CILow != nil && r.CIHigh != nil {
			lo, hi = strconv.FormatFloat(*r.CILow, 'f', 2, 64), strconv.FormatFloat(*r.CIHigh, 'f', 2, 64)
		}
	}
	return c.line(bd, g.Code, g.Header, r.QID, r.QText, r.Code, r.Label, "", "", lo, hi, value)
}

// method writes the method note, after the tables: the responses
// collected and released as numbers, then each paragraph, under the
// breakdown "_method" that scripts can leave out.
func (c *csvSummary) method(s *Summary) error {
	st := s.Status
	for _, r := range []struct {
		code string
		n    int
	}{{codeCollected, st.Collected}, {codeReleased, st.Released}} {
		if err := c.line(codeMethod, "", "", "", "", r.code, c.l.Responses, strconv.Itoa(r.n), ""); err != nil {
			return err
		}
	}
	for i, p := range s.methodNote() {
		if err := c.line(codeMethod, "", "", "", "", "_note:"+strconv.Itoa(i+1), p, "", ""); err != nil {
			return err
		}
	}
	return nil
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
