//go:build !race

package racetest

// Enabled: this binary was built with -race (race.go).
const Enabled = false
