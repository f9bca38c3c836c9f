package store_test

import (
	"context"
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
