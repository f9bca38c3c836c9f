package surveys

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/youthvoice/youthvoice/surveys/scrub"
)

// Answer is one question's answer, normalized. Which fields are set
// depends on the question's type.
type Answer struct {
	Choice   string         // single_choice: the option code
	Choices  []string       // multiple_choice: the codes chosen, in option order
	Other    string         // the "other, please say" text, scrubbed
	Point    int            // scale: 1..points
	DontKnow bool           // scale: "don't know"
	Number   float64        // number
	Text     string         // text, scrubbed
	Order    []string       // ranking: every option code, first place first
	Rows     map[string]int // matrix: statement code -> point, 0 for "don't know"
	// Removed counts the contact details scrubbed from Text and Other.
	Removed int
}

// Answers maps question ids to answers. A question that was not answered
// has no entry.
type Answers map[string]Answer

// Field codes of answer problems.
const (
	CodeUnknownQuestionAnswer Code = "unknown_question_answer"
	CodeHiddenQuestion        Code = "hidden_question"
	CodeSelections            Code = "selections"
	CodeOtherNotAllowed       Code = "other_not_allowed"
	CodeNotInteger            Code = "not_integer"
	CodeRankAll               Code = "rank_all"
	CodeTooManyAnswers        Code = "too_many_answers"
	CodeConsentRefused        Code = "consent_refused"
)

// DontKnowValue is how a client answers "don't know" on a scale or a
// matrix statement.
const DontKnowValue = "dont_know"

// maxOtherLength bounds "other, please say" texts.
const maxOtherLength = 500

