package xlsform

import (
	"math"
	"strconv"

	"github.com/youthvoice/youthvoice/surveys"
)

// relevance translates a parsed relevant expression into a show_if
// condition. XPath and show_if differ on unanswered questions: a
// comparison with an empty answer is false in both, but not() of it is
// true in XPath, while show_if has no negation. So not(x) becomes "x's
// question unanswered, or the opposite test", which show_if can say
// exactly; what it cannot say (a strict comparison of decimals, a count
// of more than one selection) fails, and the cell is reported.
type relevance struct {
	// question finds an earlier question by id; nil for one that does not
	// exist (validation then reports the condition's unknown question).
	question func(id string) *surveys.Question
	// code is the option code a literal compared with a question's answer
	// names (a choice name lower-cased by lowercaseNames); nil keeps it.
	code func(id, literal string) string
}

// optionCode is a literal compared with question id's answer as a code.
func (rv *relevance) optionCode(id string, lit *expr) string {
	s := literalString(lit)
	if rv.code == nil {
		return s
	}
	return rv.code(id, s)
}

// cond translates e.
func (rv *relevance) cond(e *expr) (*surveys.Condition, bool) {
	switch e.kind {
	case eAnd:
		return rv.group(e.args, true)
	case eOr:
		return rv.group(e.args, false)
	case eNot:
		return rv.negate(e.args[0])
	case eCmp:
		return rv.compare(e)
	case eCall:
		return rv.call(e)
	}
	return nil, false
}

// group translates an and or an or of operands.
func (rv *relevance) group(args []*expr, all bool) (*surveys.Condition, bool) {
	subs := make([]surveys.Condition, 0, len(args))
	for _, a := range args {
		c, ok := rv.cond(a)
		if !ok {
			return nil, false
		}
		subs = append(subs, *c)
	}
	return rv.join(subs, all), true
}

// join makes a group of conditions, merging what show_if says in one
// test: in an or, equality tests of one choice question are any_of; in
// an and, "answered" beside "unanswered, or a test" is the test alone
// (that is how Write writes none_of).
func (rv *relevance) join(subs []surveys.Condition, all bool) *surveys.Condition {
	if all {
		subs = mergeAnswered(subs)
	} else {
		subs = rv.mergeAnyOf(subs)
	}
	switch {
	case len(subs) == 1:
		return &subs[0]
	case all:
		return &surveys.Condition{All: subs}
	}
	return &surveys.Condition{Any: subs}
}

// mergeAnyOf merges the code equality tests of one single or multiple
// choice question into one any_of, at the first one's place.
func (rv *relevance) mergeAnyOf(subs []surveys.Condition) []surveys.Condition {
	codes := map[string][]string{}
	for _, c := range subs {
		if s, ok := c.Equals.(string); ok && rv.anyOfAllowed(c.Question) {
			codes[c.Question] = append(codes[c.Question], s)
		}
	}
	out := subs[:0:0]
	done := map[string]bool{}
	for _, c := range subs {
		if _, ok := c.Equals.(string); ok && len(codes[c.Question]) > 1 {
			if !done[c.Question] {
				done[c.Question] = true
				out = append(out, surveys.Condition{Question: c.Question, AnyOf: codes[c.Question]})
			}
			continue
		}
		out = append(out, c)
	}
	return out
}

func (rv *relevance) anyOfAllowed(id string) bool {
	q := rv.question(id)
	return q != nil && (q.Type == surveys.SingleChoice || q.Type == surveys.MultipleChoice)
}

// mergeAnswered turns "q answered and (q unanswered or T)" into T, for
// every test T on q: T is false when q is unanswered.
func mergeAnswered(subs []surveys.Condition) []surveys.Condition {
	answered := map[string]bool{}
	for _, c := range subs {
		if isAnswered(c, true) {
			answered[c.Question] = true
		}
	}
	merged := map[string]bool{}
	for i, c := range subs {
		if len(c.Any) == 2 && isAnswered(c.Any[0], false) && answered[c.Any[0].Question] &&
			c.Any[1].Question == c.Any[0].Question && c.Any[1].Answered == nil {
			merged[c.Any[0].Question] = true
			subs[i] = c.Any[1]
		}
	}
	out := subs[:0:0]
	for _, c := range subs {
		if isAnswered(c, true) && merged[c.Question] {
			continue
		}
		out = append(out, c)
	}
	return out
}

