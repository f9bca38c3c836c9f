package xlsform

import (
	"strconv"
	"strings"

	"github.com/youthvoice/youthvoice/surveys"
)

// node is a survey row; a group's rows are its children.
type node struct {
	r        *row
	t        rowType
	children []*node
}

// tree reads the survey sheet's rows into groups, reporting an end
// without a begin and a begin without an end.
func (c *converter) tree() []*node {
	root := &node{}
	stack := []*node{root}
	rows := c.sv.s.rows
	for i := range rows {
		r := &rows[i]
		if name := c.sv.value(r, "name"); name != "" {
			c.names[name] = true
		}
		typ := c.sv.value(r, "type")
		if typ == "" {
			if c.sv.value(r, "name") != "" || c.sv.value(r, "label") != "" {
				c.cellProblem(c.sv, r, "type", surveys.CodeRequired, nil)
			}
			continue
		}
		t := parseType(typ)
		top := stack[len(stack)-1]
		switch t.k {
		case kBeginGroup, kBeginRepeat:
			n := &node{r: r, t: t}
			top.children = append(top.children, n)
			stack = append(stack, n)
		case kEndGroup, kEndRepeat:
			if len(stack) == 1 || (top.t.k == kBeginGroup) != (t.k == kEndGroup) {
				c.cellProblem(c.sv, r, "type", CodeGroupUnbalanced, nil)
				continue
			}
			stack = stack[:len(stack)-1]
		default:
			top.children = append(top.children, &node{r: r, t: t})
		}
	}
	for _, n := range stack[1:] {
		c.cellProblem(c.sv, n.r, "type", CodeGroupUnbalanced, nil)
	}
	return root.children
}

// target is the section questions go to: a group's, or one made for the
// questions outside any group.
type target struct {
	si    int // -1 until made
	group bool
}

// body makes the sections: a top-level group is a section (unless it is a
// likert table, a matrix question); consecutive rows outside groups share
// a section of their own.
func (c *converter) body(nodes []*node) {
	loose := &target{si: -1}
	for _, n := range nodes {
		if n.t.k == kBeginGroup && !c.isMatrix(n) {
			loose = &target{si: -1}
			c.section(n)
			continue
		}
		c.item(loose, n, nil)
	}
}

// section makes a group's section.
func (c *converter) section(n *node) {
	si := len(c.def.Sections)
	ptr := surveys.Pointer("sections", si)
	c.locate(ptr, c.sv, n.r, "name")
	c.locate(ptr+"/id", c.sv, n.r, "name")
	c.locate(ptr+"/questions", c.sv, n.r, "type")
	c.def.Sections = append(c.def.Sections, surveys.Section{
		ID:    c.sv.value(n.r, "name"),
		Title: c.text(c.sv, n.r, "label", ptr+"/title"),
	})
	c.ignored(n.r, groupColumns)
	t := &target{si: si, group: true}
	inherit := c.relevantOf(n.r, nil)
	for _, ch := range n.children {
		c.item(t, ch, inherit)
	}
}

// sectionFor gives the target's section, making it on first use: a
// section for questions outside groups is named main (main_2...), a name
// no row uses.
func (c *converter) sectionFor(t *target, r *row) int {
	if t.si >= 0 {
		return t.si
	}
	id := "main"
	for i := 2; c.names[id]; i++ {
		id = "main_" + strconv.Itoa(i)
	}
	c.names[id] = true
	t.si = len(c.def.Sections)
	c.locate(surveys.Pointer("sections", t.si), c.sv, r, "")
	c.def.Sections = append(c.def.Sections, surveys.Section{ID: id})
	return t.si
}

// item converts one row (or group) into the target section.
func (c *converter) item(t *target, n *node, inherit []relSrc) {
	switch n.t.k {
	case kBeginGroup:
		if c.isMatrix(n) {
			c.matrix(t, n, inherit)
			return
		}
		c.cellWarning(c.sv, n.r, "type", CodeNestedGroup, nil)
		c.ignored(n.r, groupColumns)
		inner := c.relevantOf(n.r, inherit)
		for _, ch := range n.children {
			c.item(t, ch, inner)
		}
	case kBeginRepeat:
		c.cellProblem(c.sv, n.r, "type", CodeTypeRepeat, nil)
		for _, ch := range n.children {
			c.item(t, ch, inherit)
		}
	case kNote:
		c.notes = append(c.notes, pendingNote{r: n.r, text: c.text(c.sv, n.r, "label", "")})
	case kMetadata:
		c.cellWarning(c.sv, n.r, "type", CodeMetadataIgnored, map[string]any{"Type": n.t.name})
	case kSelectOne, kSelectMultiple, kRank, kInteger, kDecimal, kRange, kText:
		c.question(t, n, inherit)
	default:
		code, _ := refusal(n.t.k)
		c.cellProblem(c.sv, n.r, "type", code, map[string]any{"Type": n.t.name})
	}
}

// relevantOf adds the row's relevant, if any, to those inherited.
func (c *converter) relevantOf(r *row, inherit []relSrc) []relSrc {
	v, h := c.sv.get(r, "relevant")
	if v == "" {
		return inherit
	}
	return append(inherit[:len(inherit):len(inherit)], relSrc{r: r, column: h, expr: v})
}

// place appends a question to the target's section, with its notes and
// conditions, and records where its row's fields are.
func (c *converter) place(t *target, r *row, q surveys.Question, srcs []relSrc) {
	si := c.sectionFor(t, r)
	sec := &c.def.Sections[si]
	qi := len(sec.Questions)
	c.attachNotes(surveys.Pointer("sections", si, "questions", qi), &q)
	c.questions++
	sec.Questions = append(sec.Questions, q)
	if len(srcs) > 0 {
		c.relevants = append(c.relevants, pendingRelevant{si: si, qi: qi, srcs: srcs})
	}
}

