// Package load is what the load and benchmark programs under scripts/
// share: the real server on a fresh embedded store (server.go), surveys
// published through its API, and HTTP load from many concurrent clients
// with its throughput and latency percentiles (load.go). The answers they
// send and the responses they seed come from package simulate.
package load

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// Result is what one load run measured.
type Result struct {
	Name        string
	Clients     int
	Requests    int
	Statuses    map[int]int
	Errors      int
	Elapsed     time.Duration
	P50, P99    time.Duration
	PerSecond   float64
	BytesPerReq int
}

// Request builds the i-th request of a client.
type Request func(client, i int, req *fasthttp.Request)

// Run sends requests from clients concurrent clients for duration d.
func Run(name string, clients int, d time.Duration, build Request) Result {
	hc := &fasthttp.Client{MaxConnsPerHost: clients * 2, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		statuses  = map[int]int{}
		errs      atomic.Int64
		bytes     atomic.Int64
		wg        sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			var local []time.Duration
			localStatus := map[int]int{}
			for i := 0; time.Now().Before(deadline); i++ {
				req.Reset()
				build(c, i, req)
				t0 := time.Now()
				err := hc.Do(req, resp)
				local = append(local, time.Since(t0))
				if err != nil {
					errs.Add(1)
					continue
				}
				localStatus[resp.StatusCode()]++
				bytes.Add(int64(len(resp.Body())))
			}
			mu.Lock()
			latencies = append(latencies, local...)
			for k, v := range localStatus {
				statuses[k] += v
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(latencies)
	r := Result{Name: name, Clients: clients, Requests: len(latencies), Statuses: statuses, Errors: int(errs.Load()), Elapsed: elapsed}
	if n := len(latencies); n > 0 {
		r.P50 = latencies[n/2]
		r.P99 = latencies[min(n-1, n*99/100)]
		r.PerSecond = float64(n) / elapsed.Seconds()
		r.BytesPerReq = int(bytes.Load() / int64(n))
	}
	return r
}

// Header is the table header matching Result.String.
const Header = "| run | clients | requests/s | p50 | p99 | statuses | errors |\n|-|-|-|-|-|-|-|"

func (r Result) String() string {
	return fmt.Sprintf("| %s | %d | %.0f | %s | %s | %v | %d |", r.Name, r.Clients, r.PerSecond,
		r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Statuses, r.Errors)
}

// CreateAndPublish creates a survey through the API and publishes it.
func CreateAndPublish(addr, token string, def []byte) (string, error) {
	do := func(method, path string, body []byte) (int, []byte, error) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI("http://" + addr + path)
		req.Header.SetMethod(method)
		req.Header.Set("Authorization", "Bearer "+token)
		if body != nil {
			req.Header.SetContentType("application/json")
			req.SetBody(body)
		}
		err := fasthttp.Do(req, resp)
		return resp.StatusCode(), append([]byte(nil), resp.Body()...), err
	}
	st, body, err := do("POST", "/v1/org/surveys", def)
	if err != nil || st != 201 {
		return "", fmt.Errorf("create survey: %d %s %v", st, body, err)
	}
	var created struct{ ID string }
	if err := json.Unmarshal(body, &created); err != nil {
		return "", err
	}
	if st, body, err := do("POST", "/v1/org/surveys/"+created.ID+"/publish", nil); err != nil || st != 200 {
		return "", fmt.Errorf("publish: %d %s %v", st, body, err)
	}
	return created.ID, nil
}
