//go:build race

package surveys_test

const raceDetector = true
