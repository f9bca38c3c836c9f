// Package examples holds the repository's example surveys (surveys/*.json,
// described in README.md) and consultations (consultations/*.json),
// embedded, so that the demo command, the tests of every package and the
// programs under scripts/ read the same files wherever they run from.
package examples

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

//go:embed surveys/*.json
var files embed.FS

//go:embed consultations/*.json
var consultationFiles embed.FS

// Names lists the example surveys' file names, sorted.
func Names() []string { return names(files, "surveys") }

func names(fsys embed.FS, dir string) []string {
	entries, _ := fs.ReadDir(fsys, dir) // embedded: cannot fail
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

// Survey is the JSON definition of the example survey with the given file
// name (for example "youth-policy-consultation.json"), as the body of
// POST /v1/org/surveys.
func Survey(name string) ([]byte, error) {
	return files.ReadFile(path.Join("surveys", path.Base(name)))
}

// ConsultationNames lists the example consultations' file names, sorted.
func ConsultationNames() []string { return names(consultationFiles, "consultations") }

// SurveyRefPrefix starts each entry of an example consultation's
// "surveys": the example survey's path in the repository
// ("examples/surveys/youth-policy-consultation.json"), which the survey
// created from that file replaces with its id.
const SurveyRefPrefix = "examples/surveys/"

// ConsultationFile is the example consultation with the given file name
// exactly as stored: its "surveys" name example survey files (see
// SurveyRefPrefix), not ids.
func ConsultationFile(name string) ([]byte, error) {
	return consultationFiles.ReadFile(path.Join("consultations", path.Base(name)))
}

// Consultation is the example consultation with the given file name as
// the body of POST /v1/org/consultations: each survey it names is
// replaced by its id in ids (keyed by the example survey's file name, as
// Names lists them). A survey without an id is an error.
func Consultation(name string, ids map[string]string) ([]byte, error) {
	b, err := ConsultationFile(name)
	if err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("examples: %s: %w", name, err)
	}
	var refs []string
	if err := json.Unmarshal(doc["surveys"], &refs); err != nil {
		return nil, fmt.Errorf("examples: %s: surveys: %w", name, err)
	}
	for i, r := range refs {
		id, ok := ids[strings.TrimPrefix(r, SurveyRefPrefix)]
		if !ok || !strings.HasPrefix(r, SurveyRefPrefix) {
			return nil, fmt.Errorf("examples: %s: no id for the survey %q", name, r)
		}
		refs[i] = id
	}
	if doc["surveys"], err = json.Marshal(refs); err != nil {
		return nil, err
	}
	if err := linkParticipation(doc, ids, name); err != nil { // outcomes.go
		return nil, err
	}
	return json.Marshal(doc)
}
