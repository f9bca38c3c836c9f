package store_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/store/storetest"
)

// A batch of nothing but retries of stored responses has nothing to tally:
// its queue document goes at once, instead of waiting a lease for
// recovery.
func TestBatchOfRetriesLeavesTheQueue(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def := exampleDefinition(t)
	sum := newSummarizer(st, def)
	com := st.NewCommitter(16, 0, sum)
	defer com.Close()
	r := randomResponse(t, def, "A", rand.New(rand.NewPCG(1, 2)))
	if err := com.Insert(ctx, r, def); err != nil {
		t.Fatal(err)
	}
	sum.Flush(ctx)
	if err := com.Insert(ctx, r, def); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("retry: %v", err)
	}
	if n, err := st.QueueLength(ctx); err != nil || n != 0 {
		t.Fatalf("%d batches queued after a batch of retries (%v)", n, err)
	}
}

// Queue times come from the database server's clock: a process whose own
// clock is an hour ahead writes the server's time, and its recovery does
// not take a batch another process queued a moment ago.
func TestQueueTimesAreTheServers(t *testing.T) {
	ctx := context.Background()
	opts := storetest.Options(t)
	opts.Now = func() time.Time { return time.Now().Add(time.Hour) }
	st, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	def := exampleDefinition(t)
	crash := func(string) error { return errors.New("crash") }
	sum := newSummarizer(st, def)
	sum.SetFaults(crash) // the batch stays queued, as a writer's crash leaves it
	com := st.NewCommitter(16, 0, sum)
	defer com.Close()
	if err := com.Insert(ctx, randomResponse(t, def, "A", rand.New(rand.NewPCG(3, 4))), def); err != nil {
		t.Fatal(err)
	}
	sum.Flush(ctx)
	docs, err := st.RawDocuments(ctx, "tally_queue")
	if err != nil || len(docs) != 1 {
		t.Fatalf("queue: %d documents (%v)", len(docs), err)
	}
	at, ok := docs[0]["created_at"].(interface{ Time() time.Time })
	if !ok {
		t.Fatalf("created_at: %T", docs[0]["created_at"])
	}
	if d := time.Since(at.Time()); d < -time.Minute || d > 2*time.Minute {
		t.Fatalf("queued at %v, %v from the server's now: the writer's own clock", at.Time(), d)
	}
	other := newSummarizer(st, def)
	other.Lease = time.Minute
	other.Recover(ctx)
	if n, _ := st.QueueLength(ctx); n != 1 {
		t.Fatal("a young batch was recovered by a process whose clock is ahead")
	}
}

// Of several processes recovering at once, each batch is taken by one:
// its claim moves its queue time, so the others see it young again.
func TestRecoveryClaimsEachBatchOnce(t *testing.T) {
	ctx := context.Background()
	opts := storetest.Options(t)
	opts.QueueTimeStep = 10 * time.Millisecond // leases of seconds, not minutes
	st, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	if ok, err := st.AtomicDocumentWrites(ctx); err != nil || !ok {
		t.Skipf("a claim is a conditional update, atomic on MongoDB and the embedded store, not on a FerretDB server (%v)", err)
	}
	def := exampleDefinition(t)
	writer := newSummarizer(st, def)
	writer.SetFaults(func(string) error { return errors.New("crash") })
	com := st.NewCommitter(4, 0, writer)
	rng := rand.New(rand.NewPCG(5, 6))
	for range 12 {
		if err := com.Insert(ctx, randomResponse(t, def, "A", rng), def); err != nil {
			t.Fatal(err)
		}
		writer.Flush(ctx) // one batch each, left queued by the crash
	}
	com.Close()
	queued, _ := st.QueueLength(ctx)

	// Once every batch is past the lease, three recover at once (three
	// summarizers stand for three processes).
	const lease = 2 * time.Second
	time.Sleep(lease + 100*time.Millisecond)
	var mu sync.Mutex
	applied := map[string]int{}
	var wg sync.WaitGroup
	for range 3 {
		r := newSummarizer(st, def)
		r.Lease = lease
		r.SetFaults(func(step string) error {
			if step == "tallying" {
				mu.Lock()
				applied[step]++
				mu.Unlock()
			}
			return nil
		})
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.Recover(ctx)
		}()
	}
	wg.Wait()
	if applied["tallying"] != int(queued) {
		t.Fatalf("%d batches queued, %d recoveries: a batch was taken by several processes or by none", queued, applied["tallying"])
	}
	sum, err := st.Summary(ctx, "A")
	if err != nil || sum.Tally.Responses != 12 {
		t.Fatalf("summary of %d (%v), want 12", sum.Tally.Responses, err)
	}
	if n, _ := st.QueueLength(ctx); n != 0 {
		t.Fatalf("%d batches left queued", n)
	}
}

// A summarizer whose passes fall behind holds at most its bound of
// responses (and one batch more) in memory: the committer runs a pass
// itself before it takes more. Every stored response is in the summary
// after a flush, with nothing left to recovery (a release frozen at a
// close holds them all).
func TestSummarizerBehindMakesTheCommitterWait(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def := exampleDefinition(t)
	sm := newSummarizer(st, def)
	sm.SetMaxPending(10)
	com := st.NewCommitter(4, 0, sm)
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 30 {
		if err := com.Insert(ctx, randomResponse(t, def, "A", rng), def); err != nil {
			t.Fatal(err)
		}
		if n := sm.PendingResponses(); n > 10+4 {
			t.Fatalf("after %d: %d responses held for the next pass, bound 10 and one batch of 4", i+1, n)
		}
	}
	com.Close()
	if st.SummaryPassesForced() == 0 {
		t.Fatal("the committer never waited for a pass")
	}
	sm.Flush(ctx)
	if sum, err := st.Summary(ctx, "A"); err != nil || sum.Tally.Responses != 30 {
		t.Fatalf("summary of %d after the flush (%v), want all 30", sum.Tally.Responses, err)
	}
	if n, _ := st.QueueLength(ctx); n != 0 {
		t.Fatalf("%d batches left queued", n)
	}
}
