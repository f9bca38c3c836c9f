package xlsform

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// Write writes def as an XLSForm workbook that Read converts back into an
// equal definition: sections are groups, scales select_one lists of the
// points 1..n with appearance likert, matrices field-list groups of such
// rows, bounds constraints, show_if relevant expressions; what XLSForm has
// no column for is in youthvoice:: columns and settings and the
// youthvoice_support sheet (docs/surveys.md, "XLSForm").
func Write(w io.Writer, def *surveys.Definition) error {
	x := &writer{def: def, f: excelize.NewFile()}
	defer func() { _ = x.f.Close() }()
	for _, step := range []func() error{x.survey, x.choices, x.settings, x.support} {
		if err := step(); err != nil {
			return fmt.Errorf("xlsform: write: %w", err)
		}
	}
	if err := x.f.DeleteSheet("Sheet1"); err != nil {
		return fmt.Errorf("xlsform: write: %w", err)
	}
	if _, err := x.f.WriteTo(w); err != nil {
		return fmt.Errorf("xlsform: write: %w", err)
	}
	return nil
}

type writer struct {
	def *surveys.Definition
	f   *excelize.File
	// choice rows, written after the survey sheet names their lists.
	choiceRows [][]any
}

// table is a sheet being built: its header and rows.
type table struct {
	header []string
	rows   []map[string]any
}

func (t *table) add(r map[string]any) { t.rows = append(t.rows, r) }

// texts puts a text's languages into r under base::<language header>.
func (x *writer) texts(r map[string]any, base string, t surveys.Text) {
	for _, l := range x.def.Languages {
		if v := t[l]; v != "" {
			r[base+"::"+languageHeader(l)] = v
		}
	}
}

// textColumns are the headers of base in every language.
func (x *writer) textColumns(base string) []string {
	out := make([]string, 0, len(x.def.Languages))
	for _, l := range x.def.Languages {
		out = append(out, base+"::"+languageHeader(l))
	}
	return out
}

