package surveys

import (
	"encoding/json"
	"errors"
	"hash/fnv"
	"maps"
	"math"
	"slices"
	"strconv"
)

// Weighted figures of a release (docs/statistics.md, "Weighting").
//
// Disclosure control. The weights are computed from the release's
// cross-classified cells, which are never published, and an organiser
// may give any margins, even ones that put nearly all the weight on one
// small combination of answers (an attack review did: the weighted
// figures were then one young person's answers). So:
//
//  1. The weights are computed from perturbed cell sizes only, perturbed
//     by each cell's own key (the sum of its respondents' record keys):
//     the same respondents always give the same noise, so asking again,
//     in another release, or with other margins averages nothing away.
//  2. No weight may be more than MaxWeightRatio times the mean weight:
//     the organiser's upper trimming bound is narrowed to it, and margins
//     that cannot be met within it are refused (ErrWeightingUnusable).
//  3. Every weighted sum that a figure is made of carries noise of one
//     largest weight (for a mean, one largest weight times the largest
//     value), drawn as the noise of a published count is (variance 1,
//     at most 2) from the key of the count it weights, mixed with the
//     release's and the margins': a respondent, whatever their weight,
//     moves a weighted figure by no more than that noise hides, as a
//     respondent moves a published count by one against noise of
//     variance one. (Several margins on one release give independent
//     draws, which averaging would shrink by the root of their number;
//     each change of margins is audited.)
//  4. A weighted figure is shown only beside the unweighted one it
//     weights (so primary and complementary suppression hold), and a
//     question whose effective sample size is below k shows none: margins
//     that give a small group nearly all the weight make the effective
//     sample size that group's size, so no figure is then the answers of
//     fewer than k, as no published count is.
//  5. What describes the weighting (respondents raked and not, the
//     effective sample size, the weights' spread) comes from perturbed
//     counts and is rounded.
//
// TestWeightedFiguresRevealNothing attacks them with the margins an
// organiser could choose.

// MaxWeightRatio bounds every weight relative to the mean weight (rule 2).
const MaxWeightRatio = 5

// ErrWeightingUnusable: the release's respondents cannot be weighted to
// the margins (Reason says why); no weighted figure is published.
type ErrWeightingUnusable struct {
	// Reason: "margins" (they no longer fit the survey), "empty" (a
	// category with a total has no respondents), "converge" (the totals
	// cannot be met), "bounds" (not within MaxWeightRatio) or "overflow"
	// (the breakdown questions changed so often that their combinations
	// are no longer counted: MaxStoredCells).
	Reason string
}

func (e *ErrWeightingUnusable) Error() string {
	return "surveys: the release cannot be weighted: " + e.Reason
}

// unusable turns a raking failure into ErrWeightingUnusable: which
// category was empty is not said, as it tells which perturbed sizes are 0.
func unusable(err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) && len(ve.Errors) > 0 {
		switch ve.Errors[0].Code {
		case CodeWeightingEmpty:
			return &ErrWeightingUnusable{Reason: "empty"}
		case CodeWeightingConverge:
			return &ErrWeightingUnusable{Reason: "converge"}
		}
		return &ErrWeightingUnusable{Reason: "margins"}
	}
	return err
}

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
	// NewerTotals: the survey's totals changed after this release was
	// first weighted; these figures keep the totals it was weighted with
	// (one set per release), and the new ones apply from the next release.
	NewerTotals bool `json:"newer_totals,omitempty"`
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

// weightingScope salts the perturbation of weighting cells' sizes (a
// constant, so that a cell's noise changes only with its respondents).
const weightingScope = 0x5745_4947 // "WEIG"

