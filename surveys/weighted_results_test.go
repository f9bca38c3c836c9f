package surveys_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/surveys"
)

// weightedSample answers weightingDef: n respondents spread unevenly over
// age, gender and region (more girls, more from the capital), telling
// more often the older they are. A tenth skip gender.
func weightedSample(t testing.TB, def *surveys.Definition, seed, n int) []*surveys.Response {
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	pick := func(codes []string, weights []float64) string {
		x, acc := rng.Float64(), 0.0
		for i, w := range weights {
			acc += w
			if x < acc {
				return codes[i]
			}
		}
		return codes[len(codes)-1]
	}
	var out []*surveys.Response
	for i := range n {
		age := pick([]string{"13-15", "16-17", "18-20"}, []float64{0.5, 0.3, 0.2})
		a := map[string]any{
			"age":    age,
			"region": pick([]string{"north", "centre", "south", "capital"}, []float64{0.15, 0.2, 0.15, 0.5}),
			"where":  []string{pick([]string{"app", "school", "games"}, []float64{0.5, 0.3, 0.2})},
			"score":  1 + rng.IntN(5),
		}
		if rng.Float64() > 0.1 {
			a["gender"] = pick([]string{"girl", "boy", "nonbinary", "prefer_not"}, []float64{0.6, 0.33, 0.04, 0.03})
		}
		tell := map[string]float64{"13-15": 0.2, "16-17": 0.35, "18-20": 0.5}[age]
		a["told"] = pick([]string{"friend", "nobody", "parent"}, []float64{tell, 0.8 - tell, 0.2})
		out = append(out, respond(t, def, seed, i, a))
	}
	return out
}

// weigh is the weighted figures of a release of t.
func weigh(def *surveys.Definition, t *surveys.Tally, m *surveys.Margins) (*surveys.WeightedResults, error) {
	return surveys.Disclose(def, t, 10).Weighted(t.Cells, m, "en", 95)
}

func weightingMargins() *surveys.Margins {
	return &surveys.Margins{Missing: surveys.MissingExclude, Dimensions: []surveys.Dimension{
		{Question: "age", Totals: map[string]float64{"13-15": 300000, "16-17": 200000, "18-20": 300000}},
		{Question: "gender", Totals: map[string]float64{"girl": 390000, "boy": 395000, "nonbinary": 15000}, NotStated: []string{"prefer_not"}},
		{Question: "region", Totals: map[string]float64{"north": 200000, "centre": 200000, "south": 200000, "capital": 200000}},
	}}
}

// exactWeighted computes the weighted proportion of told=friend straight
// from the responses, with the domain's raking: what Weighted must give
// when nothing is perturbed.
func exactWeighted(t *testing.T, def *surveys.Definition, m *surveys.Margins, rs []*surveys.Response) (pct, mean, age float64) {
	f, err := m.Frame(def)
	if err != nil {
		t.Fatal(err)
	}
	cellOf := func(r *surveys.Response) int {
		codes := make([]string, len(f.Dims))
		for i, d := range f.Dims {
			codes[i] = r.Answers[d.Question].Choice
		}
		c, ok := f.Cell(codes)
		if !ok {
			return f.Cells()
		}
		return c
	}
	counts := make([]int, f.Cells()+1)
	answered := make([]int, f.Cells()+1)
	friend := make([]int, f.Cells()+1)
	ageAnswered := make([]int, f.Cells()+1)
	age1617 := make([]int, f.Cells()+1)
	n := make([]int, f.Cells()+1)
	sum := make([]float64, f.Cells()+1)
	sumSq := make([]float64, f.Cells()+1)
	for _, r := range rs {
		c := cellOf(r)
		counts[c]++
		if a, ok := r.Answers["told"]; ok {
			answered[c]++
			if a.Choice == "friend" {
				friend[c]++
			}
		}
		if a, ok := r.Answers["age"]; ok {
			ageAnswered[c]++
			if a.Choice == "16-17" {
				age1617[c]++
			}
		}
		if a, ok := r.Answers["score"]; ok {
			n[c]++
			sum[c] += float64(a.Point)
			sumSq[c] += float64(a.Point * a.Point)
		}
	}
	w, err := f.Rake(counts[:f.Cells()], m.RakeOptions())
	if err != nil {
		t.Fatal(err)
	}
	tab, err := w.WeightedProportions(answered, []surveys.OptionCells{{Code: "friend", Cells: friend}}, 10, 95)
	if err != nil {
		t.Fatal(err)
	}
	mean, _, _, _, ok := w.WeightedMean(n, sum, sumSq, 10, 95)
	if !ok {
		t.Fatal("no weighted mean")
	}
	ages, err := w.WeightedProportions(ageAnswered, []surveys.OptionCells{{Code: "16-17", Cells: age1617}}, 10, 95)
	if err != nil {
		t.Fatal(err)
	}
	return 100 * tab.Options[0].Proportion, mean, 100 * ages.Options[0].Proportion
}

