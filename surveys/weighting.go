package surveys

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Weighting to the population (docs/statistics.md, "Weighting").
//
// An organiser gives population totals (Margins) for one to
// MaxWeightingDimensions single-choice questions of the survey, such as
// age band, gender and region, from the national statistics office.
// Respondents are classified by their answers to all of them into cells
// (one per combination of codes), and Rake finds one weight per cell so
// that the weighted respondents add up to every given total. The weights
// then give weighted proportions (WeightedProportions) with intervals
// on Kish's effective sample size.
//
// This file holds the arithmetic only; storing margins, keeping the
// cross-classified counts and publishing weighted figures belong to the
// store and the API, which are not built yet.

// Bounds of a weighting request: every loop below runs over at most
// MaxWeightingCells cells for at most MaxRakeIterations sweeps.
const (
	MaxWeightingDimensions = 4
	MaxWeightingCells      = 1000
	// MaxPopulationTotal bounds one total: above any country's number of
	// young people, small enough that sums stay exact in float64.
	MaxPopulationTotal = 1e10
	// MarginAgreement is how far (relative) the sums of two dimensions'
	// totals may differ. Tables of a statistics office are often rounded
	// separately; within this they describe the same population and
	// every dimension is scaled to the first one's sum, beyond it one of
	// them is for another population and raking could not meet both.
	MarginAgreement = 0.005
	// MaxRakeIterations bounds the sweeps of one raking (R's rake has
	// maxit = 10 by default; a tight tolerance needs more).
	MaxRakeIterations = 1000
	// DefaultRakeEpsilon: raking stops when no weighted margin is
	// further than this (relative) from its population total.
	DefaultRakeEpsilon = 1e-10
	// MaxTrimRounds bounds the trim-and-rerake rounds of Rake.
	MaxTrimRounds = 100
	// MaxTrimHigh bounds the upper trimming bound an organiser may ask
	// for (times the mean weight).
	MaxTrimHigh = 1000
)

// MissingExclude is the one rule for respondents who did not state every
// weighting dimension (skipped one, or chose a code in NotStated): they
// are left out of the raking and given the mean weight of those raked,
// so they count as themselves, neither up nor down. The rule is named in
// the request (Margins.Missing) so a later rule (spreading them over the
// categories) can be added without changing the meaning of stored margins.
const MissingExclude = "exclude"

// Field codes of weighting; docs/statistics.md explains each.
const (
	// CodeWeightingType: a dimension whose question is not single-choice.
	CodeWeightingType Code = "weighting_type"
	// CodeWeightingCells: the dimensions' categories multiply to more than
	// MaxWeightingCells cells.
	CodeWeightingCells Code = "weighting_cells"
	// CodeWeightingTotals: a dimension's totals do not add up to (about)
	// the first dimension's, so they describe another population.
	CodeWeightingTotals Code = "weighting_totals"
	// CodeWeightingEmpty: a category with a population total has no
	// respondents, so no weight can make them stand for it.
	CodeWeightingEmpty Code = "weighting_empty"
	// CodeWeightingBreakdown: a dimension that is not one of the breakdown
	// questions the answers are cross-classified by (CrossDimensions).
	CodeWeightingBreakdown Code = "weighting_breakdown"
	// CodeWeightingConverge: raking did not meet the margins within
	// MaxRakeIterations sweeps (the respondents' cells cannot be
	// weighted to the totals, for example a combination the margins need
	// is empty).
	CodeWeightingConverge Code = "weighting_converge"
)

// Margins is an organiser's population totals, the body of the future
// PUT /v1/org/surveys/{id}/weighting.
type Margins struct {
	// Missing is the rule for respondents who did not state a dimension;
	// only MissingExclude for now, and it must be given.
	Missing    string      `json:"missing"`
	Dimensions []Dimension `json:"dimensions"`
	// Trim bounds every weight relative to the mean weight (for example
	// 0.2 and 5; 0 leaves a side untrimmed); none: no trimming.
	Trim *Trim `json:"trim,omitempty"`
}

// Trim is the trimming bounds of Margins, relative to the mean weight.
type Trim struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// RakeOptions are the raking options the margins ask for.
func (m *Margins) RakeOptions() RakeOptions {
	if m.Trim == nil {
		return RakeOptions{}
	}
	return RakeOptions{TrimLow: m.Trim.Low, TrimHigh: m.Trim.High}
}