// Weighted gives the release's weighted estimates for margins m at the
// level asked for, from cells, the release's cross-classified cells (its
// tally's Cells: they are read apart from the rest of it). It fails with
// *ErrWeightingUnusable when the margins no longer fit the survey or the
// release's respondents cannot be raked to them within the bounds; nil
// results when the release is withheld (fewer than k responses). On the
// live view (Exact), the owners' audited preview, nothing is perturbed,
// noised or suppressed, and the same bounds apply.
func (p *Protected) Weighted(cells map[string]*Tally, m *Margins, lang string, level int) (*WeightedResults, error) {
	if !p.exact && p.tally.Responses < p.k {
		return nil, nil
	}
	f, err := m.Frame(p.def)
	if err != nil {
		return nil, unusable(err)
	}
	if cells[OverflowCell] != nil {
		return nil, &ErrWeightingUnusable{Reason: "overflow"}
	}
	laid := p.weightingCells(f, cells)
	sizes := make([]int, f.Cells())
	notRaked, n := 0, 0
	for _, c := range laid {
		n += c.size
		if c.index < f.Cells() {
			sizes[c.index] += c.size
		} else {
			notRaked += c.size
		}
	}
	opt := m.RakeOptions()
	if opt.TrimHigh == 0 || opt.TrimHigh > MaxWeightRatio {
		opt.TrimHigh = MaxWeightRatio
	}
	w, err := f.Rake(sizes, opt)
	if err != nil {
		return nil, unusable(err)
	}
	if w.MaxRatio > MaxWeightRatio*(1+1e-3) {
		// The cap could not be kept (the organiser's lower bound may be
		// missed: the margins then win, and Trimmed says so).
		return nil, &ErrWeightingUnusable{Reason: "bounds"}
	}
	out := &WeightedResults{Level: level, Missing: m.Missing, Raked: roundTo(n-notRaked, 10), NotRaked: roundTo(notRaked, 10),
		Iterations: w.Iterations, Trim: m.Trim, Trimmed: w.Trimmed, MinWeight: round(w.MinRatio, 2), MaxWeight: round(w.MaxRatio, 2)}
	var sw, sw2 float64
	for _, c := range laid {
		wc := w.weight(c.index)
		sw += float64(c.size) * wc
		sw2 += float64(c.size) * wc * wc
	}
	if sw > 0 {
		out.Deff = round(float64(n)*sw2/(sw*sw), 2)
	}
	out.Dimensions = p.weightingDimensions(m, lang)
	everyone := p.group("", "", "", lang)
	published := map[string]*QuestionResults{}
	for i := range everyone.Questions {
		published[everyone.Questions[i].ID] = &everyone.Questions[i]
	}
	// The noise is drawn afresh for other margins: with the same draws,
	// figures of one release under several margins (an organiser
	// correcting a total) would be equations that solve for the draws.
	salt := marginsSalt(m)
	crossed := map[string]bool{}
	for _, d := range p.def.CrossDimensions() {
		crossed[d.ID] = true
	}
	for _, q := range p.def.Questions() {
		pub := published[q.ID]
		if pub == nil || !crossCounted[q.Type] || (q.Breakdown && !crossed[q.ID]) {
			continue
		}
		wq := WeightedQuestion{ID: q.ID, Type: q.Type, Text: q.Text.In(lang, p.def.DefaultLanguage)}
		switch q.Type {
		case SingleChoice, MultipleChoice:
			p.weightedOptions(&wq, q, pub, laid, w, level, lang, salt)
		default:
			p.weightedMean(&wq, q, pub, laid, w, level, salt)
		}
		out.Questions = append(out.Questions, wq)
	}
	return out, nil
}

// marginsSalt names margins for the noise's keys (their JSON: the same
// margins always give the same name).
func marginsSalt(m *Margins) string {
	b, _ := json.Marshal(m) // numbers, strings and maps of them
	return strconv.FormatInt(countKey(string(b)), 36) + "|"
}

// roundTo rounds n to the nearest multiple of step.
func roundTo(n, step int) int { return (n + step/2) / step * step }

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
	const scope = int64(weightingScope)
	for _, key := range slices.Sorted(maps.Keys(cells)) {
		t := cells[key]
		codes := CellCodes(key)
		dims := make([]string, len(f.Dims))
		for i, d := range f.Dims {
			dims[i] = codes[d.Question]
		}
		size := p.protect(t.Responses, keyOf(t, func(k *Tally) int { return k.Responses }), scope)
		index, ok := f.Cell(dims)
		if !ok || size == 0 {
			// Not stated, or perturbed to nobody: raking gives such a
			// cell no weight of its own (nor bounds it), so its
			// respondents keep the mean weight, as those not raked.
			index = f.Cells()
		}
		out = append(out, weightingCell{key: key, t: t, index: index, size: size, codes: codes})
	}
	return out
}

