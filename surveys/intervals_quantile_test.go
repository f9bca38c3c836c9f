package surveys_test

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// readRCSV reads one of testdata/quantile_ci.R's outputs: its rows
// after the header.
func readRCSV(t *testing.T, name string, min int) [][]string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < min+1 {
		t.Fatalf("%s: %d rows of expected values", name, len(rows))
	}
	return rows[1:]
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		t.Fatalf("bad number %q", s)
	}
	return f
}

func fields(t *testing.T, s string) []float64 {
	var out []float64
	for _, f := range strings.Fields(s) {
		out = append(out, atof(t, f))
	}
	return out
}

// TestQuantileRanksMatchR compares the ranks of the order statistics and
// their coverage with R's qbinom and pbinom (testdata/quantile_ci.R,
// testdata/quantile_ranks_r.csv), from 1 to 1,000,000 values, for the
// median and both quartiles at every level: the ranks exactly, the
// coverage to within 1e-6; where R's ranks leave the sample (j = 0 or
// k > n), there is no interval.
func TestQuantileRanksMatchR(t *testing.T) {
	rows := readRCSV(t, "quantile_ranks_r.csv", 150)
	shown := 0
	for _, r := range rows {
		n, p, level := int(atof(t, r[0])), atof(t, r[1]), int(atof(t, r[2]))
		wantOK := r[3] == "1"
		j, k, cov, ok := surveys.QuantileRanks(n, p, level)
		if ok != wantOK {
			t.Errorf("QuantileRanks(%d, %v, %d): ok %v, R says %v (j %s, k %s)", n, p, level, ok, wantOK, r[4], r[5])
			continue
		}
		if !ok {
			continue
		}
		shown++
		if j != int(atof(t, r[4])) || k != int(atof(t, r[5])) || math.Abs(cov-atof(t, r[6])) > 1e-6 {
			t.Errorf("QuantileRanks(%d, %v, %d) = %d, %d, %.9f; R says %s, %s, %s", n, p, level, j, k, cov, r[4], r[5], r[6])
		}
		if cov < float64(level)/100 {
			t.Errorf("QuantileRanks(%d, %v, %d): coverage %v below the level", n, p, level, cov)
		}
	}
	if shown < 100 {
		t.Errorf("only %d intervals compared", shown)
	}
	for _, c := range []struct {
		n     int
		p     float64
		level int
	}{{0, 0.5, 95}, {-3, 0.5, 95}, {100, 0, 95}, {100, 1, 95}, {100, math.NaN(), 95}, {100, 0.5, 80}} {
		if _, _, _, ok := surveys.QuantileRanks(c.n, c.p, c.level); ok {
			t.Errorf("QuantileRanks(%d, %v, %d) gave ranks", c.n, c.p, c.level)
		}
	}
}

// TestQuantileIntervalMatchesR compares the limits read off a
// distribution with R's order statistics of the same values
// (testdata/quantile_intervals_r.csv), to within 1e-6.
func TestQuantileIntervalMatchesR(t *testing.T) {
	rows := readRCSV(t, "quantile_intervals_r.csv", 40)
	for _, r := range rows {
		values := fields(t, r[1])
		var counts []int
		for _, c := range fields(t, r[2]) {
			counts = append(counts, int(c))
		}
		p, level, wantOK := atof(t, r[3]), int(atof(t, r[4])), r[5] == "1"
		lo, hi, ok := surveys.QuantileInterval(values, counts, p, level)
		if ok != wantOK || (ok && (math.Abs(lo-atof(t, r[6])) > 1e-6 || math.Abs(hi-atof(t, r[7])) > 1e-6)) {
			t.Errorf("%s p %v at %d %%: [%v, %v] %v, R says [%s, %s] %v", r[0], p, level, lo, hi, ok, r[6], r[7], wantOK)
		}
	}
	// Values out of order or a negative count: no interval.
	if _, _, ok := surveys.QuantileInterval([]float64{2, 1}, []int{50, 50}, 0.5, 95); ok {
		t.Error("an interval of unsorted values")
	}
	if _, _, ok := surveys.QuantileInterval([]float64{1, 2}, []int{50, -1}, 0.5, 95); ok {
		t.Error("an interval with a negative count")
	}
}

