package surveys_test

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

// benchWeighting is a national survey's weighting: age band (5) x gender
// (3) x region (21) = 315 cells, 100,000 respondents spread unevenly
// (as many girls as boys and non-binary together, more of the younger
// and of the first regions),
// population totals of another shape, and a 5-option question answered
// by nine in ten.
func benchWeighting(b *testing.B) (*surveys.Frame, []int, []int, []surveys.OptionCells) {
	b.Helper()
	rng := rand.New(rand.NewPCG(17, 315))
	def := &surveys.Definition{Sections: []surveys.Section{{ID: "s"}}}
	m := &surveys.Margins{Missing: surveys.MissingExclude}
	for _, d := range []struct {
		id string
		n  int
	}{{"age", 5}, {"gender", 3}, {"region", 21}} {
		q := surveys.Question{ID: d.id, Type: surveys.SingleChoice, Breakdown: true}
		dim := surveys.Dimension{Question: d.id, Totals: map[string]float64{}}
		sum := 0.0
		for j := range d.n {
			code := d.id + strconv.Itoa(j)
			q.Options = append(q.Options, surveys.Option{Code: code})
			dim.Totals[code] = float64(20000 + rng.IntN(80000))
			sum += dim.Totals[code]
		}
		for code := range dim.Totals { // one population of 1,000,000
			dim.Totals[code] *= 1e6 / sum
		}
		def.Sections[0].Questions = append(def.Sections[0].Questions, q)
		m.Dimensions = append(m.Dimensions, dim)
	}
	f, err := m.Frame(def)
	if err != nil {
		b.Fatal(err)
	}
	counts := make([]int, f.Cells())
	for range 100000 {
		a, r := rng.IntN(5), rng.IntN(21)
		if rng.IntN(4) == 0 { // a quarter more from the younger bands and the first regions
			a, r = rng.IntN(3), rng.IntN(7)
		}
		g := rng.IntN(4) % 3 // girls twice as many
		counts[(a*3+g)*21+r]++
	}
	answered := make([]int, f.Cells()+1)
	opts := make([]surveys.OptionCells, 5)
	for i := range opts {
		opts[i] = surveys.OptionCells{Code: "o" + strconv.Itoa(i), Cells: make([]int, f.Cells()+1)}
	}
	for c, n := range counts {
		for range n - n/10 {
			answered[c]++
			opts[rng.IntN(5)].Cells[c]++
		}
	}
	return f, counts, answered, opts
}

// BenchmarkRake: raking 315 cells of 100,000 respondents to three
// margins at epsilon 1e-10 (its cost grows with the cells, not the
// respondents).
func BenchmarkRake(b *testing.B) {
	f, counts, _, _ := benchWeighting(b)
	w, err := f.Rake(counts, surveys.RakeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Rake(counts, surveys.RakeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	// After the loop: b.Loop resets what was reported before it.
	b.ReportMetric(float64(w.Iterations), "sweeps")
}

// BenchmarkRakeTrimmed: the same with weights trimmed to 0.3-3 times
// the mean and re-raked.
func BenchmarkRakeTrimmed(b *testing.B) {
	f, counts, _, _ := benchWeighting(b)
	opt := surveys.RakeOptions{TrimLow: 0.3, TrimHigh: 3}
	w, err := f.Rake(counts, opt)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Rake(counts, opt); err != nil {
			b.Fatal(err)
		}
	}
	// After the loop: b.Loop resets what was reported before it.
	b.ReportMetric(float64(w.TrimRounds), "trim-rounds")
	b.ReportMetric(w.MaxRatio, "max-ratio")
}

// BenchmarkWeightedProportions: one 5-option question's weighted
// proportions, n_eff, design effect and intervals from the 315 cells.
func BenchmarkWeightedProportions(b *testing.B) {
	f, counts, answered, opts := benchWeighting(b)
	w, err := f.Rake(counts, surveys.RakeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	tab, err := w.WeightedProportions(answered, opts, 10, 95)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.WeightedProportions(answered, opts, 10, 95); err != nil {
			b.Fatal(err)
		}
	}
	// After the loop: b.Loop resets what was reported before it.
	b.ReportMetric(tab.Deff, "deff")
}

// BenchmarkRakeWorstCase: the most a raking can cost: 4 dimensions of
// 5, 5, 5 and 8 codes (1,000 cells, the limit) whose margins the sample
// cannot meet, so it runs all MaxRakeIterations sweeps and fails.
func BenchmarkRakeWorstCase(b *testing.B) {
	def := &surveys.Definition{Sections: []surveys.Section{{ID: "s"}}}
	m := &surveys.Margins{Missing: surveys.MissingExclude}
	for i, n := range []int{5, 5, 5, 8} {
		q := surveys.Question{ID: "d" + strconv.Itoa(i), Type: surveys.SingleChoice, Breakdown: true}
		dim := surveys.Dimension{Question: q.ID, Totals: map[string]float64{}}
		for j := range n {
			code := "c" + strconv.Itoa(j)
			q.Options = append(q.Options, surveys.Option{Code: code})
			dim.Totals[code] = 1000 / float64(n)
			if i == 3 && j < 5 {
				dim.Totals[code] = float64(10 * (j + 1)) // 150 of 1,000 for the 5 codes the sample has
			} else if i == 3 {
				dim.Totals[code] = 850.0 / 3
			}
		}
		def.Sections[0].Questions = append(def.Sections[0].Questions, q)
		m.Dimensions = append(m.Dimensions, dim)
	}
	f, err := m.Frame(def)
	if err != nil {
		b.Fatal(err)
	}
	counts := make([]int, f.Cells())
	for c := range counts {
		codes := f.Codes(c)
		// Codes c5-c7 of the last dimension only with c0 of the first:
		// their 850 of 1,000 cannot fit in its 200.
		last, _ := strconv.Atoi(codes[3][1:])
		if codes[3] == codes[0] || (codes[0] == "c0" && last >= 5) {
			counts[c] = 100
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		_, err := f.Rake(counts, surveys.RakeOptions{})
		var ve *surveys.ValidationError
		if !errors.As(err, &ve) || ve.Errors[0].Code != surveys.CodeWeightingConverge {
			b.Fatalf("margins it cannot meet: %v", err)
		}
	}
}
