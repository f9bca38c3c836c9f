// Package surveystest holds the surveys that tests of any package start
// from: the repository's examples, parsed, and a small survey made for
// tests (small-survey.json: one question of each type, k = 5). Random
// answers to them come from package simulate.
package surveystest

import (
	_ "embed"
	"encoding/json"

	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/surveys"
)

// SmallSurvey is the JSON definition of a small survey in Swedish, English
// and Arabic, for tests: one question of each type (the single choice a
// breakdown), k = 5, public results.
//
//go:embed small-survey.json
var SmallSurvey []byte

// Load reads a definition from JSON.
func Load(b []byte) (*surveys.Definition, error) {
	var d surveys.Definition
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Example parses the example survey with the given file name (package
// examples).
func Example(name string) (*surveys.Definition, error) {
	b, err := examples.Survey(name)
	if err != nil {
		return nil, err
	}
	return Load(b)
}