// ParseAnswers reads the answers of a submission, as the app sends them
// (docs/surveys.md), against a definition, and checks them completely:
// types, option codes, bounds, selections, required questions, show_if
// (answering a hidden question is an error), lengths, unknown questions and
// "other" texts. Free text is scrubbed of contact details. Every problem is
// reported, each with a JSON pointer under /answers.
func (d *Definition) ParseAnswers(raw map[string]json.RawMessage) (Answers, error) {
	var p problems
	if len(raw) > MaxQuestions {
		p.add("/answers", CodeTooManyAnswers, map[string]any{"Max": MaxQuestions})
		return nil, p.err()
	}
	answers := Answers{}
	for id := range raw {
		if d.Question(id) == nil {
			p.add(Pointer("answers", id), CodeUnknownQuestionAnswer, nil)
		}
	}
	// Questions in order, so that show_if sees the earlier answers.
	for _, q := range d.Questions() {
		if a, ok := d.answerTo(&p, q, raw, answers); ok {
			answers[q.ID] = a
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return answers, nil
}

// answerTo reads the answer to q in raw, given the earlier answers: none
// when q is hidden (answering it is a problem) or not answered (a problem
// when it is required); ok is false when there is no answer to keep.
func (d *Definition) answerTo(p *problems, q *Question, raw map[string]json.RawMessage, earlier Answers) (a Answer, ok bool) {
	ptr := Pointer("answers", q.ID)
	r, given := raw[q.ID]
	if given && isNull(r) {
		given = false
	}
	if q.ShowIf != nil && !q.ShowIf.Eval(d, earlier) {
		if given {
			p.add(ptr, CodeHiddenQuestion, nil)
		}
		return Answer{}, false
	}
	if !given {
		if q.Required {
			p.add(ptr, CodeRequired, nil)
		}
		return Answer{}, false
	}
	a, ok = parseAnswer(p, ptr, q, r)
	if ok && q.Consent && q.Required && a.Choice != q.Options[0].Code {
		// The first option of a required consent question is "yes".
		p.add(ptr, CodeConsentRefused, nil)
		return Answer{}, false
	}
	return a, ok
}

func isNull(r json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(r), []byte("null")) }

// parseAnswer reads one answer to q, given and not null; a problem is
// reported at ptr (or under it), and then ok is false.
func parseAnswer(p *problems, ptr string, q *Question, r json.RawMessage) (a Answer, ok bool) {
	switch q.Type {
	case SingleChoice:
		return parseSingleChoice(p, ptr, q, r)
	case MultipleChoice:
		return parseMultipleChoice(p, ptr, q, r)
	case Scale:
		return parseScale(p, ptr, q, r)
	case Number:
		return parseNumber(p, ptr, q, r)
	case FreeText:
		return parseText(p, ptr, q, r)
	case Ranking:
		return parseRanking(p, ptr, q, r)
	case Matrix:
		return parseMatrix(p, ptr, q, r)
	}
	return Answer{}, false
}

// invalidType reports an answer that is not of the expected JSON shape.
func invalidType(p *problems, ptr, expected string) (Answer, bool) {
	p.add(ptr, CodeInvalidType, map[string]any{"Expected": expected})
	return Answer{}, false
}

// parseSingleChoice reads "code", or {"choice": "code", "other": "text"}.
func parseSingleChoice(p *problems, ptr string, q *Question, r json.RawMessage) (Answer, bool) {
	var a Answer
	if firstByte(r) == '{' {
		var obj struct {
			Choice *string `json:"choice"`
			Other  string  `json:"other"`
		}
		if !strictObject(r, &obj) || obj.Choice == nil {
			return invalidType(p, ptr, "option code")
		}
		a.Choice, a.Other = *obj.Choice, obj.Other
	} else if json.Unmarshal(r, &a.Choice) != nil {
		return invalidType(p, ptr, "option code")
	}
	o := q.Option(a.Choice)
	if o == nil {
		p.add(ptr, CodeUnknownOption, map[string]any{"Code": a.Choice})
		return a, false
	}
	return a, checkOther(p, ptr, &a, o.Other)
}

// parseMultipleChoice reads ["code", ...], or {"choices": [...], "other":
// "text"}: known codes, each once, as many as the question allows.
func parseMultipleChoice(p *problems, ptr string, q *Question, r json.RawMessage) (Answer, bool) {
	var a Answer
	var codes []string
	if firstByte(r) == '{' {
		var obj struct {
			Choices []string `json:"choices"`
			Other   string   `json:"other"`
		}
		if !strictObject(r, &obj) {
			return invalidType(p, ptr, "list of option codes")
		}
		codes, a.Other = obj.Choices, obj.Other
	} else if json.Unmarshal(r, &codes) != nil {
		return invalidType(p, ptr, "list of option codes")
	}
	chosen, otherAllowed, ok := chosenOptions(p, ptr, q, codes)
	if !ok {
		return a, false
	}
	for _, o := range q.Options { // option order, so equal answers compare equal
		if chosen[o.Code] {
			a.Choices = append(a.Choices, o.Code)
		}
	}
	most := q.MaxSelections
	if most == 0 {
		most = len(q.Options)
	}
	if len(a.Choices) < q.MinSelections || len(a.Choices) > most || len(a.Choices) == 0 {
		p.add(ptr, CodeSelections, map[string]any{"Min": max1(q.MinSelections), "Max": most})
		return a, false
	}
	return a, checkOther(p, ptr, &a, otherAllowed)
}

// chosenOptions checks the codes of a multiple choice answer: each an
// option of q, none twice. It returns the set of codes and whether any of
// their options takes an "other" text; the first bad code is reported.
func chosenOptions(p *problems, ptr string, q *Question, codes []string) (chosen map[string]bool, otherAllowed, ok bool) {
	chosen = map[string]bool{}
	for i, c := range codes {
		o := q.Option(c)
		switch {
		case o == nil:
			p.add(ptr+Pointer(i), CodeUnknownOption, map[string]any{"Code": c})
			return nil, false, false
		case chosen[c]:
			p.add(ptr+Pointer(i), CodeDuplicate, nil)
			return nil, false, false
		}
		chosen[c] = true
		otherAllowed = otherAllowed || o.Other
	}
	return chosen, otherAllowed, true
}

// parseScale reads a point of the scale, or "dont_know" when the question
// offers it.
func parseScale(p *problems, ptr string, q *Question, r json.RawMessage) (Answer, bool) {
	point, dk, ok := parsePoint(r)
	if !ok || (dk && !q.DontKnow) {
		return invalidType(p, ptr, "scale point")
	}
	if !dk && (point < 1 || point > q.Points) {
		p.add(ptr, CodeOutOfRange, map[string]any{"Min": 1, "Max": q.Points})
		return Answer{}, false
	}
	return Answer{Point: point, DontKnow: dk}, true
}

// parseNumber reads a finite number within the question's bounds, whole
// when the question asks for a whole number.
func parseNumber(p *problems, ptr string, q *Question, r json.RawMessage) (Answer, bool) {
	var n float64
	if json.Unmarshal(r, &n) != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return invalidType(p, ptr, "number")
	}
	if q.Integer && n != math.Trunc(n) {
		p.add(ptr, CodeNotInteger, nil)
		return Answer{}, false
	}
	// Within the question's bounds, and always within MaxNumber (a
	// definition validated today has both bounds within it), so no
	// statistic of the answers can overflow.
	if (q.Min != nil && n < *q.Min) || (q.Max != nil && n > *q.Max) || math.Abs(n) > MaxNumber {
		p.add(ptr, CodeOutOfRange, map[string]any{"Min": bound(q.Min, -maxNumber), "Max": bound(q.Max, maxNumber)})
		return Answer{}, false
	}
	return Answer{Number: n}, true
}

