// Package racetest tells tests whether they run under the race detector,
// and skips under it the tests it can find nothing in.
//
// `go test -race ./...` must stay within its budget (4 minutes on 2
// cores). A test that checks what one flow of work produces (files
// rendered and read back, workbooks parsed, documents and requests made
// in turn) gives the detector nothing to find that the concurrency tests
// do not, and runs several times slower under it. Such a test calls
// SkipSingleFlow (or its package's TestMain calls SkipPackage): under
// -race it is skipped, and .ci/run runs the README's `go test ./...`
// without -race as a stage of its own, where it runs.
// YOUTHVOICE_TEST_ALL_UNDER_RACE=1 runs them under -race anyway.
package racetest

import (
	"fmt"
	"os"
	"testing"
)

// forced reports whether the skips are switched off.
func forced() bool { return os.Getenv("YOUTHVOICE_TEST_ALL_UNDER_RACE") != "" }

// SkipSingleFlow skips t under the race detector (see the package).
func SkipSingleFlow(t testing.TB) {
	t.Helper()
	if Enabled && !forced() {
		t.Skip("one flow of work, nothing concurrent to check: skipped under -race, run by `go test ./...` (.ci/run's plain stage)")
	}
}

// SkipPackage reports, for a TestMain, whether a package all of whose
// tests run in one goroutine skips them (under the race detector), and
// says so.
func SkipPackage(name string) bool {
	if !Enabled || forced() {
		return false
	}
	fmt.Printf("%s: single-goroutine tests skipped under -race (`go test ./...`, .ci/run's plain stage, runs them)\n", name)
	return true
}
