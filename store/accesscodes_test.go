package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

func codeKeys(prefix string, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s%06d", prefix, i)
	}
	return keys
}

func wantLeft(t *testing.T, err error, left int) {
	t.Helper()
	var le *CodeLimitError
	if !errors.As(err, &le) || le.Left != left {
		t.Fatalf("got %v, want a limit error with %d left", err, left)
	}
}

func codeTotal(t *testing.T, st *Store, surveyID string) int {
	t.Helper()
	total, _, err := st.AccessCodeCounts(context.Background(), surveyID)
	if err != nil {
		t.Fatal(err)
	}
	_, ledger, err := st.lastCodeEntry(context.Background(), surveyID)
	if err != nil {
		t.Fatal(err)
	}
	if int(total) != ledger {
		t.Fatalf("%d codes stored, the ledger counts %d", total, ledger)
	}
	return ledger
}

// Codes made before the ledger existed count against the limit.
func TestAccessCodeLimitCountsOlderCodes(t *testing.T) {
	st := openEmbedded(t, t.TempDir())
	ctx := context.Background()
	var docs []any
	for _, k := range codeKeys("old", 15) {
		docs = append(docs, accessCodeDoc{ID: k, SurveyID: "s1"})
	}
	docs = append(docs, accessCodeDoc{ID: usedPrefix + "old000000", SurveyID: "s1", Used: true, UsedBy: "x"})
	if _, err := st.db.Collection(colAccessCodes).InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	wantLeft(t, st.AddAccessCodes(ctx, "s1", codeKeys("a", 6), 20), 5)
	if err := st.AddAccessCodes(ctx, "s1", codeKeys("b", 5), 20); err != nil {
		t.Fatal(err)
	}
	wantLeft(t, st.AddAccessCodes(ctx, "s1", codeKeys("c", 1), 20), 0)
	if n := codeTotal(t, st, "s1"); n != 20 {
		t.Fatalf("%d codes", n)
	}
	// Another survey's codes are its own.
	if err := st.AddAccessCodes(ctx, "s2", codeKeys("d", 20), 20); err != nil {
		t.Fatal(err)
	}
}

// Codes that fail to be stored are given back.
func TestAccessCodeLimitGivesBackFailedCodes(t *testing.T) {
	st := openEmbedded(t, t.TempDir())
	ctx := context.Background()
	if err := st.AddAccessCodes(ctx, "s", []string{"k1", "k2", "k3"}, 10); err != nil {
		t.Fatal(err)
	}
	// k1 exists: k4 is stored, k1 is not and is given back.
	if err := st.AddAccessCodes(ctx, "s", []string{"k4", "k1"}, 10); err == nil {
		t.Fatal("a duplicate key was stored")
	}
	if n := codeTotal(t, st, "s"); n != 4 {
		t.Fatalf("%d codes counted, 4 stored", n)
	}
	if err := st.AddAccessCodes(ctx, "s", codeKeys("x", 6), 10); err != nil {
		t.Fatal(err)
	}
	wantLeft(t, st.AddAccessCodes(ctx, "s", []string{"y"}, 10), 0)
}

// Concurrent requests never take a survey over its limit: exactly as many
// succeed as fit.
func TestAccessCodeLimitUnderConcurrency(t *testing.T) {
	st := openEmbedded(t, t.TempDir())
	ctx := context.Background()
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Go(func() {
			err := st.AddAccessCodes(ctx, "s", codeKeys(fmt.Sprintf("g%02d-", i), 3), 30)
			var le *CodeLimitError
			switch {
			case err == nil:
				ok.Add(1)
			case errors.As(err, &le):
				refused.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 10 || refused.Load() != 14 {
		t.Fatalf("%d requests succeeded, %d refused", ok.Load(), refused.Load())
	}
	if n := codeTotal(t, st, "s"); n != 30 {
		t.Fatalf("%d codes", n)
	}
}
