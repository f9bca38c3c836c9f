package surveys

import (
	"hash/fnv"
	"maps"
	"math"
	"slices"
	"strconv"
)

// Weighted figures of a release (docs/statistics.md, "Weighting").
//
// Disclosure control. The weights are computed from the release's
// cross-classified cells, which are never published; an exact cell count
// that moved a weight, a design effect or a weighted percentage could be
// worked back from them, and two releases differenced. So nothing here
// reads an exact count: every cell's size, every option count of a cell
// and every value count is perturbed first, by the cell-key method
// (ckm.go) with the unbiased table of the counts statistics are computed
// from (perturbValue: 1 may become 0, so a newcomer alone in a cell
// leaves no trace two times in three). A count's noise is picked by the
// cell's key (the sum of its respondents' record keys) mixed with what
// the count is of (question, option or value), and a cell's size by its
// key mixed with the release's. The same records give the same noise,
// and a cell anyone joined is perturbed afresh, so a weighted figure is
// a function of protected counts only,
// as the unweighted tables are (TestWeightedFiguresRevealNothing). On top of
// that, a weighted figure is shown only beside the unweighted one it
// weights: an option, a base or a mean the release suppresses has no
// weighted figure (so complementary suppression holds too), and every
// count below k is suppressed whatever its weight (WeightedProportions).

// WeightedResults is the weighted estimates of a release.
type WeightedResults struct {
	Level int `json:"ci_level"`
	// Dimensions: the margins, as the organiser gave them.
	Dimensions []WeightingDimension `json:"dimensions"`
	// Missing is the rule for respondents who did not state a dimension;
	// Raked and NotRaked how many respondents (perturbed, as published
	// counts) were raked and given the mean weight.
	Missing  string `json:"missing"`
	Raked    int    `json:"raked"`
	NotRaked int    `json:"not_raked"`
	// Deff is Kish's design effect of the weights over all respondents;
	// MinWeight and MaxWeight the smallest and largest weight relative to
	// the mean weight; Iterations the raking's sweeps; Trimmed whether the
	// weights lie within the trimming bounds asked for (Trim).
	Deff       float64 `json:"deff"`
	MinWeight  float64 `json:"min_weight"`
	MaxWeight  float64 `json:"max_weight"`
	Iterations int     `json:"iterations"`
	Trim       *Trim   `json:"trim,omitempty"`
	Trimmed    bool    `json:"trimmed"`
	// Questions: the weighted estimates of every choice, scale and number
	// question, in the survey's order.
	Questions []WeightedQuestion `json:"questions"`
}

// WeightingDimension is one dimension of the margins.
type WeightingDimension struct {
	Question string           `json:"question"`
	Text     string           `json:"text"`
	Totals   []WeightingTotal `json:"totals"`
}

// WeightingTotal is one category's population total (NotStated: the code
// is "not stated", without a total).
type WeightingTotal struct {
	Code      string   `json:"code"`
	Label     string   `json:"label"`
	Total     *float64 `json:"total,omitempty"`
	NotStated bool     `json:"not_stated,omitempty"`
}

// WeightedQuestion is one question's weighted estimates.
type WeightedQuestion struct {
	ID   string       `json:"id"`
	Type QuestionType `json:"type"`
	Text string       `json:"text"`
	// NEff is Kish's effective sample size of those who answered, Deff the
	// design effect; none where the question's base is not shown.
	NEff *float64 `json:"n_eff,omitempty"`
	Deff *float64 `json:"deff,omitempty"`
	// Options: choice questions, each option's weighted percentage.
	Options []WeightedCount `json:"options,omitempty"`
	// Mean: scale and number questions, the weighted mean with its
	// interval (Student's t on n_eff).
	Mean       *float64 `json:"mean,omitempty"`
	MeanCILow  *float64 `json:"mean_ci_low,omitempty"`
	MeanCIHigh *float64 `json:"mean_ci_high,omitempty"`
}

// WeightedCount is an option's weighted percentage and its interval
// (Wilson on n_eff), or the fact that it is suppressed.
type WeightedCount struct {
	Code       string   `json:"code"`
	Label      string   `json:"label"`
	Pct        *float64 `json:"pct,omitempty"`
	CILow      *float64 `json:"ci_low,omitempty"`
	CIHigh     *float64 `json:"ci_high,omitempty"`
	Suppressed bool     `json:"suppressed,omitempty"`
}

// weightingScope salts the perturbation of weighting cells' sizes, so
// that a cell holding everyone is not perturbed as the published total is
// (which is exact).
const weightingScope = 0x5745_4947 // "WEIG"

