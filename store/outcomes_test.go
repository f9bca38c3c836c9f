package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
)

// An outcome is stored once (a second publication, even a concurrent one,
// is ErrOutcomePublished), read back as it was with its cited numbers and
// updates, and saved only against the version read.
func TestOutcomeStoredOnceAndVersioned(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	at := time.Date(2027, 6, 20, 9, 0, 0, 0, time.UTC)
	pct := 27.5
	newOutcome := func() *surveys.Outcome {
		return &surveys.Outcome{ConsultationID: "c1", OrgID: "org-a", PublishedAt: at,
			Findings: []surveys.Finding{{Text: surveys.Text{"sv": "Ni sa"}, Cites: []surveys.CitedNumber{{
				Citation: surveys.Citation{Survey: "s1", Question: "q", Option: "a"},
				Release:  surveys.ReleaseRef{Survey: "s1", Revision: 2, Responses: 400, Day: "2027-04-01", Final: true},
				Count:    110, Pct: &pct, QuestionText: surveys.Text{"sv": "Fråga"}, SurveyTitle: surveys.Text{"sv": "Enkät"},
			}}}},
			Decisions: []surveys.Decision{{Proposal: surveys.Text{"sv": "Förslag"}, Status: surveys.DecisionConsidering}}}
	}
	if _, err := st.Outcome(ctx, "c1"); !errors.Is(err, surveys.ErrNotFound) {
		t.Fatalf("before: %v", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.CreateOutcome(ctx, newOutcome())
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, surveys.ErrOutcomePublished):
			t.Fatal(err)
		}
	}
	if won != 1 {
		t.Fatalf("%d concurrent publications succeeded", won)
	}
	o, err := st.Outcome(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	c := o.Findings[0].Cites[0]
	if o.Version != 1 || !o.PublishedAt.Equal(at) || c.Count != 110 || *c.Pct != pct || c.Release.Responses != 400 || !c.Release.Final || o.OrgID != "org-a" {
		t.Fatalf("read back %+v %+v", o, c)
	}
	stale, _ := st.Outcome(ctx, "c1")
	in := &surveys.OutcomeUpdateInput{Text: surveys.Text{"sv": "Nytt"}, Decisions: []surveys.DecisionChange{{Decision: 0, Status: surveys.DecisionAdopted}}}
	if err := o.Append(in, nil, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveOutcome(ctx, o); err != nil || o.Version != 2 {
		t.Fatalf("save: %v, version %d", err, o.Version)
	}
	if err := stale.Append(in, nil, at.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveOutcome(ctx, stale); !errors.Is(err, surveys.ErrConflict) || stale.Version != 1 {
		t.Fatalf("stale save: %v, version %d", err, stale.Version)
	}
	all, err := st.Outcomes(ctx, []string{"c1", "c2"})
	if err != nil || len(all) != 1 || len(all["c1"].Updates) != 1 || all["c1"].Current()[0].Status != surveys.DecisionAdopted || !all["c1"].LastAt().Equal(at.Add(time.Hour)) {
		t.Fatalf("Outcomes: %v %+v", err, all)
	}
	gone := newOutcome()
	gone.ConsultationID, gone.Version = "c9", 1
	if err := st.SaveOutcome(ctx, gone); !errors.Is(err, surveys.ErrNotFound) {
		t.Fatalf("save of none: %v", err)
	}
}
