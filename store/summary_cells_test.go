package store_test

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
)

// The cross-classified cells live in documents of their own: the
// summary's head and parts name theirs and hold none, the cells read
// back equal a recount's after every batch and release, and each write
// removes the document it replaced, so only the named ones are left.
func TestCellsInDocumentsOfTheirOwn(t *testing.T) {
	racetest.SkipSingleFlow(t)
	ctx := context.Background()
	st := storetest.Open(t)
	def := exampleDefinition(t)
	sum := newSummarizer(st, def)
	com := st.NewCommitter(16, time.Millisecond, sum)
	defer com.Close()
	rng := rand.New(rand.NewPCG(8, 9))
	want := surveys.NewTally()
	for round := range 4 {
		for range 25 {
			r := randomResponse(t, def, "A", rng)
			want.Add(def, r)
			if err := com.Insert(ctx, r, def); err != nil {
				t.Fatal(err)
			}
		}
		sum.Flush(ctx)
		got, err := st.SummaryCells(ctx, "A", true)
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Cells) == 0 || !reflect.DeepEqual(got.Tally.Cells, want.Cells) {
			t.Fatalf("round %d: %d cells read, %d counted", round, len(got.Tally.Cells), len(want.Cells))
		}
		if got.ReleaseN != want.Responses || !reflect.DeepEqual(got.ReleaseTally.Cells, want.Cells) {
			t.Fatalf("round %d: release of %d with %d cells", round, got.ReleaseN, len(got.ReleaseTally.Cells))
		}
		plain, err := st.Summary(ctx, "A")
		if err != nil || plain.Tally.Cells != nil || plain.ReleaseTally.Cells != nil {
			t.Fatalf("round %d: a summary read without cells has them (%v)", round, err)
		}
		named := map[string]bool{}
		for _, coll := range []string{"summaries", "summary_parts"} {
			docs, err := st.RawDocuments(ctx, coll)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range docs {
				for _, f := range []string{"cells_ref", "release_cells_ref"} {
					if ref, _ := d[f].(string); ref != "" {
						named[ref] = true
					}
				}
			}
		}
		cells, err := st.RawDocuments(ctx, "summary_cells")
		if err != nil {
			t.Fatal(err)
		}
		if len(cells) != len(named) || len(named) < 2 {
			t.Fatalf("round %d: %d cells documents, %d named", round, len(cells), len(named))
		}
		for _, d := range cells {
			if !named[d["_id"].(string)] {
				t.Errorf("round %d: cells document %s is named by no tally", round, d["_id"])
			}
		}
	}
}
