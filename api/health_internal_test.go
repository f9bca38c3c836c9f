package api

import (
	"context"
	"errors"
	"testing"
	"time"
)

// /readyz writes to the store; polling it in a loop writes at most once a
// second, and a failure is reported until the next check.
func TestReadinessIsCheckedAtMostOnceASecond(t *testing.T) {
	var r readiness
	writes := 0
	fail := false
	write := func(context.Context) error {
		writes++
		if fail {
			return errors.New("disk full")
		}
		return nil
	}
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i := range 1000 {
		if err := r.check(context.Background(), t0.Add(time.Duration(i)*time.Microsecond), write); err != nil {
			t.Fatal(err)
		}
	}
	if writes != 1 {
		t.Fatalf("%d writes in a millisecond", writes)
	}
	fail = true
	if err := r.check(context.Background(), t0.Add(readinessTTL), write); err == nil || writes != 2 {
		t.Fatalf("after a second: %v, %d writes", err, writes)
	}
	if err := r.check(context.Background(), t0.Add(readinessTTL+time.Millisecond), write); err == nil || writes != 2 {
		t.Fatalf("the failure is not kept: %v, %d writes", err, writes)
	}
	// A clock that went back checks again rather than trusting the past.
	fail = false
	if err := r.check(context.Background(), t0, write); err != nil || writes != 3 {
		t.Fatalf("clock back: %v, %d writes", err, writes)
	}
}
