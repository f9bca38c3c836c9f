package xlsform

import (
	"math"
	"strconv"
	"strings"

	"github.com/youthvoice/youthvoice/surveys"
)

// question converts a question row.
func (c *converter) question(t *target, n *node, inherit []relSrc) {
	r := n.r
	ptr := c.nextPointer(t, r)
	c.rowLocations(ptr, r)
	q := surveys.Question{
		ID:   c.sv.value(r, "name"),
		Text: c.text(c.sv, r, "label", ptr+"/text"),
		Help: c.text(c.sv, r, "hint", ptr+"/help"),
	}
	c.flags(r, &q)
	switch n.t.k {
	case kSelectOne:
		c.selectOne(ptr, &q, n)
	case kSelectMultiple:
		c.selectMultiple(ptr, &q, n)
	case kRank:
		q.Type = surveys.Ranking
		q.Options = c.options(ptr, n)
		c.noConstraint(r)
		c.ignoredAppearance(r)
	case kInteger, kDecimal:
		c.number(ptr, &q, n)
	case kRange:
		c.rangeQuestion(ptr, &q, n)
	case kText:
		c.textQuestion(&q, n)
	}
	warnOn := ignoredColumns
	if n.t.k == kRange { // parameters are a range's own
		warnOn = ignoredColumnsBut("parameters")
	}
	c.ignored(r, warnOn)
	c.place(t, r, q, c.relevantOf(r, inherit))
}

func ignoredColumnsBut(base string) []string {
	var out []string
	for _, b := range ignoredColumns {
		if b != base {
			out = append(out, b)
		}
	}
	return out
}

// flags reads required, and the consent and breakdown marks.
func (c *converter) flags(r *row, q *surveys.Question) {
	v := c.sv.value(r, "required")
	req, ok := yesNo(v)
	if !ok {
		// required with a condition: a question that is required only
		// sometimes has no equivalent.
		c.cellProblem(c.sv, r, "required", CodeRequiredExpression, nil)
	}
	q.Required = req
	for _, f := range []struct {
		base string
		dst  *bool
	}{{"youthvoice::consent", &q.Consent}, {"youthvoice::breakdown", &q.Breakdown}} {
		b, ok := yesNo(c.sv.value(r, f.base))
		if !ok {
			c.cellProblem(c.sv, r, f.base, CodeYesNo, nil)
		}
		*f.dst = b
	}
}

// noConstraint warns that a row's constraint is not converted.
func (c *converter) noConstraint(r *row) {
	if c.sv.value(r, "constraint") != "" {
		c.cellWarning(c.sv, r, "constraint", CodeConstraintIgnored, nil)
	}
}

// selectOne is a single choice, or a scale when its list is the points
// 1..n (with dont_know) and its appearance likert.
func (c *converter) selectOne(ptr string, q *surveys.Question, n *node) {
	r := n.r
	c.noConstraint(r)
	if l := c.lists[n.t.list]; l != nil && !n.t.orOther && containsWord(c.appearanceWords(r), "likert") {
		if _, ok := scaleShape(l); ok {
			q.Type = surveys.Scale
			c.scalePoints(ptr, q, l)
			c.ignoredAppearance(r, "likert")
			return
		}
	}
	q.Type = surveys.SingleChoice
	q.Options = c.options(ptr, n)
	c.ignoredAppearance(r, "likert")
}

// selectMultiple is a multiple choice; count-selected(.) bounds in its
// constraint are its minimum and maximum selections.
func (c *converter) selectMultiple(ptr string, q *surveys.Question, n *node) {
	r := n.r
	q.Type = surveys.MultipleChoice
	q.Options = c.options(ptr, n)
	c.ignoredAppearance(r)
	cons := c.sv.value(r, "constraint")
	if cons == "" {
		return
	}
	b, ok := parseBounds(cons, isCallOfSelf("count-selected", c.renames.written(q.ID)...), true)
	if !ok {
		c.cellWarning(c.sv, r, "constraint", CodeConstraintIgnored, nil)
		return
	}
	if b.min != nil {
		q.MinSelections = clampInt(*b.min)
	}
	if b.max != nil {
		q.MaxSelections = clampInt(*b.max)
	}
}