// parseText reads a text within the question's length, and scrubs it of
// contact details.
func parseText(p *problems, ptr string, q *Question, r json.RawMessage) (Answer, bool) {
	var a Answer
	if json.Unmarshal(r, &a.Text) != nil {
		return invalidType(p, ptr, "text")
	}
	a.Text = strings.TrimSpace(a.Text)
	longest := q.MaxLength
	if longest == 0 {
		longest = DefaultAnswerLength
	}
	if utf8.RuneCountInString(a.Text) > longest {
		p.add(ptr, CodeTooLong, map[string]any{"Max": longest})
		return a, false
	}
	var removed int
	a.Text, removed = scrub.Scrub(a.Text)
	a.Removed += removed
	return a, true
}

// parseRanking reads every option code of the question, each once, first
// place first.
func parseRanking(p *problems, ptr string, q *Question, r json.RawMessage) (Answer, bool) {
	var a Answer
	if json.Unmarshal(r, &a.Order) != nil {
		return invalidType(p, ptr, "list of option codes")
	}
	seen := map[string]bool{}
	for i, c := range a.Order {
		if q.Option(c) == nil {
			p.add(ptr+Pointer(i), CodeUnknownOption, map[string]any{"Code": c})
			return a, false
		}
		if seen[c] {
			p.add(ptr+Pointer(i), CodeDuplicate, nil)
			return a, false
		}
		seen[c] = true
	}
	if len(a.Order) != len(q.Options) {
		p.add(ptr, CodeRankAll, map[string]any{"Count": len(q.Options)})
		return a, false
	}
	return a, true
}

// parseMatrix reads {"statement code": point or "dont_know", ...}: at
// least one statement. Every bad statement is reported.
func parseMatrix(p *problems, ptr string, q *Question, r json.RawMessage) (Answer, bool) {
	var rows map[string]json.RawMessage
	if json.Unmarshal(r, &rows) != nil || rows == nil {
		return invalidType(p, ptr, "object of statement codes")
	}
	a := Answer{Rows: map[string]int{}}
	ok := true
	for code, v := range rows {
		point, valid := parseMatrixRow(p, ptr+Pointer(code), q, code, v)
		if !valid {
			ok = false
			continue
		}
		a.Rows[code] = point // 0 when "don't know"
	}
	if len(a.Rows) == 0 && ok {
		return invalidType(p, ptr, "object of statement codes")
	}
	return a, ok
}

// parseMatrixRow reads the answer to one statement of a matrix: a point
// of its scale, or 0 for "don't know".
func parseMatrixRow(p *problems, ptr string, q *Question, code string, v json.RawMessage) (int, bool) {
	if q.statement(code) == nil {
		p.add(ptr, CodeUnknownOption, map[string]any{"Code": code})
		return 0, false
	}
	point, dk, valid := parsePoint(v)
	switch {
	case !valid || (dk && !q.DontKnow):
		p.add(ptr, CodeInvalidType, map[string]any{"Expected": "scale point"})
		return 0, false
	case !dk && (point < 1 || point > q.Points):
		p.add(ptr, CodeOutOfRange, map[string]any{"Min": 1, "Max": q.Points})
		return 0, false
	}
	return point, true
}

// strictObject decodes r into v, refusing unknown fields.
func strictObject(r json.RawMessage, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.DisallowUnknownFields()
	return dec.Decode(v) == nil
}

