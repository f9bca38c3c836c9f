package surveys

import (
	"math"
	"sync"
)

// Confidence intervals of published proportions (docs/statistics.md).
//
// Every interval is computed from the published numbers only: the
// published (perturbed) count and the published base it is a percentage
// of. A suppressed count, or a count whose base is suppressed, has no
// interval, so no bound or width can tell more than the numbers shown
// beside it: anyone could compute the same interval from the release.

// DefaultLevel is the confidence level of intervals not asked for
// otherwise, in percent.
const DefaultLevel = 95

// CodeLevel: a confidence level that is not 90, 95 or 99.
const CodeLevel Code = "ci_level"

// levelZ is the standard normal quantile of each level's two-sided
// interval (qnorm(1 - (1 - level/100)/2) in R agrees to 1e-15).
var levelZ = map[int]float64{
	90: 1.6448536269514722,
	95: 1.959963984540054,
	99: 2.5758293035489004,
}

// Levels lists the confidence levels that can be asked for.
func Levels() []int { return []int{90, 95, 99} }

// ValidLevel reports whether level (percent) can be asked for.
func ValidLevel(level int) bool {
	_, ok := levelZ[level]
	return ok
}

// Wilson is the Wilson score interval of the proportion x/n at level (90,
// 95 or 99 percent), as proportions in [0, 1]. Unlike the normal
// approximation p ± z·√(p(1−p)/n), it stays inside [0, 1] and is not empty
// at 0 or n, which matters for the small and lopsided counts of a
// youth survey. ok is false when there is no interval: n is not positive,
// x is negative, or the level is not one of Levels. A count above its
// base (two perturbed numbers can cross) is taken as the base, as its
// percentage is capped at 100.
func Wilson(x, n, level int) (low, high float64, ok bool) {
	z, known := levelZ[level]
	if !known || n <= 0 || x < 0 {
		return 0, 0, false
	}
	x = min(x, n)
	nf := float64(n)
	p := float64(x) / nf
	z2 := z * z
	denom := 1 + z2/nf
	centre := (p + z2/(2*nf)) / denom
	half := z / denom * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	low, high = centre-half, centre+half
	// Exact at the ends (rounding would otherwise leave 1e-17 below 0).
	if x == 0 {
		low = 0
	}
	if x == n {
		high = 1
	}
	return max(0, low), min(1, high), true
}

// setInterval sets the count's interval at level from its published
// number and the published base it was computed with (none without both).
func (c *Count) setInterval(level int) {
	c.CILow, c.CIHigh = nil, nil
	if c.Suppressed || c.N == nil || c.Pct == nil || c.base <= 0 {
		return
	}
	lo, hi, ok := Wilson(*c.N, c.base, level)
	if !ok {
		return
	}
	// Percentages, rounded as the percentage beside them is.
	l, h := round(100*lo, 1), round(100*hi, 1)
	c.CILow, c.CIHigh = &l, &h
}

// SetLevel gives every proportion of r its interval at level (90, 95 or
// 99; ValidLevel), in place of those at the level it has. Only results
// made by Protected.Results carry what this needs (a Count read back from
// JSON keeps the intervals it has).
func (r *Results) SetLevel(level int) {
	if r.Withheld || !ValidLevel(level) {
		return
	}
	r.Level = level
	r.eachCount(func(c *Count) {
		if c.base > 0 {
			c.setInterval(level)
		}
	})
	for gi := range r.Groups {
		for qi := range r.Groups[gi].Questions {
			q := &r.Groups[gi].Questions[qi]
			if q.meanN > 0 {
				q.MeanCILow, q.MeanCIHigh = meanInterval(q.Stats, q.meanN, level)
			}
			q.Stats = q.Stats.atLevel(level)
			for mi := range q.MeanRanks {
				if m := &q.MeanRanks[mi]; m.places > 0 {
					m.setInterval(level, m.places)
				}
			}
			for si := range q.Statements {
				s := &q.Statements[si]
				if s.meanN > 0 {
					s.MeanCILow, s.MeanCIHigh = meanInterval(s.Stats, s.meanN, level)
				}
				s.Stats = s.Stats.atLevel(level)
			}
		}
	}
}

// meanValues is the published number of values a mean is of: those who
// answered less those who did not know, as published; 0 when either is
// not shown.
func meanValues(answered Count, dontKnow *Count) int {
	if answered.Suppressed || answered.N == nil {
		return 0
	}
	n := *answered.N
	if dontKnow != nil {
		if dontKnow.Suppressed || dontKnow.N == nil {
			return 0
		}
		n -= *dontKnow.N
	}
	return max(0, n)
}

// meanInterval is the published interval of a published mean (rounded to
// two decimals, as the mean is), or none.
func meanInterval(st *Stats, n, level int) (lo, hi *float64) {
	if st == nil {
		return nil, nil
	}
	l, h, ok := MeanInterval(st.Mean, st.SD, n, level)
	if !ok {
		return nil, nil
	}
	l, h = round(l, 2), round(h, 2)
	return &l, &h
}

// eachCount calls fn with every count of r that may be a proportion.
func (r *Results) eachCount(fn func(*Count)) {
	for i := range r.Days {
		fn(&r.Days[i].Count)
	}
	for gi := range r.Groups {
		g := &r.Groups[gi]
		for qi := range g.Questions {
			q := &g.Questions[qi]
			fn(&q.Seen)
			fn(&q.Answered)
			fn(&q.Skipped)
			eachLabelled(q.Options, fn)
			eachLabelled(q.Bins, fn)
			if q.DontKnow != nil {
				fn(q.DontKnow)
			}
			for si := range q.Statements {
				s := &q.Statements[si]
				fn(&s.Answered)
				eachLabelled(s.Bins, fn)
				if s.DontKnow != nil {
					fn(s.DontKnow)
				}
			}
		}
	}
}

