package xlsform

import (
	"strings"

	"github.com/youthvoice/youthvoice/surveys"
)

// relevantOf writes a show_if condition as a relevant expression that
// ODK evaluates the same way and Read translates back into the same
// condition (docs/surveys.md, "XLSForm"):
//
//	equals (single choice)    ${q} = 'a'
//	equals (multiple choice)  selected(${q}, 'a')
//	equals (ranking)          selected-at(${q}, 0) = 'a'
//	equals (number, scale)    ${q} = 3
//	any_of                    selected(${q}, 'a') or selected(${q}, 'b')
//	none_of                   ${q} != '' and not(selected(${q}, 'a') or selected(${q}, 'b'))
//	at_least, at_most         ${q} >= 3, ${q} <= 3
//	answered                  ${q} != '' (true), ${q} = '' (false)
//	all, any                  and, or; a group inside another in parentheses
func relevantOf(def *surveys.Definition, c *surveys.Condition) string {
	switch {
	case len(c.All) > 0:
		return joinConditions(def, c.All, " and ")
	case len(c.Any) > 0:
		return joinConditions(def, c.Any, " or ")
	}
	ref := "${" + c.Question + "}"
	switch {
	case c.Answered != nil && *c.Answered:
		return ref + " != ''"
	case c.Answered != nil:
		return ref + " = ''"
	case c.Equals != nil:
		return equalsOf(def, c)
	case len(c.AnyOf) > 0:
		return selectedOf(ref, c.AnyOf)
	case len(c.NoneOf) > 0:
		return ref + " != '' and not(" + selectedOf(ref, c.NoneOf) + ")"
	case c.AtLeast != nil:
		return ref + " >= " + fmtNumber(*c.AtLeast)
	case c.AtMost != nil:
		return ref + " <= " + fmtNumber(*c.AtMost)
	}
	return ""
}

func equalsOf(def *surveys.Definition, c *surveys.Condition) string {
	ref := "${" + c.Question + "}"
	s, isCode := c.Equals.(string)
	if !isCode {
		f, _ := c.Equals.(float64)
		return ref + " = " + fmtNumber(f)
	}
	t := surveys.SingleChoice
	if q := def.Question(c.Question); q != nil {
		t = q.Type
	}
	switch t {
	case surveys.MultipleChoice:
		return "selected(" + ref + ", '" + s + "')"
	case surveys.Ranking:
		return "selected-at(" + ref + ", 0) = '" + s + "'"
	}
	return ref + " = '" + s + "'"
}

func selectedOf(ref string, codes []string) string {
	parts := make([]string, len(codes))
	for i, code := range codes {
		parts[i] = "selected(" + ref + ", '" + code + "')"
	}
	return strings.Join(parts, " or ")
}

// joinConditions writes a group; a member written with and or or of its
// own is put in parentheses.
func joinConditions(def *surveys.Definition, subs []surveys.Condition, sep string) string {
	parts := make([]string, len(subs))
	for i := range subs {
		s := relevantOf(def, &subs[i])
		if strings.Contains(s, " and ") || strings.Contains(s, " or ") {
			s = "(" + s + ")"
		}
		parts[i] = s
	}
	return strings.Join(parts, sep)
}
