package export

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// A comparison of two waves (surveys.Compare) as the API shows it and as
// files: the JSON document, a CSV with one line per compared estimate and
// a workbook. The summary's table model (table.go) lays out one release
// by groups; a comparison's rows are two releases' estimates and their
// difference, so it has a flat model of its own: ComparisonDocument, its
// rows in the order surveys.Compare made them.

// ComparisonDocument is a comparison with every word in the reader's
// language: the rows' labels for "don't know" and means, why each
// question was left out, notes on how to read it and the method.
type ComparisonDocument struct {
	Lang string `json:"lang"`
	Dir  string `json:"dir"`
	*surveys.Comparison
	// LeftOut hides the embedded comparison's list: the same entries,
	// each with its reason in words.
	LeftOut []ComparisonLeftOut `json:"left_out"`
	Notes   []string            `json:"notes"`
	Method  []string            `json:"method"`
	Labels  ComparisonLabels    `json:"-"`
}

// ComparisonLeftOut is a question not compared, and why in words.
type ComparisonLeftOut struct {
	surveys.LeftOut
	Why string `json:"why"`
}

// ComparisonLabels are the words of the files.
type ComparisonLabels struct {
	Sheet, LeftOutSheet, Method                string
	Question, Statement, Option, Reason        string
	Current, Previous, Difference, Significant string
	Count, Base, Value, SD, CILow, CIHigh, Yes string
	Suppressed, Responses, Released, Revision  string
	DontKnow, Mean                             string
}

// BuildComparison puts c in the words of uiLang (a server language), for
// texts in lang (the survey language c was rendered in). It fills the
// labels of c's "don't know" and mean rows in place.
func BuildComparison(c *surveys.Comparison, lang, uiLang string, cat *i18n.Catalog) *ComparisonDocument {
	m := func(id string) string { return cat.Message(uiLang, id, nil) }
	level := map[string]any{"Level": c.Level}
	d := &ComparisonDocument{Lang: lang, Dir: i18n.Direction(lang), Comparison: c, LeftOut: []ComparisonLeftOut{}}
	d.Labels = ComparisonLabels{
		Sheet: m("compare.sheet"), LeftOutSheet: m("compare.left_out"), Method: m("export.method"),
		Question: m("export.question"), Statement: m("export.statement"), Option: m("export.option"), Reason: m("compare.reason"),
		Current: m("compare.current"), Previous: m("compare.previous"), Difference: m("compare.difference"),
		Significant: cat.Message(uiLang, "compare.significant", level), Count: m("export.count"), Base: m("compare.base"),
		Value: m("compare.value"), SD: m("export.sd"), CILow: cat.Message(uiLang, "export.ci_low", level),
		CIHigh: cat.Message(uiLang, "export.ci_high", level), Yes: m("compare.yes"), Suppressed: m("export.suppressed"),
		Responses: m("export.responses"), Released: m("export.released"), Revision: m("export.revision"),
		DontKnow: m("export.dont_know"), Mean: m("export.mean"),
	}
	for qi := range c.Questions {
		rows := c.Questions[qi].Rows
		for ri := range rows {
			if rows[ri].Label != "" {
				continue
			}
			switch rows[ri].Kind {
			case surveys.CompareRowMean:
				rows[ri].Label = d.Labels.Mean
			default:
				rows[ri].Label = d.Labels.DontKnow
			}
		}
	}
	for _, l := range c.LeftOut {
		d.LeftOut = append(d.LeftOut, ComparisonLeftOut{LeftOut: l, Why: m("compare.reason." + l.Reason)})
	}
	data := map[string]any{"Level": c.Level, "Suppressed": d.Labels.Suppressed, "Significant": c.Significant, "Compared": c.Compared, "Chance": 100 - c.Level}
	for _, id := range []string{"compare.note.read", "compare.note.suppressed", "compare.note.count"} {
		d.Notes = append(d.Notes, cat.Message(uiLang, id, data))
	}
	for _, id := range []string{"compare.method.proportions", "compare.method.means", "compare.method.assumptions", "compare.method.many"} {
		d.Method = append(d.Method, cat.Message(uiLang, id, data))
	}
	return d
}