// Dimension is one weighting dimension: a single-choice question and the
// population total of each of its option codes. Every option code of the
// question is either in Totals or in NotStated ("prefer not to say",
// "other"), never both and never neither, so no category is forgotten by
// mistake.
type Dimension struct {
	Question  string             `json:"question"`
	Totals    map[string]float64 `json:"totals"`
	NotStated []string           `json:"not_stated,omitempty"`
}

// Frame is validated margins laid out for raking: the dimensions in
// order, each with its stated codes in the survey's option order, and
// the targets scaled to one population total. Cells are numbered in
// mixed radix, the first dimension varying slowest and the last fastest
// (Cell and Codes convert; the tests match cells to R's by their codes).
type Frame struct {
	Dims  []FrameDim
	Total float64
	cells int
}

// FrameDim is one dimension of a Frame.
type FrameDim struct {
	Question string
	Codes    []string  // stated codes, in the survey's order
	Targets  []float64 // population total of each, scaled to Frame.Total
	index    map[string]int
	stride   int
}

// Cells is the number of cells (combinations of stated codes).
func (f *Frame) Cells() int { return f.cells }

// Cell is the index of the cell of one respondent's codes (one per
// dimension, in order; "" for unanswered); false when a code is unanswered,
// not stated or unknown, so the respondent is not raked (MissingExclude).
func (f *Frame) Cell(codes []string) (int, bool) {
	if len(codes) != len(f.Dims) {
		return 0, false
	}
	c := 0
	for i, d := range f.Dims {
		j, ok := d.index[codes[i]]
		if !ok {
			return 0, false
		}
		c += j * d.stride
	}
	return c, true
}

// Codes is the codes of cell c, one per dimension (the inverse of Cell).
func (f *Frame) Codes(c int) []string {
	out := make([]string, len(f.Dims))
	for i, d := range f.Dims {
		out[i] = d.Codes[(c/d.stride)%len(d.Codes)]
	}
	return out
}

