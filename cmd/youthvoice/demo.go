package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// The demo: `youthvoice demo` starts the server on a directory of its own,
// publishes the example surveys as a demo organisation, has a few hundred
// simulated young people answer them, and prints where to look. Nothing
// it makes is real, so it never shares a directory with real data: the
// directory is marked with demoMarker, and a directory that holds anything
// without that mark is refused.

const (
	// demoMarker is the file that marks a demo data directory.
	demoMarker = "YOUTHVOICE-DEMO"
	// demoOrgName names the organisation the demo publishes as.
	demoOrgName = "Demo organisation"
	// maxDemoRespondents bounds --respondents (the demo is not a load test:
	// scripts/ has those).
	maxDemoRespondents = 100_000
	// demoWorkers submit at once, so that group commit has company.
	demoWorkers = 16
)

const demoMarkerText = `This directory holds YouthVoice demo data, made by "youthvoice demo":
the organisation "Demo organisation", the example surveys and simulated
answers. Nothing in it comes from a real person. Do not use it for a real
survey; "youthvoice demo" refuses any directory without this file.
`

// demoOptions are the demo's settings (demo --help).
type demoOptions struct {
	dir         string
	addr        string
	respondents int
	seed        uint64
	logLevel    string
}

// demoRun is what a running demo made, for its guide and its tests.
type demoRun struct {
	dir, base, token string
	orgID            string
	surveys          []demoSurvey
	simulated        int
	took             time.Duration
}

// demoSurvey is one published example and its responses.
type demoSurvey struct {
	file, id, title string
	responses       int // in the summary, after the simulation
}

func init() {
	moreCommands = append(moreCommands, command{"demo",
		"start a demo server on ./demo-data with the example surveys and a few hundred simulated answers", demoCmd})
}

// demoCmd: youthvoice demo [--dir DIR] [--addr ADDR] [--respondents N].
func demoCmd(ctx context.Context, c *cli, args []string) error {
	o, err := parseDemo(args, c.stderr)
	if err != nil {
		return err
	}
	o.dir = c.path(o.dir)
	return runDemo(ctx, o, c.stdout, c.stderr, nil)
}

func parseDemo(args []string, stderr io.Writer) (demoOptions, error) {
	o := demoOptions{dir: "demo-data", addr: "127.0.0.1:8080", respondents: 300, seed: 1, logLevel: "warn"}
	fs := flag.NewFlagSet("youthvoice demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.dir, "dir", o.dir, "the demo's own data directory (made and marked as demo data; a directory with other data in it is refused)")
	fs.StringVar(&o.addr, "addr", o.addr, "address the demo server listens on")
	fs.IntVar(&o.respondents, "respondents", o.respondents, fmt.Sprintf("simulated young people answering, shared among the example surveys (1 to %d)", maxDemoRespondents))
	fs.Uint64Var(&o.seed, "seed", o.seed, "random seed of the simulated answers")
	fs.StringVar(&o.logLevel, "log-level", o.logLevel, "the server's log level (debug, info, warn, error), on stderr")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: youthvoice demo [flags]\n\n"+
			"Starts the server on a separate demo data directory, publishes the example surveys as\n"+
			"\"Demo organisation\", simulates young people answering them, prints where to look, and\n"+
			"serves until Ctrl-C. It always uses the embedded store (MONGODB_URI and YOUTHVOICE_* are ignored).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, usageError{fmt.Sprintf("demo takes no arguments, got %q", fs.Args())}
	}
	if o.respondents < 1 || o.respondents > maxDemoRespondents {
		return o, usageError{fmt.Sprintf("demo: --respondents must be between 1 and %d", maxDemoRespondents)}
	}
	if _, err := parseLevel(o.logLevel); err != nil {
		return o, usageError{"demo: --log-level: " + err.Error()}
	}
	return o, nil
}

// notDemoError: the directory holds something that is not demo data.
type notDemoError struct{ dir string }

func (e notDemoError) Error() string {
	return fmt.Sprintf("%s is not a demo data directory (it holds files but no %s file): the demo never writes next to real data; choose another --dir, or an empty or new directory", e.dir, demoMarker)
}

// claimDemoDir makes dir a demo directory (new or empty) or checks that it
// is one, before anything opens a store in it.
func claimDemoDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("demo directory: %w", err)
	}
	for _, e := range entries {
		if e.Name() == demoMarker && e.Type().IsRegular() {
			return nil
		}
	}
	if len(entries) > 0 {
		return notDemoError{dir}
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte(demoMarkerText), 0o600)
}

