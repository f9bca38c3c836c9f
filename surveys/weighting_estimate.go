package surveys

import (
	"fmt"
	"math"
)

// Weighted estimates from raked cell weights (docs/statistics.md,
// "Weighting").
//
// Disclosure control. A weight multiplies a count; it cannot make a
// small count safe to show, and a weighted percentage of a small count
// divided by its weight gives the count back. So the rule the API will
// apply is that every weighted figure stands or falls with its
// unweighted count: a weighted proportion is shown only where the
// unweighted count it is of is shown in the release (not suppressed by
// Disclose: 0 < count < k, or hidden to protect another count), and
// never where the unweighted base is below k. WeightedProportions
// applies the first half of this itself (primary suppression: an option
// chosen by 1 to k−1 respondents, or a base below k, gives no figure,
// whatever the weights); the API must add the release's complementary
// suppression by showing a weighted figure only beside a published
// unweighted one.

// WeightedOption is one option's weighted estimate.
type WeightedOption struct {
	Code string
	// Count is the unweighted number who chose the option, for disclosure
	// control; it is not a published number.
	Count int
	// Suppressed: 0 < Count < k, or the base is below k; then Proportion
	// and the interval are zero and must not be shown.
	Suppressed bool
	// Proportion is Σ w·chose / Σ w·answered, in [0, 1].
	Proportion float64
	// CILow, CIHigh: the Wilson interval at the level asked for, on the
	// effective sample size (see WeightedTable.NEff).
	CILow, CIHigh float64
}

// WeightedTable is the weighted estimates of one choice question.
type WeightedTable struct {
	// Base is the unweighted number who answered; WeightedBase Σ w of them.
	Base         int
	WeightedBase float64
	// Suppressed: Base < k; no option has a figure.
	Suppressed bool
	// NEff is Kish's effective sample size (Σw)²/Σw² of those who
	// answered: the number of unweighted respondents that would give an
	// estimate as precise. Deff is Kish's design effect of the weights,
	// Base/NEff = 1 + CV² (CV the coefficient of variation of the
	// weights, with divisor n): how much the weighting inflates the
	// variance of a proportion. Both ignore any correlation of the
	// weights with the answers (Kish 1965, 1992).
	NEff, Deff float64
	Options    []WeightedOption
}

// OptionCells is one option's unweighted counts per cell: Cells[c] is
// the number of respondents of raking cell c who chose it, and the last
// element (index Frame.Cells()) those who were not raked (MissingExclude).
type OptionCells struct {
	Code  string
	Cells []int
}

// WeightedProportions gives the weighted proportion of each option of a
// single- or multiple-choice question, with Wilson intervals at level
// computed on Kish's effective sample size in place of n (so a design
// effect of 2 gives the interval of half as many respondents). answered
// is the number who answered the question per cell, in the layout of
// OptionCells (raking cells, then those not raked); for a single-choice
// question the options' cells add up to it, for multiple choice each
// option is a proportion of its own of the same base. k is the survey's
// threshold: see the disclosure rule above.
func (w *Weights) WeightedProportions(answered []int, options []OptionCells, k, level int) (*WeightedTable, error) {
	z, known := levelZ[level]
	if !known {
		return nil, fmt.Errorf("weighted proportions: level %d", level)
	}
	cells := len(w.Cell) + 1
	if len(answered) != cells {
		return nil, fmt.Errorf("weighted proportions: %d answered cells for %d", len(answered), cells)
	}
	t := &WeightedTable{}
	var sw, sw2 float64
	for c, a := range answered {
		if a < 0 {
			return nil, fmt.Errorf("weighted proportions: negative count")
		}
		wc := w.weight(c)
		t.Base += a
		sw += float64(a) * wc
		sw2 += float64(a) * wc * wc
	}
	t.WeightedBase = sw
	if sw2 > 0 {
		t.NEff = sw * sw / sw2
		t.Deff = float64(t.Base) / t.NEff
	}
	t.Suppressed = t.Base < k
	t.Options = make([]WeightedOption, len(options))
	for i, o := range options {
		if len(o.Cells) != cells {
			return nil, fmt.Errorf("weighted proportions: option %q has %d cells for %d", o.Code, len(o.Cells), cells)
		}
		e := WeightedOption{Code: o.Code}
		var x float64
		for c, n := range o.Cells {
			if n < 0 || n > answered[c] {
				return nil, fmt.Errorf("weighted proportions: option %q cell %d: %d of %d", o.Code, c, n, answered[c])
			}
			e.Count += n
			x += float64(n) * w.weight(c)
		}
		e.Suppressed = t.Suppressed || (e.Count > 0 && e.Count < k)
		if !e.Suppressed && sw > 0 {
			e.Proportion = min(1, x/sw)
			e.CILow, e.CIHigh = wilsonN(e.Proportion, t.NEff, z)
		}
		t.Options[i] = e
	}
	return t, nil
}

// weight is the weight of a respondent of cell c (the last: not raked).
func (w *Weights) weight(c int) float64 {
	if c < len(w.Cell) {
		return w.Cell[c]
	}
	return w.Missing
}

// wilsonN is the Wilson score interval of a proportion p with a base n
// that need not be whole (an effective sample size); Wilson(x, n, level)
// for whole x and n.
func wilsonN(p, n, z float64) (low, high float64) {
	if n <= 0 {
		return 0, 1
	}
	z2 := z * z
	denom := 1 + z2/n
	centre := (p + z2/(2*n)) / denom
	half := z / denom * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	low, high = centre-half, centre+half
	if p <= 0 {
		low = 0
	}
	if p >= 1 {
		high = 1
	}
	return max(0, low), min(1, high)
}

// WeightedMean is the weighted mean of a scale or number question from
// per-cell sums (layout of OptionCells: sum[c] the sum of the values of
// the n[c] respondents of cell c who gave one), with its Student t
// interval on n_eff − 1 degrees of freedom and the weighted standard
// deviation (divisor Σw). sumSq[c] is the sum of the squared values. ok
// is false below k values or without two effective values.
func (w *Weights) WeightedMean(n []int, sum, sumSq []float64, k, level int) (mean, sd, low, high float64, ok bool) {
	cells := len(w.Cell) + 1
	if _, known := levelZ[level]; !known || len(n) != cells || len(sum) != cells || len(sumSq) != cells {
		return 0, 0, 0, 0, false
	}
	var sw, sw2, swy, swy2 float64
	total := 0
	for c := range n {
		if n[c] < 0 {
			return 0, 0, 0, 0, false
		}
		wc := w.weight(c)
		total += n[c]
		sw += float64(n[c]) * wc
		sw2 += float64(n[c]) * wc * wc
		swy += wc * sum[c]
		swy2 += wc * sumSq[c]
	}
	if total < max(k, 2) || sw <= 0 {
		return 0, 0, 0, 0, false
	}
	mean = swy / sw
	sd = math.Sqrt(max(0, swy2/sw-mean*mean))
	nEff := sw * sw / sw2
	if nEff < 2 || math.IsNaN(mean+sd) || math.IsInf(mean+sd, 0) {
		return 0, 0, 0, 0, false
	}
	// The t quantile at the whole part of n_eff − 1: conservative.
	half := tCritical(level, int(nEff)-1) * sd / math.Sqrt(nEff)
	return mean, sd, mean - half, mean + half, true
}
