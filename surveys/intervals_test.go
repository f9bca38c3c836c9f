package surveys_test

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

// TestWilsonMatchesR compares Wilson with the intervals R's prop.test
// computes without continuity correction (testdata/wilson.R made
// testdata/wilson_r.csv with R 4.2.2), to within 1e-6.
func TestWilsonMatchesR(t *testing.T) {
	f, err := os.Open("testdata/wilson_r.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 50 {
		t.Fatalf("%d rows of expected values", len(rows))
	}
	for _, row := range rows[1:] {
		x, _ := strconv.Atoi(row[0])
		n, _ := strconv.Atoi(row[1])
		level, _ := strconv.Atoi(row[2])
		wantLo, err1 := strconv.ParseFloat(row[3], 64)
		wantHi, err2 := strconv.ParseFloat(row[4], 64)
		if err1 != nil || err2 != nil || n == 0 {
			t.Fatalf("bad row %v", row)
		}
		lo, hi, ok := surveys.Wilson(x, n, level)
		if !ok || math.Abs(lo-wantLo) > 1e-6 || math.Abs(hi-wantHi) > 1e-6 {
			t.Errorf("Wilson(%d, %d, %d) = [%.9f, %.9f] %v, R says [%.9f, %.9f]", x, n, level, lo, hi, ok, wantLo, wantHi)
		}
	}
}

// wilsonByHand is the closed formula written out once more, term by term,
// as a second independent check of the implementation.
func wilsonByHand(x, n int, z float64) (float64, float64) {
	p := float64(x) / float64(n)
	a := p + z*z/(2*float64(n))
	b := z * math.Sqrt(p*(1-p)/float64(n)+z*z/(4*float64(n)*float64(n)))
	d := 1 + z*z/float64(n)
	return (a - b) / d, (a + b) / d
}

// TestWilsonByHand: 3 of 10 at 95 %, worked by hand: p = 0.3, z² =
// 3.841459, 1 + z²/n = 1.3841459, centre = (0.3 + 0.1920729)/1.3841459 =
// 0.3555050, half = 1.959964/1.3841459 × √(0.021 + 0.0096036) = 1.4160081
// × 0.1749390 = 0.2477151: [0.1077899, 0.6032201] (R: 0.1077913,
// 0.6032219; the hand figures carry 7 digits).
func TestWilsonByHand(t *testing.T) {
	lo, hi, _ := surveys.Wilson(3, 10, 95)
	if math.Abs(lo-0.10779) > 1e-4 || math.Abs(hi-0.60322) > 1e-4 {
		t.Errorf("Wilson(3, 10) = [%v, %v], by hand [0.10779, 0.60322]", lo, hi)
	}
	z := map[int]float64{90: 1.6448536269514715, 95: 1.9599639845400536, 99: 2.5758293035488999} // R's qnorm
	for _, n := range []int{1, 2, 5, 9, 10, 37, 100, 1001} {
		for x := 0; x <= n; x += max(1, n/7) {
			for level, zz := range z {
				wantLo, wantHi := wilsonByHand(x, n, zz)
				lo, hi, ok := surveys.Wilson(x, n, level)
				if !ok || math.Abs(lo-wantLo) > 1e-9 || math.Abs(hi-wantHi) > 1e-9 {
					t.Errorf("Wilson(%d, %d, %d) = [%v, %v], formula [%v, %v]", x, n, level, lo, hi, wantLo, wantHi)
				}
			}
		}
	}
}

func TestWilsonEdges(t *testing.T) {
	for _, c := range []struct{ x, n, level int }{{1, 0, 95}, {-1, 5, 95}, {1, 5, 80}, {1, 5, 0}} {
		if _, _, ok := surveys.Wilson(c.x, c.n, c.level); ok {
			t.Errorf("Wilson(%d, %d, %d) gave an interval", c.x, c.n, c.level)
		}
	}
	// A perturbed count above its perturbed base is the base, as its
	// percentage is capped at 100.
	lo1, hi1, _ := surveys.Wilson(12, 10, 95)
	lo2, hi2, _ := surveys.Wilson(10, 10, 95)
	if lo1 != lo2 || hi1 != hi2 || hi1 != 1 {
		t.Errorf("12 of 10: [%v, %v], 10 of 10: [%v, %v]", lo1, hi1, lo2, hi2)
	}
	if lo, _, _ := surveys.Wilson(0, 7, 99); lo != 0 {
		t.Errorf("0 of 7: low %v", lo)
	}
	// Wider at a higher level, narrower with more responses.
	l90, h90, _ := surveys.Wilson(30, 100, 90)
	l99, h99, _ := surveys.Wilson(30, 100, 99)
	lBig, hBig, _ := surveys.Wilson(300, 1000, 90)
	if !(l99 < l90 && h99 > h90 && lBig > l90 && hBig < h90) {
		t.Errorf("90 %%: [%v, %v], 99 %%: [%v, %v], 90 %% of 1000: [%v, %v]", l90, h90, l99, h99, lBig, hBig)
	}
	for _, l := range surveys.Levels() {
		if !surveys.ValidLevel(l) {
			t.Errorf("level %d", l)
		}
	}
	if surveys.ValidLevel(94) {
		t.Error("level 94 accepted")
	}
}