// runDemo runs the demo until ctx ends; ready, when set, is called with
// what it made once the guide is printed (tests).
func runDemo(ctx context.Context, o demoOptions, stdout, stderr io.Writer, ready func(*demoRun)) error {
	start := time.Now()
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return err
	}
	if err := claimDemoDir(dir); err != nil {
		return err
	}
	log := newLogger(stderr, o.logLevel)
	st, err := store.Open(store.WithHolder(ctx, "youthvoice demo"), store.Options{DataDir: dir, Logger: log, EngineLogLevel: slog.LevelError})
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := st.Close(closeCtx); err != nil {
			log.Error("closing store", "error", err.Error())
		}
	}()
	srv, stopServer, base, err := startDemoServer(ctx, st, o.addr, log)
	if err != nil {
		return err
	}
	defer stopServer()

	run := &demoRun{dir: dir, base: base}
	if err := publishDemo(ctx, st, run); err != nil {
		return err
	}
	if err := simulateDemo(ctx, srv.App(), run, o); err != nil {
		return err
	}
	run.took = time.Since(start)
	printDemoGuide(stdout, run, o)
	if ready != nil {
		ready(run)
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "\nStopping the demo server; the demo data stays in "+dir+".")
	return nil
}

// startDemoServer starts the HTTP server, its background workers and the
// control socket (so that the CLI's commands, given --data-dir, run in
// it), as serve does. The per-address submission limit stays on: the
// demo's own young people answer through the application layer.
func startDemoServer(ctx context.Context, st *store.Store, addr string, log *slog.Logger) (*api.Server, func(), string, error) {
	catalog, err := i18n.New()
	if err != nil {
		return nil, nil, "", err
	}
	hashKey, err := st.SecretKey(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	srv := api.New(api.Options{Store: st, Catalog: catalog, Metrics: api.NewMetrics(version()), Logger: log,
		HashKey: hashKey, SubmitRateLimit: api.DefaultSubmitRate})
	srv.RecoverAtStart(ctx)
	var ctl *controlServer
	if path := st.ControlSocket(); path != "" {
		if ctl, err = startControl(ctx, path, &serverSide{st: st, database: "youthvoice", app: srv.App()}, log); err != nil {
			return nil, nil, "", err
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if ctl != nil {
			ctl.stop()
		}
		return nil, nil, "", fmt.Errorf("listen on %s: %w (another server there? choose another --addr)", addr, err)
	}
	go func() { _ = srv.Serve(ln) }()
	background, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	go srv.RunCloser(background)
	go srv.RunSummarizer(background)
	stop := func() {
		shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		if ctl != nil {
			ctl.stop()
		}
		if err := srv.Shutdown(shutCtx); err != nil {
			log.Error("shutdown", "error", err.Error())
		}
		stopBackground()
	}
	return srv, stop, "http://" + ln.Addr().String(), nil
}

// publishDemo finds or makes the demo organisation, gives it a new owner
// token (tokens are stored hashed: an earlier run's cannot be shown
// again), and publishes each example survey it has not published yet,
// through the server's API, as an organiser would.
func publishDemo(ctx context.Context, st *store.Store, run *demoRun) error {
	orgs, _, err := st.Orgs(ctx)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if o.Name == demoOrgName {
			run.orgID = o.ID
		}
	}
	if run.orgID == "" {
		org, token, err := st.CreateOrg(ctx, demoOrgName, time.Now())
		if err != nil {
			return err
		}
		run.orgID, run.token = org.ID, token
	} else {
		run.token = surveys.NewTokenSecret()
		if _, err := st.CreateToken(ctx, run.orgID, surveys.Owner, "demo", run.token, time.Now()); err != nil {
			return err
		}
	}
	existing, err := st.Surveys(ctx, run.orgID)
	if err != nil {
		return err
	}
	for _, name := range examples.Names() {
		def, err := examples.Survey(name)
		if err != nil {
			return err
		}
		var parsed surveys.Definition
		if err := json.Unmarshal(def, &parsed); err != nil {
			return fmt.Errorf("example %s: %w", name, err)
		}
		ds := demoSurvey{file: name, title: parsed.Title[parsed.DefaultLanguage]}
		for _, sv := range existing {
			if sv.Status == surveys.Open && sv.Draft.Title[sv.Draft.DefaultLanguage] == ds.title {
				ds.id = sv.ID
			}
		}
		if ds.id == "" {
			if ds.id, err = publishExample(ctx, run.base, run.token, def); err != nil {
				return fmt.Errorf("publish %s: %w", name, err)
			}
		}
		run.surveys = append(run.surveys, ds)
	}
	return nil
}

// publishExample creates a survey through the API and publishes it.
func publishExample(ctx context.Context, base, token string, def []byte) (string, error) {
	var created struct {
		ID string `json:"id"`
	}
	if err := demoRequest(ctx, base+"/v1/org/surveys", token, def, http.StatusCreated, &created); err != nil {
		return "", err
	}
	return created.ID, demoRequest(ctx, base+"/v1/org/surveys/"+created.ID+"/publish", token, nil, http.StatusOK, nil)
}

func demoRequest(ctx context.Context, url, token string, body []byte, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("POST %s: %d %s", url, resp.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// demoSubmission is one simulated young person's submission to a survey.
type demoSubmission struct {
	sv  *surveys.Survey
	sub *surveys.Submission
}

// simulateDemo has o.respondents simulated young people answer the demo's
// surveys in turn, through the application layer (the same workflow as
// POST /v1/surveys/{id}/responses: validated, scrubbed, group commit),
// then waits until the summaries hold them all.
func simulateDemo(ctx context.Context, a *app.App, run *demoRun, o demoOptions) error {
	st := a.Store()
	defs := a.Definitions()
	revision := func(ctx context.Context, sv *surveys.Survey, n int) (*surveys.Definition, error) {
		def, _, err := defs(ctx, sv.ID, n)
		return def, err
	}
	want := make([]int, len(run.surveys))
	before := 0
	for i, ds := range run.surveys {
		sum, err := st.Summary(ctx, ds.id)
		if err != nil {
			return err
		}
		want[i] = sum.Tally.Responses
		before += want[i]
	}
	// The same crowd for the same seed and data; another on a rerun.
	rng := rand.New(rand.NewPCG(o.seed, uint64(before)))
	var subs []demoSubmission
	for i, ds := range run.surveys {
		sv, err := st.Survey(ctx, run.orgID, ds.id)
		if err != nil {
			return err
		}
		def, err := revision(ctx, sv, sv.Revision)
		if err != nil {
			return err
		}
		n := o.respondents / len(run.surveys)
		if i < o.respondents%len(run.surveys) {
			n++
		}
		for range n {
			var sub surveys.Submission
			if err := json.Unmarshal(simulate.SubmissionJSON(def, sv.Revision, rng), &sub); err != nil {
				return err
			}
			subs = append(subs, demoSubmission{sv, &sub})
		}
		want[i] += n
	}
	if err := submitAll(ctx, a, subs, revision); err != nil {
		return err
	}
	run.simulated = len(subs)
	return awaitSummaries(ctx, a, run, want)
}

// submitAll submits from demoWorkers at once and returns the first error.
func submitAll(ctx context.Context, a *app.App, subs []demoSubmission, revision app.Revisions) error {
	work := make(chan demoSubmission)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for range demoWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range work {
				if _, err := a.Submit(ctx, s.sv, s.sub, revision); err != nil {
					once.Do(func() { firstErr = fmt.Errorf("simulated submission: %w", err) })
				}
			}
		}()
	}
	for _, s := range subs {
		if ctx.Err() != nil {
			break
		}
		work <- s
	}
	close(work)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

// awaitSummaries applies every committed batch to the summaries and waits
// (a minute at most) until each survey's summary counts what it should.
func awaitSummaries(ctx context.Context, a *app.App, run *demoRun, want []int) error {
	deadline := time.Now().Add(time.Minute)
	for {
		a.Flush(ctx)
		done := true
		for i := range run.surveys {
			sum, err := a.Store().Summary(ctx, run.surveys[i].id)
			if err != nil {
				return err
			}
			run.surveys[i].responses = sum.Tally.Responses
			done = done && sum.Tally.Responses >= want[i]
		}
		switch {
		case done:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("the summaries did not catch up with the simulated responses within a minute")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// printDemoGuide says what the demo made and where to look, with commands
// that can be pasted as they are.
func printDemoGuide(w io.Writer, run *demoRun, o demoOptions) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	first := run.surveys[0]
	p("YouthVoice demo: everything below is demo data, in %s (marked by its %s file);", run.dir, demoMarker)
	p("no answer in it comes from a real person.")
	p("")
	p("Published the example surveys as %q and simulated %d young people answering them", demoOrgName, run.simulated)
	p("in %s. Responses in each summary now:", run.took.Round(100*time.Millisecond))
	for _, s := range run.surveys {
		p("  %-36s %5d  %s", s.id, s.responses, s.title)
	}
	p("")
	p("Copy these into a shell (the token is the demo organisation's owner token, new for this run):")
	p("  BASE=%s", run.base)
	p("  TOKEN=%s", run.token)
	p("  ID=%s", first.id)
	p("")
	p("The app's endpoints, as young people's phones call them (no token):")
	p(`  curl -s "$BASE/v1/surveys?lang=en"`)
	p(`  curl -s "$BASE/v1/surveys/$ID?lang=en"`)
	p(`  curl -s "$BASE/v1/surveys/$ID/results?lang=en"       # public results (disclosure-controlled)`)
	p("The summary, as the organisation and ministries see it (disclosure-controlled release):")
	p(`  curl -s -H "Authorization: Bearer $TOKEN" "$BASE/v1/org/surveys/$ID/summary?lang=en"`)
	p(`  curl -s -H "Authorization: Bearer $TOKEN" "$BASE/v1/org/surveys/$ID/summary?lang=en&by=age_band"`)
	p("Exports:")
	p(`  curl -s -H "Authorization: Bearer $TOKEN" -o summary.xlsx "$BASE/v1/org/surveys/$ID/export?kind=summary&format=xlsx&lang=en"`)
	p(`  go run ./cmd/youthvoice export --data-dir %s --survey $ID --kind summary --format pdf --lang en --out summary.pdf`, shellQuote(run.dir))
	p("")
	p("The server keeps running: press Ctrl-C to stop it. The data stays in %s; run the demo", run.dir)
	p("again to add %d more simulated answers, or delete the directory to start afresh.", o.respondents)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '/' || r == '.' || r == '-' || r == '_') {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
