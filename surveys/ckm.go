package surveys

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
)

// Cell-key perturbation (docs/privacy.md, "Published numbers"), as the
// Australian Bureau of Statistics' TableBuilder and the ONS 2021 Census
// outputs use it for tables that are asked for again and again:
//
//   - every response has a record key, a random-looking 32-bit number
//     derived from its stored key (RecordKey);
//   - a tally keeps, beside every count, the sum of its records' keys
//     (Tally.Keys): a cell's key is that sum modulo 2^32, so the same set
//     of records always has the same cell key, however and whenever the
//     cell is asked for;
//   - the cell key, mixed with the key of the scope the cell belongs to
//     (everyone, or one breakdown group), picks a noise from a fixed
//     perturbation table (ptable) that depends only on the count.
//
// The same cell in the same release always gets the same noise, so asking
// again, in another language, format or breakdown, reveals nothing new;
// and since the scope's key changes whenever anyone joins the scope, every
// count of a group that gained a single respondent is perturbed afresh,
// whether that respondent is in it or not: a difference between two
// releases is the true difference plus two independent noises.

// Perturbation parameters, published in every method note.
const (
	// MaxDeviation is the largest distance between a published count
	// and the exact one (D).
	MaxDeviation = 2
	// NoiseVariance is the variance of the noise for counts of
	// ptableTop or more (V).
	NoiseVariance = 1.0
	// SmallCounts: published counts are never 1 to SmallCounts (js);
	// counts of 1 and 2 become 3 or 4 (never 0: a published 0 is exact).
	SmallCounts = 2
)

// ptableRow is the noise distribution of one exact count: noise[i] has
// probability prob[i].
type ptableRow struct {
	noise []int
	prob  []float64
}

// ptableTop is the first count from which every count has the same row:
// far enough from zero that neither zero nor the blocked small counts can
// be reached.
const ptableTop = SmallCounts + MaxDeviation + 1

// ptable is the perturbation table of published counts. Every row keeps
// the count non-negative, never lands on 1 to SmallCounts, moves it by at
// most MaxDeviation, and from 3 on has mean 0 (the published count is
// unbiased); from ptableTop on, the variance is NoiseVariance. Counts of
// 1 and 2 are never published as 0: a published 0 is an exact 0, so that
// a count suppressed in one release and shown as 0 in a later one (counts
// only grow) cannot be pinned to "1 or 2" (found by a review attack).
// They go up instead, to 3 or 4, and are biased; every count below k (at
// least 5) is suppressed, so no such value is ever shown. TestPtable
// checks all of this.
var ptable = [ptableTop + 1]ptableRow{
	0: {noise: []int{0}, prob: []float64{1}},
	1: {noise: []int{2}, prob: []float64{1}},
	2: {noise: []int{1, 2}, prob: []float64{0.5, 0.5}},
	// 3 cannot go down without landing on 1 or 2, nor up alone with mean
	// 0: it stays 3 (and 3 is published for 1, 2, 3, 4 and 5).
	3: {noise: []int{0}, prob: []float64{1}},
	// 4 -> 3, 4 or 5.
	4: {noise: []int{-1, 0, 1}, prob: []float64{0.3, 0.4, 0.3}},
	// 5 and up: -2..2 with variance 2*(0.3*1 + 0.05*4) = 1.
	5: {noise: []int{-2, -1, 0, 1, 2}, prob: []float64{0.05, 0.3, 0.3, 0.3, 0.05}},
}

// valueTable perturbs the counts that statistics are computed from and
// that are never published themselves (each distinct value of a number
// question, each place of a ranking): there unbiased rows matter for
// small counts too, so 1 and 2 may become 0.
var valueTable = func() [ptableTop + 1]ptableRow {
	t := ptable
	// 1 -> 0 or 3: 2/3*(-1) + 1/3*2 = 0.
	t[1] = ptableRow{noise: []int{-1, 2}, prob: []float64{2.0 / 3, 1.0 / 3}}
	// 2 -> 0, 3 or 4: 0.4*(-2) + 0.4*1 + 0.2*2 = 0.
	t[2] = ptableRow{noise: []int{-2, 1, 2}, prob: []float64{0.4, 0.4, 0.2}}
	return t
}()

// perturb returns the published value of an exact count c whose cell key
// (mixed with its scope's) is u, uniform in [0, 1).
func perturb(c int, u float64) int { return perturbWith(&ptable, c, u) }

// perturbValue perturbs a count statistics are computed from (valueTable).
func perturbValue(c int, u float64) int { return perturbWith(&valueTable, c, u) }

func perturbWith(table *[ptableTop + 1]ptableRow, c int, u float64) int {
	if c <= 0 {
		return 0
	}
	row := table[min(c, ptableTop)]
	acc := 0.0
	for i, p := range row.prob {
		acc += p
		if u < acc || i == len(row.prob)-1 {
			return c + row.noise[i]
		}
	}
	return c
}

// PublishedRange is what a published count p says about the exact count:
// every c with a non-zero chance of being published as p lies in [lo, hi].
// The attacker test uses it; the method note states it in words.
func PublishedRange(p int) (lo, hi int) {
	lo, hi = -1, -1
	for c := max(0, p-MaxDeviation); c <= p+MaxDeviation; c++ {
		row := ptable[min(c, ptableTop)]
		for i, v := range row.noise {
			if c+v == p && row.prob[i] > 0 {
				if lo < 0 {
					lo = c
				}
				hi = c
			}
		}
	}
	return lo, hi
}

// RecordKey is the record key of a stored response, derived from its key
// (a keyed hash of the submission id, unknown to anyone who reads
// published numbers). It is never stored: tallies keep only sums of keys.
func RecordKey(responseKey string) uint32 {
	h := sha256.Sum256([]byte("youthvoice/record-key\x00" + responseKey))
	return binary.BigEndian.Uint32(h[:4])
}

// keyMask reduces a sum of record keys to a cell key (mod 2^32).
const keyMask = 1<<32 - 1

// scopeSalting can be switched off by tests (export_test.go): the cell
// key alone then picks the noise, as in a table that never changes.
var scopeSalting = true

// cellUniform mixes a cell's key with its scope's key into a number in
// [0, 1): the same cell of the same scope always gets the same one. The
// keys are sums of record keys nobody outside the server knows, so a
// statistical mixer is enough (the ABS uses the cell key modulo the
// table's size directly); SplitMix64's finaliser spreads every bit of
// both keys over the result, and costs nanoseconds where a summary of a
// number question perturbs every distinct value.
func cellUniform(cellKey, scopeKey int64) float64 {
	if !scopeSalting {
		scopeKey = 0
	}
	z := uint64(cellKey&keyMask)<<32 | uint64(scopeKey&keyMask)
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) / (1 << 53)
}

// finiteOr0 replaces a non-finite statistic by 0; statistics come from
// bounded values (validation), so this is a last line of defence that
// keeps every published number encodable.
func finiteOr0(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}
