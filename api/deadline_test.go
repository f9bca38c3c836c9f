package api_test

import (
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/store/storetest"
)

// Item 7 of issue 11: a database server that accepts requests and answers
// nothing (a primary waiting for a majority that is unreachable) does not
// hold requests: with store.Options.Timeout set, organisers' reads and
// writes, a submission and readiness answer a translated 503 with
// Retry-After about the timeout later, where without a client-side
// timeout they would wait for ever (here: until the test client gives up
// after 30 s, and the test fails).
func TestStalledDatabaseIs503WithinTheTimeout(t *testing.T) {
	// In parallel: it mostly waits for timeouts (22 s under -race), and it
	// asserts the status, not how fast other tests let it run.
	t.Parallel()
	const timeout = time.Second
	st, proxy := storetest.OpenBehindStallProxy(t, store.Options{Timeout: timeout})
	e := apitest.New(t, apitest.Options{Store: st})
	id, owner := openSurvey(t, e, nil)
	if r := e.Do("POST", "/v1/surveys/"+id+"/responses", submission(1, "sv", goodAnswers)); r.Status != 201 {
		t.Fatalf("submission before the stall: %d %s", r.Status, r.Body)
	}

	proxy.Stall()
	// Readiness results are reused for a second.
	e.Clock.Advance(2 * time.Second)
	for _, c := range []struct {
		what, method, path string
		body               any
		headers            []string
	}{
		{"a submission", "POST", "/v1/surveys/" + id + "/responses", submission(1, "sv", goodAnswers), nil},
		{"an organiser's survey list", "GET", "/v1/org/surveys", nil, bearer(owner)},
		{"an organiser's new survey", "POST", "/v1/org/surveys", smallSurvey(t), bearer(owner)},
		{"readiness", "GET", "/readyz", nil, nil},
	} {
		t.Run(c.what, func(t *testing.T) {
			start := time.Now()
			r := e.Do(c.method, c.path, c.body, c.headers...)
			took := time.Since(start)
			if r.Status != 503 || r.Header.Get("Retry-After") == "" {
				t.Fatalf("%d (Retry-After %q) after %v: %s", r.Status, r.Header.Get("Retry-After"), took, r.Body)
			}
			if p := problemOf(t, r); p.Type != "urn:youthvoice:problem:unavailable" {
				t.Errorf("%+v", p)
			}
			t.Logf("503 after %v", took.Round(time.Millisecond))
		})
	}
}