// Weighted gives the release's weighted estimates for margins m at the
// level asked for, from cells, the release's cross-classified cells (its
// tally's Cells: they are read apart from the rest of it). It fails with a *ValidationError (pointers into the
// margins) when the margins do not fit the survey or the release's
// respondents cannot be raked to them; nil results when the release is
// withheld (fewer than k responses). Only for releases: the live view is
// not weighted.
func (p *Protected) Weighted(cells map[string]*Tally, m *Margins, lang string, level int) (*WeightedResults, error) {
	if p.exact || p.tally.Responses < p.k {
		return nil, nil
	}
	f, err := m.Frame(p.def)
	if err != nil {
		return nil, err
	}
	laid := p.weightingCells(f, cells)
	sizes := make([]int, f.Cells())
	notRaked := 0
	for _, c := range laid {
		if c.index < f.Cells() {
			sizes[c.index] += c.size
		} else {
			notRaked += c.size
		}
	}
	w, err := f.Rake(sizes, m.RakeOptions())
	if err != nil {
		return nil, err
	}
	out := &WeightedResults{Level: level, Missing: m.Missing, NotRaked: notRaked, Iterations: w.Iterations, Trim: m.Trim,
		Trimmed: w.Trimmed, MinWeight: round(w.MinRatio, 3), MaxWeight: round(w.MaxRatio, 3)}
	var sw, sw2, n float64
	for _, c := range laid {
		wc := w.weight(c.index)
		sw += float64(c.size) * wc
		sw2 += float64(c.size) * wc * wc
		n += float64(c.size)
	}
	out.Raked = int(n) - notRaked
	if sw2 > 0 {
		out.Deff = round(n*sw2/(sw*sw), 3)
	}
	out.Dimensions = p.weightingDimensions(m, lang)
	everyone := p.group("", "", "", lang)
	published := map[string]*QuestionResults{}
	for i := range everyone.Questions {
		published[everyone.Questions[i].ID] = &everyone.Questions[i]
	}
	for _, q := range p.def.Questions() {
		pub := published[q.ID]
		if pub == nil || !crossCounted[q.Type] || (q.Breakdown && !slices.ContainsFunc(p.def.CrossDimensions(), func(d *Question) bool { return d.ID == q.ID })) {
			continue
		}
		wq := WeightedQuestion{ID: q.ID, Type: q.Type, Text: q.Text.In(lang, p.def.DefaultLanguage)}
		switch q.Type {
		case SingleChoice, MultipleChoice:
			if err := p.weightedOptions(&wq, q, pub, laid, w, f.Cells(), level, lang); err != nil {
				return nil, err
			}
		default:
			p.weightedMean(&wq, q, pub, laid, w, f.Cells(), level)
		}
		out.Questions = append(out.Questions, wq)
	}
	return out, nil
}

// weightingCell is one cross-classified cell of the release: its tally,
// its raking cell (f.Cells() when not raked) and its perturbed size.
type weightingCell struct {
	key   string
	t     *Tally
	index int
	size  int
	codes map[string]string
}

// weightingCells lays the release's cells out for f, in key order.
func (p *Protected) weightingCells(f *Frame, cells map[string]*Tally) []weightingCell {
	var out []weightingCell
	scope := int64(weightingScope)
	if p.tally.Keys != nil {
		scope += int64(p.tally.Keys.Responses)
	}
	for _, key := range slices.Sorted(maps.Keys(cells)) {
		t := cells[key]
		codes := CellCodes(key)
		dims := make([]string, len(f.Dims))
		for i, d := range f.Dims {
			dims[i] = codes[d.Question]
		}
		index, ok := f.Cell(dims)
		if !ok {
			index = f.Cells()
		}
		out = append(out, weightingCell{key: key, t: t, index: index, size: p.protect(t.Responses, keyOf(t, func(k *Tally) int { return k.Responses }), scope), codes: codes})
	}
	return out
}

// protect is the perturbed value of an exact count (the exact one when
// perturbation is off, in tests), whose noise key mixes with scope.
func (p *Protected) protect(count int, key, scope int64) int {
	if !perturbation {
		return count
	}
	return perturbValue(count, cellUniform(key, scope))
}

// keyOf reads a record-key sum of a cell's tally (0 without keys).
func keyOf(t *Tally, get func(*Tally) int) int64 {
	if t.Keys == nil {
		return 0
	}
	return int64(get(t.Keys))
}

// cellQuestion is a cell's counts of question id.
func cellQuestion(t *Tally, id string) *QuestionTally {
	if q := t.Questions[id]; q != nil {
		return q
	}
	return &QuestionTally{}
}

