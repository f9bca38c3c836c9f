package store_test

import (
	"context"
	"testing"

	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
)

func margins(total float64) *surveys.Margins {
	return &surveys.Margins{Missing: surveys.MissingExclude, Dimensions: []surveys.Dimension{
		{Question: "age_band", Totals: map[string]float64{"10-12": total, "13-15": 100, "16-18": 100, "19-25": 100}}}}
}

// One set of totals per release: a release published weighted keeps the
// totals it was published with whatever the margins become (removing and
// giving them again included), the next release takes the current ones,
// a weighting that was not published records nothing, and of two
// requests with different margins only the first to record publishes.
func TestOneSetOfTotalsPerRelease(t *testing.T) {
	racetest.SkipSingleFlow(t)
	ctx := context.Background()
	st := storetest.Open(t)
	get := func(release int) (float64, bool, bool) {
		t.Helper()
		rw, err := st.WeightingOfRelease(ctx, "A", release)
		if err != nil || rw == nil {
			t.Fatalf("release %d: %v %v", release, rw, err)
		}
		return rw.Margins.Dimensions[0].Totals["10-12"], rw.Served, rw.Newer
	}
	mark := func(release int) bool {
		t.Helper()
		rw, err := st.WeightingOfRelease(ctx, "A", release)
		if err != nil {
			t.Fatal(err)
		}
		ok, err := st.MarkWeighted(ctx, "A", release, rw)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if rw, err := st.WeightingOfRelease(ctx, "A", 100); err != nil || rw != nil {
		t.Fatalf("no margins: %v %v", rw, err)
	}
	if _, err := st.SetWeighting(ctx, "A", margins(1)); err != nil {
		t.Fatal(err)
	}
	if v, served, _ := get(100); v != 1 || served {
		t.Fatalf("first read: %v served %v", v, served)
	}
	if _, err := st.SetWeighting(ctx, "A", margins(2)); err != nil { // not published yet: free to change
		t.Fatal(err)
	}
	if !mark(100) {
		t.Fatal("first publication not recorded")
	}
	if _, err := st.SetWeighting(ctx, "A", margins(3)); err != nil {
		t.Fatal(err)
	}
	if v, served, newer := get(100); v != 2 || !served || !newer {
		t.Fatalf("release 100 after a change: %v served %v newer %v", v, served, newer)
	}
	if v, served, _ := get(110); v != 3 || served {
		t.Fatalf("the next release: %v served %v", v, served)
	}
	if ok, err := st.DeleteWeighting(ctx, "A"); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if rw, err := st.WeightingOfRelease(ctx, "A", 100); err != nil || rw != nil {
		t.Fatalf("removed: %v %v", rw, err)
	}
	if _, err := st.SetWeighting(ctx, "A", margins(4)); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := get(100); v != 2 {
		t.Fatalf("removing and giving again re-weighted the release: %v", v)
	}
	// Two requests for release 110: one read with margins 4, then the
	// margins change and the other reads 5; the first cannot record.
	first, err := st.WeightingOfRelease(ctx, "A", 110)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetWeighting(ctx, "A", margins(5)); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.MarkWeighted(ctx, "A", 110, first); err != nil || ok {
		t.Fatalf("a stale read recorded: %v %v", ok, err)
	}
	if !mark(110) {
		t.Fatal("the fresh read did not record")
	}
	if v, served, _ := get(110); v != 5 || !served {
		t.Fatalf("release 110: %v served %v", v, served)
	}
}