func isAnswered(c surveys.Condition, want bool) bool {
	return c.Question != "" && c.Answered != nil && *c.Answered == want && len(c.All) == 0 && len(c.Any) == 0
}

// negate translates not(e).
func (rv *relevance) negate(e *expr) (*surveys.Condition, bool) {
	switch e.kind {
	case eNot:
		return rv.cond(e.args[0])
	case eAnd, eOr:
		// An or of one choice question's codes is one any_of test,
		// whose opposite is none_of; any other group is negated by De
		// Morgan's laws.
		if c, ok := rv.cond(e); ok && c.Question != "" {
			return rv.negateTest(c)
		}
		subs := make([]surveys.Condition, 0, len(e.args))
		for _, a := range e.args {
			c, ok := rv.negate(a)
			if !ok {
				return nil, false
			}
			subs = append(subs, *c)
		}
		return rv.join(subs, e.kind == eOr), true
	}
	c, ok := rv.cond(e)
	if !ok || c.Question == "" {
		return nil, false
	}
	return rv.negateTest(c)
}

// negateTest is the condition true when test c is not: c's question
// unanswered, or the opposite test.
func (rv *relevance) negateTest(c *surveys.Condition) (*surveys.Condition, bool) {
	if c.Answered != nil {
		return answeredTest(c.Question, !*c.Answered), true
	}
	var opposite []surveys.Condition
	switch {
	case c.Equals != nil:
		if s, ok := c.Equals.(string); ok {
			opposite = []surveys.Condition{{Question: c.Question, NoneOf: []string{s}}}
			break
		}
		n := c.Equals.(float64)
		if !rv.whole(c.Question) || n != math.Trunc(n) {
			return nil, false
		}
		opposite = []surveys.Condition{{Question: c.Question, AtMost: num(n - 1)}, {Question: c.Question, AtLeast: num(n + 1)}}
	case len(c.AnyOf) > 0:
		opposite = []surveys.Condition{{Question: c.Question, NoneOf: c.AnyOf}}
	case len(c.NoneOf) > 0:
		opposite = []surveys.Condition{{Question: c.Question, AnyOf: c.NoneOf}}
	case c.AtLeast != nil && rv.whole(c.Question):
		opposite = []surveys.Condition{{Question: c.Question, AtMost: num(math.Ceil(*c.AtLeast) - 1)}}
	case c.AtMost != nil && rv.whole(c.Question):
		opposite = []surveys.Condition{{Question: c.Question, AtLeast: num(math.Floor(*c.AtMost) + 1)}}
	default:
		return nil, false
	}
	return &surveys.Condition{Any: append([]surveys.Condition{*answeredTest(c.Question, false)}, opposite...)}, true
}

// whole reports whether the question's answers are whole numbers (a scale,
// an integer number), so that a strict comparison has an inclusive twin.
// A question that does not exist counts as whole: the condition is kept,
// and validation reports the question, not the comparison.
func (rv *relevance) whole(id string) bool {
	q := rv.question(id)
	return q == nil || q.Type == surveys.Scale || q.Type == surveys.Number && q.Integer
}

func answeredTest(id string, answered bool) *surveys.Condition {
	return &surveys.Condition{Question: id, Answered: &answered}
}

func num(f float64) *float64 { return &f }

