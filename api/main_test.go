package api

import (
	"os"
	"testing"

	"github.com/youthvoice/youthvoice/store"
)

// TestMain fails the run if a query the store issued in these tests is
// served by no index it declares (store/querycheck.go).
func TestMain(m *testing.M) { os.Exit(store.RunCheckingQueries(m)) }
