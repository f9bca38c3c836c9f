package main

import (
	"bytes"
	"encoding/json"
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

// youthvoice export --weighted: the summary with the figures weighted to
// the survey's population totals (the JSON's "weighted", the notes), and
// a clear error for a survey without totals.
func TestExportCommandWeighted(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel()
	vars := with(storeVars(t), "YOUTHVOICE_BOOTSTRAP_TOKEN", "T-weighted-token", "YOUTHVOICE_SUBMIT_RATE", "0")
	addr, _, stop := startServe(t, vars)
	do := func(method, path string, body []byte) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+addr+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer T-weighted-token")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	post := func(path string, body []byte) (int, []byte) { return do("POST", path, body) }
	def, _ := examples.Survey("youth-policy-consultation.json")
	weighted, parsed := publishSurvey(t, post, def)
	plain, _ := publishSurvey(t, post, def)
	rng := rand.New(rand.NewPCG(4, 4))
	for range 300 { // enough in every age band that no weight passes the bound of 5
		if st, body := post("/v1/surveys/"+weighted.ID+"/responses", simulate.SubmissionJSON(parsed, 1, rng)); st != 201 {
			t.Fatalf("submit: %d %s", st, body)
		}
	}
	margins := []byte(`{"missing":"exclude","dimensions":[{"question":"age_band","totals":{"10-12":25,"13-15":25,"16-18":25,"19-25":25}}]}`)
	if st, body := do("PUT", "/v1/org/surveys/"+weighted.ID+"/weighting", margins); st != 200 {
		t.Fatalf("PUT weighting: %d %s", st, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "summary.json")
	args := []string{"export", "--survey", weighted.ID, "--format", "json", "--lang", "en", "--weighted", "--out", out}
	if err := run(t.Context(), args, env(vars), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Weighted *struct {
			Questions []struct{ ID string } `json:"questions"`
		} `json:"weighted"`
		Notes []string `json:"notes"`
	}
	if err := json.Unmarshal(data, &doc); err != nil || doc.Weighted == nil || len(doc.Weighted.Questions) == 0 ||
		!strings.Contains(strings.Join(doc.Notes, " "), "design effect") {
		t.Fatalf("weighted export: %v %s", err, data[:min(300, len(data))])
	}
	var stderr bytes.Buffer
	args = []string{"export", "--survey", plain.ID, "--format", "json", "--weighted", "--out", filepath.Join(t.TempDir(), "x.json")}
	if err := run(t.Context(), args, env(vars), io.Discard, &stderr); err == nil || !strings.Contains(err.Error()+stderr.String(), "no population totals") {
		t.Errorf("a survey without totals: %v %s", err, stderr.String())
	}
}
