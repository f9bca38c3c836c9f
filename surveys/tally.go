package surveys

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
)

// NoGroup is the breakdown group of respondents who did not answer the
// breakdown question (or did not see it).
const NoGroup = "_none"

// Tally counts responses exactly. Every field is an integer count, so
// adding responses in any order, or tallying any split of them and merging
// the parts, gives the same tally. Statistics (mean, median, quartiles,
// standard deviation) are computed from the exact distributions when a
// release is made.
type Tally struct {
	Responses int                       `json:"n"`
	Days      map[string]int            `json:"days,omitempty"`
	Questions map[string]*QuestionTally `json:"questions,omitempty"`
	// Breakdowns: breakdown question id -> group (option code, or NoGroup)
	// -> the tally of that group's respondents (without breakdowns).
	Breakdowns map[string]map[string]*Tally `json:"breakdowns,omitempty"`
	// Keys has the shape of this tally, but every count in it is the sum
	// of the record keys (RecordKey) of the responses it counts: the cell
	// keys of cell-key perturbation (ckm.go). Nil in a tally made before
	// perturbation (HasKeys).
	Keys *Tally `json:"keys,omitempty"`
	// Cells: the cross-classification by every breakdown question at once
	// (cells.go): cell key -> the tally of its respondents (size, counted
	// questions and record keys; no days, breakdowns or cells).
	Cells map[string]*Tally `json:"cells,omitempty"`
}

// HasKeys says whether the tally carries record-key sums for all its
// responses (tallies stored before perturbation existed do not: they are
// recounted).
func (t *Tally) HasKeys() bool { return t.Responses == 0 || t.Keys != nil }

// QuestionTally counts one question's answers.
type QuestionTally struct {
	Seen     int `json:"seen"`
	Answered int `json:"answered"`
	// Options: single and multiple choice, the respondents who chose each
	// option; ranking, the first places.
	Options map[string]int `json:"options,omitempty"`
	// Values: scale, point -> respondents; number, exact value -> respondents.
	Values   map[string]int `json:"values,omitempty"`
	DontKnow int            `json:"dont_know,omitempty"`
	// RankSums: ranking, option -> sum of its ranks (1 is first).
	RankSums map[string]int `json:"rank_sums,omitempty"`
	// Places: ranking, option -> respondents who put it at each place
	// (index 0 is first): published mean ranks are computed from these
	// counts after perturbation.
	Places map[string][]int `json:"places,omitempty"`
	// Rows: matrix, statement -> its tally (Answered, Values, DontKnow).
	Rows map[string]*QuestionTally `json:"rows,omitempty"`
	// Other counts answers with an "other, please say" text; Removed the
	// contact details scrubbed from free text.
	Other   int `json:"other,omitempty"`
	Removed int `json:"removed,omitempty"`
}

// NewTally returns an empty tally.
func NewTally() *Tally { return &Tally{} }

// Add counts one response; def is the definition of the revision it
// answered.
func (t *Tally) Add(def *Definition, r *Response) {
	qs := def.Questions()
	visible := def.Visible(r.Answers)
	rk := int(RecordKey(r.Key))
	t.add(qs, visible, r, rk)
	t.addToCell(def.CrossDimensions(), qs, visible, r, rk)
	for _, q := range qs {
		if !q.Breakdown {
			continue
		}
		group := NoGroup
		if a, ok := r.Answers[q.ID]; ok && a.Choice != "" {
			group = a.Choice
		}
		if t.Breakdowns == nil {
			t.Breakdowns = map[string]map[string]*Tally{}
		}
		if t.Breakdowns[q.ID] == nil {
			t.Breakdowns[q.ID] = map[string]*Tally{}
		}
		g := t.Breakdowns[q.ID][group]
		if g == nil {
			g = &Tally{}
			t.Breakdowns[q.ID][group] = g
		}
		g.add(qs, visible, r, rk)
	}
}

// add counts a response without breakdowns, and its record key rk in
// t.Keys; qs are the questions of its revision and visible those it saw.
func (t *Tally) add(qs []*Question, visible map[string]bool, r *Response, rk int) {
	if t.Keys == nil {
		t.Keys = &Tally{}
	}
	t.count(qs, visible, r, 1, false)
	t.Keys.count(qs, visible, r, rk, true)
}

// count adds w to every count the response falls in: 1 for a tally of
// counts, the record key for a tally of keys (keys: sums that are not
// counts, such as rank sums, are left out).
func (t *Tally) count(qs []*Question, visible map[string]bool, r *Response, w int, keys bool) {
	t.Responses += w
	if t.Days == nil {
		t.Days = map[string]int{}
	}
	t.Days[r.Day] += w
	if t.Questions == nil {
		t.Questions = map[string]*QuestionTally{}
	}
	for _, q := range qs {
		if visible[q.ID] {
			t.countQuestion(q, r, w, keys)
		}
	}
}

