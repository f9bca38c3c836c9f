package store_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/store/storetest"
)

// stallTimeout is Options.Timeout in the tests of a stalled server: short,
// so that the tests wait little, and long enough for a loaded machine to
// do every operation in time while the server answers.
const stallTimeout = time.Second

// stallGuard is how long a test waits for a call to a stalled server to
// return before it calls it hanging: far beyond stallTimeout (a call may
// take two operations, each bounded by it), far below the 30 s default
// that a store ignoring Options.Timeout would wait.
const stallGuard = 10 * time.Second

// returnsUnavailable runs call and fails the test unless it returns an
// error matching store.ErrUnavailable within stallGuard; it reports how
// long the call took.
func returnsUnavailable(t *testing.T, what string, call func() error) time.Duration {
	t.Helper()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		took := time.Since(start)
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s on a stalled server: %v after %v, want an error matching store.ErrUnavailable", what, err, took)
		}
		return took
	case <-time.After(stallGuard):
		t.Fatalf("%s on a stalled server still waits after %v (timeout %v)", what, stallGuard, stallTimeout)
		return 0
	}
}

// Item 7 of issue 11: every store call has a deadline. A server that
// accepts requests and answers nothing (a primary waiting for a majority
// that is unreachable, a network that drops packets) makes each call
// fail with ErrUnavailable about Options.Timeout later, where without a
// client-side timeout a write waits forever.
func TestStalledServerFailsWithinTheTimeout(t *testing.T) {
	ctx := context.Background()
	st, proxy := storetest.OpenBehindStallProxy(t, store.Options{Timeout: stallTimeout})
	def := exampleDefinition(t)
	sum := newSummarizer(st, def)
	com := st.NewCommitter(4, 0, sum)
	defer com.Close()
	rng := rand.New(rand.NewPCG(21, 22))

	// Through the proxy, before it stalls, everything works.
	org, _, err := st.CreateOrg(ctx, "before", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := com.Insert(ctx, randomResponse(t, def, "A", rng), def); err != nil {
		t.Fatal(err)
	}
	if err := st.CheckWritable(ctx); err != nil {
		t.Fatal(err)
	}

	proxy.Stall()
	calls := []struct {
		what string
		call func() error
	}{
		{"a response written directly", func() error {
			return st.InsertResponse(ctx, randomResponse(t, def, "A", rng), def)
		}},
		{"a response through the committer (a submission's write)", func() error {
			return com.Insert(ctx, randomResponse(t, def, "A", rng), def)
		}},
		{"creating an organisation", func() error {
			_, _, err := st.CreateOrg(ctx, "after", time.Now())
			return err
		}},
		{"reading an organisation", func() error {
			_, err := st.Org(ctx, org.ID)
			return err
		}},
		{"reading a summary", func() error {
			_, err := st.Summary(ctx, "A")
			return err
		}},
		{"the readiness probe", func() error { return st.CheckWritable(ctx) }},
		{"a ping", func() error { return st.Ping(ctx) }},
	}
	for _, c := range calls {
		t.Run(c.what, func(t *testing.T) {
			took := returnsUnavailable(t, c.what, c.call)
			// Not sooner than the timeout either: the error comes from
			// the deadline, not from a refused connection.
			if took < stallTimeout*9/10 {
				t.Errorf("%s failed after %v, before the %v timeout", c.what, took, stallTimeout)
			}
			t.Logf("failed after %v", took.Round(time.Millisecond))
		})
	}
}

// A caller's own earlier deadline still wins over Options.Timeout.
func TestStalledServerHonoursTheCallersDeadline(t *testing.T) {
	st, proxy := storetest.OpenBehindStallProxy(t, store.Options{Timeout: time.Minute})
	if err := st.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	proxy.Stall()
	ctx, cancel := context.WithTimeout(context.Background(), stallTimeout)
	defer cancel()
	returnsUnavailable(t, "a ping with its own deadline", func() error { return st.Ping(ctx) })
}
