// Command benchsummary measures reading a survey's summary at 1,000 and at
// 100,000 stored responses, and how far the live view trails submissions
// under a steady load.
//
//	go run ./scripts/benchsummary [-n 100000] [-reads 2000] [-rate 1000] [-d 10s]
//
// Responses are seeded through the store (validated, scrubbed and tallied
// exactly as the API does, with group commit); reads go through the HTTP
// API with an analyst's token (the disclosure-controlled release) and an
// editor's (?view=live).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/youthvoice/youthvoice/scripts/internal/load"
	"github.com/youthvoice/youthvoice/scripts/internal/program"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
)

func main() { program.Main("benchsummary", run) }

func run(ctx context.Context) error {
	total := flag.Int("n", 100000, "responses to seed")
	reads := flag.Int("reads", 2000, "summary reads per measurement")
	rate := flag.Int("rate", 1000, "submissions per second during the lag measurement")
	dur := flag.Duration("d", 10*time.Second, "duration of the lag measurement")
	surveyFile := flag.String("survey", "examples/surveys/youth-policy-consultation.json", "survey definition (a file, or an example's file name)")
	prof := program.Parse()
	if *total <= 1000 {
		// The benchmark compares reads at 1,000 responses with reads at -n.
		return program.Exit{Code: 2, Err: fmt.Errorf("-n must be over 1000 (got %d)", *total)}
	}
	defJSON, def, err := program.Survey(*surveyFile)
	if err != nil {
		return err
	}
	if err := prof.Start(); err != nil {
		return err
	}
	defer prof.Stop()
	srv, err := load.Start(ctx, nil)
	if err != nil {
		return err
	}
	defer srv.Close()
	st, addr, key := srv.Store, srv.Addr, srv.Key
	org, owner, err := st.CreateOrg(ctx, "bench", time.Now())
	if err != nil {
		return err
	}
	secret := surveys.NewTokenSecret()
	if _, err := st.CreateToken(ctx, org.ID, surveys.Analyst, "bench", secret, time.Now()); err != nil {
		return err
	}
	id, err := load.CreateAndPublish(addr, owner, defJSON)
	if err != nil {
		return err
	}

	// Seeding: the store's own committer and summarizer, as the server uses them.
	seeder := simulate.NewSeeder(st, key, id, def, 1)
	seed := func(upTo int) error {
		start, n := time.Now(), upTo-seeder.Seeded
		if err := seeder.SeedTo(ctx, upTo); err != nil {
			return err
		}
		fmt.Printf("seeded %d responses in %s (%.0f/s)\n", n, time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
		return nil
	}
	measure := func(label, query, token string) time.Duration {
		var lat []time.Duration
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		size := 0
		for range *reads {
			req.Reset()
			req.SetRequestURI("http://" + addr + "/v1/org/surveys/" + id + "/summary" + query)
			req.Header.Set("Authorization", "Bearer "+token)
			t0 := time.Now()
			if err := fasthttp.Do(req, resp); err != nil || resp.StatusCode() != 200 {
				fmt.Println("read failed:", err, resp.StatusCode())
				return 0
			}
			lat = append(lat, time.Since(t0))
			size = len(resp.Body())
		}
		slices.Sort(lat)
		p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
		fmt.Printf("| %d | %s | %s | %s | %d |\n", seeder.Seeded, label, p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond), size)
		return p50
	}
	if err := seed(1000); err != nil {
		return err
	}
	fmt.Printf("\nbenchsummary: %s, GOMAXPROCS %d, %d sequential reads each, %s\n\n", *surveyFile, runtime.GOMAXPROCS(0), *reads, time.Now().UTC().Format(time.DateOnly))
	header := "| responses | read | p50 | p99 | bytes |\n|-|-|-|-|-|"
	fmt.Println(header)
	small := measure("release (analyst)", "", secret)
	measure("release by age_band", "?by=age_band", secret)
	measure("live (editor)", "?view=live", owner)
	if err := seed(*total); err != nil {
		return err
	}
	fmt.Println(header)
	large := measure("release (analyst)", "", secret)
	measure("release by age_band", "?by=age_band", secret)
	measure("live (editor)", "?view=live", owner)
	fmt.Printf("\nrelease read p50 at %d responses is %.2fx the p50 at 1,000 (target: within 2x, and p50 <= 5 ms)\n", *total, float64(large)/float64(small))
	seeder.Close()

	// Lag: submissions at a steady rate through the API; the live view is
	// read every 100 ms and compared with the acknowledged submissions.
	var acked atomic.Int64
	var ackMu sync.Mutex
	ackTimes := []time.Time{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	clients := 32
	interval := time.Duration(float64(time.Second) * float64(clients) / float64(*rate))
	base, err := currentN(addr, id, owner)
	if err != nil {
		return err
	}
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 5))
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				req.Reset()
				req.SetRequestURI("http://" + addr + "/v1/surveys/" + id + "/responses")
				req.Header.SetMethod("POST")
				req.Header.SetContentType("application/json")
				req.SetBody(simulate.SubmissionJSON(def, 1, r))
				if err := fasthttp.Do(req, resp); err == nil && resp.StatusCode() == 201 {
					ackMu.Lock()
					ackTimes = append(ackTimes, time.Now())
					ackMu.Unlock()
					acked.Add(1)
				}
			}
		}()
	}
	var maxLag time.Duration
	deadline := time.Now().Add(*dur)
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		n, err := currentN(addr, id, owner)
		if err != nil {
			return err
		}
		now := time.Now()
		behind := n - base // acknowledged submissions the live view includes
		ackMu.Lock()
		if behind < len(ackTimes) {
			// The oldest acknowledged submission not yet in the view.
			if lag := now.Sub(ackTimes[behind]); lag > maxLag {
				maxLag = lag
			}
		}
		ackMu.Unlock()
	}
	close(stop)
	wg.Wait()
	fmt.Printf("\nunder %d submissions/s for %s (%d acknowledged, %.0f/s): the live view trailed by at most %s (target: 2 s)\n",
		*rate, *dur, acked.Load(), float64(acked.Load())/dur.Seconds(), maxLag.Round(time.Millisecond))
	return nil
}

func currentN(addr, id, token string) (int, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI("http://" + addr + "/v1/org/surveys/" + id + "/summary?view=live")
	req.Header.Set("Authorization", "Bearer "+token)
	if err := fasthttp.Do(req, resp); err != nil {
		return 0, err
	}
	var v struct {
		Results struct {
			N struct{ N int }
		}
	}
	if err := json.Unmarshal(resp.Body(), &v); err != nil {
		return 0, err
	}
	return v.Results.N.N, nil
}
