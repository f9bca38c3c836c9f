package surveys

import "math"

// Confidence intervals of medians and quartiles, and of mean ranks
// (docs/statistics.md, section 5). Like every interval of a release, they
// are computed from what the statistics beside them are computed from:
// the perturbed distribution of the values (or of the places of a ranking
// option) and the published base, never an exact count.

// QuantileRanks are the 1-based ranks j < k of the order statistics
// whose interval [x₍ⱼ₎, x₍ₖ₎] holds the p-quantile of the population with
// probability at least level (90, 95 or 99) whatever its distribution:
// the number B of values below the quantile is Binomial(n, p), and
// x₍ⱼ₎ ≤ ξ ≤ x₍ₖ₎ whenever j ≤ B < k. j is R's qbinom(α/2, n, p), the
// smallest x with P(B ≤ x) ≥ α/2, and k is qbinom(1 − α/2, n, p) + 1, so
// each tail holds less than α/2 and coverage = P(j ≤ B ≤ k − 1) ≥ level
// (Conover, Practical Nonparametric Statistics, 3rd ed., 3.2; Hahn and
// Meeker, Statistical Intervals, 5.2). ok is false when n is too small
// for the level (j would be 0 or k above n), p is not in (0, 1), or
// level is not one of Levels.
func QuantileRanks(n int, p float64, level int) (j, k int, coverage float64, ok bool) {
	if _, known := levelZ[level]; !known || n < 1 || !(p > 0 && p < 1) || n > maxQuantileN {
		return 0, 0, 0, false
	}
	alpha := 1 - float64(level)/100
	// R's qbinom: the smallest x with P(B ≤ x) ≥ q, with q made smaller
	// by 64 ulps so that a cumulative sum a rounding below q still counts.
	const fuzz = 1 - 64*2.220446049250313e-16
	lowQ, highQ := alpha/2*fuzz, (1-alpha/2)*fuzz
	// The probabilities are summed from 12 standard deviations below the
	// mean (what lies below is less than 1e-32, far below the 0.005 a
	// level of 99 % puts in a tail) up to the upper quantile, each from
	// the one before by the ratio of neighbours: about 12 + 2.6
	// standard deviations' worth of steps, 2,000 at 100,000 values.
	nf := float64(n)
	from := max(0, int(math.Floor(nf*p-12*math.Sqrt(nf*p*(1-p))))-1)
	lg := func(x float64) float64 { v, _ := math.Lgamma(x); return v }
	x0 := float64(from)
	f := math.Exp(lg(nf+1) - lg(x0+1) - lg(nf-x0+1) + x0*math.Log(p) + (nf-x0)*math.Log1p(-p))
	odds := p / (1 - p)
	cum, below := 0.0, 0.0 // below: P(B ≤ j − 1)
	j, k = -1, -1
	for x := from; x <= n; x++ {
		if j < 0 {
			below = cum
		}
		cum += f
		if j < 0 && cum >= lowQ {
			j = x
		}
		if cum >= highQ {
			k = x + 1
			break
		}
		f *= (nf - float64(x)) / float64(x+1) * odds // P(x+1) from P(x)
	}
	if j < 1 || k < 0 || k > n {
		return 0, 0, 0, false
	}
	return j, k, cum - below, true
}

// maxQuantileN bounds the n of QuantileRanks (a release of a survey never
// nears it): the work grows with √n.
const maxQuantileN = 1 << 30

// statValue is one value of a distribution and how many gave it.
type statValue struct {
	v float64
	c int
}

// orderStat is the i-th (1-based) smallest value of a sorted distribution.
func orderStat(dist []statValue, i int) float64 {
	for _, x := range dist {
		if i <= x.c {
			return x.v
		}
		i -= x.c
	}
	return dist[len(dist)-1].v
}