// Frame validates m against the survey definition and lays it out for
// raking. Every problem is reported at once as a *ValidationError with a
// JSON pointer into the margins: /missing, /dimensions,
// /dimensions/{i}/question, /dimensions/{i}/totals/{code} and
// /dimensions/{i}/not_stated/{j}.
func (m *Margins) Frame(def *Definition) (*Frame, error) {
	var p problems
	switch m.Missing {
	case MissingExclude:
	case "":
		p.add("/missing", CodeRequired, nil)
	default:
		p.add("/missing", CodeInvalid, nil)
	}
	switch {
	case len(m.Dimensions) == 0:
		p.add("/dimensions", CodeRequired, nil)
	case len(m.Dimensions) > MaxWeightingDimensions:
		p.add("/dimensions", CodeTooMany, map[string]any{"Max": MaxWeightingDimensions})
		return nil, p.err()
	}
	if m.Trim != nil {
		if !(m.Trim.Low >= 0 && m.Trim.Low < 1) {
			p.add("/trim/low", CodeOutOfRange, map[string]any{"Min": 0, "Max": 1})
		}
		if !(m.Trim.High == 0 || m.Trim.High > 1 && m.Trim.High <= MaxTrimHigh) {
			p.add("/trim/high", CodeOutOfRange, map[string]any{"Min": 1, "Max": MaxTrimHigh})
		}
	}
	questions := map[string]*Question{}
	for _, q := range def.Questions() {
		questions[q.ID] = q
	}
	crossed := map[string]bool{}
	var names []string
	for _, q := range def.CrossDimensions() {
		crossed[q.ID] = true
		names = append(names, q.ID)
	}
	f := &Frame{}
	seen := map[string]bool{}
	cells := 1
	for i := range m.Dimensions {
		if q := questions[m.Dimensions[i].Question]; q != nil && q.Type == SingleChoice && !crossed[q.ID] {
			// Only the combinations of breakdown questions are counted
			// (cells.go), so no other question can be raked on.
			p.add(Pointer("dimensions", i, "question"), CodeWeightingBreakdown,
				map[string]any{"Question": q.ID, "Breakdowns": strings.Join(names, ", ")})
			continue
		}
		d := frameDim(&p, i, &m.Dimensions[i], questions, seen)
		if d == nil {
			continue
		}
		f.Dims = append(f.Dims, *d)
		cells *= max(1, len(d.Codes)) // at most 4 factors of at most MaxOptions
	}
	if cells > MaxWeightingCells {
		p.add("/dimensions", CodeWeightingCells, map[string]any{"Cells": cells, "Max": MaxWeightingCells})
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	f.scale(&p)
	if err := p.err(); err != nil {
		return nil, err
	}
	f.cells = cells
	stride := cells
	for i := range f.Dims {
		stride /= len(f.Dims[i].Codes)
		f.Dims[i].stride = stride
	}
	return f, nil
}

// frameDim checks one dimension; nil when it has a problem.
func frameDim(p *problems, i int, d *Dimension, questions map[string]*Question, seen map[string]bool) *FrameDim {
	at := func(tokens ...any) string { return Pointer(append([]any{"dimensions", i}, tokens...)...) }
	q := questions[d.Question]
	switch {
	case d.Question == "":
		p.add(at("question"), CodeRequired, nil)
		return nil
	case q == nil:
		p.add(at("question"), CodeUnknownQuestion, nil)
		return nil
	case seen[d.Question]:
		p.add(at("question"), CodeDuplicate, nil)
		return nil
	case q.Type != SingleChoice:
		p.add(at("question"), CodeWeightingType, nil)
		return nil
	}
	seen[d.Question] = true
	before := len(p.list)
	if len(d.Totals) > MaxOptions || len(d.NotStated) > MaxOptions {
		p.add(at("totals"), CodeTooMany, map[string]any{"Max": MaxOptions})
		return nil
	}
	notStated := map[string]bool{}
	for j, code := range d.NotStated {
		switch {
		case !hasOption(q, code):
			p.add(at("not_stated", j), CodeUnknownOption, map[string]any{"Code": code})
		case notStated[code]:
			p.add(at("not_stated", j), CodeDuplicate, nil)
		case hasTotal(d.Totals, code):
			p.add(at("not_stated", j), CodeDuplicate, nil)
		}
		notStated[code] = true
	}
	for code, v := range d.Totals {
		switch {
		case !hasOption(q, code):
			p.add(at("totals", code), CodeUnknownOption, map[string]any{"Code": code})
		case !(v >= 1 && v <= MaxPopulationTotal): // also NaN
			p.add(at("totals", code), CodeOutOfRange, map[string]any{"Min": 1, "Max": int64(MaxPopulationTotal)})
		}
	}
	fd := &FrameDim{Question: q.ID, index: map[string]int{}}
	for _, o := range q.Options {
		v, ok := d.Totals[o.Code]
		switch {
		case ok:
			fd.index[o.Code] = len(fd.Codes)
			fd.Codes = append(fd.Codes, o.Code)
			fd.Targets = append(fd.Targets, v)
		case !notStated[o.Code]:
			// Said neither way: a total forgotten, or a code meant as
			// "prefer not to say"; the organiser must say which.
			p.add(at("totals", o.Code), CodeRequired, nil)
		}
	}
	if len(fd.Codes) == 0 && len(p.list) == before {
		p.add(at("totals"), CodeRequired, nil)
	}
	if len(p.list) > before {
		return nil
	}
	return fd
}

func hasOption(q *Question, code string) bool {
	for _, o := range q.Options {
		if o.Code == code {
			return true
		}
	}
	return false
}

func hasTotal(totals map[string]float64, code string) bool {
	_, ok := totals[code]
	return ok
}

// scale checks that every dimension describes the same population (sums
// within MarginAgreement of the first) and scales each to the first
// one's sum, which raking needs to converge.
func (f *Frame) scale(p *problems) {
	for i := range f.Dims {
		sum := 0.0
		for _, v := range f.Dims[i].Targets {
			sum += v
		}
		if i == 0 {
			f.Total = sum
			continue
		}
		if math.Abs(sum-f.Total) > MarginAgreement*f.Total {
			p.add(Pointer("dimensions", i, "totals"), CodeWeightingTotals, map[string]any{
				// Strings: a template would print a float of a million as 1e+06.
				"Sum": strconv.FormatFloat(sum, 'f', -1, 64), "First": strconv.FormatFloat(f.Total, 'f', -1, 64)})
			continue
		}
		for j := range f.Dims[i].Targets {
			f.Dims[i].Targets[j] *= f.Total / sum
		}
	}
}

// RakeOptions says when raking stops and how weights are trimmed.
type RakeOptions struct {
	// Epsilon: stop when every weighted margin is within this relative
	// error of its target (DefaultRakeEpsilon when 0).
	Epsilon float64
	// MaxIterations bounds the sweeps of the raking and of all its
	// trimming rounds together (MaxRakeIterations when 0 or above).
	MaxIterations int
	// TrimLow and TrimHigh bound every weight relative to the mean weight
	// (for example 0.2 and 5); 0 leaves that side untrimmed.
	TrimLow, TrimHigh float64
}

// Weights is the result of raking: one weight per cell, the same for
// every respondent of the cell, on the population scale (the weights of
// the raked respondents add up to Frame.Total, as R's rake gives them).
type Weights struct {
	Cell []float64
	// Missing is the weight of a respondent who is not raked
	// (MissingExclude): the mean weight of those raked.
	Missing float64
	// Iterations is the sweeps of the last raking; MaxError its largest
	// relative margin error when it stopped; Sweeps the sweeps of all
	// rakings (trimming rounds included), at most RakeOptions.MaxIterations.
	Iterations int
	MaxError   float64
	Sweeps     int
	// TrimRounds is how many times weights were trimmed and re-raked;
	// Trimmed whether the final weights lie within the trimming bounds
	// (false when re-raking pushed some out again in every round: the
	// margins win, and the spread is reported, not hidden).
	TrimRounds int
	Trimmed    bool
	// MinRatio and MaxRatio are the smallest and largest weight of a
	// non-empty cell relative to the mean weight.
	MinRatio, MaxRatio float64
}

// Rake finds cell weights that make the weighted counts meet every
// margin of f, by iterative proportional fitting (Deming and Stephan,
// 1940; R survey's rake): starting from equal weights, each sweep scales
// the weights of every category of each dimension in turn so that
// category meets its total. It stops when the largest relative error of
// any margin after a sweep is below the epsilon, and fails with
// CodeWeightingConverge when that does not happen within the iteration
// bound. counts holds the unweighted number of respondents in each cell
// (Frame.Cell numbering); a category with a total but no respondents
// cannot be weighted (CodeWeightingEmpty at its total).
//
// With trimming bounds, weights outside [TrimLow, TrimHigh] × the mean
// weight are set to the bound and the weights are raked again, until
// they stay within the bounds to 1 part in 10,000 (up to MaxTrimRounds
// rounds, and the sweeps left of MaxIterations): the margins are always
// met, the bounds as far as the margins allow (Weights.Trimmed says
// whether they were).
func (f *Frame) Rake(counts []int, opt RakeOptions) (*Weights, error) {
	if len(counts) != f.cells {
		// A caller's mistake, not the organiser's: no field to point at.
		return nil, fmt.Errorf("rake: %d cell counts for %d cells", len(counts), f.cells)
	}
	if !(opt.TrimLow >= 0 && opt.TrimLow < 1) || !(opt.TrimHigh == 0 || opt.TrimHigh > 1) || math.IsNaN(opt.Epsilon) {
		// The mean weight lies between the bounds, so no other bounds
		// can be met; these options are the caller's, not the organiser's.
		return nil, fmt.Errorf("rake: trimming bounds %g..%g", opt.TrimLow, opt.TrimHigh)
	}
	if !(opt.Epsilon > 0) {
		opt.Epsilon = DefaultRakeEpsilon
	}
	if opt.MaxIterations <= 0 || opt.MaxIterations > MaxRakeIterations {
		opt.MaxIterations = MaxRakeIterations
	}
	n := 0.0
	for _, c := range counts {
		if c < 0 {
			return nil, fmt.Errorf("rake: a negative cell count %d", c)
		}
		n += float64(c)
	}
	if err := f.emptyCategories(counts); err != nil {
		return nil, err
	}
	w := &Weights{Cell: make([]float64, f.cells)}
	for c := range w.Cell {
		w.Cell[c] = f.Total / n
	}
	sums := f.newSums()
	if err := f.rake(w, counts, sums, opt.Epsilon, opt.MaxIterations); err != nil {
		return nil, err
	}
	mean := f.Total / n
	w.Trimmed = true
	if opt.TrimLow > 0 || opt.TrimHigh > 0 {
		f.trimRounds(w, counts, sums, mean, opt)
	}
	w.Missing = mean
	w.MinRatio, w.MaxRatio = math.Inf(1), 0
	for c, v := range w.Cell {
		if counts[c] > 0 {
			w.MinRatio = min(w.MinRatio, v/mean)
			w.MaxRatio = max(w.MaxRatio, v/mean)
		}
	}
	return w, nil
}

// emptyCategories reports every category with a total and no respondents.
func (f *Frame) emptyCategories(counts []int) error {
	var p problems
	sums := f.newSums()
	f.margins(counts, nil, sums)
	for i, d := range f.Dims {
		for j, code := range d.Codes {
			if sums[i][j] == 0 {
				p.add(Pointer("dimensions", i, "totals", code), CodeWeightingEmpty, map[string]any{"Code": code})
			}
		}
	}
	return p.err()
}

func (f *Frame) newSums() [][]float64 {
	s := make([][]float64, len(f.Dims))
	for i, d := range f.Dims {
		s[i] = make([]float64, len(d.Codes))
	}
	return s
}

// margins sets sums to the weighted count of each category (unweighted
// when w is nil).
func (f *Frame) margins(counts []int, w []float64, sums [][]float64) {
	for i := range sums {
		clear(sums[i])
	}
	for c, k := range counts {
		if k == 0 {
			continue
		}
		n := float64(k)
		if w != nil {
			n *= w[c]
		}
		for i, d := range f.Dims {
			sums[i][(c/d.stride)%len(d.Codes)] += n
		}
	}
}

// trimRounds trims and re-rakes w until its weights stay within the
// bounds, for at most MaxTrimRounds rounds and the sweeps left of the
// options' MaxIterations (all roundings together share it, so trimming
// cannot make a weighting cost more than an untrimmed one that fails).
// A round whose raking does not converge in what is left is undone: the
// weights of the round before meet the margins, and Trimmed is false.
func (f *Frame) trimRounds(w *Weights, counts []int, sums [][]float64, mean float64, opt RakeOptions) {
	w.Trimmed = false
	last := make([]float64, len(w.Cell))
	for w.TrimRounds < MaxTrimRounds {
		copy(last, w.Cell)
		lastErr, lastIt := w.MaxError, w.Iterations
		if !trim(w.Cell, counts, mean, opt) {
			w.Trimmed = true
			return
		}
		if f.rake(w, counts, sums, opt.Epsilon, opt.MaxIterations-w.Sweeps) != nil {
			copy(w.Cell, last)
			w.MaxError, w.Iterations = lastErr, lastIt
			return
		}
		w.TrimRounds++
	}
}

// rake runs up to budget sweeps from the current weights until the
// margins are met, counting them in w.Sweeps.
func (f *Frame) rake(w *Weights, counts []int, sums [][]float64, epsilon float64, budget int) error {
	for it := 1; it <= budget; it++ {
		w.Sweeps++
		for i, d := range f.Dims {
			f.margins(counts, w.Cell, sums)
			for c := range w.Cell {
				j := (c / d.stride) % len(d.Codes)
				if sums[i][j] > 0 {
					w.Cell[c] *= d.Targets[j] / sums[i][j]
				}
			}
		}
		f.margins(counts, w.Cell, sums)
		worst := 0.0
		for i, d := range f.Dims {
			for j, t := range d.Targets {
				worst = max(worst, math.Abs(sums[i][j]-t)/t)
			}
		}
		w.Iterations, w.MaxError = it, worst
		if worst < epsilon {
			return nil
		}
	}
	return &ValidationError{Errors: []FieldError{{Pointer: "/dimensions", Code: CodeWeightingConverge,
		Params: map[string]any{"Iterations": w.Sweeps}}}}
}

// trim sets weights outside the bounds to the bound; false when none was.
func trim(w []float64, counts []int, mean float64, opt RakeOptions) bool {
	// Each re-raking pushes the trimmed weights a little past the bound
	// again, by less each round: within a ten-thousandth of it they count as
	// within (the ratios reported are exact).
	const slack = 1 + 1e-4
	changed := false
	for c := range w {
		if counts[c] == 0 {
			continue
		}
		if opt.TrimHigh > 0 && w[c] > opt.TrimHigh*mean*slack {
			w[c], changed = opt.TrimHigh*mean, true
		}
		if opt.TrimLow > 0 && w[c] < opt.TrimLow*mean/slack {
			w[c], changed = opt.TrimLow*mean, true
		}
	}
	return changed
}

// CellName names cell c for messages and tests ("16-17/girl/north").
func (f *Frame) CellName(c int) string { return strings.Join(f.Codes(c), "/") }