// TestReleaseIntervals: in a release, every percentage has its interval,
// computed from the published count and the published base (the same
// numbers the reader sees), containing the percentage; a suppressed count
// or one without a percentage has none; SetLevel changes every interval.
func TestReleaseIntervals(t *testing.T) {
	def := loadExample(t, "safety-online-offline.json")
	tally := surveys.NewTally()
	for _, r := range randomResponses(t, def, 60, 17) {
		tally.Add(def, r)
	}
	p := surveys.Disclose(def, tally, 5)
	for _, level := range []int{95, 90, 99} {
		for _, r := range downloads(def, p) {
			if level != 95 {
				r.SetLevel(level)
			}
			if r.Level != level {
				t.Fatalf("level %d, results say %d", level, r.Level)
			}
			checked := 0
			forEachBasedCount(r, func(where string, c, base surveys.Count) {
				if (c.CILow == nil) != (c.CIHigh == nil) || (c.CILow != nil) != (c.Pct != nil) {
					t.Fatalf("%s: pct %v, interval %v %v", where, c.Pct, c.CILow, c.CIHigh)
				}
				if c.Suppressed || base.Suppressed {
					if c.CILow != nil {
						t.Errorf("%s: an interval beside a suppressed count or base", where)
					}
					return
				}
				if c.CILow == nil {
					return
				}
				lo, hi, _ := surveys.Wilson(*c.N, *base.N, level)
				if *c.CILow != math.Round(1000*lo)/10 || *c.CIHigh != math.Round(1000*hi)/10 {
					t.Errorf("%s: %d of %d at %d %%: [%v, %v], want [%v, %v]", where, *c.N, *base.N, level, *c.CILow, *c.CIHigh, lo, hi)
				}
				if *c.CILow > *c.Pct || *c.CIHigh < *c.Pct {
					t.Errorf("%s: %v %% outside [%v, %v]", where, *c.Pct, *c.CILow, *c.CIHigh)
				}
				checked++
			})
			if checked < 50 {
				t.Errorf("level %d, by %q: only %d intervals", level, r.By, checked)
			}
			if means := checkMeanIntervals(t, r, level); means < 3 {
				t.Errorf("level %d, by %q: only %d intervals of means", level, r.By, means)
			}
		}
	}
	r := p.Results("en", "", "")
	r.SetLevel(80) // not a level: unchanged
	if r.Level != 95 {
		t.Errorf("level 80 taken: %d", r.Level)
	}
}

// forEachBasedCount calls fn with each count that is a proportion and
// the count it is a proportion of.
func forEachBasedCount(r surveys.Results, fn func(string, surveys.Count, surveys.Count)) {
	for _, d := range r.Days {
		fn("day "+d.Day, d.Count, *r.N)
	}
	for _, g := range r.Groups {
		if g.Hidden {
			continue
		}
		for _, q := range g.Questions {
			w := g.Code + "/" + q.ID
			fn(w+" answered", q.Answered, q.Seen)
			fn(w+" skipped", q.Skipped, q.Seen)
			fn(w+" seen", q.Seen, *g.N)
			for _, o := range q.Options {
				fn(w+" "+o.Code, o.Count, q.Answered)
			}
			for _, b := range q.Bins {
				fn(w+" "+b.Code, b.Count, q.Answered)
			}
			if q.DontKnow != nil {
				fn(w+" dont know", *q.DontKnow, q.Answered)
			}
			for _, s := range q.Statements {
				fn(w+" "+s.Code, s.Answered, q.Seen)
				for _, b := range s.Bins {
					fn(w+" "+s.Code+" "+b.Code, b.Count, s.Answered)
				}
			}
		}
	}
}

