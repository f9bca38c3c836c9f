package surveys

import (
	"strings"
)

// The cross-classification of a tally (docs/statistics.md, "Weighting"):
// respondents counted by their answers to all the survey's breakdown
// questions together, one cell per combination of codes, so that
// weighting can rake over several of them at once. Breakdowns
// (Tally.Breakdowns) are one question at a time and cannot give the
// combinations.
//
// Every survey with breakdown questions keeps it from its first response,
// whether or not margins are ever given: margins are usually given once
// the responses are in (the totals come from the statistics office), and
// a tally cannot be cross-classified afterwards without reading every
// response again. It is kept incrementally like the rest of the tally
// (Add, Merge): no response is read again when weighted figures are
// asked for.

// Bounds of the cross-classification. MaxCrossCells bounds the
// combinations: the product of (options + 1) over the classifying
// breakdown questions (the 1 for "not answered"); the largest survey's
// breakdowns (four of MaxBreakdownOptions) could make 28,561.
// MaxCrossCounters bounds what they hold: the combinations times the
// counts one cell keeps (CellCounters), so that a survey's cells take no
// more than four times the counts of its largest summary
// (MaxSummaryCells). The breakdown questions are taken in question order
// while both bounds hold (CrossDimensions): age band (8), gender (5) and
// region (25) of a survey of 30 choice questions fit.
const (
	MaxCrossCells    = 4096
	MaxCrossCounters = 4 * MaxSummaryCells
	// MaxStoredCells bounds the cells of a tally over all its revisions:
	// each revision's are within MaxCrossCells, but an open survey whose
	// breakdown questions change at every revision would add new ones
	// each time. Beyond it the cells are given up for one count of their
	// respondents (OverflowCell), whatever order responses and tallies
	// were added in (the union of the cells only grows), and the survey
	// can no longer be weighted.
	MaxStoredCells = 4 * MaxCrossCells
)

// OverflowCell is the one cell of a tally whose cells passed
// MaxStoredCells.
const OverflowCell = "_overflow"

// crossCounted are the question types a cell counts: those with weighted
// estimates (choice questions' proportions, scale and number means).
var crossCounted = map[QuestionType]bool{SingleChoice: true, MultipleChoice: true, Scale: true, Number: true}

// CellCounters is the most counts one cell of def keeps: its size, and
// for each counted question that is not a breakdown, seen, answered and
// one per option, point (with "don't know") or number value.
func (d *Definition) CellCounters() int {
	n := 1
	for _, q := range d.Questions() {
		if q.Breakdown || !crossCounted[q.Type] {
			continue
		}
		n += 2
		switch q.Type {
		case SingleChoice, MultipleChoice:
			n += len(q.Options)
		case Scale:
			n += q.Points + 2 // the points, "don't know", and a 0 point
		case Number:
			n += NumberLevels + 1
		}
	}
	return n
}

// CrossDimensions are the breakdown questions def's responses are
// cross-classified by: in question order, as many as keep within
// MaxCrossCells combinations and MaxCrossCounters counts.
func (d *Definition) CrossDimensions() []*Question {
	var out []*Question
	product, per := 1, d.CellCounters()
	for _, q := range d.Questions() {
		if !q.Breakdown || q.Type != SingleChoice {
			continue
		}
		next := product * (len(q.Options) + 1)
		if next > MaxCrossCells || next*per > MaxCrossCounters {
			break
		}
		product = next
		out = append(out, q)
	}
	return out
}

// CellKey names a cell: "question=code" for each classifying question,
// joined by "|" (codes and ids hold neither), NoGroup for a question not
// answered. The key says which questions it is of, so tallies of
// revisions with other breakdowns merge without confusion.
func CellKey(dims []*Question, answers map[string]Answer) string {
	var b strings.Builder
	for i, q := range dims {
		if i > 0 {
			b.WriteByte('|')
		}
		code := NoGroup
		if a, ok := answers[q.ID]; ok && a.Choice != "" {
			code = a.Choice
		}
		b.WriteString(q.ID)
		b.WriteByte('=')
		b.WriteString(code)
	}
	return b.String()
}

// CellCodes reads a cell key: question id -> code.
func CellCodes(key string) map[string]string {
	out := map[string]string{}
	for part := range strings.SplitSeq(key, "|") {
		if q, code, ok := strings.Cut(part, "="); ok {
			out[q] = code
		}
	}
	return out
}

// addToCell counts a response in its cell of t.Cells: the cell's size and
// its answers to the counted questions that are not classifying ones (no
// days: a cell is never shown by day). Of record keys a cell keeps only
// their sum over its respondents (Keys.Responses): every count of the
// cell is perturbed with it (Protected.Weighted), so a cell anyone joined
// is perturbed afresh and one nobody joined keeps its noise, which is all
// that per-count key sums would give there, at half the size.
func (t *Tally) addToCell(dims []*Question, qs []*Question, visible map[string]bool, r *Response, rk int) {
	if len(dims) == 0 {
		return
	}
	key := CellKey(dims, r.Answers)
	if t.Cells == nil {
		t.Cells = map[string]*Tally{}
	}
	if o := t.Cells[OverflowCell]; o != nil {
		o.Responses++
		return
	}
	c := t.Cells[key]
	if c == nil {
		c = &Tally{Keys: &Tally{}}
		t.Cells[key] = c
	}
	c.Keys.Responses += rk
	c.countCell(qs, visible, r)
	t.boundCells()
}

// boundCells gives up the cells beyond MaxStoredCells (or once given up).
func (t *Tally) boundCells() {
	if len(t.Cells) <= MaxStoredCells && (t.Cells[OverflowCell] == nil || len(t.Cells) == 1) {
		return
	}
	n := 0
	for _, c := range t.Cells {
		n += c.Responses
	}
	t.Cells = map[string]*Tally{OverflowCell: {Responses: n}}
}

func (t *Tally) countCell(qs []*Question, visible map[string]bool, r *Response) {
	const w = 1
	t.Responses += w
	for _, q := range qs {
		if visible[q.ID] && !q.Breakdown && crossCounted[q.Type] {
			t.countQuestion(q, r, w, false)
		}
	}
}
