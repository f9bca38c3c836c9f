package xlsform

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The XPath subset of relevant and constraint cells that Read translates:
// and, or, not(), comparisons, ${name} and "." references, string and
// number literals, and calls (selected, selected-at, count-selected,
// string-length). Anything else fails to parse, and the cell is reported.

// exprKind is a node of a parsed expression.
type exprKind int

const (
	eAnd exprKind = iota + 1
	eOr
	eNot
	eCmp
	eCall
	eRef  // ${name}
	eSelf // .
	eStr
	eNum
)

type expr struct {
	kind exprKind
	op   string  // eCmp: = != < <= > >=
	args []*expr // eAnd, eOr: operands; eNot: one; eCmp: two; eCall: arguments
	name string  // eRef: the name; eCall: the function
	str  string  // eStr
	num  float64 // eNum
}

// maxExprDepth bounds the nesting of one expression (parentheses, not()).
const maxExprDepth = 32

var smartQuotes = strings.NewReplacer("\u2018", "'", "\u2019", "'", "\u201c", `"`, "\u201d", `"`)

var errExpr = errors.New("xlsform: expression outside the supported subset")

type token struct {
	kind string // "ref", "str", "num", "name", "op", "(", ")", ",", "."
	text string
	num  float64
}

// lex splits an expression into tokens.
func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		if c := s[i]; c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		t, n := lexOne(s[i:])
		if n == 0 {
			return nil, errExpr
		}
		out = append(out, t)
		i += n
	}
	return out, nil
}

// lexOne reads the token s starts with, and its length in bytes; 0 when
// s starts with nothing the subset knows.
func lexOne(s string) (token, int) {
	c := s[0]
	switch {
	case strings.HasPrefix(s, "${"):
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return token{}, 0
		}
		return token{kind: "ref", text: strings.TrimSpace(s[2:end])}, end + 1
	case c == '\'' || c == '"':
		end := strings.IndexByte(s[1:], c)
		if end < 0 {
			return token{}, 0
		}
		return token{kind: "str", text: s[1 : 1+end]}, end + 2
	case c >= '0' && c <= '9' || c == '.' && len(s) > 1 && s[1] >= '0' && s[1] <= '9':
		return lexNumber(s)
	case c == '.' || c == '(' || c == ')' || c == ',' || c == '-':
		return token{kind: string(c)}, 1
	case c == '!' || c == '<' || c == '>' || c == '=':
		return lexOperator(s)
	}
	return lexName(s)
}

func lexNumber(s string) (token, int) {
	j := 0
	for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
		j++
	}
	f, err := strconv.ParseFloat(s[:j], 64)
	if err != nil {
		return token{}, 0
	}
	return token{kind: "num", text: s[:j], num: f}, j
}

func lexOperator(s string) (token, int) {
	op := s[:1]
	if len(s) > 1 && s[1] == '=' {
		op = s[:2]
	}
	switch op {
	case "!":
		return token{}, 0
	case "==":
		return token{kind: "op", text: "="}, 2
	}
	return token{kind: "op", text: op}, len(op)
}

// lexName reads a function name or a word (and, or): letters, digits,
// "-", "_" and ":".
func lexName(s string) (token, int) {
	if r, _ := utf8.DecodeRuneInString(s); !unicode.IsLetter(r) {
		return token{}, 0
	}
	j := 0
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' && r != ':' {
			break
		}
		j += size
	}
	return token{kind: "name", text: s[:j]}, j
}

// parser reads tokens into an expression.
type parser struct {
	toks  []token
	pos   int
	depth int
}

// parseExpr parses an expression of the subset.
func parseExpr(s string) (*expr, error) {
	// Spreadsheets turn quotes into typographic ones; pyxform reads them
	// as plain quotes, and so does Read.
	s = smartQuotes.Replace(s)
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, errExpr
	}
	return e, nil
}

func (p *parser) peek() token {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return token{}
}

func (p *parser) isWord(w string) bool {
	t := p.peek()
	return t.kind == "name" && t.text == w
}

// or and and build one node per chain ("a and b and c" is one node of
// three operands); a parenthesised chain stays one operand, so the
// grouping written is the grouping read.
func (p *parser) or() (*expr, error) {
	return p.chain("or", eOr, p.and)
}

func (p *parser) and() (*expr, error) {
	return p.chain("and", eAnd, p.cmp)
}

func (p *parser) chain(word string, k exprKind, next func() (*expr, error)) (*expr, error) {
	first, err := next()
	if err != nil {
		return nil, err
	}
	if !p.isWord(word) {
		return first, nil
	}
	e := &expr{kind: k, args: []*expr{first}}
	for p.isWord(word) {
		p.pos++
		x, err := next()
		if err != nil {
			return nil, err
		}
		e.args = append(e.args, x)
	}
	return e, nil
}

func (p *parser) cmp() (*expr, error) {
	left, err := p.primary()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == "op" {
		p.pos++
		right, err := p.primary()
		if err != nil {
			return nil, err
		}
		return &expr{kind: eCmp, op: t.text, args: []*expr{left, right}}, nil
	}
	return left, nil
}

func (p *parser) primary() (*expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxExprDepth {
		return nil, errExpr
	}
	t := p.peek()
	p.pos++
	switch t.kind {
	case "(":
		e, err := p.or()
		if err != nil || p.peek().kind != ")" {
			return nil, errExpr
		}
		p.pos++
		return e, nil
	case "ref":
		return &expr{kind: eRef, name: t.text}, nil
	case ".":
		return &expr{kind: eSelf}, nil
	case "str":
		return &expr{kind: eStr, str: t.text}, nil
	case "num":
		return &expr{kind: eNum, num: t.num}, nil
	case "-":
		if n := p.peek(); n.kind == "num" {
			p.pos++
			return &expr{kind: eNum, num: -n.num}, nil
		}
	case "name":
		if p.peek().kind == "(" {
			return p.call(t.text)
		}
	}
	return nil, errExpr
}

// call parses a function call's arguments; not() becomes a node of its
// own.
func (p *parser) call(name string) (*expr, error) {
	p.pos++ // (
	e := &expr{kind: eCall, name: name}
	if p.peek().kind == ")" {
		p.pos++
		return e, nil
	}
	for {
		a, err := p.or()
		if err != nil {
			return nil, err
		}
		e.args = append(e.args, a)
		switch p.peek().kind {
		case ",":
			p.pos++
			continue
		case ")":
			p.pos++
			if name == "not" {
				if len(e.args) != 1 {
					return nil, errExpr
				}
				return &expr{kind: eNot, args: e.args}, nil
			}
			return e, nil
		}
		return nil, errExpr
	}
}
