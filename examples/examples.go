// Package examples holds the repository's example surveys (surveys/*.json,
// described in README.md), embedded, so that the demo command, the tests
// of every package and the programs under scripts/ read the same files
// wherever they run from.
package examples

import (
	"embed"
	"io/fs"
	"path"
	"slices"
)

//go:embed surveys/*.json
var files embed.FS

// Names lists the example surveys' file names, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, "surveys") // embedded: cannot fail
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// Survey is the JSON definition of the example survey with the given file
// name (for example "youth-policy-consultation.json"), as the body of
// POST /v1/org/surveys.
func Survey(name string) ([]byte, error) {
	return files.ReadFile(path.Join("surveys", path.Base(name)))
}