// QuantileInterval is the distribution-free interval of the p-quantile at
// level from a distribution of values (values[i] given counts[i] times,
// values in increasing order): [x₍ⱼ₎, x₍ₖ₎] with the ranks of
// QuantileRanks. ok is false where QuantileRanks has none or a count is
// negative.
func QuantileInterval(values []float64, counts []int, p float64, level int) (low, high float64, ok bool) {
	if len(values) != len(counts) {
		return 0, 0, false
	}
	dist := make([]statValue, 0, len(values))
	n := 0
	for i, v := range values {
		if counts[i] < 0 || (i > 0 && !(v > values[i-1])) {
			return 0, 0, false
		}
		if counts[i] > 0 {
			dist = append(dist, statValue{v, counts[i]})
			n += counts[i]
		}
	}
	low, high, ok = quantileInterval(dist, n, p, level, 0)
	return low, high, ok
}

// quantileInterval is QuantileInterval of a sorted distribution of n
// values, withheld (ok false) when a limit would be one of the edge
// smallest or largest values: a release sets edge to k, so that no
// limit is the value of fewer than k respondents at either end (the
// smallest or largest answers, which single out a respondent the way a
// small count does).
func quantileInterval(dist []statValue, n int, p float64, level, edge int) (low, high float64, ok bool) {
	j, k, _, ok := QuantileRanks(n, p, level)
	if !ok || j < edge || k > n-edge+1 {
		return 0, 0, false
	}
	return orderStat(dist, j), orderStat(dist, k), true
}

// setQuantileIntervals gives the median and the quartiles their
// intervals at level (none where quantileInterval has none), rounded to
// two decimals as the statistics are. It sets st's own fields: a caller
// holding a Stats shared with others (the release's memo) copies it first.
func (st *Stats) setQuantileIntervals(level int) {
	set := func(p float64) (lo, hi *float64) {
		l, h, ok := quantileInterval(st.dist, st.n, p, level, st.edge)
		if !ok {
			return nil, nil
		}
		l, h = finiteOr0(round(l, 2)), finiteOr0(round(h, 2))
		return &l, &h
	}
	st.MedianCILow, st.MedianCIHigh = set(0.5)
	st.Q1CILow, st.Q1CIHigh = set(0.25)
	st.Q3CILow, st.Q3CIHigh = set(0.75)
}

// atLevel is st with its quantiles' intervals at level: st itself when
// they are at it already, else a copy (st may be shared by every
// download of the release).
func (st *Stats) atLevel(level int) *Stats {
	if st == nil || st.level == level || len(st.dist) == 0 {
		return st
	}
	c := *st
	c.level = level
	c.setQuantileIntervals(level)
	return &c
}

// PlaceStats are the mean and standard deviation of a ranking option's
// places from how many put it at each place (counts[i] at place i + 1;
// the perturbed counts in a release) and how many that is; ok is false
// with fewer than two places given.
func PlaceStats(counts []int) (mean, sd float64, n int, ok bool) {
	var sum, sumSq float64
	for i, c := range counts {
		if c <= 0 {
			continue
		}
		place := float64(i + 1)
		sum += place * float64(c)
		sumSq += place * place * float64(c)
		n += c
	}
	if n < 2 {
		return 0, 0, n, false
	}
	nf := float64(n)
	mean = sum / nf
	// Places are small whole numbers: the sums are exact, and the
	// difference loses nothing that matters at two decimals.
	sd = math.Sqrt(max(0, (sumSq-nf*mean*mean)/(nf-1)))
	return mean, sd, n, true
}

// setInterval gives a mean rank its interval at level: Student's t
// interval (MeanInterval) of the published mean rank and standard
// deviation with the published number who answered the ranking question
// (each of them placed every option), kept within the places 1 to
// places and rounded to two decimals as the mean rank is.
func (m *MeanRank) setInterval(level, places int) {
	m.CILow, m.CIHigh = nil, nil
	if m.SD == nil || m.n < 2 {
		return
	}
	lo, hi, ok := MeanInterval(m.MeanRank, *m.SD, m.n, level)
	if !ok {
		return
	}
	lo, hi = round(max(1, lo), 2), round(min(float64(places), hi), 2)
	m.CILow, m.CIHigh = &lo, &hi
}
