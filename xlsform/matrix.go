package xlsform

import (
	"strings"

	"github.com/youthvoice/youthvoice/surveys"
)

// isMatrix reports whether a group is a likert table, which becomes one
// matrix question: appearance field-list or table-list, and only
// select_one rows of one list, without conditions of their own, whose
// choices fit a scale (2 to 11 points, perhaps a dont_know), and which say
// they are a scale: table-list, likert rows, or points named 1..n.
func (c *converter) isMatrix(n *node) bool {
	app := c.appearanceWords(n.r)
	table := containsWord(app, "table-list")
	if (!table && !containsWord(app, "field-list")) || len(n.children) == 0 {
		return false
	}
	list, likert := "", true
	for _, ch := range n.children {
		if ch.t.k != kSelectOne || ch.t.orOther || ch.t.list == "" || (list != "" && ch.t.list != list) {
			return false
		}
		list = ch.t.list
		for _, base := range []string{"relevant", "constraint", "choice_filter", "youthvoice::consent", "youthvoice::breakdown"} {
			if c.sv.value(ch.r, base) != "" {
				return false
			}
		}
		likert = likert && containsWord(c.appearanceWords(ch.r), "likert")
	}
	l := c.lists[list]
	if l == nil {
		return false
	}
	points := len(l.choices)
	if points > 0 && l.choices[points-1].name == dontKnow {
		points--
	}
	if points < 2 || points > surveys.MaxPoints {
		return false
	}
	_, numeric := scaleShape(l)
	return table || likert || numeric
}

// matrix converts a likert table: the group is the question, each row a
// statement whose code is its name without the group's name and "_"
// before it, the list the scale.
func (c *converter) matrix(t *target, n *node, inherit []relSrc) {
	r := n.r
	ptr := c.nextPointer(t, r)
	c.rowLocations(ptr, r)
	q := surveys.Question{
		ID:   c.sv.value(r, "name"),
		Type: surveys.Matrix,
		Text: c.text(c.sv, r, "label", ptr+"/text"),
		Help: c.text(c.sv, r, "hint", ptr+"/help"),
	}
	first := n.children[0].r
	c.locate(ptr+"/points", c.sv, first, "type")
	c.locate(ptr+"/labels", c.sv, first, "type")
	if !c.scalePoints(ptr, &q, c.lists[n.children[0].t.list]) {
		c.cellWarning(c.sv, first, "type", CodeMatrix, map[string]any{"Points": q.Points})
	}
	q.Required = true
	for k, ch := range n.children {
		sp := ptr + surveys.Pointer("statements", k)
		c.locate(sp, c.sv, ch.r, "")
		c.locate(sp+"/code", c.sv, ch.r, "name")
		name := c.sv.value(ch.r, "name")
		if rest, ok := strings.CutPrefix(name, q.ID+"_"); ok && rest != "" {
			name = rest
		}
		q.Statements = append(q.Statements, surveys.Option{Code: name, Label: c.text(c.sv, ch.r, "label", sp+"/label")})
		req, _ := yesNo(c.sv.value(ch.r, "required"))
		q.Required = q.Required && req
		c.ignoredAppearance(ch.r, "likert", "list-nolabel", "label")
		c.ignored(ch.r, append([]string{"hint"}, ignoredColumns...))
	}
	c.ignoredAppearance(r, "field-list", "table-list")
	c.ignored(r, ignoredColumns)
	c.place(t, r, q, c.relevantOf(r, inherit))
}
