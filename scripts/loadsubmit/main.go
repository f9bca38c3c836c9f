// Command loadsubmit measures POST /v1/surveys/{id}/responses on the
// embedded store, side by side with two baselines in the same run: a bare
// Fiber handler that only parses the same JSON, and one that parses it and
// stores it with one insertOne per request (no group commit).
//
//	go run ./scripts/loadsubmit [-d 10s] [-clients 32,128] [-survey examples/surveys/youth-policy-consultation.json]
//
// It prints a Markdown table, and checks that the number of stored
// responses equals the number of 201s.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/valyala/fasthttp"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/scripts/internal/load"
	"github.com/youthvoice/youthvoice/scripts/internal/program"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
)

func main() { program.Main("loadsubmit", run) }

func run(ctx context.Context) error {
	dur := flag.Duration("d", 10*time.Second, "duration of each run")
	clientList := flag.String("clients", "32,128", "concurrent clients, comma-separated")
	surveyFile := flag.String("survey", "examples/surveys/youth-policy-consultation.json", "survey definition (a file, or an example's file name)")
	bodies := flag.Int("bodies", 20000, "distinct submission bodies to cycle through per run")
	commitWait := flag.Duration("commit-wait", 0, "group commit: how long a batch waits for company (0: the server's default)")
	only := flag.String("only", "", "run only the targets whose name contains this")
	prof := program.Parse()
	defJSON, def, err := program.Survey(*surveyFile)
	if err != nil {
		return err
	}
	if err := prof.Start(); err != nil {
		return err
	}
	defer prof.Stop()

	// The real server, without the per-client rate limit (every client here
	// is one address).
	srv, err := load.Start(ctx, func(o *api.Options) { o.CommitWait = *commitWait })
	if err != nil {
		return err
	}
	defer srv.Close()
	st, realAddr := srv.Store, srv.Addr
	_, owner, err := st.CreateOrg(ctx, "load", time.Now())
	if err != nil {
		return err
	}
	surveyID, err := load.CreateAndPublish(realAddr, owner, defJSON)
	if err != nil {
		return err
	}

	// Baseline 1: parse the JSON, nothing else.
	parseOnly := fiber.New(fiber.Config{DisableStartupMessage: true})
	parseOnly.Post("/v1/surveys/:id/responses", func(c *fiber.Ctx) error {
		var sub surveys.Submission
		if err := json.Unmarshal(c.Body(), &sub); err != nil {
			return c.SendStatus(400)
		}
		return c.SendStatus(201)
	})
	parseAddr, err := load.Serve(parseOnly.Listener)
	if err != nil {
		return err
	}
	defer parseOnly.Shutdown()

	// Baseline 2: parse, then one insertOne per request.
	insertEach := fiber.New(fiber.Config{DisableStartupMessage: true})
	insertEach.Post("/v1/surveys/:id/responses", func(c *fiber.Ctx) error {
		var sub surveys.Submission
		if err := json.Unmarshal(c.Body(), &sub); err != nil {
			return c.SendStatus(400)
		}
		answers := surveys.Answers{}
		for id := range sub.Answers {
			answers[id] = surveys.Answer{}
		}
		r := &surveys.Response{Key: uuid.NewString(), SurveyID: "baseline", Revision: sub.Revision, Lang: sub.Lang, Answers: answers,
			Day: time.Now().UTC().Format(time.DateOnly)}
		if err := st.InsertResponse(c.UserContext(), r, def); err != nil {
			return c.SendStatus(503)
		}
		return c.SendStatus(201)
	})
	insertAddr, err := load.Serve(insertEach.Listener)
	if err != nil {
		return err
	}
	defer insertEach.Shutdown()

	rng := rand.New(rand.NewPCG(1, 2))
	// Each pooled body starts with {"submission_id":"<36 characters>", so
	// that every request can carry a fresh id.
	pool := make([][]byte, *bodies)
	for i := range pool {
		sub := simulate.Submission(def, 1, rng)
		delete(sub, "submission_id")
		rest, err := json.Marshal(sub)
		if err != nil {
			return err
		}
		pool[i] = append([]byte(`{"submission_id":"`+uuid.NewString()+`",`), rest[1:]...)
	}
	fmt.Printf("loadsubmit: %s, %d questions, GOMAXPROCS %d, %s per run, %s\n\n", *surveyFile, len(def.Questions()),
		runtime.GOMAXPROCS(0), *dur, time.Now().UTC().Format(time.DateOnly))
	fmt.Println(load.Header)

	var created201 int
	next := 0
	for _, cs := range strings.Split(*clientList, ",") {
		clients, err := strconv.Atoi(strings.TrimSpace(cs))
		if err != nil {
			return err
		}
		for _, target := range []struct{ name, addr string }{
			{"baseline: parse only", parseAddr},
			{"baseline: parse + insertOne", insertAddr},
			{"youthvoice (validate + group commit)", realAddr},
		} {
			if !strings.Contains(target.name, *only) {
				continue
			}
			path := "/v1/surveys/" + surveyID + "/responses"
			// Every request carries a fresh submission (a new submission id
			// on a pooled body), so nothing is a retry.
			res := load.Run(target.name, clients, *dur, func(c, i int, req *fasthttp.Request) {
				body := pool[(next+c*100003+i)%len(pool)]
				fresh := append([]byte(nil), body...)
				copy(fresh[idStart:idStart+36], uuid.NewString())
				req.SetRequestURI("http://" + target.addr + path)
				req.Header.SetMethod("POST")
				req.Header.SetContentType("application/json")
				req.SetBody(fresh)
			})
			next += 7
			if target.addr == realAddr {
				created201 += res.Statuses[201]
			}
			fmt.Println(res)
		}
	}
	stored, err := st.CountResponses(ctx, surveyID)
	if err != nil {
		return err
	}
	fmt.Printf("\nstored responses: %d, 201s: %d, equal: %v\n", stored, created201, int(stored) == created201)
	if int(stored) != created201 {
		return fmt.Errorf("stored %d responses but answered 201 %d times", stored, created201)
	}
	return nil
}

// idStart is where the submission id starts in a pooled body.
const idStart = len(`{"submission_id":"`)
