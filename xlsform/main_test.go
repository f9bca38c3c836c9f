package xlsform

import (
	"os"
	"testing"

	"github.com/youthvoice/youthvoice/internal/racetest"
)

// TestMain skips this package's tests under the race detector. They run in
// one goroutine (rendering and reading files: the only shared state is a
// few sync.Once tables, which the API's tests use concurrently under
// -race), so the detector can find nothing in them and makes them several
// times slower (minutes of the race run); see internal/racetest.
func TestMain(m *testing.M) {
	if racetest.SkipPackage("xlsform") {
		os.Exit(0)
	}
	os.Exit(m.Run())
}
