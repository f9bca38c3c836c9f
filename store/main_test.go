package store

import (
	"os"
	"testing"
)

// TestMain fails the run if a query the store issued in these tests is
// served by no index it declares (store/querycheck.go).
func TestMain(m *testing.M) { os.Exit(RunCheckingQueries(m)) }
