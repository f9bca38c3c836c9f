package examples_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
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
