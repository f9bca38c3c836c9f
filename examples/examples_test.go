package examples_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/examples"
)

// Every file of surveys/ is embedded, byte for byte.
func TestEveryExampleIsEmbedded(t *testing.T) {
	onDisk, err := filepath.Glob("surveys/*.json")
	if err != nil || len(onDisk) < 2 {
		t.Fatalf("examples on disk: %v %v", onDisk, err)
	}
	var names []string
	for _, f := range onDisk {
		names = append(names, filepath.Base(f))
	}
	if got := examples.Names(); !slices.Equal(got, names) {
		t.Fatalf("Names() = %v, want %v", got, names)
	}
	for _, f := range onDisk {
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := examples.Survey(filepath.Base(f))
		if err != nil || string(got) != string(want) || !json.Valid(got) {
			t.Errorf("%s: embedded copy differs or is not JSON (%v)", f, err)
		}
	}
	if _, err := examples.Survey("no-such-survey.json"); err == nil {
		t.Error("an unknown example was found")
	}
}

// Every file of consultations/ is embedded, byte for byte, and names
// example surveys that exist; Consultation puts the surveys' ids in their
// place and refuses a survey it has no id for.
func TestEveryConsultationIsEmbedded(t *testing.T) {
	onDisk, err := filepath.Glob("consultations/*.json")
	if err != nil || len(onDisk) < 1 {
		t.Fatalf("consultations on disk: %v %v", onDisk, err)
	}
	var names []string
	for _, f := range onDisk {
		names = append(names, filepath.Base(f))
	}
	if got := examples.ConsultationNames(); !slices.Equal(got, names) {
		t.Fatalf("ConsultationNames() = %v, want %v", got, names)
	}
	ids := map[string]string{}
	for i, n := range examples.Names() {
		ids[n] = fmt.Sprintf("id-%d", i)
	}
	for _, f := range onDisk {
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := examples.ConsultationFile(filepath.Base(f))
		if err != nil || string(got) != string(want) || !json.Valid(got) {
			t.Errorf("%s: embedded copy differs or is not JSON (%v)", f, err)
		}
		body, err := examples.Consultation(filepath.Base(f), ids)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var doc struct {
			Surveys []string `json:"surveys"`
			Title   map[string]string
		}
		if err := json.Unmarshal(body, &doc); err != nil || len(doc.Surveys) == 0 || doc.Title["sv"] == "" {
			t.Fatalf("%s: %s %v", f, body, err)
		}
		for _, id := range doc.Surveys {
			if !strings.HasPrefix(id, "id-") {
				t.Errorf("%s: survey %q not replaced by an id", f, id)
			}
		}
		if _, err := examples.Consultation(filepath.Base(f), map[string]string{}); err == nil {
			t.Errorf("%s: accepted without the surveys' ids", f)
		}
	}
	if _, err := examples.ConsultationFile("no-such-consultation.json"); err == nil {
		t.Error("an unknown consultation was found")
	}
}