// save writes a table as a sheet, with a frozen header, leaving out the
// optional columns no row fills in.
func (x *writer) save(name string, t *table, always []string) error {
	if _, err := x.f.NewSheet(name); err != nil {
		return err
	}
	var cols []string
	for _, h := range t.header {
		used := slices.Contains(always, h)
		for _, r := range t.rows {
			if _, ok := r[h]; ok {
				used = true
				break
			}
		}
		if used {
			cols = append(cols, h)
		}
	}
	head := make([]any, len(cols))
	for i, h := range cols {
		head[i] = h
	}
	if err := x.f.SetSheetRow(name, "A1", &head); err != nil {
		return err
	}
	for i, r := range t.rows {
		vals := make([]any, len(cols))
		for j, h := range cols {
			vals[j] = r[h]
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := x.f.SetSheetRow(name, cell, &vals); err != nil {
			return err
		}
	}
	if err := x.f.SetColWidth(name, "A", "ZZ", 24); err != nil {
		return err
	}
	return x.f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// survey writes the survey sheet: a group per section.
func (x *writer) survey() error {
	t := &table{header: append(append(append([]string{"type", "name"}, x.textColumns("label")...), x.textColumns("hint")...),
		"required", "relevant", "constraint", "appearance", "youthvoice::consent", "youthvoice::breakdown")}
	t.header = append(t.header, x.textColumns("youthvoice::unit")...)
	for _, s := range x.def.Sections {
		begin := map[string]any{"type": "begin_group", "name": s.ID}
		x.texts(begin, "label", s.Title)
		t.add(begin)
		for i := range s.Questions {
			x.question(t, &s.Questions[i])
		}
		t.add(map[string]any{"type": "end_group", "name": s.ID})
	}
	// Every language's label column is written, filled in or not, so that
	// a language declared but not yet translated is declared again.
	return x.save("survey", t, append([]string{"type", "name"}, x.textColumns("label")...))
}

// question writes one question's rows (a matrix's group) and its list.
func (x *writer) question(t *table, q *surveys.Question) {
	r := map[string]any{"name": q.ID}
	x.texts(r, "label", q.Text)
	x.texts(r, "hint", q.Help)
	if q.Required {
		r["required"] = "yes"
	}
	if q.ShowIf != nil {
		r["relevant"] = relevantOf(x.def, q.ShowIf)
	}
	if q.Consent {
		r["youthvoice::consent"] = "yes"
	}
	if q.Breakdown {
		r["youthvoice::breakdown"] = "yes"
	}
	switch q.Type {
	case surveys.SingleChoice, surveys.MultipleChoice, surveys.Ranking:
		r["type"] = map[surveys.QuestionType]string{surveys.SingleChoice: "select_one", surveys.MultipleChoice: "select_multiple",
			surveys.Ranking: "rank"}[q.Type] + " " + q.ID
		if c := selectionsConstraint(q); c != "" {
			r["constraint"] = c
		}
		x.options(q.ID, q.Options)
	case surveys.Scale:
		r["type"], r["appearance"] = "select_one "+q.ID, "likert"
		x.points(q)
	case surveys.Matrix:
		x.matrix(t, r, q)
		return
	case surveys.Number:
		r["type"] = "decimal"
		if q.Integer {
			r["type"] = "integer"
		}
		r["constraint"] = boundsConstraint(q.Min, q.Max)
		x.texts(r, "youthvoice::unit", q.Unit)
	case surveys.FreeText:
		r["type"] = "text"
		if q.MaxLength > 0 {
			r["constraint"] = "string-length(.) <= " + strconv.Itoa(q.MaxLength)
		}
	}
	t.add(r)
}

// matrix writes a likert table: a field-list group whose rows are the
// statements, each a select_one of the scale's points.
func (x *writer) matrix(t *table, begin map[string]any, q *surveys.Question) {
	begin["type"], begin["appearance"] = "begin_group", "field-list"
	delete(begin, "required")
	t.add(begin)
	for _, s := range q.Statements {
		r := map[string]any{"type": "select_one " + q.ID, "name": q.ID + "_" + s.Code, "appearance": "likert"}
		x.texts(r, "label", s.Label)
		if q.Required {
			r["required"] = "yes"
		}
		t.add(r)
	}
	t.add(map[string]any{"type": "end_group", "name": q.ID})
	x.points(q)
}

func (x *writer) options(list string, opts []surveys.Option) {
	for _, o := range opts {
		r := []any{list, o.Code, o.Label, ""}
		if o.Other {
			r[3] = "yes"
		}
		x.choiceRows = append(x.choiceRows, r)
	}
}

// points writes a scale's list: the points 1..n, labelled or numbered,
// then dont_know.
func (x *writer) points(q *surveys.Question) {
	for p := 1; p <= q.Points; p++ {
		key := strconv.Itoa(p)
		label := q.Labels[key]
		if len(label) == 0 {
			label = surveys.Text{}
			for _, l := range x.def.Languages {
				label[l] = key
			}
		}
		x.choiceRows = append(x.choiceRows, []any{q.ID, key, label, ""})
	}
	if q.DontKnow {
		x.choiceRows = append(x.choiceRows, []any{q.ID, dontKnow, q.DontKnowLabel, ""})
	}
}

// choices writes the choices sheet.
func (x *writer) choices() error {
	t := &table{header: append(append([]string{"list_name", "name"}, x.textColumns("label")...), "youthvoice::other")}
	for _, c := range x.choiceRows {
		r := map[string]any{"list_name": c[0], "name": c[1]}
		x.texts(r, "label", c[2].(surveys.Text))
		if c[3] == "yes" {
			r["youthvoice::other"] = "yes"
		}
		t.add(r)
	}
	return x.save("choices", t, append([]string{"list_name", "name"}, x.textColumns("label")...))
}

// settings writes the settings sheet: one row.
func (x *writer) settings() error {
	d := x.def
	r := map[string]any{"form_title": d.Title[d.DefaultLanguage], "form_id": "youthvoice_survey",
		"default_language": languageHeader(d.DefaultLanguage)}
	var others []string
	for _, l := range d.Languages {
		if l != d.DefaultLanguage {
			others = append(others, l)
		}
	}
	for _, l := range others {
		if v := d.Title[l]; v != "" {
			r["youthvoice::title::"+languageHeader(l)] = v
		}
	}
	header := []string{"form_title", "form_id", "default_language"}
	for _, l := range others {
		header = append(header, "youthvoice::title::"+languageHeader(l))
	}
	for _, f := range []struct {
		base string
		t    surveys.Text
	}{{"description", d.Description}, {"introduction", d.Introduction}, {"thank_you", d.ThankYou}, {"content_note", d.ContentNote}} {
		x.texts(r, "youthvoice::"+f.base, f.t)
		header = append(header, x.textColumns("youthvoice::"+f.base)...)
	}
	for _, f := range []struct {
		name string
		v    string
	}{
		{"estimated_minutes", intCell(d.EstimatedMinutes)}, {"k", intCell(d.K)}, {"public_results", yesCell(d.PublicResults)},
		{"access_codes", yesCell(d.AccessCodes)}, {"sensitive", yesCell(d.Sensitive)}, {"min_age", intCell(d.Audience.MinAge)},
		{"max_age", intCell(d.Audience.MaxAge)}, {"regions", strings.Join(d.Audience.Regions, " ")},
		{"opens_at", timeCell(d.OpensAt)}, {"closes_at", timeCell(d.ClosesAt)},
	} {
		header = append(header, "youthvoice::"+f.name)
		if f.v != "" {
			r["youthvoice::"+f.name] = f.v
		}
	}
	t := &table{header: header}
	t.add(r)
	return x.save("settings", t, []string{"form_title", "form_id", "default_language"})
}

func intCell(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func yesCell(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

func timeCell(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339) // its offset kept, so that it reads back the same
}

// support writes the youthvoice_support sheet, when there are resources.
func (x *writer) support() error {
	if len(x.def.SupportResources) == 0 {
		return nil
	}
	t := &table{header: append(append(append([]string{"country"}, x.textColumns("name")...), "phone", "url"), x.textColumns("hours")...)}
	for _, s := range x.def.SupportResources {
		r := map[string]any{"country": s.Country}
		if s.Phone != "" {
			r["phone"] = s.Phone
		}
		if s.URL != "" {
			r["url"] = s.URL
		}
		x.texts(r, "name", s.Name)
		x.texts(r, "hours", s.Hours)
		t.add(r)
	}
	return x.save(sheetSupport, t, []string{"country", x.textColumns("name")[0]})
}

// selectionsConstraint bounds a multiple choice's selections.
func selectionsConstraint(q *surveys.Question) string {
	var parts []string
	if q.MinSelections > 0 {
		parts = append(parts, "count-selected(.) >= "+strconv.Itoa(q.MinSelections))
	}
	if q.MaxSelections > 0 {
		parts = append(parts, "count-selected(.) <= "+strconv.Itoa(q.MaxSelections))
	}
	return strings.Join(parts, " and ")
}

// boundsConstraint bounds a number.
func boundsConstraint(lo, hi *float64) string {
	var parts []string
	if lo != nil {
		parts = append(parts, ". >= "+fmtNumber(*lo))
	}
	if hi != nil {
		parts = append(parts, ". <= "+fmtNumber(*hi))
	}
	return strings.Join(parts, " and ")
}