func eachLabelled(cs []LabelledCount, fn func(*Count)) {
	for i := range cs {
		fn(&cs[i].Count)
	}
}

// MeanInterval is the Student t interval of a mean at level (90, 95 or
// 99): mean ± t(n−1)·sd/√n, from a published mean, standard deviation and
// number of values (at least 2). It assumes the values are a simple
// random sample; with the few points of a scale and n in the tens it is
// an approximation, as every interval of a mean of such data is.
func MeanInterval(mean, sd float64, n, level int) (low, high float64, ok bool) {
	if _, known := levelZ[level]; !known || n < 2 || sd < 0 || math.IsNaN(mean+sd) || math.IsInf(mean+sd, 0) {
		return 0, 0, false
	}
	t := tCritical(level, n-1)
	half := t * sd / math.Sqrt(float64(n))
	return mean - half, mean + half, true
}

// tSmallDF: below it the t quantiles are found exactly, once per level
// (about 8 ms), and kept; from it on the expansion of tCritical is used.
const tSmallDF = 200

var (
	tTables    = map[int]*[tSmallDF]float64{90: new([tSmallDF]float64), 95: new([tSmallDF]float64), 99: new([tSmallDF]float64)}
	tTableOnce = map[int]*sync.Once{90: new(sync.Once), 95: new(sync.Once), 99: new(sync.Once)}
)

// tCritical is the two-sided critical value of Student's t at level with
// df degrees of freedom: exact (tQuantile, kept per level) below
// tSmallDF, and above it the Cornish-Fisher expansion in 1/df of
// Abramowitz and Stegun 26.7.5, whose next term is below 1e-10 there. A
// summary has a mean per question and group, thousands in the largest
// survey, and each exact quantile costs about 40 µs.
func tCritical(level, df int) float64 {
	p := 1 - (1-float64(level)/100)/2
	if df < tSmallDF {
		table := tTables[level]
		tTableOnce[level].Do(func() {
			for d := 1; d < tSmallDF; d++ {
				table[d] = tQuantile(p, d)
			}
		})
		return table[df]
	}
	return tExpansion(levelZ[level], float64(df))
}

// tExpansion is the Cornish-Fisher expansion of Student's t quantile at
// the normal quantile z, for v degrees of freedom (whole, as tCritical
// asks, or real, as Welch's comparisons do).
func tExpansion(z, v float64) float64 {
	z2 := z * z
	g1 := (z2 + 1) * z / 4
	g2 := ((5*z2+16)*z2 + 3) * z / 96
	g3 := (((3*z2+19)*z2+17)*z2 - 15) * z / 384
	g4 := ((((79*z2+776)*z2+1482)*z2-1920)*z2 - 945) * z / 92160
	return z + g1/v + g2/(v*v) + g3/(v*v*v) + g4/(v*v*v*v)
}

// tQuantile is the p-quantile (p > 0.5) of Student's t distribution with
// df degrees of freedom, found by bisection on its distribution function
// to well below 1e-9 (R: qt(p, df)).
func tQuantile(p float64, df int) float64 {
	return quantileAbove(p, func(t float64) float64 { return tCDF(t, df) })
}

// quantileAbove is the p-quantile (p > 0.5) of a distribution symmetric
// about 0 with distribution function cdf, found by bisection on t ≥ 0 to
// below 1e-13: the bound doubles from 1 until cdf passes p (at most 64
// times; 7 for Student's t with 1 df at 0.995, whose quantile is 63.66),
// then halves the bracket at most 200 times.
func quantileAbove(p float64, cdf func(t float64) float64) float64 {
	lo, hi := 0.0, 1.0
	for i := 0; i < 64 && cdf(hi) < p; i++ {
		hi *= 2
	}
	for range 200 {
		mid := (lo + hi) / 2
		if cdf(mid) < p {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo < 1e-13 {
			break
		}
	}
	return (lo + hi) / 2
}

// tCDF is Student's t distribution function at t ≥ 0: 1 − I_x(df/2, 1/2)/2
// with x = df/(df + t²).
func tCDF(t float64, df int) float64 {
	v := float64(df)
	return 1 - 0.5*regIncBeta(v/(v+t*t), v/2, 0.5)
}

// regIncBeta is the regularized incomplete beta function I_x(a, b), by
// its continued fraction (modified Lentz; Numerical Recipes 6.4), which
// converges within a few hundred steps for the arguments used here.
func regIncBeta(x, a, b float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log(1-x))
	if x > (a+1)/(a+b+2) {
		return 1 - front*betaCF(1-x, b, a)/b
	}
	return front * betaCF(x, a, b) / a
}

func betaCF(x, a, b float64) float64 {
	const tiny = 1e-300
	c, d := 1.0, 1-(a+b)*x/(a+1)
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= 1000; m++ {
		mf := float64(m)
		for _, num := range [2]float64{
			mf * (b - mf) * x / ((a + 2*mf - 1) * (a + 2*mf)),
			-(a + mf) * (a + b + mf) * x / ((a + 2*mf) * (a + 2*mf + 1)),
		} {
			d = 1 + num*d
			if math.Abs(d) < tiny {
				d = tiny
			}
			c = 1 + num/c
			if math.Abs(c) < tiny {
				c = tiny
			}
			d = 1 / d
			h *= d * c
		}
		if math.Abs(d*c-1) < 1e-15 {
			break
		}
	}
	return h
}

// Base is the published count a percentage (and its interval) was
// computed from, for a Count made by Protected.Results (a chart draws the
// interval in counts); false for any other Count.
func (c Count) Base() (int, bool) { return c.base, c.base > 0 && c.Pct != nil }
