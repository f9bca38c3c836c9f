// Command soak runs the built youthvoice binary under a steady mixed load
// for several minutes and shows whether its memory stays flat: young
// people submitting, the app reading the survey, analysts reading the
// release and each of its breakdowns, and an export every 15 seconds, all
// on one survey, as in issue 10's finding that memory grew with every
// release.
//
//	go run ./scripts/soak [-bin PATH] [-d 5m] [-rate 180] [-survey examples/surveys/youth-policy-consultation.json]
//
// Run it from the repository's root: without -bin it builds
// ./cmd/youthvoice first. The server runs as its own process on a fresh
// data directory, with --submit-rate 0 (every submission here comes from
// one address) and an admin listener for /metrics. The program samples
// the process's RSS (VmRSS) every second and the Go heap in use
// (go_memstats_heap_inuse_bytes) every 5 seconds, prints a table per
// minute, and a verdict: memory is flat when the last minute's mean RSS
// is within -tolerance of the second minute's (the first minute warms
// caches and the store). It exits non-zero when memory is not flat or any
// request got a 5xx or no answer.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/youthvoice/youthvoice/scripts/binserver"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

func main() {
	ok, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// counters count the load's requests; one set per minute.
type counters struct {
	submitted, appReads, analystReads, exports atomic.Int64
	rejected                                   atomic.Int64 // 4xx, which a valid load should not get
	failed                                     atomic.Int64 // 5xx or no answer
	behind                                     atomic.Int64 // requests the pacer could not hand out: the clients fell behind
}

// sample is one reading of the server's memory.
type sample struct {
	at       time.Duration
	rss      int64
	heap     int64
	heapRead bool // heap was read at this second
}

func run() (bool, error) {
	bin := flag.String("bin", "", "the youthvoice binary (default: build ./cmd/youthvoice into a temporary directory)")
	dur := flag.Duration("d", 5*time.Minute, "how long the load runs")
	rate := flag.Float64("rate", 180, "submissions a second")
	clients := flag.Int("clients", 64, "concurrent submitting clients (each waits for its answer; group commit makes an answer take tens of milliseconds)")
	appRate := flag.Float64("app-rate", 20, "app reads of the survey a second")
	analystRate := flag.Float64("analyst-rate", 10, "analyst reads of the summary a second (the release and each breakdown in turn)")
	exportEvery := flag.Duration("export-every", 15*time.Second, "an export (summary CSV, XLSX, PDF in turn) this often")
	surveyFile := flag.String("survey", "examples/surveys/youth-policy-consultation.json", "the survey definition (k as it sets it)")
	tolerance := flag.Float64("tolerance", 0.2, "largest growth of mean RSS from the second minute to the last that counts as flat")
	after := flag.Duration("after", 15*time.Second, "how long to keep sampling after the load stops")
	flag.Parse()

	defJSON, err := os.ReadFile(*surveyFile)
	if err != nil {
		return false, fmt.Errorf("%w (run from the repository's root)", err)
	}
	def, err := surveystest.Load(defJSON)
	if err != nil {
		return false, err
	}
	if *bin == "" {
		dir, err := os.MkdirTemp("", "youthvoice-soak")
		if err != nil {
			return false, err
		}
		defer os.RemoveAll(dir)
		if *bin, err = binserver.Build(dir); err != nil {
			return false, err
		}
	}
	s, err := binserver.Start(*bin, binserver.Options{Admin: true, Args: []string{"--submit-rate", "0"}})
	if err != nil {
		return false, err
	}
	defer s.Stop()
	id, st, problem, err := s.CreateSurvey(defJSON)
	if err != nil || st != 201 {
		return false, fmt.Errorf("create survey: %d %s %v", st, problem, err)
	}
	if err := s.Publish(id); err != nil {
		return false, err
	}
	var tok struct {
		Token string `json:"token"`
	}
	if _, err := s.JSON("POST", "/v1/org/tokens", s.Token, map[string]string{"role": "analyst", "name": "soak"}, &tok); err != nil {
		return false, err
	}
	analyst := tok.Token
	var breakdowns []string
	for _, q := range def.Questions() {
		if q.Breakdown {
			breakdowns = append(breakdowns, q.ID)
		}
	}
	analystPaths := []string{"/v1/org/surveys/" + id + "/summary"}
	for _, b := range breakdowns {
		analystPaths = append(analystPaths, "/v1/org/surveys/"+id+"/summary?by="+b)
	}
	fmt.Printf("soak: %s, survey %s (%d questions, %d breakdowns, k %d), %s of load: %.0f submissions/s from %d clients, %.0f app reads/s, %.0f analyst reads/s, an export every %s; %s\n\n",
		*bin, *surveyFile, len(def.Questions()), len(breakdowns), def.Threshold(), *dur, *rate, *clients, *appRate, *analystRate, *exportEvery,
		time.Now().UTC().Format(time.DateOnly))

	minutes := int((*dur + time.Minute - 1) / time.Minute)
	per := make([]*counters, minutes)
	for i := range per {
		per[i] = &counters{}
	}
	start := time.Now()
	bucket := func() *counters {
		return per[min(int(time.Since(start)/time.Minute), minutes-1)]
	}
	// record counts one answer into the current minute.
	record := func(st int, err error, ok func(*counters) *atomic.Int64) {
		c := bucket()
		switch {
		case err != nil || st >= 500:
			c.failed.Add(1)
		case st >= 400:
			c.rejected.Add(1)
		default:
			ok(c).Add(1)
		}
	}
	var firstFailure sync.Once
	note := func(what string, st int, body []byte, err error) {
		if err != nil || st >= 400 {
			firstFailure.Do(func() {
				if len(body) > 300 {
					body = body[:300]
				}
				fmt.Fprintf(os.Stderr, "soak: first failure: %s: %d %s %v\n", what, st, body, err)
			})
		}
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	submitPath := "/v1/surveys/" + id + "/responses"
	paced(&wg, stop, *rate, *clients, func(c *counters) { c.behind.Add(1) }, bucket, func(w int, rng *rand.Rand) {
		body := surveystest.SubmissionJSON(def, 1, rng)
		st, b, _, err := s.Do("POST", submitPath, binserver.Request{Body: body})
		note("submission", st, b, err)
		record(st, err, func(c *counters) *atomic.Int64 { return &c.submitted })
	})
	paced(&wg, stop, *appRate, 4, func(c *counters) { c.behind.Add(1) }, bucket, func(w int, rng *rand.Rand) {
		lang := def.Languages[rng.IntN(len(def.Languages))]
		st, b, _, err := s.Do("GET", "/v1/surveys/"+id+"?lang="+lang, binserver.Request{Header: map[string]string{"Accept-Encoding": "gzip"}})
		note("app read", st, b, err)
		record(st, err, func(c *counters) *atomic.Int64 { return &c.appReads })
	})
	var nextView atomic.Int64
	paced(&wg, stop, *analystRate, 4, func(c *counters) { c.behind.Add(1) }, bucket, func(w int, rng *rand.Rand) {
		path := analystPaths[int(nextView.Add(1))%len(analystPaths)]
		st, b, _, err := s.Do("GET", path, binserver.Request{Token: analyst})
		note("analyst read "+path, st, b, err)
		record(st, err, func(c *counters) *atomic.Int64 { return &c.analystReads })
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		formats := []string{"csv", "xlsx", "pdf"}
		t := time.NewTicker(*exportEvery)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			path := "/v1/org/surveys/" + id + "/export?kind=summary&format=" + formats[i%len(formats)]
			st, b, _, err := s.Do("GET", path, binserver.Request{Token: analyst, Timeout: 60 * time.Second})
			note("export "+path, st, b, err)
			record(st, err, func(c *counters) *atomic.Int64 { return &c.exports })
		}
	}()

	// Memory: RSS every second, the heap every fifth.
	var samples []sample
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	end := start.Add(*dur)
	for i := 0; ; i++ {
		now := <-tick.C
		if now.After(end) {
			break
		}
		sm := sample{at: now.Sub(start)}
		rss, _, err := s.Memory()
		if err != nil {
			close(stop)
			wg.Wait()
			return false, fmt.Errorf("server gone after %s (%s): %w", sm.at.Round(time.Second), s.ExitStatus(), err)
		}
		sm.rss = rss
		if i%5 == 4 {
			if h, err := s.HeapInuse(); err == nil {
				sm.heap, sm.heapRead = h, true
			}
		}
		samples = append(samples, sm)
	}
	close(stop)
	wg.Wait()

	// After the load: what the server keeps.
	time.Sleep(*after)
	restRSS, _, _ := s.Memory()
	restHeap, _ := s.HeapInuse()

	fmt.Println("| minute | submissions | app reads | analyst reads | exports | 4xx | 5xx or no answer | not sent (clients behind) | mean RSS | max RSS | heap in use (end) |")
	fmt.Println("|-|-|-|-|-|-|-|-|-|-|-|")
	means := make([]int64, minutes)
	var failed, total int64
	for m := range minutes {
		var sum, peak, heap int64
		var n int64
		for _, sm := range samples {
			if int(sm.at/time.Minute) != m {
				continue
			}
			sum += sm.rss
			n++
			peak = max(peak, sm.rss)
			if sm.heapRead {
				heap = sm.heap
			}
		}
		if n > 0 {
			means[m] = sum / n
		}
		c := per[m]
		failed += c.failed.Load()
		total += c.submitted.Load()
		fmt.Printf("| %d | %d | %d | %d | %d | %d | %d | %d | %s | %s | %s |\n", m+1, c.submitted.Load(), c.appReads.Load(), c.analystReads.Load(),
			c.exports.Load(), c.rejected.Load(), c.failed.Load(), c.behind.Load(), binserver.MB(means[m]), binserver.MB(peak), binserver.MB(heap))
	}
	fmt.Printf("\nafter the load (%s idle): RSS %s, heap in use %s; %d submissions in all\n", *after, binserver.MB(restRSS), binserver.MB(restHeap), total)
	var collected struct {
		Results struct {
			N *struct {
				N *int `json:"n"`
			} `json:"n"`
		} `json:"results"`
	}
	if _, err := s.JSON("GET", "/v1/org/surveys/"+id+"/summary?view=live", s.Token, nil, &collected); err == nil &&
		collected.Results.N != nil && collected.Results.N.N != nil {
		fmt.Printf("the live view counts %d responses\n", *collected.Results.N.N)
	}
	var release struct {
		Status struct {
			Collected int `json:"collected"`
			Released  int `json:"released"`
		} `json:"status"`
	}
	if _, err := s.JSON("GET", "/v1/org/surveys/"+id+"/summary", analyst, nil, &release); err == nil && release.Status.Collected > 0 {
		fmt.Printf("the release: %d collected, %d released\n", release.Status.Collected, release.Status.Released)
	}

	ok := true
	if failed > 0 {
		fmt.Printf("FAIL: %d requests got a 5xx or no answer\n", failed)
		ok = false
	}
	if minutes < 3 {
		fmt.Println("verdict: none, the run is too short (it compares the second minute with the last; run at least 3m)")
		return ok, nil
	}
	second, last := means[1], means[minutes-1]
	growth := float64(last)/float64(second) - 1
	if growth <= *tolerance {
		fmt.Printf("verdict: memory flat: the last minute's mean RSS %s is %+.0f %% of the second minute's %s (tolerance %.0f %%)\n",
			binserver.MB(last), 100*growth, binserver.MB(second), 100**tolerance)
	} else {
		fmt.Printf("verdict: FAIL, memory grows: the last minute's mean RSS %s is %+.0f %% of the second minute's %s (tolerance %.0f %%)\n",
			binserver.MB(last), 100*growth, binserver.MB(second), 100**tolerance)
		ok = false
	}
	return ok, nil
}

// paced runs fn about rate times a second on `workers` goroutines until
// stop is closed. A request that finds every worker busy is not queued
// without end: the pacer counts it as behind and drops it, so that a slow
// server shows as a lower rate rather than as a growing backlog in the
// client.
func paced(wg *sync.WaitGroup, stop chan struct{}, rate float64, workers int, behind func(*counters), bucket func() *counters, fn func(w int, rng *rand.Rand)) {
	if rate <= 0 {
		return
	}
	work := make(chan struct{}, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w)+1, uint64(time.Now().UnixNano())))
			for range work {
				fn(w, rng)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(work)
		const step = 10 * time.Millisecond
		t := time.NewTicker(step)
		defer t.Stop()
		start := time.Now()
		sent := 0
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				due := int(rate * now.Sub(start).Seconds())
				for ; sent < due; sent++ {
					select {
					case work <- struct{}{}:
					default:
						behind(bucket())
					}
				}
			}
		}
	}()
}
