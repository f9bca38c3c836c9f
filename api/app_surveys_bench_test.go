package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/youthvoice/youthvoice/api/apitest"
)

// BenchmarkAppSurveyList is one request for the app's list of 1,000 open
// surveys (Swedish, no filter), over loopback, with the list already in
// the server's 2-second cache (the clock stands still). B/op and allocs/op
// count both ends of the exchange (client and server share the process);
// body-B is the size of the uncompressed body.
func BenchmarkAppSurveyList(b *testing.B) {
	e := apitest.New(b)
	storeOpenSurveys(b, e, 1000)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(path string, headers ...string) (*http.Response, []byte) {
		req, err := http.NewRequest("GET", e.URL+path, nil)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		return resp, body
	}
	get("/v1/surveys?lang=sv") // the list loaded into the cache
	b.Run("first page", func(b *testing.B) {
		var size int
		b.ReportAllocs()
		for b.Loop() {
			resp, body := get("/v1/surveys?lang=sv")
			if resp.StatusCode != 200 {
				b.Fatalf("%d %s", resp.StatusCode, body)
			}
			size = len(body)
		}
		b.ReportMetric(float64(size), "body-B")
	})
	b.Run("first page, gzip", func(b *testing.B) {
		var size int
		b.ReportAllocs()
		for b.Loop() {
			resp, body := get("/v1/surveys?lang=sv", "Accept-Encoding", "gzip")
			if resp.StatusCode != 200 {
				b.Fatalf("%d %s", resp.StatusCode, body)
			}
			size = len(body)
		}
		b.ReportMetric(float64(size), "body-B")
	})
	resp, _ := get("/v1/surveys?lang=sv")
	etag := resp.Header.Get("ETag")
	b.Run("first page, not modified", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if resp, body := get("/v1/surveys?lang=sv", "If-None-Match", etag); resp.StatusCode != 304 {
				b.Fatalf("%d %s", resp.StatusCode, body)
			}
		}
	})
	// The middle of the list: a page after a cursor, past 500 surveys.
	middle := "/v1/surveys?lang=sv"
	for range 10 {
		resp, body := get(middle)
		var page struct{ Next string }
		if err := json.Unmarshal(body, &page); err != nil || page.Next == "" {
			b.Fatalf("%d %s", resp.StatusCode, body)
		}
		middle = "/v1/surveys?lang=sv&cursor=" + page.Next
	}
	b.Run("page 11", func(b *testing.B) {
		var size int
		b.ReportAllocs()
		for b.Loop() {
			resp, body := get(middle)
			if resp.StatusCode != 200 {
				b.Fatalf("%d %s", resp.StatusCode, body)
			}
			size = len(body)
		}
		b.ReportMetric(float64(size), "body-B")
	})
}