// clampInt is a bound as an int; validation reports one out of range.
func clampInt(f float64) int {
	switch {
	case math.IsNaN(f):
		return -1
	case f > 1e6:
		return 1e6
	case f < -1e6:
		return -1e6
	}
	return int(f)
}

// number is an integer or decimal question: its constraint must bound it
// (. >= 0 and . <= 120), since an unbounded number can single out a
// respondent.
func (c *converter) number(ptr string, q *surveys.Question, n *node) {
	r := n.r
	q.Type = surveys.Number
	q.Integer = n.t.k == kInteger
	q.Unit = c.text(c.sv, r, "youthvoice::unit", ptr+"/unit")
	c.ignoredAppearance(r)
	b, ok := parseBounds(c.sv.value(r, "constraint"), isSelf(c.renames.written(q.ID)...), q.Integer)
	if !ok || b.min == nil || b.max == nil {
		c.cellProblem(c.sv, r, "constraint", CodeNumberBounds, nil)
		return
	}
	if b.strict {
		c.cellWarning(c.sv, r, "constraint", CodeStrictBound, nil)
	}
	q.Min, q.Max = b.min, b.max
}

// rangeQuestion is a number from start to end (ODK's slider); the step is
// not kept.
func (c *converter) rangeQuestion(ptr string, q *surveys.Question, n *node) {
	r := n.r
	q.Type = surveys.Number
	q.Unit = c.text(c.sv, r, "youthvoice::unit", ptr+"/unit")
	c.locate(ptr+"/min", c.sv, r, "parameters")
	c.locate(ptr+"/max", c.sv, r, "parameters")
	params, ok := rangeParameters(c.sv.value(r, "parameters"))
	if !ok {
		c.cellProblem(c.sv, r, "parameters", CodeSettingInvalid, map[string]any{"Setting": "parameters"})
		return
	}
	start, end, step := params["start"], params["end"], params["step"]
	q.Integer = start == math.Trunc(start) && end == math.Trunc(end) && step == math.Trunc(step)
	q.Min, q.Max = num(math.Min(start, end)), num(math.Max(start, end))
	c.noConstraint(r)
	c.ignoredAppearance(r)
	c.cellWarning(c.sv, r, "type", CodeRange, map[string]any{"Min": fmtNumber(*q.Min), "Max": fmtNumber(*q.Max)})
}

// rangeParameters reads "start=0 end=10 step=1" (ODK's defaults: 1, 10,
// 1), separated by spaces, commas or semicolons.
func rangeParameters(s string) (map[string]float64, bool) {
	p := map[string]float64{"start": 1, "end": 10, "step": 1}
	for _, kv := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == ';' }) {
		k, v, found := strings.Cut(kv, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if _, known := p[k]; !found || !known || err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, false
		}
		p[k] = f
	}
	return p, p["step"] > 0
}

func fmtNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// textQuestion is a free text; string-length(.) <= n in its constraint is
// its longest answer.
func (c *converter) textQuestion(q *surveys.Question, n *node) {
	r := n.r
	q.Type = surveys.FreeText
	c.ignoredAppearance(r, "multiline")
	cons := c.sv.value(r, "constraint")
	if cons == "" {
		return
	}
	b, ok := parseBounds(cons, isCallOfSelf("string-length", c.renames.written(q.ID)...), true)
	if !ok || b.max == nil || b.min != nil {
		c.cellWarning(c.sv, r, "constraint", CodeConstraintIgnored, nil)
	}
	if ok && b.max != nil {
		q.MaxLength = clampInt(*b.max)
	}
}