// countQuestion counts a response that saw q: seen, and its answer.
func (t *Tally) countQuestion(q *Question, r *Response, w int, keys bool) {
	if t.Questions == nil {
		t.Questions = map[string]*QuestionTally{}
	}
	qt := t.Questions[q.ID]
	if qt == nil {
		qt = &QuestionTally{}
		t.Questions[q.ID] = qt
	}
	qt.Seen += w
	if a, ok := r.Answers[q.ID]; ok {
		qt.countAnswer(q, a, w, keys)
	}
}

// countAnswer adds w to the counts one answer to q falls in.
func (qt *QuestionTally) countAnswer(q *Question, a Answer, w int, keys bool) {
	qt.Answered += w
	if !keys {
		qt.Removed += a.Removed
	}
	if a.Other != "" {
		qt.Other += w
	}
	switch q.Type {
	case SingleChoice:
		inc(&qt.Options, a.Choice, w)
	case MultipleChoice:
		for _, c := range a.Choices {
			inc(&qt.Options, c, w)
		}
	case Scale:
		if a.DontKnow {
			qt.DontKnow += w
		} else {
			inc(&qt.Values, strconv.Itoa(a.Point), w)
		}
	case Number:
		inc(&qt.Values, numberBucket(q, a.Number), w)
	case Ranking:
		qt.countRanking(a.Order, w, keys)
	case Matrix:
		qt.countMatrix(a.Rows, w)
	}
}

// countRanking counts a ranking: its first place, each option's place and
// (not for keys) the sum of each option's ranks.
func (qt *QuestionTally) countRanking(order []string, w int, keys bool) {
	for i, c := range order {
		if i == 0 {
			inc(&qt.Options, c, w)
		}
		if !keys {
			inc(&qt.RankSums, c, i+1)
		}
		if qt.Places == nil {
			qt.Places = map[string][]int{}
		}
		places := qt.Places[c]
		for len(places) < len(order) {
			places = append(places, 0)
		}
		places[i] += w
		qt.Places[c] = places
	}
}

// countMatrix counts each statement answered: its point, or "don't know"
// (0).
func (qt *QuestionTally) countMatrix(rows map[string]int, w int) {
	if qt.Rows == nil {
		qt.Rows = map[string]*QuestionTally{}
	}
	for code, p := range rows {
		row := qt.Rows[code]
		if row == nil {
			row = &QuestionTally{}
			qt.Rows[code] = row
		}
		row.Answered += w
		if p == 0 {
			row.DontKnow += w
		} else {
			inc(&row.Values, strconv.Itoa(p), w)
		}
	}
}

// NumberLevels is the most distinct values a number question's tally
// keeps: a tally that kept every distinct answer would grow with the
// responses (and so would every summary computed from it).
const NumberLevels = 200

// numberBucket is the value a number answer is counted as: itself when
// the question's bounds hold at most NumberLevels whole numbers, else the
// bottom of its step of 1/NumberLevels of the range (whole for an integer
// question); without bounds, three significant digits (and 0 below
// 0.001: at most about 22,000 values). Statistics of
// number questions are exact to that resolution; bins, whose edges lie on
// the steps, are exact.
func numberBucket(q *Question, v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return NumberKey(0)
	}
	if q.Min == nil || q.Max == nil || *q.Max <= *q.Min {
		if math.Abs(v) < 0.001 {
			return NumberKey(0) // answers are within ±MaxNumber: 12 decades of 900 values each side
		}
		digits := math.Floor(math.Log10(math.Abs(v))) - 2
		p := math.Pow(10, digits)
		if r := math.Round(v/p) * p; !math.IsInf(r, 0) && !math.IsNaN(r) {
			return strconv.FormatFloat(r, 'g', 3, 64)
		}
		return NumberKey(v)
	}
	lo, hi := *q.Min, *q.Max
	step := (hi - lo) / NumberLevels
	if q.Integer {
		if hi-lo <= NumberLevels {
			return NumberKey(math.Round(v))
		}
		step = math.Ceil(step)
	}
	if step <= 0 || math.IsInf(step, 0) || math.IsNaN(step) {
		return NumberKey(v)
	}
	b := math.Max(lo, math.Min(hi, lo+math.Floor((v-lo)/step)*step))
	// Rounding can put a step's bottom just across a bin's edge: keep it
	// in the bin of the value itself.
	// (Bounds that hold more than NumberLevels values make numberRanges
	// bins, binRanges.)
	for i := range numberRanges {
		from, to := numberRange(lo, hi, q.Integer, i)
		if i == 0 {
			from = math.Inf(-1)
		}
		if i == numberRanges-1 {
			to = math.Inf(1)
		}
		if v >= from && v <= to {
			b = math.Max(from, math.Min(to, b))
			break
		}
	}
	return NumberKey(b)
}

