package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/store"
)

// safeBuffer collects a running demo's guide while the test reads it.
type safeBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startDemo runs the demo on dir until the test ends, and returns what it
// made once it is ready, and its guide.
func startDemo(t *testing.T, dir string, respondents int) (*demoRun, *safeBuffer, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out := &safeBuffer{}
	ready := make(chan *demoRun, 1)
	done := make(chan error, 1)
	o := demoOptions{dir: dir, addr: "127.0.0.1:0", respondents: respondents, seed: 1, logLevel: "error"}
	go func() { done <- runDemo(ctx, o, out, io.Discard, func(r *demoRun) { ready <- r }) }()
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo: %v", err)
		}
	}
	select {
	case r := <-ready:
		return r, out, stop
	case err := <-done:
		cancel()
		t.Fatalf("demo ended before it was ready: %v\n%s", err, out)
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatal("demo not ready after 2 minutes")
	}
	return nil, nil, nil
}

func getJSON(t *testing.T, url, token string) map[string]any {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return m
}

// liveCount is a survey's exact count of responses, from its live
// summary through the API.
func liveCount(t *testing.T, run *demoRun, id string) int {
	t.Helper()
	m := getJSON(t, run.base+"/v1/org/surveys/"+id+"/summary?view=live&lang=en", run.token)
	status, _ := m["status"].(map[string]any)
	n, ok := status["collected"].(float64)
	if m["view"] != "live" || !ok {
		t.Fatalf("live summary of %s: %v", id, m)
	}
	return int(n)
}

// The demo end to end: a marked directory of its own, the examples
// published as the demo organisation, every simulated young person in the
// summaries, the app's endpoints answering, a guide with commands that
// work; a second run on the same directory adds to the same surveys.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo-data")
	const respondents = 41 // not a multiple of the two surveys
	run, out, stop := startDemo(t, dir, respondents)

	if b, err := os.ReadFile(filepath.Join(dir, demoMarker)); err != nil || !strings.Contains(string(b), "demo data") {
		t.Fatalf("marker: %q %v", b, err)
	}
	if len(run.surveys) != 2 || run.simulated != respondents {
		t.Fatalf("surveys %+v, simulated %d", run.surveys, run.simulated)
	}
	org := getJSON(t, run.base+"/v1/org", run.token)
	if org["name"] != demoOrgName {
		t.Errorf("organisation %v", org)
	}
	total := 0
	for _, s := range run.surveys {
		n := liveCount(t, run, s.id)
		if n != s.responses || n < respondents/2 {
			t.Errorf("%s: live count %d, the demo said %d", s.file, n, s.responses)
		}
		total += n
		// The app's view of the survey, and the public results.
		if m := getJSON(t, run.base+"/v1/surveys/"+s.id+"?lang=en", ""); m["id"] != s.id {
			t.Errorf("app survey: %v", m["id"])
		}
		getJSON(t, run.base+"/v1/surveys/"+s.id+"/results?lang=en", "")
	}
	if total != respondents {
		t.Errorf("%d responses in the summaries, %d simulated", total, respondents)
	}
	guide := out.String()
	for _, want := range []string{run.base, "TOKEN=" + run.token, "ID=" + run.surveys[0].id, "/summary?lang=en", "export?kind=summary",
		"--data-dir " + dir, "Ctrl-C", "demo data"} {
		if !strings.Contains(guide, want) {
			t.Errorf("the guide lacks %q:\n%s", want, guide)
		}
	}
	// While it runs, the CLI with --data-dir works inside it (the export
	// the guide shows).
	pdf := filepath.Join(t.TempDir(), "summary.pdf")
	if err := run2(t, "export", "--data-dir", dir, "--survey", run.surveys[0].id, "--kind", "summary", "--format", "pdf", "--lang", "en", "--out", pdf); err != nil {
		t.Fatalf("export through the demo server: %v", err)
	}
	if b, err := os.ReadFile(pdf); err != nil || !strings.HasPrefix(string(b), "%PDF") {
		t.Errorf("exported PDF: %d bytes, %v", len(b), err)
	}
	stop()

	// Again on the same directory: the same organisation and surveys, a
	// new token, and the new answers on top.
	again, _, stop := startDemo(t, dir, respondents)
	defer stop()
	if again.orgID != run.orgID || again.token == run.token {
		t.Errorf("second run: organisation %s (was %s), token renewed: %v", again.orgID, run.orgID, again.token != run.token)
	}
	total = 0
	for i, s := range again.surveys {
		if s.id != run.surveys[i].id {
			t.Errorf("second run published %s again", s.file)
		}
		total += liveCount(t, again, s.id)
	}
	if total != 2*respondents {
		t.Errorf("after two runs: %d responses, want %d", total, 2*respondents)
	}
}

// run2 runs a command line as the program does, quietly.
func run2(t *testing.T, args ...string) error {
	t.Helper()
	return run(t.Context(), args, func(string) string { return "" }, io.Discard, io.Discard)
}

// A directory that holds anything but demo data, a real store above
// all, is refused before anything is written to it; so are bad flags.
func TestDemoRefusesADirectoryThatIsNotADemo(t *testing.T) {
	realDir := t.TempDir()
	st, err := store.Open(t.Context(), store.Options{DataDir: realDir, Logger: slog.New(slog.DiscardHandler), EngineLogLevel: slog.LevelError + 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadDir(realDir)
	err = run2(t, "demo", "--dir", realDir, "--addr", "127.0.0.1:0", "--respondents", "5")
	var nd notDemoError
	if !errors.As(err, &nd) || !strings.Contains(err.Error(), "not a demo data directory") {
		t.Fatalf("a real store's directory: %v", err)
	}
	after, _ := os.ReadDir(realDir)
	if len(after) != len(before) {
		t.Errorf("the demo wrote to a real data directory: %d entries, then %d", len(before), len(after))
	}
	if _, err := os.Stat(filepath.Join(realDir, demoMarker)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("marker written into a real data directory: %v", err)
	}

	for _, args := range [][]string{{"--respondents", "0"}, {"--respondents", "100001"}, {"--log-level", "loud"}, {"extra"}} {
		err := run2(t, append([]string{"demo", "--dir", t.TempDir()}, args...)...)
		var u usageError
		if !errors.As(err, &u) {
			t.Errorf("demo %v: %v, want a usage error", args, err)
		}
	}
}

// serve refuses the demo's directory (the demo alone serves it, saying it
// is demo data), before it opens or writes anything there.
func TestServeRefusesADemoDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, demoMarker), []byte(demoMarkerText), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run2(t, "serve", "--data-dir", dir, "--addr", "127.0.0.1:0")
	var u usageError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), "holds demo data") {
		t.Fatalf("serve on a demo directory: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("serve wrote into the demo directory: %d entries", len(entries))
	}
}
