package surveys

import (
	"math"
	"slices"
	"strconv"
	"testing"
)

// Every row of the perturbation table is a distribution with mean 0 (the
// published count is unbiased) that keeps counts non-negative, never
// publishes 1 to SmallCounts, moves a count by at most MaxDeviation, and
// from ptableTop on has variance NoiseVariance; PublishedRange holds
// every count that can be published as a value.
func TestPtable(t *testing.T) {
	for c := 0; c <= 40; c++ {
		row := ptable[min(c, ptableTop)]
		var sum, mean, variance float64
		for i, v := range row.noise {
			p := row.prob[i]
			sum += p
			mean += p * float64(v)
			variance += p * float64(v*v)
			out := c + v
			if p <= 0 || out < 0 || (out >= 1 && out <= SmallCounts) || v < -MaxDeviation || v > MaxDeviation || (c > 0 && out == 0) {
				t.Errorf("count %d: noise %d (p=%v) gives %d", c, v, p, out)
			}
			if lo, hi := PublishedRange(out); c < lo || c > hi {
				t.Errorf("count %d published as %d, outside PublishedRange %d..%d", c, out, lo, hi)
			}
		}
		if math.Abs(sum-1) > 1e-12 || (c > SmallCounts && math.Abs(mean) > 1e-12) {
			t.Errorf("count %d: probabilities add up to %v, mean noise %v", c, sum, mean)
		}
		// The table for values behind statistics is unbiased everywhere.
		vrow := valueTable[min(c, ptableTop)]
		var vsum, vmean float64
		for i, v := range vrow.noise {
			vsum += vrow.prob[i]
			vmean += vrow.prob[i] * float64(v)
			if out := c + v; out < 0 || (out >= 1 && out <= SmallCounts) {
				t.Errorf("value count %d gives %d", c, out)
			}
		}
		if math.Abs(vsum-1) > 1e-12 || math.Abs(vmean) > 1e-12 {
			t.Errorf("value count %d: probabilities add up to %v, mean noise %v", c, vsum, vmean)
		}
		if c >= ptableTop && math.Abs(variance-NoiseVariance) > 1e-12 {
			t.Errorf("count %d: variance %v", c, variance)
		}
	}
	// perturb follows the table: every value of u gives one of its noises,
	// each about as often as its probability.
	for c := range 8 {
		seen := map[int]int{}
		const steps = 10000
		for i := range steps {
			seen[perturb(c, (float64(i)+0.5)/steps)-c]++
		}
		row := ptable[min(c, ptableTop)]
		for i, v := range row.noise {
			if got := float64(seen[v]) / steps; math.Abs(got-row.prob[i]) > 0.001 {
				t.Errorf("count %d, noise %d: %v of the time, want %v", c, v, got, row.prob[i])
			}
		}
	}
}

// Binning takes a bounded number of steps whatever the bounds (a number
// question from 1e17 to 1e17 looped forever), and every answer falls in a
// bin.
func TestBinsAreBounded(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, q := range []*Question{
		{Type: Number, Integer: true, Min: f(1e17), Max: f(1e17)},
		{Type: Number, Integer: true, Min: f(-1e308), Max: f(1e308)},
		{Type: Number, Min: f(math.NaN()), Max: f(math.Inf(1))},
		{Type: Number, Integer: true, Min: f(3), Max: f(1)},
		{Type: Number, Integer: true, Min: f(0.5), Max: f(3.5)},
		{Type: Scale, Points: 1 << 30},
	} {
		bins := binsOf(q)
		if len(bins) == 0 || len(bins) > max(NumberBins, MaxPoints) {
			t.Errorf("%+v: %d bins", q, len(bins))
		}
		if q.Type == Number && (!math.IsInf(bins[0].from, -1) || !math.IsInf(bins[len(bins)-1].to, 1)) {
			t.Errorf("%+v: the outer bins are not open-ended: %+v", q, bins)
		}
	}
	if s := statsOf(map[string]int{"1e308": 2, "-1e308": 1}, nil); s == nil || math.IsInf(s.Mean, 0) || math.IsNaN(s.SD) {
		t.Errorf("statistics of huge values: %+v", s)
	}
}

// A number question's tally keeps at most about NumberLevels distinct
// values, and a value's bucket lies in the same bin as the value.
func TestNumberBucketsAreBoundedAndKeepBins(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, q := range []*Question{
		{Type: Number, Min: f(0), Max: f(10)},
		{Type: Number, Integer: true, Min: f(0), Max: f(120)},
		{Type: Number, Integer: true, Min: f(-1e9), Max: f(1e9)},
		{Type: Number, Min: f(-3.5), Max: f(1e6)},
		{Type: Number},
	} {
		tl := NewTally()
		lo, hi := -1e9, 1e9
		if q.Min != nil {
			lo, hi = *q.Min, *q.Max
		}
		bins := binsOf(q)
		for i := range 200000 {
			v := lo + (hi-lo)*float64(i)/200000
			if q.Integer {
				v = math.Round(v)
			}
			if i%2 == 1 {
				v = lo + float64(i%1000)/100 // small values near the bottom too
			}
			key := numberBucket(q, v)
			tl.Keys = nil
			inc(&tl.Days, key, 1)
			b, err := strconv.ParseFloat(key, 64)
			if err != nil {
				t.Fatalf("%q: %v", key, err)
			}
			if q.Min != nil && slices.IndexFunc(bins, func(x bin) bool { return v >= x.from && v <= x.to }) !=
				slices.IndexFunc(bins, func(x bin) bool { return b >= x.from && b <= x.to }) {
				t.Fatalf("%+v: %v counted as %v, in another bin", q, v, b)
			}
		}
		if n := len(tl.Days); (q.Min != nil && n > NumberLevels+1) || n > 22000 {
			t.Errorf("%+v: %d distinct values kept", q, n)
		}
	}
	if numberBucket(&Question{Type: Number, Integer: true, Min: new(float64), Max: func() *float64 { v := 100.0; return &v }()}, 37) != "37" {
		t.Error("a small whole range is not exact")
	}
}