// NumberKey is how a number answer is counted: its shortest exact decimal.
func NumberKey(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func inc(m *map[string]int, key string, by int) {
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[key] += by
}

// Merge adds another tally into t.
func (t *Tally) Merge(o *Tally) {
	if o == nil {
		return
	}
	if o.Keys != nil {
		if t.Keys == nil {
			t.Keys = &Tally{}
		}
		t.Keys.Merge(o.Keys)
	}
	t.Responses += o.Responses
	for d, n := range o.Days {
		inc(&t.Days, d, n)
	}
	for id, oq := range o.Questions {
		if t.Questions == nil {
			t.Questions = map[string]*QuestionTally{}
		}
		q := t.Questions[id]
		if q == nil {
			q = &QuestionTally{}
			t.Questions[id] = q
		}
		q.merge(oq)
	}
	for key, oc := range o.Cells {
		if t.Cells == nil {
			t.Cells = map[string]*Tally{}
		}
		c := t.Cells[key]
		if c == nil {
			c = &Tally{}
			t.Cells[key] = c
		}
		c.Merge(oc)
	}
	if len(o.Cells) > 0 {
		t.boundCells()
	}
	for dim, groups := range o.Breakdowns {
		if t.Breakdowns == nil {
			t.Breakdowns = map[string]map[string]*Tally{}
		}
		if t.Breakdowns[dim] == nil {
			t.Breakdowns[dim] = map[string]*Tally{}
		}
		for g, og := range groups {
			tg := t.Breakdowns[dim][g]
			if tg == nil {
				tg = &Tally{}
				t.Breakdowns[dim][g] = tg
			}
			tg.Merge(og)
		}
	}
}

func (q *QuestionTally) merge(o *QuestionTally) {
	q.Seen += o.Seen
	q.Answered += o.Answered
	q.DontKnow += o.DontKnow
	q.Other += o.Other
	q.Removed += o.Removed
	for k, n := range o.Options {
		inc(&q.Options, k, n)
	}
	for k, n := range o.Values {
		inc(&q.Values, k, n)
	}
	for k, n := range o.RankSums {
		inc(&q.RankSums, k, n)
	}
	for k, op := range o.Places {
		if q.Places == nil {
			q.Places = map[string][]int{}
		}
		places := q.Places[k]
		for len(places) < len(op) {
			places = append(places, 0)
		}
		for i, n := range op {
			places[i] += n
		}
		q.Places[k] = places
	}
	for code, or := range o.Rows {
		if q.Rows == nil {
			q.Rows = map[string]*QuestionTally{}
		}
		r := q.Rows[code]
		if r == nil {
			r = &QuestionTally{}
			q.Rows[code] = r
		}
		r.merge(or)
	}
}

// TallyDifferences describes where two tallies differ (empty when equal):
// the response counts, days, questions and breakdown groups.
func TallyDifferences(a, b *Tally) []string {
	var out []string
	if a.Responses != b.Responses {
		out = append(out, fmt.Sprintf("responses: %d vs %d", a.Responses, b.Responses))
	}
	if !maps.Equal(a.Days, b.Days) {
		out = append(out, "responses per day")
	}
	ids := map[string]bool{}
	for id := range a.Questions {
		ids[id] = true
	}
	for id := range b.Questions {
		ids[id] = true
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		if !reflect.DeepEqual(a.Questions[id], b.Questions[id]) {
			out = append(out, "question "+id)
		}
	}
	if !reflect.DeepEqual(a.Cells, b.Cells) && (len(a.Cells) > 0 || len(b.Cells) > 0) {
		out = append(out, "cross-classified cells")
	}
	dims := map[string]bool{}
	for d := range a.Breakdowns {
		dims[d] = true
	}
	for d := range b.Breakdowns {
		dims[d] = true
	}
	for _, d := range slices.Sorted(maps.Keys(dims)) {
		groups := map[string]bool{}
		for g := range a.Breakdowns[d] {
			groups[g] = true
		}
		for g := range b.Breakdowns[d] {
			groups[g] = true
		}
		for _, g := range slices.Sorted(maps.Keys(groups)) {
			ga, gb := a.Breakdowns[d][g], b.Breakdowns[d][g]
			if ga == nil {
				ga = &Tally{}
			}
			if gb == nil {
				gb = &Tally{}
			}
			for _, sub := range TallyDifferences(ga, gb) {
				out = append(out, "breakdown "+d+"="+g+": "+sub)
			}
		}
	}
	return out
}
