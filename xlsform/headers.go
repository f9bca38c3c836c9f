package xlsform

import (
	"strings"
)

// column is one column of a sheet, its header split into a base name
// (lower-case, spaces as "_", aliases resolved: "Label" and "caption" are
// "label") and a language as written ("English (en)", "" for none).
type column struct {
	i    int
	raw  string // the header as written
	base string
	lang string // as written; "" when the header names none
	code string // the language's code once resolved; "" for none
}

// headerAliases are the other names XLSForm (pyxform) accepts for the
// columns Read uses.
var headerAliases = map[string]string{
	"caption": "label", "relevance": "relevant", "list name": "list_name", "list_name": "list_name",
	"value": "name", "constraining_message": "constraint_message", "jr:constraintmsg": "constraint_message",
	"set_form_title": "form_title", "set_form_id": "form_id", "repeat_count": "repeat_count",
	"jr:count": "repeat_count", "count": "repeat_count", "calculate": "calculation",
}

// youthvoicePrefix starts the columns and settings of what XLSForm has no
// column for (docs/surveys.md): ODK, Kobo and pyxform ignore columns they
// do not know.
const youthvoicePrefix = "youthvoice"

// splitHeader reads a header: "label::English (en)", "label:English",
// "youthvoice::unit::Svenska (sv)", "List Name". As pyxform does, "::"
// separates the parts when the header has it, else the legacy ":".
func splitHeader(raw string) (base, lang string) {
	var tokens []string
	if strings.Contains(raw, "::") {
		tokens = strings.Split(raw, "::")
	} else {
		tokens = strings.Split(raw, ":")
		if len(tokens) > 1 && strings.EqualFold(strings.TrimSpace(tokens[0]), "jr") {
			tokens = append([]string{"jr:" + tokens[1]}, tokens[2:]...)
		}
	}
	first := snake(tokens[0])
	if first == youthvoicePrefix && len(tokens) > 1 {
		return youthvoicePrefix + "::" + snake(tokens[1]), strings.TrimSpace(strings.Join(tokens[2:], ":"))
	}
	if a, ok := headerAliases[first]; ok {
		first = a
	} else if a, ok := headerAliases[strings.ReplaceAll(first, "_", " ")]; ok {
		first = a
	}
	return first, strings.TrimSpace(strings.Join(tokens[1:], ":"))
}

// snake is a header part in lower case with runs of spaces as one "_".
func snake(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), "_"))
}

// columns indexes a sheet's headers.
type columns struct {
	s      *sheet
	all    []column
	byBase map[string][]int // base -> indexes into all
}

func newColumns(s *sheet) *columns {
	cs := &columns{s: s, byBase: map[string][]int{}}
	if s == nil {
		return cs
	}
	for i, h := range s.headers {
		if h == "" || strings.HasPrefix(h, "#") {
			continue
		}
		base, lang := splitHeader(h)
		cs.byBase[base] = append(cs.byBase[base], len(cs.all))
		cs.all = append(cs.all, column{i: i, raw: h, base: base, lang: lang})
	}
	return cs
}

// get is the row's cell under the first column named base ("" when there
// is none), and that column's header.
func (cs *columns) get(r *row, base string) (value, header string) {
	for _, k := range cs.byBase[base] {
		c := &cs.all[k]
		if c.lang == "" {
			return r.cell(c.i), c.raw
		}
	}
	if ks := cs.byBase[base]; len(ks) > 0 {
		c := &cs.all[ks[0]]
		return r.cell(c.i), c.raw
	}
	return "", base
}

// set writes v in the row's cell that get reads (lowercaseNames renames
// a name where every reader of the sheet finds it).
func (cs *columns) set(r *row, base, v string) {
	for _, k := range cs.byBase[base] {
		if c := &cs.all[k]; c.lang == "" {
			r.cells[c.i] = v
			return
		}
	}
	if ks := cs.byBase[base]; len(ks) > 0 {
		r.cells[cs.all[ks[0]].i] = v
	}
}

// value is get without the header.
func (cs *columns) value(r *row, base string) string {
	v, _ := cs.get(r, base)
	return v
}

// has reports whether the sheet has a column named base.
func (cs *columns) has(base string) bool { return len(cs.byBase[base]) > 0 }