// invertInterval is what an attacker can learn from a published interval
// alone: every count x (of every base n up to maxN) whose interval at
// level, rounded as published, is the one shown. ok is false when no
// count fits.
func invertInterval(c surveys.Count, level, maxN int) (xmin, xmax int, ok bool) {
	if c.CILow == nil || c.CIHigh == nil {
		return 0, 0, false
	}
	xmin = math.MaxInt
	for n := 1; n <= maxN; n++ {
		from := max(0, int(float64(n)**c.CILow/100)-1)
		to := min(n, int(math.Ceil(float64(n)**c.CIHigh/100))+1)
		for x := from; x <= to; x++ {
			lo, hi, _ := surveys.Wilson(x, n, level)
			if math.Round(1000*lo)/10 == *c.CILow && math.Round(1000*hi)/10 == *c.CIHigh {
				xmin, xmax, ok = min(xmin, x), max(xmax, x), true
			}
		}
	}
	return xmin, xmax, ok
}

// The attacker's inversion works: an interval alone pins a small count.
// So, were an interval ever published beside a suppressed count (or
// computed from an exact one), the attacker of disclose_test.go, which
// inverts every interval it sees, would find it.
func TestIntervalInversionPinsSmallCounts(t *testing.T) {
	pinned := 0
	for n := 5; n <= 30; n++ {
		for x := 1; x < 5; x++ {
			lo, hi, _ := surveys.Wilson(x, n, 95)
			l, h := math.Round(1000*lo)/10, math.Round(1000*hi)/10
			xmin, xmax, ok := invertInterval(surveys.Count{CILow: &l, CIHigh: &h}, 95, 40)
			if !ok || xmin > x || xmax < x {
				t.Fatalf("%d of %d: inverted to %d..%d (%v)", x, n, xmin, xmax, ok)
			}
			if xmin == xmax {
				pinned++
			}
		}
	}
	if pinned < 50 {
		t.Errorf("the inversion pinned only %d of 104 small counts: the attacker would not notice a leak", pinned)
	}
	t.Logf("%d of 104 small counts pinned by their interval alone", pinned)
}

func ExampleWilson() {
	lo, hi, _ := surveys.Wilson(31, 100, 95)
	fmt.Printf("31 of 100: between %.1f %% and %.1f %%\n", 100*lo, 100*hi)
	// Output: 31 of 100: between 22.8 % and 40.6 %
}

// TestAttackerWithIntervals gives the attacker of disclose_test.go every
// download of a release at every level (three intervals for each
// proportion, each inverted to the counts it allows), of one release and
// of two together: it recovers no suppressed count. The downloads hold
// the intervals of means, medians, quartiles and mean ranks too (counted
// here); those are not counts to invert, and their own attacks are
// TestMeanRankIntervalDoesNotRevealASmallCell and
// TestQuantileIntervalsKeepAwayFromTheEdges.
func TestAttackerWithIntervals(t *testing.T) {
	propertyTest(t)
	const k = 10
	def := loadExample(t, "safety-online-offline.json")
	responses := randomResponses(t, def, 120, 23)
	var releases []*surveys.Tally
	tally := surveys.NewTally()
	for i, r := range responses {
		tally.Add(def, r)
		if i+1 == 37 || i+1 == 48 || i+1 == 120 {
			releases = append(releases, copyTally(tally))
		}
	}
	statIntervals := 0 // in every download of every release
	for _, rels := range [][]*surveys.Tally{releases[:1], releases[1:2], releases[2:], releases[:2]} {
		a := attackerFor()
		intervals := 0
		for i, rel := range rels {
			a.release = fmt.Sprintf("r%d:", i)
			p := surveys.Disclose(def, rel, k)
			for _, level := range surveys.Levels() {
				for _, r := range downloads(def, p) {
					r.SetLevel(level)
					a.learn(r)
					forEachCount(r, func(_ string, c surveys.Count) {
						if c.CILow != nil {
							intervals++
						}
					})
					statIntervals += countStatIntervals(r)
				}
			}
		}
		if intervals == 0 || len(a.inverted) == 0 {
			t.Fatalf("the attacker saw %d intervals, inverted %d", intervals, len(a.inverted))
		}
		if found := a.solve(k); len(found) > 0 {
			t.Errorf("releases at %d..%d responses: with the intervals the attacker recovered %v", rels[0].Responses, rels[len(rels)-1].Responses, found[:min(5, len(found))])
		}
	}
	if statIntervals == 0 {
		t.Error("no interval of a mean, median or mean rank in any download")
	}
	t.Logf("%d intervals of means, medians and mean ranks in the downloads", statIntervals)
}