func weightedOf(t *testing.T, w *surveys.WeightedResults, id string) *surveys.WeightedQuestion {
	t.Helper()
	for i := range w.Questions {
		if w.Questions[i].ID == id {
			return &w.Questions[i]
		}
	}
	t.Fatalf("no weighted %s in %+v", id, w.Questions)
	return nil
}

func optionOf(t *testing.T, q *surveys.WeightedQuestion, code string) surveys.WeightedCount {
	t.Helper()
	for _, o := range q.Options {
		if o.Code == code {
			return o
		}
	}
	t.Fatalf("no option %s in %s", code, q.ID)
	return surveys.WeightedCount{}
}

// TestWeightedFromCellsMatchesTheResponses: the tally's cross-classified
// cells give the same weighted figures as raking the responses
// themselves (perturbation off), and close ones with it on; the weighting
// dimensions come out at their population shares.
func TestWeightedFromCellsMatchesTheResponses(t *testing.T) {
	racetest.SkipSingleFlow(t)
	def := weightingDef()
	rs := weightedSample(t, def, 1, 1500)
	m := weightingMargins()
	wantPct, wantMean, wantAge := exactWeighted(t, def, m, rs)
	bothWays(t, func(t *testing.T, perturbed bool) {
		w, err := weigh(def, tallyResponses(def, rs), m)
		if err != nil {
			t.Fatal(err)
		}
		tol, meanTol := 0.05, 0.005 // rounding to one and two decimals
		if perturbed {
			tol, meanTol = 2, 0.05
		}
		told := weightedOf(t, w, "told")
		friend := optionOf(t, told, "friend")
		if friend.Pct == nil || math.Abs(*friend.Pct-wantPct) > tol {
			t.Errorf("friend %v%%, want %.2f%% (±%g)", friend.Pct, wantPct, tol)
		}
		if !(*friend.CILow < *friend.Pct && *friend.Pct < *friend.CIHigh) {
			t.Errorf("friend interval %v..%v", *friend.CILow, *friend.CIHigh)
		}
		if told.Deff == nil || *told.Deff <= 1 || told.NEff == nil || *told.NEff >= 1500 {
			t.Errorf("deff %v n_eff %v", told.Deff, told.NEff)
		}
		score := weightedOf(t, w, "score")
		if score.Mean == nil || math.Abs(*score.Mean-wantMean) > meanTol {
			t.Errorf("mean %v, want %.3f", score.Mean, wantMean)
		}
		// A dimension weighted comes out near its population share (25 %;
		// those not raked, who skipped gender, count with the mean weight).
		age := weightedOf(t, w, "age")
		if o := optionOf(t, age, "16-17"); o.Pct == nil || math.Abs(*o.Pct-wantAge) > tol || math.Abs(wantAge-25) > 2 {
			t.Errorf("age 16-17 weighted %v%%, want %.2f%%", *o.Pct, wantAge)
		}
		if w.NotRaked == 0 || w.Raked+w.NotRaked < 1400 || w.Deff <= 1 || w.MaxWeight <= 1 {
			t.Errorf("summary %+v", w)
		}
		if len(w.Dimensions) != 3 || !w.Dimensions[1].Totals[3].NotStated {
			t.Errorf("dimensions %+v", w.Dimensions)
		}
	})
}

// TestWeightedStandsOrFallsWithThePublishedCount: an option chosen by
// fewer than k, and its complement, have no weighted figure; nor a
// question whose base the release suppresses.
func TestWeightedStandsOrFallsWithThePublishedCount(t *testing.T) {
	def := weightingDef()
	rs := weightedSample(t, def, 2, 400)
	for i := range rs[:3] { // three chose "other"
		a := rs[i].Answers["told"]
		a.Choice = "other"
		rs[i].Answers["told"] = a
	}
	w, err := weigh(def, tallyResponses(def, rs), weightingMargins())
	if err != nil {
		t.Fatal(err)
	}
	told := weightedOf(t, w, "told")
	other := optionOf(t, told, "other")
	if !other.Suppressed || other.Pct != nil || other.CILow != nil {
		t.Errorf("3 chose other, weighted %+v", other)
	}
	shown := 0
	for _, o := range told.Options {
		if !o.Suppressed {
			shown++
		}
	}
	if shown > 2 {
		t.Errorf("%d of 4 options shown beside a suppressed one (complementary suppression)", shown)
	}
}

