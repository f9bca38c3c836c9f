package store_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
)

// A summary made before perturbation has no record keys to perturb with:
// the first start of the new version recounts it from the stored
// responses, and makes its release afresh with keys.
func TestSummariesWithoutRecordKeysAreRecountedAtStart(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def := exampleDefinition(t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	sv := &surveys.Survey{ID: "A", OrgID: "o", Status: surveys.Draft, Draft: *def, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateSurvey(ctx, sv); err != nil {
		t.Fatal(err)
	}
	sum := newSummarizer(st, def)
	com := st.NewCommitter(16, time.Millisecond, sum)
	defer com.Close()
	rng := rand.New(rand.NewPCG(5, 6))
	want := surveys.NewTally()
	for range 40 {
		r := randomResponse(t, def, "A", rng)
		want.Add(def, r)
		if err := com.Insert(ctx, r, def); err != nil {
			t.Fatal(err)
		}
	}
	sum.Flush(ctx)
	if err := st.StripRecordKeys(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	if s, err := st.Summary(ctx, "A"); err != nil || s.Tally.HasKeys() || s.ReleaseTally.HasKeys() {
		t.Fatalf("keys not stripped: %v", err)
	}
	sum.RecoverAtStart(ctx)
	s, err := st.SummaryCells(ctx, "A", true)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Tally.HasKeys() || !s.ReleaseTally.HasKeys() || s.ReleaseN != 40 {
		t.Fatalf("after the upgrade: keys %v, release keys %v, release of %d", s.Tally.HasKeys(), s.ReleaseTally.HasKeys(), s.ReleaseN)
	}
	if d := surveys.TallyDifferences(s.Tally, want); len(d) > 0 {
		t.Fatalf("recount differs: %v", d)
	}
	if copyTallyJSON(s.Tally.Keys) != copyTallyJSON(want.Keys) {
		t.Fatal("record keys differ from those of the responses")
	}
}

func copyTallyJSON(t *surveys.Tally) string {
	b, _ := json.Marshal(t)
	return string(b)
}
