package program

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSurveyReadsAFileOrAnExample(t *testing.T) {
	dir := t.TempDir()
	own := filepath.Join(dir, "own.json")
	if err := os.WriteFile(own, []byte(`{"default_language":"en","languages":["en"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, def, err := Survey(own); err != nil || def.DefaultLanguage != "en" {
		t.Fatalf("a file: %v %v", def, err)
	}
	for _, p := range []string{"youth-policy-consultation.json", "examples/surveys/youth-policy-consultation.json"} {
		b, def, err := Survey(p)
		if err != nil || len(b) == 0 || def.DefaultLanguage != "sv" {
			t.Errorf("%s: %v", p, err)
		}
	}
	// A path elsewhere that does not exist is an error, not an example.
	for _, p := range []string{filepath.Join(dir, "youth-policy-consultation.json"), "no-such.json"} {
		if _, _, err := Survey(p); err == nil {
			t.Errorf("%s: no error", p)
		}
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Survey(bad); err == nil {
		t.Error("malformed JSON: no error")
	}
}

func TestProfilesAreWritten(t *testing.T) {
	dir := t.TempDir()
	p := &Profiles{cpuPath: filepath.Join(dir, "cpu"), memPath: filepath.Join(dir, "mem")}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{p.cpuPath, p.memPath} {
		if fi, err := os.Stat(f); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	none := &Profiles{}
	if err := none.Start(); err != nil {
		t.Fatal(err)
	}
	if err := none.Stop(); err != nil {
		t.Fatal(err)
	}
}
