package export

import (
	"encoding/csv"
	"io"
	"slices"
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
	// each with its reason in words; Groups likewise its groups, each
	// not compared with why.
	LeftOut []ComparisonLeftOut `json:"left_out"`
	Groups  []ComparisonGroup   `json:"groups,omitempty"`
	Notes   []string            `json:"notes"`
	Method  []string            `json:"method"`
	Labels  ComparisonLabels    `json:"-"`
}

// ComparisonLeftOut is a question not compared, and why in words.
type ComparisonLeftOut struct {
	surveys.LeftOut
	Why string `json:"why"`
}

// ComparisonGroup is a breakdown group compared, or not and why in words.
type ComparisonGroup struct {
	surveys.GroupComparison
	Why string `json:"why,omitempty"`
}

// ComparisonLabels are the words of the files.
type ComparisonLabels struct {
	Sheet, LeftOutSheet, Method                string
	Question, Statement, Option, Reason        string
	Current, Previous, Difference, Significant string
	Count, Base, Value, SD, CILow, CIHigh, Yes string
	Suppressed, Responses, Released, Revision  string
	DontKnow, Mean                             string
	// The groups' words, and the PDF's: its heading, the level, the
	// breakdown, a wave's interval, the marks of a significant rise and
	// fall and what the mark means.
	Group, Everyone, Hidden, Report, Level, By string
	Survey, CI, Higher, Lower, Mark            string
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
		Group: m("export.group"), Everyone: m("export.everyone"), Hidden: m("export.hidden"), Report: m("compare.report"),
		Level: m("compare.level"), By: m("compare.by"), Survey: m("compare.survey"), CI: cat.Message(uiLang, "export.ci", level),
		Higher: m("compare.higher"), Lower: m("compare.lower"), Mark: cat.Message(uiLang, "compare.mark", level),
	}
	d.labelRows(c.Questions)
	for _, l := range c.LeftOut {
		d.LeftOut = append(d.LeftOut, ComparisonLeftOut{LeftOut: l, Why: m("compare.reason." + l.Reason)})
	}
	data := map[string]any{"Level": c.Level, "Suppressed": d.Labels.Suppressed, "Significant": c.Significant, "Compared": c.Compared, "Chance": 100 - c.Level,
		"Current": c.Current.Title, "Previous": c.Previous.Title, "By": c.ByText, "Hidden": d.Labels.Hidden}
	notes := []string{"compare.note.read", "compare.note.suppressed", "compare.note.count"}
	method := []string{"compare.method.what", "compare.method.proportions", "compare.method.means", "compare.method.assumptions", "compare.method.many"}
	if c.By != "" {
		compared, significant := 0, 0
		for _, g := range c.Groups {
			d.labelRows(g.Questions)
			cg := ComparisonGroup{GroupComparison: g}
			if g.NotCompared != "" {
				cg.Why = m("compare.group." + g.NotCompared)
			}
			d.Groups = append(d.Groups, cg)
			compared, significant = compared+g.Compared, significant+g.Significant
		}
		data["GroupsCompared"], data["GroupsSignificant"] = compared, significant
		notes = append(notes, "compare.note.groups", "compare.note.hidden")
		method = append(method, "compare.method.groups")
	}
	for _, id := range notes {
		d.Notes = append(d.Notes, cat.Message(uiLang, id, data))
	}
	for _, id := range method {
		d.Method = append(d.Method, cat.Message(uiLang, id, data))
	}
	return d
}

// labelRows fills in the labels of the "don't know" and mean rows.
func (d *ComparisonDocument) labelRows(qs []surveys.QuestionComparison) {
	for qi := range qs {
		rows := qs[qi].Rows
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
}

// ComparisonCSVHeader is the header row of a comparison CSV: fixed names,
// so that scripts can rely on them.
var ComparisonCSVHeader = []string{"breakdown", "group", "group_label", "question", "question_text", "statement", "option", "option_label", "kind",
	"current_n", "current_base", "current_value", "current_ci_low", "current_ci_high", "current_sd",
	"previous_n", "previous_base", "previous_value", "previous_ci_low", "previous_ci_high", "previous_sd",
	"difference", "difference_ci_low", "difference_ci_high", "significant"}

// WriteComparisonCSV writes a comparison as CSV: UTF-8 with a byte order
// mark, the ComparisonCSVHeader row, one line per row of each compared
// question (kind "proportion": values are percentages and the difference
// is in percentage points, one decimal; "mean": two decimals) of
// everyone (breakdown, group and group_label empty), then of each group
// of the breakdown (breakdown the question's id, group the option code
// or "_none", group_label its label), each group starting with a line of
// kind "_group" (option "_n": each wave's published respondents, the
// hidden marker for a wave whose release hides the group; a group not
// compared has only this line, option_label saying why), then one line
// per question left out (kind "_left_out", the reason's code in option
// and its words in option_label), then the method (question "_method":
// the waves' responses, "_note:1"... the notes and the method's
// paragraphs). An estimate the release does not publish holds the
// suppressed marker in its value and nothing else; a difference is empty
// unless both are published; significant is "true" or "false" beside an
// interval, empty without one.
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
	questions := func(group []string, qs []surveys.QuestionComparison) error {
		for _, q := range qs {
			for _, r := range q.Rows {
				cells := append(slices.Clone(group), q.ID, q.Text, r.Statement, r.Code, r.Label, r.Kind)
				cells = append(cells, csvEstimate(r, r.Current, d.Labels.Suppressed)...)
				cells = append(cells, csvEstimate(r, r.Previous, d.Labels.Suppressed)...)
				cells = append(cells, csvDifference(r)...)
				if err := line(cells...); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := questions([]string{"", "", ""}, d.Questions); err != nil {
		return err
	}
	for _, g := range d.Groups {
		group := []string{d.By, g.Code, g.Label}
		label := d.Labels.Responses
		if g.Why != "" {
			label = g.Why
		}
		cells := append(slices.Clone(group), "", "", "", "_n", label, "_group")
		cells = append(cells, csvGroupN(g.CurrentN, g.NotCompared, surveys.GroupHiddenInCurrent, &d.Labels)...)
		cells = append(cells, csvGroupN(g.PreviousN, g.NotCompared, surveys.GroupHiddenInPrevious, &d.Labels)...)
		if err := line(cells...); err != nil {
			return err
		}
		if err := questions(group, g.Questions); err != nil {
			return err
		}
	}
	for _, l := range d.LeftOut {
		if err := line("", "", "", l.ID, l.Text, "", l.Reason, l.Why, "_left_out"); err != nil {
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
		if err := line("", "", "", "_method", "", "", m.code, m.label, "", m.value); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvGroupN is a group's six cells of one wave: its published
// respondents, or the hidden marker where the wave's release hides it
// (notCompared is hiddenHere or GroupHiddenInBoth), or the suppressed one.
func csvGroupN(n *int, notCompared, hiddenHere string, l *ComparisonLabels) []string {
	switch {
	case notCompared == hiddenHere || notCompared == surveys.GroupHiddenInBoth:
		return []string{"", "", l.Hidden, "", "", ""}
	case n == nil:
		return []string{"", "", l.Suppressed, "", "", ""}
	}
	return []string{strconv.Itoa(*n), "", "", "", "", ""}
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