// TestMeanRankIntervalMatchesR: the mean and standard deviation of a
// ranking option's places (PlaceStats) and the t interval of its mean
// rank are what R's mean, sd and t.test give for the places
// (testdata/mean_rank_r.csv), to within 1e-6.
func TestMeanRankIntervalMatchesR(t *testing.T) {
	rows := readRCSV(t, "mean_rank_r.csv", 20)
	for _, r := range rows {
		var counts []int
		for _, c := range fields(t, r[0]) {
			counts = append(counts, int(c))
		}
		level := int(atof(t, r[1]))
		mean, sd, n, ok := surveys.PlaceStats(counts)
		if !ok {
			t.Fatalf("PlaceStats(%v): none", counts)
		}
		lo, hi, ok := surveys.MeanInterval(mean, sd, n, level)
		want := []float64{atof(t, r[2]), atof(t, r[3]), atof(t, r[4]), atof(t, r[5])}
		for i, got := range []float64{mean, sd, lo, hi} {
			if !ok || math.Abs(got-want[i]) > 1e-6 {
				t.Errorf("places %v at %d %%: mean %v sd %v [%v, %v], R says %v", counts, level, mean, sd, lo, hi, want)
				break
			}
		}
	}
	if _, _, _, ok := surveys.PlaceStats([]int{1, 0, 0}); ok {
		t.Error("PlaceStats of one place")
	}
}

// TestReleaseQuantileAndRankIntervals: in a release, every median and
// quartile shown with an interval lies within it, a higher level's
// interval holds a lower one's, and each mean rank has the t interval of
// its published mean rank, SD and number who answered, within the places.
// SetLevel leaves the release's own statistics (shared by every download)
// at 95 %.
func TestReleaseQuantileAndRankIntervals(t *testing.T) {
	def := loadExample(t, "safety-online-offline.json")
	tally := surveys.NewTally()
	for _, r := range randomResponses(t, def, 400, 29) {
		tally.Add(def, r)
	}
	p := surveys.Disclose(def, tally, 5)
	quantiles, ranks := 0, 0
	var prev map[string][3][2]float64
	for _, level := range []int{90, 95, 99} {
		cur := map[string][3][2]float64{}
		for _, r := range downloads(def, p) {
			r.SetLevel(level)
			eachStats(r, func(where string, st *surveys.Stats) {
				for i, q := range statIntervals(st) {
					if q.lo == nil {
						continue
					}
					quantiles++
					if *q.lo > q.v || *q.hi < q.v {
						t.Errorf("%s %s at %d %%: %v outside [%v, %v]", where, q.name, level, q.v, *q.lo, *q.hi)
					}
					iv := cur[where]
					iv[i] = [2]float64{*q.lo, *q.hi}
					cur[where] = iv
					if w, ok := prev[where]; ok && w[i] != [2]float64{} && (w[i][0] < *q.lo || w[i][1] > *q.hi) {
						t.Errorf("%s %s: [%v, %v] at %d %% within the lower level's %v", where, q.name, *q.lo, *q.hi, level, w[i])
					}
				}
			})
			ranks += checkRankIntervals(t, r, level)
		}
		prev = cur
	}
	if quantiles < 50 || ranks < 10 {
		t.Errorf("checked only %d quantile intervals and %d mean-rank intervals", quantiles, ranks)
	}
	// The release's own statistics stay at 95 % after the downloads above.
	again := p.Results("en", "", "")
	at95 := downloads(def, p)[0]
	at95.SetLevel(95)
	eachStats(again, func(where string, st *surveys.Stats) {
		if st.MedianCILow == nil {
			return
		}
		l, h, _ := findStats(at95, where)
		if *st.MedianCILow != l || *st.MedianCIHigh != h {
			t.Errorf("%s: the release's median interval changed to [%v, %v] from [%v, %v]", where, *st.MedianCILow, *st.MedianCIHigh, l, h)
		}
	})
}

type statInterval struct {
	name   string
	v      float64
	lo, hi *float64
}

