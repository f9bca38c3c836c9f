package xlsform

import (
	"regexp"
	"strings"
)

// The patterns of surveys' question ids and option codes
// (surveys/validate.go), which surveys does not export: a name that fails
// them only for its capitals is lower-cased here, and validation still
// has the last word on every id and code.
var (
	namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
)

// Problems and warnings of names.
const (
	CodeNameClash      Code = "xlsform_name_clash"      // Name, Other, Row
	CodeNameLowercased Code = "xlsform_name_lowercased" // Name
)

// renames are the names lower-cased: the survey sheet's (questions and
// groups share one namespace), and each choice list's, by list name.
// Published forms name questions headOfHousehold and choices Faryab;
// XPath names are case-sensitive, so a lower-cased name is taken only
// when it is unique, and every reference follows it.
type renames struct {
	questions map[string]string            // name as written -> id
	choices   map[string]map[string]string // list -> name as written -> code
	lists     map[string]string            // question id -> its select's list
	original  map[string]string            // id -> name as written, of those renamed
}

// asciiLower lower-cases ASCII letters only: strings.ToLower would turn
// the Kelvin sign into k, making a name valid that is not.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// lowercaseNames lower-cases, in place, the names of the survey and
// choices sheets that are invalid only for their capitals, before
// anything reads them, and refuses names that lower-case to the same.
func (c *converter) lowercaseNames() {
	c.renames = renames{questions: map[string]string{}, choices: map[string]map[string]string{}, lists: map[string]string{}}
	var rows []*row
	for i := range c.sv.s.rows {
		rows = append(rows, &c.sv.s.rows[i])
	}
	c.renameRows(c.sv, rows, namePattern, c.renames.questions)
	c.renames.original = map[string]string{}
	for w, id := range c.renames.questions {
		c.renames.original[id] = w
	}
	if c.ch.s != nil {
		byList := map[string][]*row{}
		var order []string
		for i := range c.ch.s.rows {
			r := &c.ch.s.rows[i]
			l := c.ch.value(r, "list_name")
			if l == "" {
				continue
			}
			if byList[l] == nil {
				order = append(order, l)
			}
			byList[l] = append(byList[l], r)
		}
		for _, l := range order {
			m := map[string]string{}
			c.renameRows(c.ch, byList[l], codePattern, m)
			if len(m) > 0 {
				c.renames.choices[l] = m
			}
		}
	}
	for i := range c.sv.s.rows {
		r := &c.sv.s.rows[i]
		if t := parseType(c.sv.value(r, "type")); t.list != "" {
			c.renames.lists[c.sv.value(r, "name")] = t.list
		}
	}
}

// renameRows lower-cases the names of one namespace's rows, recording
// each renaming in m.
func (c *converter) renameRows(cs *columns, rows []*row, valid *regexp.Regexp, m map[string]string) {
	groups := map[string][]*row{} // the name an id or code would be -> its rows
	var keys []string
	for _, r := range rows {
		v := cs.value(r, "name")
		key := v
		if !valid.MatchString(v) {
			key = asciiLower(v)
			if key == v || !valid.MatchString(key) {
				continue // invalid for more than capitals: validation says so
			}
		}
		if groups[key] == nil {
			keys = append(keys, key)
		}
		groups[key] = append(groups[key], r)
	}
	for _, key := range keys {
		rs := groups[key]
		if c.clash(cs, rs) {
			continue
		}
		v := cs.value(rs[0], "name")
		if v == key {
			continue
		}
		m[v] = key
		for _, r := range rs {
			c.cellWarning(cs, r, "name", CodeNameLowercased, map[string]any{"Name": key})
			cs.set(r, "name", key)
		}
	}
}

// clash refuses every row of rs when they write their name in more than
// one way (Q1 and q1), naming a row that writes it otherwise: which one
// was meant is the organiser's to say. Rows writing it the same way are
// left to validation's duplicate check.
func (c *converter) clash(cs *columns, rs []*row) bool {
	first := cs.value(rs[0], "name")
	other := -1
	for i, r := range rs {
		if cs.value(r, "name") != first {
			other = i
			break
		}
	}
	if other < 0 {
		return false
	}
	for _, r := range rs {
		v := cs.value(r, "name")
		o := rs[other]
		if cs.value(o, "name") == v {
			o = rs[0]
		}
		c.cellProblem(cs, r, "name", CodeNameClash, map[string]any{"Name": v, "Other": cs.value(o, "name"), "Row": o.n})
	}
	return true
}

// question is the id a reference ${name} names now.
func (rn *renames) question(name string) string {
	if id, ok := rn.questions[name]; ok {
		return id
	}
	return name
}

// code is the option code a literal compared with question id's answer
// names now.
func (rn *renames) code(id, name string) string {
	if code, ok := rn.choices[rn.lists[id]][name]; ok {
		return code
	}
	return name
}

// renameRefs makes every ${name} in e name the question's id.
func (rn *renames) renameRefs(e *expr) {
	if e == nil {
		return
	}
	if e.kind == eRef {
		e.name = rn.question(e.name)
	}
	for _, a := range e.args {
		rn.renameRefs(a)
	}
}

// written are the names a question may be referred to by: its id, and
// the name written before lowercaseNames renamed it.
func (rn *renames) written(id string) []string {
	if w, ok := rn.original[id]; ok {
		return []string{id, w}
	}
	return []string{id}
}
