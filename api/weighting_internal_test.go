package api

import (
	"errors"
	"fmt"
	"testing"
)

// A weighting that could not be made is remembered for its release and
// margins (not raked again at every request), and what is remembered is
// bounded.
func TestFailedWeightingsAreRememberedAndBounded(t *testing.T) {
	var pc protectedCache
	k := failedKey{"s", 100, "tag"}
	if pc.failed(k) != nil {
		t.Fatal("remembered before it failed")
	}
	boom := errors.New("bounds")
	pc.fail(k, boom)
	if !errors.Is(pc.failed(k), boom) || pc.failed(failedKey{"s", 110, "tag"}) != nil || pc.failed(failedKey{"s", 100, "other"}) != nil {
		t.Fatal("not remembered for its release and margins only")
	}
	for i := range 2 * maxFailed {
		pc.fail(failedKey{"s", i, fmt.Sprint(i)}, boom)
		if len(pc.failures) > maxFailed {
			t.Fatalf("%d remembered", len(pc.failures))
		}
	}
}
