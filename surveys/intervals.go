package surveys

import "math"

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