// protect is the perturbed value of an exact count (the exact one in
// the live view, or when perturbation is off, in tests), whose noise key
// mixes with scope.
func (p *Protected) protect(count int, key, scope int64) int {
	if !perturbation || p.exact {
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

// weightedSums is what a weighted figure is made of: per cell (laid
// out as the release's cells), the exact count of the figure's base and
// the exact weighted numerator's parts.
type weightedSums struct {
	base, eff   float64 // Σ w·answered (exact), the same of perturbed counts
	base2, eff2 float64 // Σ w²·answered (exact), the same of perturbed counts
	wmax        float64 // the largest weight of anyone in the base
	exactBase   int
}

// add counts a cell's answered respondents (exact a, perturbed pa) of weight wc.
func (s *weightedSums) add(wc float64, a, pa int) {
	s.exactBase += a
	s.base += wc * float64(a)
	s.base2 += wc * wc * float64(a)
	s.eff += wc * float64(pa)
	s.eff2 += wc * wc * float64(pa)
	if a > 0 {
		s.wmax = max(s.wmax, wc)
	}
}

// nEff is Kish's effective sample size of the base, from perturbed counts.
func (s *weightedSums) nEff() float64 {
	if s.eff2 <= 0 {
		return 0
	}
	return s.eff * s.eff / s.eff2
}

// noisy is a weighted sum with noise of scale times one draw of a
// published count's noise (variance 1, at most 2), picked by key (a
// record-key sum of the release's tally, salted) mixed with the
// release's key (rule 3).
func (p *Protected) noisy(sum, scale float64, key int64, salt string) float64 {
	if !perturbation || p.exact {
		return sum
	}
	release := int64(0)
	if p.tally.Keys != nil {
		release = int64(p.tally.Keys.Responses)
	}
	e := perturb(ptableTop+100, cellUniform(key^countKey("weighted", salt), release)) - (ptableTop + 100)
	return sum + scale*float64(e)
}

// releaseKeys is the release tally's record-key sums of question id.
func (p *Protected) releaseKeys(id string) *QuestionTally {
	if p.tally.Keys != nil && p.tally.Keys.Questions[id] != nil {
		return p.tally.Keys.Questions[id]
	}
	return &QuestionTally{}
}

// weightedOptions fills a choice question's weighted percentages: each
// option's weighted count over the weighted base, both with noise of one
// largest weight (rule 3), and the Wilson interval on the effective
// sample size.
func (p *Protected) weightedOptions(wq *WeightedQuestion, q *Question, pub *QuestionResults, cells []weightingCell, w *Weights, level int, lang, salt string) {
	var sums weightedSums
	chose := make([]float64, len(q.Options))
	for _, c := range cells {
		wc := w.weight(c.index)
		if q.Breakdown { // a classifying question: its answer is in the cell's key
			code := c.codes[q.ID]
			i := slices.IndexFunc(q.Options, func(o Option) bool { return o.Code == code })
			if i < 0 {
				continue
			}
			sums.add(wc, c.t.Responses, c.size)
			chose[i] += wc * float64(c.t.Responses)
			continue
		}
		qt := cellQuestion(c.t, q.ID)
		sums.add(wc, qt.Answered, p.protect(qt.Answered, countKey(q.ID), keyOf(c.t, func(k *Tally) int { return k.Responses })))
		for i, o := range q.Options {
			chose[i] += wc * float64(qt.Options[o.Code])
		}
	}
	nEff := sums.nEff()
	shown := !pub.Answered.Suppressed && sums.exactBase >= p.k && nEff >= float64(p.k)
	if shown {
		wq.NEff, wq.Deff = ptr(round(nEff, 0)), ptr(round(float64(sums.exactBase)/nEff, 2))
	}
	keys := p.releaseKeys(q.ID)
	base := p.noisy(sums.base, sums.wmax, int64(keys.Answered), salt+q.ID)
	z := levelZ[level]
	for i, o := range q.Options {
		wc := WeightedCount{Code: o.Code, Label: o.Label.In(lang, p.def.DefaultLanguage), Suppressed: true}
		var published bool
		for _, po := range pub.Options {
			if po.Code == o.Code {
				published = po.Count.Pct != nil && !po.Count.Suppressed
			}
		}
		if shown && published && base > 0 {
			// An option nobody chose is published as 0 unweighted (an
			// exact 0); its weighted share is 0 too, not a draw of noise.
			prop := 0.0
			if chose[i] > 0 {
				x := p.noisy(chose[i], sums.wmax, int64(keys.Options[o.Code]), salt+q.ID+"/"+o.Code)
				prop = min(1, max(0, x/base))
			}
			lo, hi := wilsonN(prop, nEff, z)
			wc.Suppressed = false
			wc.Pct, wc.CILow, wc.CIHigh = ptr(round(100*prop, 1)), ptr(round(100*lo, 1)), ptr(round(100*hi, 1))
		}
		wq.Options = append(wq.Options, wc)
	}
}

// weightedMean fills a scale's, or a bounded number question's, weighted
// mean: the weighted sum of the values and the weighted base, each with
// noise of one largest weight (times the largest value for the sum), and
// Student's t interval on the effective sample size; shown only where
// the release shows the unweighted statistics.
func (p *Protected) weightedMean(wq *WeightedQuestion, q *Question, pub *QuestionResults, cells []weightingCell, w *Weights, level int, salt string) {
	lo, hi, bounded := valueBounds(q)
	if pub.Stats == nil || pub.StatsWithheld || !bounded {
		return
	}
	var sums weightedSums
	var sy, py, py2 float64 // Σ w·value (exact); Σ w·value and Σ w·value² of perturbed counts
	for _, c := range cells {
		wc := w.weight(c.index)
		qt := cellQuestion(c.t, q.ID)
		cell := keyOf(c.t, func(k *Tally) int { return k.Responses })
		n, pn := 0, 0
		for v, m := range qt.Values {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				continue
			}
			pm := p.protect(m, countKey(q.ID, "=", v), cell)
			n += m
			pn += pm
			sy += wc * float64(m) * x
			py += wc * float64(pm) * x
			py2 += wc * float64(pm) * x * x
		}
		sums.add(wc, n, pn)
	}
	nEff := sums.nEff()
	if sums.exactBase < p.k || nEff < float64(max(p.k, 2)) || sums.base <= 0 {
		return
	}
	keys := p.releaseKeys(q.ID)
	scale := max(math.Abs(lo), math.Abs(hi))
	base := p.noisy(sums.base, sums.wmax, int64(keys.Answered), salt+q.ID+"/n")
	total := p.noisy(sy, sums.wmax*scale, int64(keys.Answered), salt+q.ID+"/sum")
	if base <= 0 {
		return
	}
	mean := min(hi, max(lo, total/base))
	// The SD (the interval's width) from perturbed counts, as the
	// unweighted statistics: from exact ones, its width would tell an
	// extreme value of one respondent from a middling one, noise-free.
	sd := 0.0
	if sums.eff > 0 {
		sd = math.Sqrt(max(0, py2/sums.eff-(py/sums.eff)*(py/sums.eff)))
	}
	half := tCritical(level, int(nEff)-1) * sd / math.Sqrt(nEff)
	wq.NEff, wq.Deff = ptr(round(nEff, 0)), ptr(round(float64(sums.exactBase)/nEff, 2))
	wq.Mean, wq.MeanCILow, wq.MeanCIHigh = ptr(round(mean, 2)), ptr(round(mean-half, 2)), ptr(round(mean+half, 2))
}

// valueBounds are the smallest and largest value a scale or number
// question can have; false for a number question without both bounds
// (its weighted mean would need noise of an unbounded value).
func valueBounds(q *Question) (lo, hi float64, ok bool) {
	switch {
	case q.Type == Scale:
		return 0, float64(q.Points), true
	case q.Type == Number && q.Min != nil && q.Max != nil:
		return *q.Min, *q.Max, true
	}
	return 0, 0, false
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
