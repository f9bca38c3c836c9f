package store_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
)

// BenchmarkCommitter measures what the store alone can take: 32 writers
// insert ready-made responses of the youth-policy example through the
// committer, without HTTP or validation, with and without the summarizer
// running alongside (docs/performance.md):
//
//	go test ./store -run '^$' -bench Committer -benchtime 20000x
func BenchmarkCommitter(b *testing.B) {
	for _, withSummarizer := range []bool{false, true} {
		name := "alone"
		if withSummarizer {
			name = "with-summarizer"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			st := storetest.Open(b)
			def := exampleDefinition(b)
			rng := rand.New(rand.NewPCG(1, 1))
			rs := make([]*surveys.Response, b.N)
			for i := range rs {
				rs[i] = randomResponse(b, def, "A", rng)
			}
			sum := newSummarizer(st, def)
			runCtx, cancel := context.WithCancel(ctx)
			defer cancel()
			if withSummarizer {
				go sum.Run(runCtx)
			}
			com := st.NewCommitter(500, 0, sum)
			defer com.Close()
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
						if err := com.Insert(ctx, rs[i], def); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "responses/s")
		})
	}
}
