//go:build race

package xlsform

const raceDetector = true