// flipped is a comparison with its operands swapped: 3 <= x is x >= 3.
var flipped = map[string]string{"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

// compare translates a comparison.
func (rv *relevance) compare(e *expr) (*surveys.Condition, bool) {
	left, right, op := e.args[0], e.args[1], e.op
	if isLiteral(left) && !isLiteral(right) {
		left, right, op = right, left, flipped[op]
	}
	if !isLiteral(right) {
		return nil, false
	}
	switch left.kind {
	case eRef:
		return rv.compareAnswer(left.name, op, right)
	case eCall:
		return rv.compareCall(left, op, right)
	}
	return nil, false
}

func isLiteral(e *expr) bool { return e.kind == eStr || e.kind == eNum }

// literalString is a literal as an option code; literalNumber as a number.
func literalString(e *expr) string {
	if e.kind == eNum {
		return strconv.FormatFloat(e.num, 'f', -1, 64)
	}
	return e.str
}

func literalNumber(e *expr) (float64, bool) {
	if e.kind == eNum {
		return e.num, true
	}
	f, err := strconv.ParseFloat(e.str, 64)
	return f, err == nil
}

// compareAnswer translates ${id} op literal.
func (rv *relevance) compareAnswer(id, op string, lit *expr) (*surveys.Condition, bool) {
	if lit.kind == eStr && lit.str == "" {
		switch op {
		case "=":
			return answeredTest(id, false), true
		case "!=":
			return answeredTest(id, true), true
		}
		return nil, false
	}
	t := surveys.QuestionType("")
	if q := rv.question(id); q != nil {
		t = q.Type
	} else if lit.kind == eStr {
		t = surveys.SingleChoice // unknown: validation reports the question
	} else {
		t = surveys.Number
	}
	switch t {
	case surveys.SingleChoice, surveys.MultipleChoice:
		eq := &surveys.Condition{Question: id, Equals: rv.optionCode(id, lit)}
		switch op {
		case "=":
			return eq, true
		case "!=":
			return rv.negateTest(eq)
		}
	case surveys.Scale, surveys.Number:
		if n, ok := literalNumber(lit); ok {
			return rv.compareNumber(id, op, n)
		}
	}
	return nil, false
}

// compareNumber translates a comparison of a scale or number answer.
func (rv *relevance) compareNumber(id, op string, n float64) (*surveys.Condition, bool) {
	c := &surveys.Condition{Question: id}
	switch op {
	case "=":
		c.Equals = n
	case "!=":
		return rv.negateTest(&surveys.Condition{Question: id, Equals: n})
	case ">=":
		c.AtLeast = num(n)
	case "<=":
		c.AtMost = num(n)
	case ">":
		if !rv.whole(id) {
			return nil, false
		}
		c.AtLeast = num(math.Floor(n) + 1)
	case "<":
		if !rv.whole(id) {
			return nil, false
		}
		c.AtMost = num(math.Ceil(n) - 1)
	default:
		return nil, false
	}
	return c, true
}

// compareCall translates count-selected(${q}), string-length(${q}) and
// selected-at(${q}, 0) compared with a literal.
func (rv *relevance) compareCall(call *expr, op string, lit *expr) (*surveys.Condition, bool) {
	if len(call.args) == 0 || call.args[0].kind != eRef {
		return nil, false
	}
	id := call.args[0].name
	switch call.name {
	case "count-selected", "string-length":
		n, ok := literalNumber(lit)
		if !ok || len(call.args) != 1 {
			return nil, false
		}
		// Only "something chosen / written" and its opposite have a
		// show_if test: answered.
		switch {
		case op == ">=" && n == 1, op == ">" && n == 0, op == "!=" && n == 0:
			return answeredTest(id, true), true
		case op == "=" && n == 0, op == "<" && n == 1, op == "<=" && n == 0:
			return answeredTest(id, false), true
		}
	case "selected-at":
		q := rv.question(id)
		if len(call.args) != 2 || call.args[1].kind != eNum || call.args[1].num != 0 || q == nil ||
			(q.Type != surveys.Ranking && q.Type != surveys.SingleChoice) {
			return nil, false
		}
		eq := &surveys.Condition{Question: id, Equals: rv.optionCode(id, lit)}
		switch op {
		case "=":
			return eq, true
		case "!=":
			return rv.negateTest(eq)
		}
	}
	return nil, false
}

// call translates selected(${q}, 'code').
func (rv *relevance) call(e *expr) (*surveys.Condition, bool) {
	if e.name != "selected" || len(e.args) != 2 || e.args[0].kind != eRef || !isLiteral(e.args[1]) {
		return nil, false
	}
	id := e.args[0].name
	q := rv.question(id)
	if q != nil && q.Type == surveys.Ranking {
		// Every option of a ranking is ranked: any option is selected
		// exactly when the question is answered.
		return answeredTest(id, true), true
	}
	if q != nil && q.Type != surveys.SingleChoice && q.Type != surveys.MultipleChoice {
		return nil, false
	}
	return &surveys.Condition{Question: id, Equals: rv.optionCode(id, e.args[1])}, true
}
