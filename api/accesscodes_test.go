package api_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/surveys"
)

// postCodes asks for n access codes.
func postCodes(e *apitest.Env, owner, id string, n int, lang string) *apitest.Response {
	return e.Do("POST", "/v1/org/surveys/"+id+"/access-codes", map[string]int{"count": n}, append(bearer(owner), "Accept-Language", lang)...)
}

// fieldProblem checks that r is a 422 with exactly one field error, at
// /count with code, and returns its message.
func fieldProblem(t *testing.T, r *apitest.Response, code string) string {
	t.Helper()
	if r.Status != 422 {
		t.Fatalf("status %d, want 422: %s", r.Status, r.Body)
	}
	p := problemOf(t, r)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/count" || p.Errors[0].Code != code {
		t.Fatalf("errors %+v, want one %s at /count", p.Errors, code)
	}
	return p.Errors[0].Message
}

// One request makes at most surveys.MaxAccessCodes codes.
func TestAccessCodesPerRequestLimit(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	id, owner := openSurvey(t, e, func(def map[string]any) { def["access_codes"] = true })
	msg := fieldProblem(t, postCodes(e, owner, id, surveys.MaxAccessCodes+1, "en"), "out_of_range")
	if !strings.Contains(msg, "10000") {
		t.Errorf("message %q does not name the limit", msg)
	}
	if total, _, _ := e.Store.AccessCodeCounts(context.Background(), id); total != 0 {
		t.Fatalf("%d codes made by a refused request", total)
	}
}

// A survey has at most a limit of codes in all, however they are asked
// for, concurrent requests included; the refusal says how many more fit.
func TestAccessCodesPerSurveyLimit(t *testing.T) {
	t.Parallel()
	if surveys.MaxAccessCodesPerSurvey > 100000 || surveys.MaxAccessCodesPerSurvey < surveys.MaxAccessCodes {
		t.Fatalf("limit per survey %d", surveys.MaxAccessCodesPerSurvey)
	}
	defer api.SetMaxAccessCodesPerSurvey(25)()
	e := apitest.New(t)
	id, owner := openSurvey(t, e, func(def map[string]any) { def["access_codes"] = true })
	for range 2 {
		if r := postCodes(e, owner, id, 10, "en"); r.Status != 201 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	}
	msg := fieldProblem(t, postCodes(e, owner, id, 10, "en"), "access_code_limit")
	if !strings.Contains(msg, "25") || !strings.Contains(msg, " 5 ") {
		t.Errorf("message %q does not say the limit (25) and what is left (5)", msg)
	}
	msg = fieldProblem(t, postCodes(e, owner, id, 10, "sv"), "access_code_limit")
	if !strings.Contains(msg, "åtkomstkoder") {
		t.Errorf("Swedish message %q", msg)
	}
	if r := postCodes(e, owner, id, 5, "en"); r.Status != 201 {
		t.Fatalf("the last 5: %d %s", r.Status, r.Body)
	}
	fieldProblem(t, postCodes(e, owner, id, 1, "en"), "access_code_limit")
	if total, _, _ := e.Store.AccessCodeCounts(context.Background(), id); total != 25 {
		t.Fatalf("%d codes, want 25", total)
	}

	// Eight concurrent requests for 10 codes each, with room for 25 on a
	// new survey: two succeed, and no more than 25 codes exist.
	id2 := createSurvey(t, e, owner, smallSurveyWithCodes(t))
	publishSurvey(t, e, owner, id2)
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Go(func() { statuses[i] = postCodes(e, owner, id2, 10, "en").Status })
	}
	wg.Wait()
	created := 0
	for _, st := range statuses {
		switch st {
		case 201:
			created++
		case 422:
		default:
			t.Fatalf("statuses %v", statuses)
		}
	}
	total, _, _ := e.Store.AccessCodeCounts(context.Background(), id2)
	if created != 2 || total != 20 {
		t.Fatalf("%d requests succeeded, %d codes exist (statuses %v)", created, total, statuses)
	}
}

func smallSurveyWithCodes(t *testing.T) map[string]any {
	def := smallSurvey(t)
	def["access_codes"] = true
	return def
}