// rowLocations records where a question row's fields are, under ptr.
func (c *converter) rowLocations(ptr string, r *row) {
	c.locate(ptr, c.sv, r, "")
	for field, base := range map[string]string{
		"id": "name", "type": "type", "required": "required", "show_if": "relevant", "consent": "youthvoice::consent",
		"breakdown": "youthvoice::breakdown", "min": "constraint", "max": "constraint", "min_selections": "constraint",
		"max_selections": "constraint", "max_length": "constraint", "options": "type", "points": "type", "labels": "type",
		"dont_know": "type", "dont_know_label": "type", "integer": "type", "statements": "type",
	} {
		c.locate(ptr+"/"+field, c.sv, r, base)
	}
}

// nextPointer is the pointer the next question of the target will have.
func (c *converter) nextPointer(t *target, r *row) string {
	si := c.sectionFor(t, r)
	return surveys.Pointer("sections", si, "questions", len(c.def.Sections[si].Questions))
}

// attachNotes puts the notes read since the last question before this
// one: before the first question they are the survey's introduction;
// later, the start of the question's help.
func (c *converter) attachNotes(ptr string, q *surveys.Question) {
	if len(c.notes) == 0 {
		return
	}
	first := c.questions == 0
	for _, n := range c.notes {
		if first {
			c.def.Introduction = joinTexts(c.def.Introduction, n.text)
			c.locate("/introduction", c.sv, n.r, "label")
			c.cellWarning(c.sv, n.r, "type", CodeNoteIntroduction, nil)
		} else {
			q.Help = joinTexts(n.text, q.Help)
			c.cellWarning(c.sv, n.r, "type", CodeNoteHelp, map[string]any{"Question": q.ID})
		}
	}
	c.notes = nil
}

// leftoverNotes reports the notes after the last question: there is no
// question to show them with.
func (c *converter) leftoverNotes() {
	for _, n := range c.notes {
		c.cellWarning(c.sv, n.r, "type", CodeNoteDropped, nil)
	}
	c.notes = nil
}

// joinTexts joins two texts language by language, a blank line between.
func joinTexts(a, b surveys.Text) surveys.Text {
	if len(a) == 0 && len(b) == 0 {
		return nil
	}
	out := surveys.Text{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if out[k] != "" && v != "" {
			out[k] += "\n\n" + v
		} else if v != "" {
			out[k] = v
		}
	}
	return out
}

// conditions translates every relevant, now that every question (and so
// the type of every question a condition names) is known.
func (c *converter) conditions() {
	rv := &relevance{question: c.def.Question, code: c.renames.code}
	for _, p := range c.relevants {
		var conds []surveys.Condition
		for _, src := range p.srcs {
			e, err := parseExpr(src.expr)
			c.renames.renameRefs(e)
			var cond *surveys.Condition
			ok := err == nil
			if ok {
				cond, ok = rv.cond(e)
			}
			if !ok {
				c.problem(c.sv.s, src.r.n, src.column, src.expr, CodeRelevant, nil)
				continue
			}
			conds = append(conds, *cond)
		}
		q := &c.def.Sections[p.si].Questions[p.qi]
		last := p.srcs[len(p.srcs)-1]
		c.locs[surveys.Pointer("sections", p.si, "questions", p.qi, "show_if")] = loc{sheet: c.sv.s.name, row: last.r.n, column: last.column, cell: last.expr}
		switch len(conds) {
		case 0:
		case 1:
			q.ShowIf = &conds[0]
		default:
			q.ShowIf = &surveys.Condition{All: conds}
		}
	}
}

// appearanceWords lists a row's appearance, lower-cased.
func (c *converter) appearanceWords(r *row) []string {
	return strings.Fields(strings.ToLower(c.sv.value(r, "appearance")))
}

// ignoredAppearance warns about the appearance words a row has besides
// those understood.
func (c *converter) ignoredAppearance(r *row, understood ...string) {
	var rest []string
	for _, w := range c.appearanceWords(r) {
		if !containsWord(understood, w) {
			rest = append(rest, w)
		}
	}
	if len(rest) > 0 {
		c.cellWarning(c.sv, r, "appearance", CodeAppearanceIgnored, map[string]any{"Appearance": strings.Join(rest, " ")})
	}
}

func containsWord(ws []string, w string) bool {
	for _, x := range ws {
		if x == w {
			return true
		}
	}
	return false
}

// Columns with no equivalent: a warning when a row fills one in
// (ignoredColumns), a problem for those that change what is asked
// (refusedColumns).
var (
	ignoredColumns = []string{"constraint_message", "guidance_hint", "image", "big-image", "audio", "video", "media",
		"default", "read_only", "readonly", "calculation", "required_message", "jr:requiredmsg", "autoplay", "body",
		"bind", "instance", "control", "parameters", "note"}
	groupColumns   = append([]string{"hint", "constraint", "required"}, ignoredColumns...)
	refusedColumns = map[string]Code{"choice_filter": CodeChoiceFilter, "trigger": CodeUnsupportedColumn,
		"repeat_count": CodeUnsupportedColumn}
)

// ignored reports what the row fills in that is not converted.
func (c *converter) ignored(r *row, warnOn []string) {
	for _, col := range c.sv.all {
		v := r.cell(col.i)
		if v == "" {
			continue
		}
		if code, ok := refusedColumns[col.base]; ok {
			c.problem(c.sv.s, r.n, col.raw, v, code, map[string]any{"Column": col.raw})
			continue
		}
		if containsWord(warnOn, col.base) {
			c.warn(c.sv.s, r.n, col.raw, v, CodeColumnIgnored, map[string]any{"Column": col.raw})
		}
	}
}