// TestWeightedNeedsBreakdownDimensions: only breakdown questions are
// cross-classified, so only they can be weighted on.
func TestWeightedNeedsBreakdownDimensions(t *testing.T) {
	def := weightingDef()
	m := weightingMargins()
	m.Dimensions = append(m.Dimensions, surveys.Dimension{Question: "told", Totals: map[string]float64{"nobody": 1, "friend": 1, "parent": 1, "other": 1}})
	_, err := m.Frame(def)
	var ve *surveys.ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Code != surveys.CodeWeightingBreakdown || ve.Errors[0].Pointer != "/dimensions/3/question" {
		t.Fatalf("told as a dimension: %v", err)
	}
}

// TestWeightedFiguresRevealNothing is the attacker test of weighted
// figures. A release grows by k respondents: k−1 the attacker knows all
// about, and one target, the only non-binary respondent of the north (a
// cell of their own). The attacker knows every other answer and chooses
// the margins: honest ones, and ones that give the target's cell the
// largest weight the bounds allow. They ask whether the target told a
// friend: they work out the weighted figure of both possibilities
// without noise and take the nearer one. From exact figures that
// succeeds (unless rounding to 0.1 % hides the target); from published
// ones the noise of one largest weight hides the target (rule 3), and
// the attacker does little better than a coin. Margins that would give
// the target's cell all the weight (an attack review's) are refused.
func TestWeightedFiguresRevealNothing(t *testing.T) {
	racetest.SkipSingleFlow(t)
	def := weightingDef()
	honest := weightingMargins()
	// The target's age, gender and region given as much weight as the
	// bounds allow (the target's cell gets the largest weight, 5 times
	// the mean).
	isolating := &surveys.Margins{Missing: surveys.MissingExclude, Dimensions: []surveys.Dimension{
		{Question: "age", Totals: map[string]float64{"13-15": 250, "16-17": 500, "18-20": 250}},
		{Question: "gender", Totals: map[string]float64{"girl": 440, "boy": 440, "nonbinary": 120}, NotStated: []string{"prefer_not"}},
		{Question: "region", Totals: map[string]float64{"north": 300, "centre": 700.0 / 3, "south": 700.0 / 3, "capital": 700.0 / 3}},
	}}
	extreme := &surveys.Margins{Missing: surveys.MissingExclude, Dimensions: []surveys.Dimension{
		{Question: "age", Totals: map[string]float64{"13-15": 1, "16-17": 1e6, "18-20": 1}},
		{Question: "gender", Totals: map[string]float64{"girl": 1, "boy": 1, "nonbinary": 1e6}, NotStated: []string{"prefer_not"}},
		{Question: "region", Totals: map[string]float64{"north": 1e6, "centre": 1, "south": 1, "capital": 1}},
	}}
	const trials = 150
	for _, c := range []struct {
		name string
		m    *surveys.Margins
	}{{"honest", honest}, {"isolating", isolating}} {
		for _, perturbed := range []bool{false, true} {
			restore := surveys.SetPerturbation(perturbed)
			right, usable := 0, 0
			for trial := range trials {
				rs := attackSample(t, def, trial)
				figure := func(told string) (float64, bool) {
					target := respond(t, def, 100+trial, 2000, map[string]any{"age": "16-17", "gender": "nonbinary", "region": "north", "told": told, "score": 3})
					w, err := weigh(def, tallyResponses(def, append(append([]*surveys.Response{}, rs...), target)), c.m)
					var unusable *surveys.ErrWeightingUnusable
					if errors.As(err, &unusable) {
						return 0, false
					}
					if err != nil {
						t.Fatal(err)
					}
					o := optionOf(t, weightedOf(t, w, "told"), "friend")
					if o.Pct == nil {
						t.Fatalf("friend suppressed: %+v", weightedOf(t, w, "told"))
					}
					return *o.Pct, true
				}
				told, ok1 := figure("friend")
				restoreExact := surveys.SetPerturbation(false)
				expectTold, ok2 := figure("friend")
				expectNot, ok3 := figure("nobody")
				restoreExact()
				if !ok1 || !ok2 || !ok3 {
					continue
				}
				usable++
				// The target told a friend: the attacker is right when the
				// figure seen is nearer what telling gives.
				if math.Abs(told-expectTold) < math.Abs(told-expectNot) {
					right++
				}
			}
			restore()
			rate := float64(right) / float64(max(1, usable))
			t.Logf("%s margins, perturbed=%v: attacker right %d of %d", c.name, perturbed, right, usable)
			switch {
			case usable < trials/2:
				t.Errorf("%s margins: only %d of %d releases weighted", c.name, usable, trials)
			case !perturbed && rate < 0.9: // figures are rounded to 0.1 %: a target of small weight can hide in the rounding
				t.Errorf("%s margins: from exact figures the attacker should succeed (%.2f): the test cannot see a leak", c.name, rate)
			case perturbed && rate > 0.8:
				t.Errorf("%s margins: from published figures the attacker is right %.2f of the time", c.name, rate)
			}
		}
	}
	// All the weight on the target's cell: refused, never published.
	for trial := range 20 {
		_, err := weigh(def, tallyResponses(def, attackSample(t, def, trial)), extreme)
		var unusable *surveys.ErrWeightingUnusable
		if !errors.As(err, &unusable) || unusable.Reason != "bounds" && unusable.Reason != "converge" {
			t.Fatalf("margins giving one cell all the weight: %v", err)
		}
	}
}