// firstByte is the first byte of a JSON value that is not white space.
func firstByte(r json.RawMessage) byte {
	b := bytes.TrimLeft(r, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// parsePoint reads a scale answer: a whole number, or "dont_know".
func parsePoint(r json.RawMessage) (point int, dontKnow, ok bool) {
	if firstByte(r) == '"' {
		var s string
		ok := json.Unmarshal(r, &s) == nil && s == DontKnowValue
		return 0, ok, ok
	}
	var f float64
	if json.Unmarshal(r, &f) != nil || f != math.Trunc(f) || math.Abs(f) > 1000 {
		return 0, false, false
	}
	return int(f), false, true
}

// checkOther checks and scrubs the "other, please say" text.
func checkOther(p *problems, ptr string, a *Answer, allowed bool) bool {
	a.Other = strings.TrimSpace(a.Other)
	switch {
	case a.Other != "" && !allowed:
		p.add(ptr+"/other", CodeOtherNotAllowed, nil)
		return false
	case utf8.RuneCountInString(a.Other) > maxOtherLength:
		p.add(ptr+"/other", CodeTooLong, map[string]any{"Max": maxOtherLength})
		return false
	}
	var removed int
	a.Other, removed = scrub.Scrub(a.Other)
	a.Removed += removed
	return true
}

// bound is a number question's bound for a message, or def when it has
// none.
func bound(f *float64, def int64) any {
	if f == nil || math.Abs(*f) > MaxNumber {
		return def
	}
	return *f
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// Eval decides a show_if condition from the answers given so far. The
// rules, which the app must follow too (docs/surveys.md):
//   - all: true when every sub-condition is true (so an empty list is true);
//     any: true when at least one is.
//   - A leaf tests one earlier question. If that question was not answered
//     (skipped, or itself hidden), "answered: false" is true and every other
//     operator is false.
//   - equals: single_choice: the chosen code; multiple_choice: the code is
//     among those chosen; ranking: the code ranked first; scale: the point
//     (a "don't know" equals nothing); number: the number.
//   - any_of: the chosen code (single) or any chosen code (multiple) is in
//     the list; none_of: answered, and no chosen code is in the list.
//   - at_least / at_most: scale point or number compared inclusively; a
//     "don't know" is false for both.
//   - answered: true when answered (any value, "don't know" included).
func (c *Condition) Eval(d *Definition, answers Answers) bool {
	switch {
	case len(c.All) > 0:
		for i := range c.All {
			if !c.All[i].Eval(d, answers) {
				return false
			}
		}
		return true
	case len(c.Any) > 0:
		for i := range c.Any {
			if c.Any[i].Eval(d, answers) {
				return true
			}
		}
		return false
	}
	a, answered := answers[c.Question]
	if c.Answered != nil {
		return answered == *c.Answered
	}
	if !answered {
		return false
	}
	q := d.Question(c.Question)
	if q == nil {
		return false
	}
	return c.test(q, a)
}

// test decides a leaf's operator other than "answered" on q's answer a.
func (c *Condition) test(q *Question, a Answer) bool {
	value, hasValue := numericValue(q, a)
	switch {
	case c.Equals != nil:
		return c.equals(q, a)
	case len(c.AnyOf) > 0:
		return slices.ContainsFunc(chosenCodes(q, a), func(code string) bool { return slices.Contains(c.AnyOf, code) })
	case len(c.NoneOf) > 0:
		return !slices.ContainsFunc(chosenCodes(q, a), func(code string) bool { return slices.Contains(c.NoneOf, code) })
	case c.AtLeast != nil:
		return hasValue && value >= *c.AtLeast
	case c.AtMost != nil:
		return hasValue && value <= *c.AtMost
	}
	return false
}

// equals decides an equals test: a code among those chosen (the first
// place of a ranking), or a number equal to the scale point or number.
func (c *Condition) equals(q *Question, a Answer) bool {
	switch want := c.Equals.(type) {
	case string:
		if q.Type == Ranking {
			return len(a.Order) > 0 && a.Order[0] == want
		}
		return slices.Contains(chosenCodes(q, a), want)
	case float64:
		value, hasValue := numericValue(q, a)
		return hasValue && value == want
	}
	return false
}

// chosenCodes are the codes a choice answer chose.
func chosenCodes(q *Question, a Answer) []string {
	if q.Type == SingleChoice {
		return []string{a.Choice}
	}
	return a.Choices
}

// numericValue is the number a scale or number answer compares as.
func numericValue(q *Question, a Answer) (float64, bool) {
	switch q.Type {
	case Scale:
		return float64(a.Point), !a.DontKnow
	case Number:
		return a.Number, true
	}
	return 0, false
}

// Visible reports which questions a respondent with these answers saw.
func (d *Definition) Visible(answers Answers) map[string]bool {
	seen := map[string]bool{}
	for _, q := range d.Questions() {
		seen[q.ID] = q.ShowIf == nil || q.ShowIf.Eval(d, answers)
	}
	return seen
}