// options are the choices of the row's list; "or_other" adds an option
// other with a text, or marks the list's own other so.
func (c *converter) options(ptr string, n *node) []surveys.Option {
	r := n.r
	if n.t.list == "" {
		c.cellProblem(c.sv, r, "type", CodeListRequired, nil)
		return nil
	}
	if n.t.extra {
		c.cellProblem(c.sv, r, "type", CodeUnsupportedType, map[string]any{"Type": n.t.name})
	}
	l := c.lists[n.t.list]
	if l == nil {
		c.cellProblem(c.sv, r, "type", CodeUnknownList, map[string]any{"List": n.t.list})
		return nil
	}
	opts := make([]surveys.Option, 0, len(l.choices)+1)
	for k, ch := range l.choices {
		op := ptr + surveys.Pointer("options", k)
		c.choiceLocations(op, ch.r)
		opts = append(opts, surveys.Option{Code: ch.name, Label: cloneText(ch.label), Other: ch.other})
	}
	if n.t.orOther {
		opts = c.orOther(ptr, r, opts)
	}
	return opts
}

// orOther marks the option other, adding it when the list has none, as
// XLSForm's or_other does, with "Other" in each language.
func (c *converter) orOther(ptr string, r *row, opts []surveys.Option) []surveys.Option {
	for i := range opts {
		if opts[i].Code == otherCode {
			opts[i].Other = true
			return opts
		}
	}
	label := c.message("text.xlsform_other")
	c.locate(ptr+surveys.Pointer("options", len(opts)), c.sv, r, "type")
	c.cellWarning(c.sv, r, "type", CodeOtherAdded, map[string]any{"Label": label[c.def.DefaultLanguage]})
	return append(opts, surveys.Option{Code: otherCode, Label: label, Other: true})
}

// otherCode is the code of the option or_other adds, as XLSForm names it.
const otherCode = "other"

// choiceLocations records where an option (or a scale point) came from.
func (c *converter) choiceLocations(op string, r *row) {
	c.locate(op, c.ch, r, "")
	c.locate(op+"/code", c.ch, r, "name")
	c.locate(op+"/other", c.ch, r, "youthvoice::other")
	c.text(c.ch, r, "label", op+"/label")
}

func cloneText(t surveys.Text) surveys.Text {
	if t == nil {
		return nil
	}
	out := make(surveys.Text, len(t))
	for k, v := range t {
		out[k] = v
	}
	return out
}

// scaleShape reports the points of a list that is a scale: names "1" to
// "n" in order (2 <= n <= 11), then perhaps "dont_know".
func scaleShape(l *choiceList) (int, bool) {
	n := len(l.choices)
	if n > 0 && l.choices[n-1].name == dontKnow {
		n--
	}
	if n < 2 || n > surveys.MaxPoints {
		return 0, false
	}
	for i := 0; i < n; i++ {
		if l.choices[i].name != strconv.Itoa(i+1) {
			return 0, false
		}
	}
	return n, true
}

// dontKnow is the choice name of a scale's "don't know".
const dontKnow = "dont_know"

// scalePoints sets a scale's or matrix's points, labels and "don't know"
// from a list: its choices in order are the points 1..n. A point between
// the ends whose label is just its number has no label (the app numbers
// it), which is how Write writes an unlabelled point. It reports whether
// the names were the points themselves.
func (c *converter) scalePoints(ptr string, q *surveys.Question, l *choiceList) bool {
	chs := l.choices
	if len(chs) > 0 && chs[len(chs)-1].name == dontKnow {
		dk := chs[len(chs)-1]
		q.DontKnow = true
		q.DontKnowLabel = cloneText(dk.label)
		c.text(c.ch, dk.r, "label", ptr+"/dont_know_label")
		c.locate(ptr+"/dont_know_label", c.ch, dk.r, "label")
		chs = chs[:len(chs)-1]
	}
	q.Points = len(chs)
	numeric := true
	for i, ch := range chs {
		key := strconv.Itoa(i + 1)
		numeric = numeric && ch.name == key
		lp := ptr + surveys.Pointer("labels", key)
		c.text(c.ch, ch.r, "label", lp)
		c.locate(lp, c.ch, ch.r, "name")
		if len(ch.label) == 0 || i > 0 && i < len(chs)-1 && justNumber(ch.label, key) {
			continue
		}
		if q.Labels == nil {
			q.Labels = map[string]surveys.Text{}
		}
		q.Labels[key] = cloneText(ch.label)
	}
	return numeric
}

// justNumber reports whether every language's label is the point's number.
func justNumber(t surveys.Text, key string) bool {
	for _, v := range t {
		if v != key {
			return false
		}
	}
	return true
}