// attackSample is the release before the target: a sample with nobody
// non-binary in the north, non-binary young people elsewhere (so the
// category is never empty), and nine respondents the attacker knows.
func attackSample(t *testing.T, def *surveys.Definition, trial int) []*surveys.Response {
	base := weightedSample(t, def, 100+trial, 300)
	for _, r := range base {
		if r.Answers["region"].Choice == "north" && r.Answers["gender"].Choice == "nonbinary" {
			a := r.Answers["gender"]
			a.Choice = "girl"
			r.Answers["gender"] = a
		}
	}
	base = append(base, repeat(t, def, 100+trial, 500, 12, map[string]any{"age": "13-15", "gender": "nonbinary", "region": "capital", "told": "parent", "score": 2})...)
	return append(base, repeat(t, def, 100+trial, 1000, 9, map[string]any{"age": "16-17", "gender": "boy", "region": "capital", "told": "nobody", "score": 3})...)
}

// TestCellsOverflow: cells beyond MaxStoredCells (a survey whose
// breakdowns changed at many revisions) are given up for one count of
// their respondents, whatever order tallies are merged in, and such a
// release cannot be weighted.
func TestCellsOverflow(t *testing.T) {
	racetest.SkipSingleFlow(t)
	cells := func(from, n int) *surveys.Tally {
		t := &surveys.Tally{Cells: map[string]*surveys.Tally{}}
		for i := range n {
			t.Cells[fmt.Sprintf("age=a%d", from+i)] = &surveys.Tally{Responses: 2}
			t.Responses += 2
		}
		return t
	}
	half := surveys.MaxStoredCells/2 + 10
	for _, order := range [][2]int{{0, 1}, {1, 0}} {
		parts := []*surveys.Tally{cells(0, half), cells(half-10, half)}
		merged := surveys.NewTally()
		merged.Merge(parts[order[0]])
		merged.Merge(parts[order[1]])
		if len(merged.Cells) != 1 || merged.Cells[surveys.OverflowCell].Responses != 4*half {
			t.Fatalf("order %v: %d cells, overflow %+v", order, len(merged.Cells), merged.Cells[surveys.OverflowCell])
		}
	}
	fits := surveys.NewTally()
	fits.Merge(cells(0, half))
	fits.Merge(cells(0, half))
	if len(fits.Cells) != half {
		t.Fatalf("%d cells within the bound became %d", half, len(fits.Cells))
	}
	def := weightingDef()
	tally := tallyResponses(def, weightedSample(t, def, 3, 200))
	tally.Merge(cells(0, surveys.MaxStoredCells+1))
	_, err := weigh(def, tally, weightingMargins())
	var unusable *surveys.ErrWeightingUnusable
	if !errors.As(err, &unusable) || unusable.Reason != "overflow" {
		t.Fatalf("weighting an overflowed tally: %v", err)
	}
}
