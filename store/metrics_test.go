package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/store/storetest"
)

// The lag an operator sees is the oldest queued batch's age by the
// database's clock, even where the process's own clock is far off, and 0
// once the queue is empty.
func TestOldestQueuedBatch(t *testing.T) {
	ctx := context.Background()
	opts := storetest.Options(t)
	opts.Now = func() time.Time { return time.Now().Add(time.Hour) } // this process's clock is an hour ahead
	st, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	if age, err := st.OldestQueued(ctx); err != nil || age != 0 {
		t.Fatalf("empty queue: %v (%v)", age, err)
	}
	now := time.Now() // the embedded database's clock is this machine's
	for i, ago := range []time.Duration{3 * time.Minute, 10 * time.Minute, time.Minute} {
		if err := store.QueueBatchAt(ctx, st, string(rune('a'+i)), now.Add(-ago)); err != nil {
			t.Fatal(err)
		}
	}
	age, err := st.OldestQueued(ctx)
	if err != nil || age < 10*time.Minute || age > 11*time.Minute {
		t.Fatalf("oldest of three batches (1, 3 and 10 minutes old): %v (%v)", age, err)
	}
	if n, err := st.QueueLength(ctx); err != nil || n != 3 {
		t.Fatalf("queue length %d (%v)", n, err)
	}
}