func statIntervals(st *surveys.Stats) [3]statInterval {
	return [3]statInterval{{"median", st.Median, st.MedianCILow, st.MedianCIHigh}, {"q1", st.Q1, st.Q1CILow, st.Q1CIHigh}, {"q3", st.Q3, st.Q3CILow, st.Q3CIHigh}}
}

// eachStats calls fn with every statistics shown in r, named by group,
// question and statement.
func eachStats(r surveys.Results, fn func(string, *surveys.Stats)) {
	for _, g := range r.Groups {
		for _, q := range g.Questions {
			w := r.By + ":" + g.Code + "/" + q.ID
			if q.Stats != nil {
				fn(w, q.Stats)
			}
			for _, s := range q.Statements {
				if s.Stats != nil {
					fn(w+"/"+s.Code, s.Stats)
				}
			}
		}
	}
}

func findStats(r surveys.Results, where string) (lo, hi float64, ok bool) {
	eachStats(r, func(w string, st *surveys.Stats) {
		if w == where && st.MedianCILow != nil {
			lo, hi, ok = *st.MedianCILow, *st.MedianCIHigh, true
		}
	})
	return lo, hi, ok
}

// checkRankIntervals checks every mean rank's interval against
// MeanInterval of the published mean rank, SD and answered, and returns
// how many it checked.
func checkRankIntervals(t *testing.T, r surveys.Results, level int) int {
	t.Helper()
	checked := 0
	for _, g := range r.Groups {
		for _, q := range g.Questions {
			for _, m := range q.MeanRanks {
				if q.Answered.N == nil || m.SD == nil {
					if m.CILow != nil {
						t.Errorf("%s/%s %s: an interval without its SD or answered", g.Code, q.ID, m.Code)
					}
					continue
				}
				lo, hi, ok := surveys.MeanInterval(m.MeanRank, *m.SD, *q.Answered.N, level)
				if !ok {
					continue
				}
				wl, wh := math.Round(100*max(1, lo))/100, math.Round(100*min(float64(len(q.Options)), hi))/100
				if m.CILow == nil || *m.CILow != wl || *m.CIHigh != wh || wl > m.MeanRank || wh < m.MeanRank {
					t.Errorf("%s/%s %s at %d %%: %v (sd %v, n %d): interval %v %v, want [%v, %v]", g.Code, q.ID, m.Code, level, m.MeanRank, *m.SD, *q.Answered.N, m.CILow, m.CIHigh, wl, wh)
				}
				checked++
			}
		}
	}
	return checked
}

// hoursSurvey has a number question whose answers are tallied value by
// value (whole hours from 0 to 100).
const hoursSurvey = `{
  "default_language": "en", "languages": ["en"], "title": {"en": "Hours"}, "thank_you": {"en": "Thanks"},
  "sections": [{"id": "s", "questions": [
    {"id": "hours", "type": "number", "text": {"en": "Hours"}, "integer": true, "min": 0, "max": 100}
  ]}]
}`

// No limit of an interval is one of the k smallest or largest answers:
// with 25 answers, the largest 19 hours and given by one respondent, the
// third quartile's interval at 99 % would reach it (R: qbinom(0.995, 25,
// 0.75) + 1 is 25); it is withheld rather than show it, while the
// median's (ranks 8 and 18 at 95 %) is shown. QuantileInterval, which has
// no such bound, does reach it, so the test would notice the bound gone.
func TestQuantileIntervalsKeepAwayFromTheEdges(t *testing.T) {
	def, err := surveystest.Load([]byte(hoursSurvey))
	if err != nil {
		t.Fatal(err)
	}
	if err := def.Complete(); err != nil {
		t.Fatal(err)
	}
	values := []float64{5, 6, 7, 8, 9, 10, 11, 19}
	counts := []int{4, 4, 4, 3, 3, 3, 3, 1}
	for _, on := range []bool{true, false} {
		restore := surveys.SetPerturbation(on)
		var rs []*surveys.Response
		i := 0
		for vi, v := range values {
			for range counts[vi] {
				rs = append(rs, respond(t, def, 3, i, map[string]any{"hours": v}))
				i++
			}
		}
		res := surveys.Disclose(def, tallyResponses(def, rs), surveys.MinK).Results("en", "", "-")
		for _, level := range surveys.Levels() {
			res.SetLevel(level)
			st := res.Groups[0].Questions[0].Stats
			if st == nil {
				t.Fatalf("perturbed %v: no statistics", on)
			}
			for _, q := range statIntervals(st) {
				if q.lo != nil && *q.hi >= 19 {
					t.Errorf("perturbed %v, %s at %d %%: [%v, %v] reaches the largest answer", on, q.name, level, *q.lo, *q.hi)
				}
			}
			if level == 95 && st.MedianCILow == nil {
				t.Errorf("perturbed %v: no median interval of 25 values at 95 %%", on)
			}
		}
		restore()
	}
	if _, hi, ok := surveys.QuantileInterval(values, counts, 0.75, 99); !ok || hi != 19 {
		t.Fatalf("unbounded: q3 at 99 %% to %v (%v), not the largest answer", hi, ok)
	}
}

