package surveys_test

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/surveys"
)

// propertyTest marks a long property test that runs in one goroutine: the
// attacker's searches over hundreds of releases, tallies split every way.
// The race detector can find nothing in such a test and makes it about five
// times slower (together 95 of the package's 100 s under -race), so under
// -race it is skipped (internal/racetest). What is concurrent in this
// package (a release's memo, shared by the requests that read it) has its
// own test, which runs under -race.
func propertyTest(t *testing.T) {
	t.Helper()
	racetest.SkipSingleFlow(t)
}

// A release is computed once and then read by many requests at once (the
// API caches it): concurrent reads of every view give the numbers a lone
// reader gets, and the race detector sees the memo shared safely.
func TestProtectedIsSafeToShare(t *testing.T) {
	def := loadExample(t, "youth-policy-consultation.json")
	tally := tallyResponses(def, randomResponses(t, def, 120, 7))
	want := map[string]string{}
	views := append([]string{""}, dims(def)...)
	for _, by := range views {
		want[by] = resultsJSON(t, surveys.Disclose(def, tally, 10), by)
	}
	shared := surveys.Disclose(def, tally, 10)
	var wg sync.WaitGroup
	got := make([][]string, 8)
	for i := range got {
		wg.Go(func() {
			for _, by := range views {
				got[i] = append(got[i], resultsJSON(t, shared, by))
			}
		})
	}
	wg.Wait()
	for i := range got {
		for j, by := range views {
			if got[i][j] != want[by] {
				t.Fatalf("reader %d, view %q: the shared release read differently than a lone one", i, by)
			}
		}
	}
}

func resultsJSON(t *testing.T, p *surveys.Protected, by string) string {
	b, err := json.Marshal(p.Results("en", by, "-"))
	if err != nil {
		t.Error(err)
	}
	return string(b)
}
