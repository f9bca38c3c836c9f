package api_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/api/apitest"
)

// FuzzQueryParameters sends arbitrary query parameters to every route
// that reads them (the app's list and survey, public results, the
// organiser's list, summary, export and audit log). Whatever they are, the
// answer is never a server error, and an error is a problem document. The
// seeds run with go test; to fuzz:
//
//	go test ./api -run '^$' -fuzz FuzzQueryParameters -fuzztime 5m
func FuzzQueryParameters(f *testing.F) {
	e := apitest.New(f)
	id, owner, _ := publishExample(f, e, "youth-policy-consultation.json")
	routes := []string{
		"/v1/surveys", "/v1/surveys/" + id, "/v1/surveys/" + id + "/results", "/v1/org/surveys",
		"/v1/org/surveys/" + id + "/summary", "/v1/org/surveys/" + id + "/export", "/v1/org/audit",
		"/v1/org/surveys/" + id + "/translations",
	}
	for _, seed := range []struct {
		route      uint8
		key, value string
		key2, val2 string
	}{
		{0, "age", "-1", "region", "SE-AB"}, {0, "age", "99999999999999999999", "lang", "ar"},
		{1, "lang", "xx-\u202e", "", ""}, {2, "by", "age_band", "lang", "ar"},
		{4, "by", "nope", "view", "live"}, {4, "view", "LIVE", "by", "age_band"}, {4, "lang", strings.Repeat("a-", 500), "", ""},
		{5, "kind", "summary", "format", "pdf"}, {5, "kind", "responses", "format", "xlsx"}, {5, "kind", "x", "format", "../../etc"},
		{5, "format", "json", "lang", "sv;q=2"}, {6, "limit", "1e9", "before", "yesterday"}, {6, "limit", "-5", "after", "\x00"},
		{3, "status", "open", "limit", "0"}, {7, "lang", "", "", ""},
	} {
		f.Add(seed.route, seed.key, seed.value, seed.key2, seed.val2)
	}
	f.Fuzz(func(t *testing.T, route uint8, key, value, key2, value2 string) {
		e.T = t // the target runs one input at a time in each process
		q := url.Values{}
		q.Add(key, value)
		q.Add(key2, value2)
		path := routes[int(route)%len(routes)] + "?" + q.Encode()
		var headers []string
		if strings.HasPrefix(path, "/v1/org/") {
			headers = bearer(owner)
		}
		r := e.Do("GET", path, nil, headers...)
		if r.Status >= 500 && r.Status != 503 {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		if r.Status >= 400 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("GET %s: %d with %q", path, r.Status, r.Header.Get("Content-Type"))
		}
	})
}
