package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
)

// BenchmarkWritersOnOneSurvey: several summarizers (standing for the
// processes of a deployment) each apply a batch per pass to the same
// survey, one part against eight. An op is one pass of every writer;
// conflicts/op counts the updates another writer came first to (each a
// read and a write again). Run:
//
//	go test ./store -run '^$' -bench WritersOnOneSurvey -benchtime 200x
func BenchmarkWritersOnOneSurvey(b *testing.B) {
	for _, parts := range []int{1, 8} {
		b.Run(fmt.Sprintf("parts=%d", parts), func(b *testing.B) {
			defer store.SetSummaryParts(parts)()
			ctx := context.Background()
			st := storetest.Open(b)
			def := exampleDefinition(b)
			const writers = 6
			type writer struct {
				sum *store.Summarizer
				com *store.Committer
				rs  []*surveys.Response
			}
			ws := make([]writer, writers)
			for i := range ws {
				ws[i].sum = newSummarizer(st, def)
				ws[i].com = st.NewCommitter(16, 0, ws[i].sum)
				defer ws[i].com.Close()
				rng := rand.New(rand.NewPCG(uint64(i), uint64(parts)))
				for range b.N {
					ws[i].rs = append(ws[i].rs, randomResponse(b, def, "A", rng))
				}
			}
			before := st.SummaryConflicts()
			b.ResetTimer()
			var wg sync.WaitGroup
			for _, w := range ws {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for _, r := range w.rs {
						if err := w.com.Insert(ctx, r, def); err != nil {
							b.Error(err)
							return
						}
						w.sum.Pass(ctx)
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(st.SummaryConflicts()-before)/float64(b.N), "conflicts/op")
			if sum, err := st.Summary(ctx, "A"); err != nil || sum.Tally.Responses != writers*b.N {
				b.Fatalf("summary of %d (%v), want %d", sum.Tally.Responses, err, writers*b.N)
			}
		})
	}
}

// BenchmarkWeightedSummaryFromStore: a summary of the youth consultation
// at 100,000 responses computed from the embedded database without any
// cache, unweighted and weighted (issue 17 asks at most twice the time):
// the summary read (Summary; SummaryCells also reads the release's cells
// document), disclosure control, the results, for "weighted" the
// weighted figures raked to age band, gender and area, and the JSON.
//
//	go test ./store -run '^$' -bench WeightedSummaryFromStore -benchtime 20x
func BenchmarkWeightedSummaryFromStore(b *testing.B) {
	ctx := context.Background()
	st := storetest.Open(b)
	def := exampleDefinition(b)
	rng := rand.New(rand.NewPCG(100, 100))
	tally := surveys.NewTally()
	for range 100000 {
		tally.Add(def, randomResponse(b, def, "A", rng))
	}
	if err := st.ReplaceSummary(ctx, "A", tally, def.Threshold(), false); err != nil {
		b.Fatal(err)
	}
	m := &surveys.Margins{Missing: surveys.MissingExclude, Dimensions: []surveys.Dimension{
		{Question: "age_band", Totals: map[string]float64{"10-12": 20000, "13-15": 30000, "16-18": 30000, "19-25": 20000}},
		{Question: "gender", Totals: map[string]float64{"girl": 49000, "boy": 49500, "nonbinary": 1500}, NotStated: []string{"no_answer"}},
		{Question: "area", Totals: map[string]float64{"central": 40000, "other_town": 30000, "rural": 25000, "outside": 5000}, NotStated: []string{"no_answer"}},
	}}
	for _, weighted := range []bool{false, true} {
		name := "unweighted"
		if weighted {
			name = "weighted"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				read := st.Summary
				if weighted {
					read = func(ctx context.Context, id string) (*store.Summary, error) { return st.SummaryCells(ctx, id, false) }
				}
				sum, err := read(ctx, "A")
				if err != nil || sum.ReleaseN != 100000 {
					b.Fatalf("%v, release of %d", err, sum.ReleaseN)
				}
				p := surveys.Disclose(def, sum.ReleaseTally, def.Threshold())
				doc := struct {
					Results  surveys.Results          `json:"results"`
					Weighted *surveys.WeightedResults `json:"weighted,omitempty"`
				}{Results: p.Results("en", "", "not answered")}
				if weighted {
					if doc.Weighted, err = p.Weighted(sum.ReleaseTally.Cells, m, "en", 95); err != nil || doc.Weighted == nil {
						b.Fatal(err)
					}
				}
				if _, err := json.Marshal(doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
