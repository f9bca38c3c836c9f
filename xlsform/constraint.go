package xlsform

import (
	"math"
	"slices"
)

// bounds are the limits a constraint sets: . >= 0 and . <= 120 for a
// number, count-selected(.) <= 3 for a select_multiple, string-length(.)
// <= 500 for a text.
type bounds struct {
	min, max *float64
	// strict is set when a strict comparison (. > 0) of decimals was read
	// as an inclusive one (. >= 0): show_if and our bounds are inclusive.
	strict bool
}

// parseBounds reads a constraint that is an and of comparisons of the
// subject (what isSubject accepts) with numbers. whole says the values
// are whole numbers, so that . > 3 is exactly . >= 4. It reports false
// for anything else.
func parseBounds(s string, isSubject func(*expr) bool, whole bool) (bounds, bool) {
	var b bounds
	e, err := parseExpr(s)
	if err != nil {
		return b, false
	}
	parts := []*expr{e}
	if e.kind == eAnd {
		parts = e.args
	}
	for _, p := range parts {
		if p.kind != eCmp {
			return b, false
		}
		left, right, op := p.args[0], p.args[1], p.op
		if left.kind == eNum {
			left, right, op = right, left, flipped[op]
		}
		if !isSubject(left) || right.kind != eNum {
			return b, false
		}
		if !b.add(op, right.num, whole) {
			return b, false
		}
	}
	return b, true
}

// add applies one comparison; the tighter of two bounds wins.
func (b *bounds) add(op string, n float64, whole bool) bool {
	switch op {
	case ">", "<":
		if whole {
			if op == ">" {
				return b.add(">=", math.Floor(n)+1, whole)
			}
			return b.add("<=", math.Ceil(n)-1, whole)
		}
		b.strict = true
		return b.add(op+"=", n, whole)
	case ">=":
		if b.min == nil || n > *b.min {
			b.min = num(n)
		}
	case "<=":
		if b.max == nil || n < *b.max {
			b.max = num(n)
		}
	case "=":
		return b.add(">=", n, whole) && b.add("<=", n, whole)
	default:
		return false
	}
	return true
}

// isSelf accepts ".", and ${name} of the question itself, by any of its
// names (its id, and the name written when lowercaseNames renamed it).
func isSelf(names ...string) func(*expr) bool {
	return func(e *expr) bool { return e.kind == eSelf || e.kind == eRef && slices.Contains(names, e.name) }
}

// isCallOfSelf accepts fn(.), for count-selected(.) and string-length(.).
func isCallOfSelf(fn string, names ...string) func(*expr) bool {
	self := isSelf(names...)
	return func(e *expr) bool { return e.kind == eCall && e.name == fn && len(e.args) == 1 && self(e.args[0]) }
}
