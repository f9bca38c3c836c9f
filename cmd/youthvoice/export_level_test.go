package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/simulate"
)

// youthvoice export --level: the summary's intervals at the level asked
// for (the JSON's ci_level, the method note's words), 95 % without it,
// and a level that is not 90, 95 or 99 refused as a usage error before
// any file is written.
func TestExportCommandLevel(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel()
	vars := with(storeVars(t), "YOUTHVOICE_BOOTSTRAP_TOKEN", "T-level-token", "YOUTHVOICE_SUBMIT_RATE", "0")
	addr, _, stop := startServe(t, vars)
	post := func(path string, body []byte) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+addr+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer T-level-token")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	def, _ := examples.Survey("youth-policy-consultation.json")
	created, parsed := publishSurvey(t, post, def)
	rng := rand.New(rand.NewPCG(9, 9))
	for range 25 {
		if st, body := post("/v1/surveys/"+created.ID+"/responses", simulate.SubmissionJSON(parsed, 1, rng)); st != 201 {
			t.Fatalf("submit: %d %s", st, body)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	export := func(level ...string) (map[string]any, error) {
		out := filepath.Join(t.TempDir(), "summary.json")
		args := append([]string{"export", "--survey", created.ID, "--kind", "summary", "--format", "json", "--lang", "en", "--out", out}, level...)
		if err := run(t.Context(), args, env(vars), io.Discard, io.Discard); err != nil {
			if _, statErr := os.Stat(out); statErr == nil {
				t.Errorf("%q: a file written before the error", level)
			}
			return nil, err
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		return doc, nil
	}
	for _, c := range []struct {
		args  []string
		level float64
	}{{nil, 95}, {[]string{"--level", "99"}, 99}, {[]string{"--level", "90"}, 90}} {
		doc, err := export(c.args...)
		if err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		results, _ := doc["results"].(map[string]any)
		method, _ := json.Marshal(doc["method"])
		if want := fmt.Sprintf("%d %% confidence interval", int(c.level)); results["ci_level"] != c.level || !strings.Contains(string(method), want) {
			t.Errorf("%q: ci_level %v, method %s", c.args, results["ci_level"], method)
		}
	}
	for _, bad := range []string{"80", "95.5", "x"} {
		_, err := export("--level", bad)
		if exitCode(err) != 2 {
			t.Errorf("--level %s: %v (exit %d)", bad, err, exitCode(err))
		}
	}
}
