// Command benchsurvey measures GET /v1/surveys/{id} (the localized survey
// definition the app downloads) against a bare Fiber handler that returns
// a fixed body of the same size, in the same run.
//
//	go run ./scripts/benchsurvey [-d 5s] [-clients 32]
package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/youthvoice/youthvoice/scripts/internal/load"
	"github.com/youthvoice/youthvoice/scripts/internal/program"
)

func main() { program.Main("benchsurvey", run) }

func run(ctx context.Context) error {
	dur := flag.Duration("d", 5*time.Second, "duration of each run")
	clients := flag.Int("clients", 32, "concurrent clients")
	rounds := flag.Int("rounds", 5, "rounds; each runs both handlers, alternating")
	surveyFile := flag.String("survey", "examples/surveys/safety-online-offline.json", "survey definition (a file, or an example's file name)")
	prof := program.Parse()
	def, _, err := program.Survey(*surveyFile)
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
	st, realAddr := srv.Store, srv.Addr
	_, owner, err := st.CreateOrg(ctx, "bench", time.Now())
	if err != nil {
		return err
	}
	id, err := load.CreateAndPublish(realAddr, owner, def)
	if err != nil {
		return err
	}
	// The body the app gets, to serve as a fixed body of the same size.
	status, body := get("http://"+realAddr+"/v1/surveys/"+id, "ar")
	if status != 200 {
		return fmt.Errorf("GET survey: %d", status)
	}
	fixed := fiber.New(fiber.Config{DisableStartupMessage: true})
	fixed.Get("/v1/surveys/:id", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(body)
	})
	fixedAddr, err := load.Serve(fixed.Listener)
	if err != nil {
		return err
	}
	defer fixed.Shutdown()

	fmt.Printf("benchsurvey: %s, body %d bytes (Arabic), GOMAXPROCS %d, %d clients, %s per run, %s\n\n",
		*surveyFile, len(body), runtime.GOMAXPROCS(0), *clients, *dur, time.Now().UTC().Format(time.DateOnly))
	fmt.Println(load.Header)
	// Rounds alternate, so that both see the same machine; the ratio is of
	// the totals over all rounds (single rounds vary by 10 % or more on a
	// 2-core machine that also runs the clients).
	perSecond := map[string]float64{}
	for round := 1; round <= *rounds; round++ {
		for _, target := range []struct{ name, addr string }{
			{"fixed body, bare Fiber handler", fixedAddr},
			{"GET /v1/surveys/{id}", realAddr},
		} {
			res := load.Run(fmt.Sprintf("%s (round %d)", target.name, round), *clients, *dur, func(c, i int, req *fasthttp.Request) {
				req.SetRequestURI("http://" + target.addr + "/v1/surveys/" + id)
				req.Header.Set("Accept-Language", "ar")
			})
			fmt.Println(res)
			perSecond[target.name] += res.PerSecond
		}
	}
	ratio := perSecond["GET /v1/surveys/{id}"] / perSecond["fixed body, bare Fiber handler"]
	fmt.Printf("\nover the %d rounds, GET /v1/surveys/{id} runs at %.0f%% of the fixed-body handler (target: 80%% or more)\n", *rounds, 100*ratio)
	return nil
}

func get(url, lang string) (int, []byte) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(url)
	req.Header.Set("Accept-Language", lang)
	if err := fasthttp.Do(req, resp); err != nil {
		return 0, nil
	}
	return resp.StatusCode(), append([]byte(nil), resp.Body()...)
}
