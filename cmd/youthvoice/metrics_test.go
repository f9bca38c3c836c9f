package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// The operator's series are on the command's admin address, wired to the
// server's workflows and its store: a submission for a survey that does
// not exist is counted, and the store's gauges are read.
func TestOperatorMetricsOnTheAdminAddress(t *testing.T) {
	t.Parallel()
	vars := with(storeVars(t), "YOUTHVOICE_ADMIN_ADDR", "127.0.0.1:0")
	addr, logs, stop := startServe(t, vars)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	var admin string
	for deadline := time.Now().Add(10 * time.Second); admin == ""; time.Sleep(20 * time.Millisecond) {
		if m := adminLine.FindStringSubmatch(logs.String()); m != nil {
			admin = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no admin address:\n%s", logs.String())
		}
	}
	resp, err := http.Post("http://"+addr+"/v1/surveys/no-such-survey/responses", "application/json",
		strings.NewReader(`{"submission_id":"8d3c1b2e-7f7e-4a7e-9a53-1f7f4c1d2b3a","revision":1,"lang":"en","answers":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("submission for no survey: %d", resp.StatusCode)
	}
	st, body := get(t, "http://"+admin+"/metrics")
	if st != 200 {
		t.Fatalf("admin /metrics: %d %.500s", st, body)
	}
	for _, want := range []string{
		"youthvoice_submissions_refused_total{reason=\"survey_not_found\"} 1\n",
		"youthvoice_submissions_total{outcome=\"accepted\"} 0\n",
		"youthvoice_summary_queue_batches 0\n",
		"youthvoice_summary_queue_oldest_seconds 0\n",
		"youthvoice_surveys_open 0\n",
		"youthvoice_releases_held_back_surveys{state=\"unreleased\"} 0\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("admin /metrics lacks %q", want)
		}
	}
}