// The attack of TestMeanRanksDoNotRevealASmallCell (release_test.go) with
// the mean rank's interval too: 10 x [a,b,c], 9 x [b,a,c], 1 x [b,c,a].
// The interval's half-width gives the standard deviation of c's places,
// and with the mean rank and the number who answered, the count of each
// of c's three places (three equations, three unknowns): how many ranked
// c second, the one respondent. Without perturbation it recovers that
// one; with it, the places are perturbed counts and it does not.
func TestMeanRankIntervalDoesNotRevealASmallCell(t *testing.T) {
	bothWays(t, func(t *testing.T, perturbed bool) {
		def := loadSmall(t)
		const trials = 200
		hits, seen := 0, 0
		for seed := range trials {
			var rs []*surveys.Response
			rs = append(rs, repeat(t, def, seed, 0, 10, map[string]any{"age": "13", "rank": []string{"a", "b", "c"}})...)
			rs = append(rs, repeat(t, def, seed, 10, 9, map[string]any{"age": "14", "rank": []string{"b", "a", "c"}})...)
			rs = append(rs, respond(t, def, seed, 19, map[string]any{"age": "14", "rank": []string{"b", "c", "a"}}))
			res := surveys.Disclose(def, tallyResponses(def, rs), 10).Results("en", "", "-")
			for _, level := range surveys.Levels() {
				res.SetLevel(level)
				for _, q := range res.Groups[0].Questions {
					if q.ID != "rank" || len(q.MeanRanks) < 3 || q.Answered.N == nil || q.MeanRanks[2].CILow == nil {
						continue
					}
					seen++
					m := q.MeanRanks[2]
					n := float64(*q.Answered.N)
					_, unit, _ := surveys.MeanInterval(0, 1, int(n), level) // t/√n
					sd := (*m.CIHigh - *m.CILow) / 2 / unit
					if *m.CIHigh >= 3 { // the upper limit is cut at the last place: the lower one is whole
						sd = (m.MeanRank - *m.CILow) / unit
					}
					// n1 + n2 + n3 = n, n1 + 2n2 + 3n3 = n·mean, n1 + 4n2 + 9n3 = (n−1)sd² + n·mean².
					sum, sumSq := n*m.MeanRank, (n-1)*sd*sd+n*m.MeanRank*m.MeanRank
					n3 := ((sumSq - n) - 3*(sum-n)) / 2
					n2 := (sum - n) - 2*n3
					if math.Round(n2) == 1 {
						hits++
					}
				}
			}
		}
		if seen == 0 {
			t.Fatal("no interval of c's mean rank")
		}
		t.Logf("the attack guessed right %d times out of %d", hits, seen)
		if perturbed && hits > seen/2 {
			t.Errorf("with perturbation the attack still worked %d times out of %d", hits, seen)
		}
		if !perturbed && hits < seen*9/10 {
			t.Errorf("without perturbation the attack worked only %d times out of %d", hits, seen)
		}
	})
}

// BenchmarkQuantileRanks: the ranks of a quartile's interval at 100 and
// 1,000,000 values (the work grows with √n).
func BenchmarkQuantileRanks(b *testing.B) {
	for _, n := range []int{100, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				surveys.QuantileRanks(n, 0.25, 95)
			}
		})
	}
}