// ComparisonCSVHeader is the header row of a comparison CSV: fixed names,
// so that scripts can rely on them.
var ComparisonCSVHeader = []string{"question", "question_text", "statement", "option", "option_label", "kind",
	"current_n", "current_base", "current_value", "current_ci_low", "current_ci_high", "current_sd",
	"previous_n", "previous_base", "previous_value", "previous_ci_low", "previous_ci_high", "previous_sd",
	"difference", "difference_ci_low", "difference_ci_high", "significant"}

// WriteComparisonCSV writes a comparison as CSV: UTF-8 with a byte order
// mark, the ComparisonCSVHeader row, one line per row of each compared
// question (kind "proportion": values are percentages and the difference
// is in percentage points, one decimal; "mean": two decimals), then one
// line per question left out (kind "_left_out", the reason's code in
// option and its words in option_label), then the method (question
// "_method": the waves' responses, "_note:1"... the notes and the
// method's paragraphs). An estimate the release does not publish holds
// the suppressed marker in its value and nothing else; a difference is
// empty unless both are published; significant is "true" or "false"
// beside an interval, empty without one.
func WriteComparisonCSV(w io.Writer, d *ComparisonDocument) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(ComparisonCSVHeader); err != nil {
		return err
	}
	line := func(cells ...string) error {
		row := make([]string, len(ComparisonCSVHeader))
		for i, c := range cells {
			row[i] = csvText(c)
		}
		return cw.Write(row)
	}
	for _, q := range d.Questions {
		for _, r := range q.Rows {
			cells := []string{q.ID, q.Text, r.Statement, r.Code, r.Label, r.Kind}
			cells = append(cells, csvEstimate(r, r.Current, d.Labels.Suppressed)...)
			cells = append(cells, csvEstimate(r, r.Previous, d.Labels.Suppressed)...)
			cells = append(cells, csvDifference(r)...)
			if err := line(cells...); err != nil {
				return err
			}
		}
	}
	for _, l := range d.LeftOut {
		if err := line(l.ID, l.Text, "", l.Reason, l.Why, "_left_out"); err != nil {
			return err
		}
	}
	method := []struct{ code, label, value string }{
		{"_current", d.Current.Title, strconv.Itoa(d.Current.Responses)},
		{"_previous", d.Previous.Title, strconv.Itoa(d.Previous.Responses)},
	}
	for i, p := range append(append([]string{}, d.Notes...), d.Method...) {
		method = append(method, struct{ code, label, value string }{"_note:" + strconv.Itoa(i+1), p, ""})
	}
	for _, m := range method {
		if err := line("_method", "", "", m.code, m.label, "", m.value); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvEstimate is one wave's six cells: n, base, value, interval, SD.
func csvEstimate(r surveys.CompareRow, e surveys.Estimate, suppressed string) []string {
	if e.Suppressed {
		return []string{"", "", suppressed, "", "", ""}
	}
	places := comparePlaces(r)
	out := []string{csvInt(e.N), csvInt(e.Base), csvFloat(e.Value, places), csvFloat(e.CILow, places), csvFloat(e.CIHigh, places), csvFloat(e.SD, 2)}
	return out
}

func csvDifference(r surveys.CompareRow) []string {
	d := r.Difference
	if d == nil {
		return []string{"", "", "", ""}
	}
	places := comparePlaces(r)
	sig := ""
	if d.CILow != nil {
		sig = strconv.FormatBool(d.Significant)
	}
	return []string{strconv.FormatFloat(d.Value, 'f', places, 64), csvFloat(d.CILow, places), csvFloat(d.CIHigh, places), sig}
}

// comparePlaces: percentages have one decimal, means two.
func comparePlaces(r surveys.CompareRow) int {
	if r.Kind == surveys.CompareRowMean {
		return 2
	}
	return 1
}

func csvInt(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}

func csvFloat(v *float64, places int) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', places, 64)
}
