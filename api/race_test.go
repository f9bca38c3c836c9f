//go:build race

package api_test

// raceDetector: the tests run under the race detector, where every
// database operation of the embedded store costs several times more;
// the longest tests then do less of the same.
const raceDetector = true