// countKey names what a count of a cell is of, to mix with the cell's key.
func countKey(parts ...string) int64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return int64(h.Sum64())
}

// weightedOptions fills a choice question's weighted percentages.
func (p *Protected) weightedOptions(wq *WeightedQuestion, q *Question, pub *QuestionResults, cells []weightingCell, w *Weights, raked, level int, lang string) error {
	answered := make([]int, raked+1)
	options := make([]OptionCells, len(q.Options))
	for i, o := range q.Options {
		options[i] = OptionCells{Code: o.Code, Cells: make([]int, raked+1)}
	}
	for _, c := range cells {
		if q.Breakdown {
			// A classifying question: its answer is in the cell's key.
			code := c.codes[q.ID]
			if code == "" || code == NoGroup {
				continue
			}
			answered[c.index] += c.size
			if i := slices.IndexFunc(q.Options, func(o Option) bool { return o.Code == code }); i >= 0 {
				options[i].Cells[c.index] += c.size
			}
			continue
		}
		qt := cellQuestion(c.t, q.ID)
		cell := keyOf(c.t, func(k *Tally) int { return k.Responses })
		a := p.protect(qt.Answered, countKey(q.ID), cell)
		answered[c.index] += a
		for i, o := range q.Options {
			options[i].Cells[c.index] += min(a, p.protect(qt.Options[o.Code], countKey(q.ID, o.Code), cell))
		}
	}
	t, err := w.WeightedProportions(answered, options, p.k, level)
	if err != nil {
		return err
	}
	shown := map[string]bool{}
	for _, o := range pub.Options {
		shown[o.Code] = o.Count.Pct != nil && !o.Count.Suppressed
	}
	if !pub.Answered.Suppressed && !t.Suppressed {
		wq.NEff, wq.Deff = ptr(round(t.NEff, 1)), ptr(round(t.Deff, 3))
	}
	for i, e := range t.Options {
		o := q.Options[i]
		wc := WeightedCount{Code: o.Code, Label: o.Label.In(lang, p.def.DefaultLanguage), Suppressed: true}
		if shown[o.Code] && !e.Suppressed && wq.NEff != nil {
			wc.Suppressed = false
			wc.Pct = ptr(round(100*e.Proportion, 1))
			wc.CILow, wc.CIHigh = ptr(round(100*e.CILow, 1)), ptr(round(100*e.CIHigh, 1))
		}
		wq.Options = append(wq.Options, wc)
	}
	return nil
}

// weightedMean fills a scale or number question's weighted mean, from
// perturbed value counts (as the published statistics are).
func (p *Protected) weightedMean(wq *WeightedQuestion, q *Question, pub *QuestionResults, cells []weightingCell, w *Weights, raked, level int) {
	if pub.Stats == nil || pub.StatsWithheld {
		return
	}
	n := make([]int, raked+1)
	sum := make([]float64, raked+1)
	sumSq := make([]float64, raked+1)
	for _, c := range cells {
		qt := cellQuestion(c.t, q.ID)
		cell := keyOf(c.t, func(k *Tally) int { return k.Responses })
		for _, v := range slices.Sorted(maps.Keys(qt.Values)) {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				continue
			}
			m := p.protect(qt.Values[v], countKey(q.ID, "=", v), cell)
			n[c.index] += m
			sum[c.index] += float64(m) * x
			sumSq[c.index] += float64(m) * x * x
		}
	}
	mean, _, low, high, ok := w.WeightedMean(n, sum, sumSq, p.k, level)
	if !ok {
		return
	}
	wq.Mean, wq.MeanCILow, wq.MeanCIHigh = ptr(round(mean, 2)), ptr(round(low, 2)), ptr(round(high, 2))
}

// weightingDimensions describes the margins in lang.
func (p *Protected) weightingDimensions(m *Margins, lang string) []WeightingDimension {
	var out []WeightingDimension
	for _, d := range m.Dimensions {
		q := p.def.Question(d.Question)
		if q == nil {
			continue
		}
		wd := WeightingDimension{Question: q.ID, Text: q.Text.In(lang, p.def.DefaultLanguage)}
		for _, o := range q.Options {
			t := WeightingTotal{Code: o.Code, Label: o.Label.In(lang, p.def.DefaultLanguage)}
			if v, ok := d.Totals[o.Code]; ok {
				t.Total = ptr(v)
			} else {
				t.NotStated = true
			}
			wd.Totals = append(wd.Totals, t)
		}
		out = append(out, wd)
	}
	return out
}

func ptr[T any](v T) *T { return &v }
