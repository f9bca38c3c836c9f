package simulate_test

import (
	"os"
	"testing"

	"github.com/youthvoice/youthvoice/store"
)

// The seeder's queries are checked like every store user's (store/querycheck.go).
func TestMain(m *testing.M) { os.Exit(store.RunCheckingQueries(m)) }
