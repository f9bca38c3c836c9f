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
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/youthvoice/youthvoice/scripts/binserver"
	"github.com/youthvoice/youthvoice/scripts/internal/program"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
)

func main() {
	program.Main("soak", func(context.Context) error {
		o := parseFlags()
		if err := o.prof.Start(); err != nil {
			return program.Exit{Code: 2, Err: err}
		}
		defer o.prof.Stop()
		ok, err := run(o)
		if err != nil {
			return program.Exit{Code: 2, Err: err}
		}
		if !ok {
			return program.Exit{Code: 1} // the report says why
		}
		return nil
	})
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

// options are the command line's flags.
type options struct {
	bin                  string
	dur                  time.Duration
	rate                 float64
	clients              int
	appRate, analystRate float64
	exportEvery          time.Duration
	surveyFile           string
	tolerance            float64
	after                time.Duration
	prof                 *program.Profiles
}

func parseFlags() options {
	var o options
	flag.StringVar(&o.bin, "bin", "", "the youthvoice binary (default: build ./cmd/youthvoice into a temporary directory)")
	flag.DurationVar(&o.dur, "d", 5*time.Minute, "how long the load runs")
	flag.Float64Var(&o.rate, "rate", 180, "submissions a second")
	flag.IntVar(&o.clients, "clients", 64, "concurrent submitting clients (each waits for its answer; group commit makes an answer take tens of milliseconds)")
	flag.Float64Var(&o.appRate, "app-rate", 20, "app reads of the survey a second")
	flag.Float64Var(&o.analystRate, "analyst-rate", 10, "analyst reads of the summary a second (the release and each breakdown in turn)")
	flag.DurationVar(&o.exportEvery, "export-every", 15*time.Second, "an export (summary CSV, XLSX, PDF in turn) this often")
	flag.StringVar(&o.surveyFile, "survey", "examples/surveys/youth-policy-consultation.json", "the survey definition, a file or an example's file name (k as it sets it)")
	flag.Float64Var(&o.tolerance, "tolerance", 0.2, "largest growth of mean RSS from the second minute to the last that counts as flat")
	flag.DurationVar(&o.after, "after", 15*time.Second, "how long to keep sampling after the load stops")
	o.prof = program.Parse() // the profiles are of the load, not of the server (another process)
	return o
}

// soak is one run: the server, its survey, and the load's counts.
type soak struct {
	o            options
	s            *binserver.Server
	def          *surveys.Definition
	id           string
	analyst      string   // an analyst's token
	analystPaths []string // the release and each of its breakdowns

	start        time.Time
	minutes      int
	per          []*counters // one per minute of load
	firstFailure sync.Once
}

func run(o options) (bool, error) {
	defJSON, def, err := program.Survey(o.surveyFile)
	if err != nil {
		return false, err
	}
	if o.bin == "" {
		dir, err := os.MkdirTemp("", "youthvoice-soak")
		if err != nil {
			return false, err
		}
		defer os.RemoveAll(dir)
		if o.bin, err = binserver.Build(dir); err != nil {
			return false, err
		}
	}
	s, err := binserver.Start(o.bin, binserver.Options{Admin: true, Args: []string{"--submit-rate", "0"}})
	if err != nil {
		return false, err
	}
	defer s.Stop()
	k := &soak{o: o, s: s, def: def}
	if err := k.setUp(defJSON); err != nil {
		return false, err
	}
	fmt.Printf("soak: %s, survey %s (%d questions, %d breakdowns, k %d), %s of load: %.0f submissions/s from %d clients, %.0f app reads/s, %.0f analyst reads/s, an export every %s; %s\n\n",
		o.bin, o.surveyFile, len(def.Questions()), len(k.analystPaths)-1, def.Threshold(), o.dur, o.rate, o.clients, o.appRate, o.analystRate, o.exportEvery,
		time.Now().UTC().Format(time.DateOnly))

	k.minutes = int((o.dur + time.Minute - 1) / time.Minute)
	k.per = make([]*counters, k.minutes)
	for i := range k.per {
		k.per[i] = &counters{}
	}
	k.start = time.Now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	k.startLoad(&wg, stop)
	samples, err := k.sampleMemory()
	close(stop)
	wg.Wait()
	if err != nil {
		return false, err
	}

	// After the load: what the server keeps.
	time.Sleep(o.after)
	restRSS, _, _ := s.Memory()
	restHeap, _ := s.HeapInuse()
	means, failed, total := k.printMinutes(samples)
	fmt.Printf("\nafter the load (%s idle): RSS %s, heap in use %s; %d submissions in all\n", o.after, binserver.MB(restRSS), binserver.MB(restHeap), total)
	k.printCounts()
	return k.verdict(means, failed), nil
}

// setUp creates and publishes the survey, makes an analyst's token and
// lists the summary views the analysts read in turn.
func (k *soak) setUp(defJSON []byte) error {
	s := k.s
	id, st, problem, err := s.CreateSurvey(defJSON)
	if err != nil || st != 201 {
		return fmt.Errorf("create survey: %d %s %v", st, problem, err)
	}
	if err := s.Publish(id); err != nil {
		return err
	}
	var tok struct {
		Token string `json:"token"`
	}
	if _, err := s.JSON("POST", "/v1/org/tokens", s.Token, map[string]string{"role": "analyst", "name": "soak"}, &tok); err != nil {
		return err
	}
	k.id, k.analyst = id, tok.Token
	k.analystPaths = []string{"/v1/org/surveys/" + id + "/summary"}
	for _, q := range k.def.Questions() {
		if q.Breakdown {
			k.analystPaths = append(k.analystPaths, "/v1/org/surveys/"+id+"/summary?by="+q.ID)
		}
	}
	return nil
}

// bucket is the current minute's counters.
func (k *soak) bucket() *counters {
	return k.per[min(int(time.Since(k.start)/time.Minute), k.minutes-1)]
}

// record counts one answer into the current minute.
func (k *soak) record(st int, err error, ok func(*counters) *atomic.Int64) {
	c := k.bucket()
	switch {
	case err != nil || st >= 500:
		c.failed.Add(1)
	case st >= 400:
		c.rejected.Add(1)
	default:
		ok(c).Add(1)
	}
}

// note prints the first failed request, so that a failing run says why.
func (k *soak) note(what string, st int, body []byte, err error) {
	if err != nil || st >= 400 {
		k.firstFailure.Do(func() {
			if len(body) > 300 {
				body = body[:300]
			}
			fmt.Fprintf(os.Stderr, "soak: first failure: %s: %d %s %v\n", what, st, body, err)
		})
	}
}

// startLoad starts the submitters, the app's and the analysts' readers
// and the exporter; they run until stop is closed.
func (k *soak) startLoad(wg *sync.WaitGroup, stop chan struct{}) {
	s, def, id := k.s, k.def, k.id
	behind := func(c *counters) { c.behind.Add(1) }
	submitPath := "/v1/surveys/" + id + "/responses"
	paced(wg, stop, k.o.rate, k.o.clients, behind, k.bucket, func(w int, rng *rand.Rand) {
		body := simulate.SubmissionJSON(def, 1, rng)
		st, b, _, err := s.Do("POST", submitPath, binserver.Request{Body: body})
		k.note("submission", st, b, err)
		k.record(st, err, func(c *counters) *atomic.Int64 { return &c.submitted })
	})
	paced(wg, stop, k.o.appRate, 4, behind, k.bucket, func(w int, rng *rand.Rand) {
		lang := def.Languages[rng.IntN(len(def.Languages))]
		st, b, _, err := s.Do("GET", "/v1/surveys/"+id+"?lang="+lang, binserver.Request{Header: map[string]string{"Accept-Encoding": "gzip"}})
		k.note("app read", st, b, err)
		k.record(st, err, func(c *counters) *atomic.Int64 { return &c.appReads })
	})
	var nextView atomic.Int64
	paced(wg, stop, k.o.analystRate, 4, behind, k.bucket, func(w int, rng *rand.Rand) {
		path := k.analystPaths[int(nextView.Add(1))%len(k.analystPaths)]
		st, b, _, err := s.Do("GET", path, binserver.Request{Token: k.analyst})
		k.note("analyst read "+path, st, b, err)
		k.record(st, err, func(c *counters) *atomic.Int64 { return &c.analystReads })
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		k.exports(stop)
	}()
}

// exports asks for a summary export, CSV, XLSX and PDF in turn, every
// -export-every until stop is closed.
func (k *soak) exports(stop chan struct{}) {
	formats := []string{"csv", "xlsx", "pdf"}
	t := time.NewTicker(k.o.exportEvery)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		path := "/v1/org/surveys/" + k.id + "/export?kind=summary&format=" + formats[i%len(formats)]
		st, b, _, err := k.s.Do("GET", path, binserver.Request{Token: k.analyst, Timeout: 60 * time.Second})
		k.note("export "+path, st, b, err)
		k.record(st, err, func(c *counters) *atomic.Int64 { return &c.exports })
	}
}

// sampleMemory reads the server's RSS every second and its heap every
// fifth until the load's time is up; it fails when the server is gone.
func (k *soak) sampleMemory() ([]sample, error) {
	var samples []sample
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	end := k.start.Add(k.o.dur)
	for i := 0; ; i++ {
		now := <-tick.C
		if now.After(end) {
			return samples, nil
		}
		sm := sample{at: now.Sub(k.start)}
		rss, _, err := k.s.Memory()
		if err != nil {
			return nil, fmt.Errorf("server gone after %s (%s): %w", sm.at.Round(time.Second), k.s.ExitStatus(), err)
		}
		sm.rss = rss
		if i%5 == 4 {
			if h, err := k.s.HeapInuse(); err == nil {
				sm.heap, sm.heapRead = h, true
			}
		}
		samples = append(samples, sm)
	}
}

// printMinutes prints the table of the load's minutes and returns each
// minute's mean RSS, the requests that failed and the submissions stored.
func (k *soak) printMinutes(samples []sample) (means []int64, failed, total int64) {
	fmt.Println("| minute | submissions | app reads | analyst reads | exports | 4xx | 5xx or no answer | not sent (clients behind) | mean RSS | max RSS | heap in use (end) |")
	fmt.Println("|-|-|-|-|-|-|-|-|-|-|-|")
	means = make([]int64, k.minutes)
	for m := range k.minutes {
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
		c := k.per[m]
		failed += c.failed.Load()
		total += c.submitted.Load()
		fmt.Printf("| %d | %d | %d | %d | %d | %d | %d | %d | %s | %s | %s |\n", m+1, c.submitted.Load(), c.appReads.Load(), c.analystReads.Load(),
			c.exports.Load(), c.rejected.Load(), c.failed.Load(), c.behind.Load(), binserver.MB(means[m]), binserver.MB(peak), binserver.MB(heap))
	}
	return means, failed, total
}

// printCounts prints what the live view and the release count at the end.
func (k *soak) printCounts() {
	var collected struct {
		Results struct {
			N *struct {
				N *int `json:"n"`
			} `json:"n"`
		} `json:"results"`
	}
	if _, err := k.s.JSON("GET", "/v1/org/surveys/"+k.id+"/summary?view=live", k.s.Token, nil, &collected); err == nil &&
		collected.Results.N != nil && collected.Results.N.N != nil {
		fmt.Printf("the live view counts %d responses\n", *collected.Results.N.N)
	}
	var release struct {
		Status struct {
			Collected int `json:"collected"`
			Released  int `json:"released"`
		} `json:"status"`
	}
	if _, err := k.s.JSON("GET", "/v1/org/surveys/"+k.id+"/summary", k.analyst, nil, &release); err == nil && release.Status.Collected > 0 {
		fmt.Printf("the release: %d collected, %d released\n", release.Status.Collected, release.Status.Released)
	}
}

// verdict prints whether the run passed: no failed request, and the last
// minute's mean RSS within -tolerance of the second minute's.
func (k *soak) verdict(means []int64, failed int64) bool {
	ok := true
	if failed > 0 {
		fmt.Printf("FAIL: %d requests got a 5xx or no answer\n", failed)
		ok = false
	}
	if k.minutes < 3 {
		fmt.Println("verdict: none, the run is too short (it compares the second minute with the last; run at least 3m)")
		return ok
	}
	tolerance := k.o.tolerance
	second, last := means[1], means[k.minutes-1]
	growth := float64(last)/float64(second) - 1
	if growth <= tolerance {
		fmt.Printf("verdict: memory flat: the last minute's mean RSS %s is %+.0f %% of the second minute's %s (tolerance %.0f %%)\n",
			binserver.MB(last), 100*growth, binserver.MB(second), 100*tolerance)
	} else {
		fmt.Printf("verdict: FAIL, memory grows: the last minute's mean RSS %s is %+.0f %% of the second minute's %s (tolerance %.0f %%)\n",
			binserver.MB(last), 100*growth, binserver.MB(second), 100*tolerance)
		ok = false
	}
	return ok
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
