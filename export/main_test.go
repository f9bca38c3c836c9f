package export

import (
	"fmt"
	"os"
	"testing"
)

// TestMain skips this package's tests under the race detector. They run in
// one goroutine (rendering and reading files: the only shared state is a
// few sync.Once tables, which the API's tests use concurrently under
// -race), so the detector can find nothing in them and makes them several
// times slower (minutes of the race run); .ci/run's domain stage runs them
// without it. YOUTHVOICE_TEST_DOMAIN_UNDER_RACE=1 runs them under -race.
func TestMain(m *testing.M) {
	if raceDetector && os.Getenv("YOUTHVOICE_TEST_DOMAIN_UNDER_RACE") == "" {
		fmt.Println("export: single-goroutine tests skipped under -race (.ci/run's domain stage runs them without it)")
		os.Exit(0)
	}
	os.Exit(m.Run())
}