// TestMeanIntervalMatchesR compares MeanInterval with R's t quantiles
// (testdata/mean_t.R, which also checks the formula against t.test; its
// output testdata/mean_t_r.csv), to within 1e-6.
func TestMeanIntervalMatchesR(t *testing.T) {
	f, err := os.Open("testdata/mean_t_r.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 24 {
		t.Fatalf("%d rows of expected values", len(rows))
	}
	for _, row := range rows[1:] {
		var v [6]float64
		for i := range v {
			if v[i], err = strconv.ParseFloat(row[i], 64); err != nil {
				t.Fatalf("bad row %v", row)
			}
		}
		lo, hi, ok := surveys.MeanInterval(v[0], v[1], int(v[2]), int(v[3]))
		if !ok || math.Abs(lo-v[4]) > 1e-6 || math.Abs(hi-v[5]) > 1e-6 {
			t.Errorf("MeanInterval(%v, %v, %v, %v) = [%.9f, %.9f] %v, R says [%.9f, %.9f]", v[0], v[1], v[2], v[3], lo, hi, ok, v[4], v[5])
		}
	}
	for _, c := range []struct {
		mean, sd float64
		n, level int
	}{{1, 1, 1, 95}, {1, 1, 0, 95}, {1, -1, 5, 95}, {1, 1, 5, 80}, {math.NaN(), 1, 5, 95}, {1, math.Inf(1), 5, 95}} {
		if _, _, ok := surveys.MeanInterval(c.mean, c.sd, c.n, c.level); ok {
			t.Errorf("MeanInterval(%v, %v, %d, %d) gave an interval", c.mean, c.sd, c.n, c.level)
		}
	}
}

// checkMeanIntervals checks that every mean shown has its interval from
// the published mean, standard deviation, answered and "don't know", and
// returns how many it checked.
func checkMeanIntervals(t *testing.T, r surveys.Results, level int) int {
	t.Helper()
	checked := 0
	check := func(where string, st *surveys.Stats, answered surveys.Count, dk *surveys.Count, lo, hi *float64) {
		if st == nil {
			if lo != nil || hi != nil {
				t.Errorf("%s: an interval without a mean", where)
			}
			return
		}
		if answered.N == nil || (dk != nil && dk.N == nil) {
			if lo != nil || hi != nil {
				t.Errorf("%s: an interval of a mean beside a suppressed count", where)
			}
			return
		}
		n := *answered.N
		if dk != nil {
			n -= *dk.N
		}
		wl, wh, ok := surveys.MeanInterval(st.Mean, st.SD, n, level)
		if !ok {
			if lo != nil {
				t.Errorf("%s: an interval of a mean of %d values", where, n)
			}
			return
		}
		if lo == nil || hi == nil || *lo != math.Round(wl*100)/100 || *hi != math.Round(wh*100)/100 || *lo > st.Mean || *hi < st.Mean {
			t.Errorf("%s: mean %v (sd %v, n %d) at %d %%: interval %v %v, want [%.2f, %.2f]", where, st.Mean, st.SD, n, level, lo, hi, wl, wh)
			return
		}
		checked++
	}
	for _, g := range r.Groups {
		for _, q := range g.Questions {
			check(g.Code+"/"+q.ID, q.Stats, q.Answered, q.DontKnow, q.MeanCILow, q.MeanCIHigh)
			for _, s := range q.Statements {
				check(g.Code+"/"+q.ID+"/"+s.Code, s.Stats, s.Answered, s.DontKnow, s.MeanCILow, s.MeanCIHigh)
			}
		}
	}
	return checked
}

// countStatIntervals counts the intervals of means, medians, quartiles
// and mean ranks in r.
func countStatIntervals(r surveys.Results) int {
	n := 0
	for _, g := range r.Groups {
		for _, q := range g.Questions {
			for _, m := range q.MeanRanks {
				if m.CILow != nil {
					n++
				}
			}
			if q.MeanCILow != nil {
				n++
			}
			if q.Stats != nil && q.Stats.MedianCILow != nil {
				n++
			}
		}
	}
	return n
}
