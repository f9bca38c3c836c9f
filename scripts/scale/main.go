// Command scale measures the embedded store at the size of a national
// deployment: 1,000 open surveys and 1,000,000 responses by default.
//
//	go run ./scripts/scale                                   # the full size
//	go run ./scripts/scale -surveys 100 -responses 100000    # a quick run
//
// It seeds the responses in-process the way the server stores them
// (validated and scrubbed by surveys.NewResponse, group commit through
// store.NewCommitter, tallied by a store.Summarizer running as the server
// runs it), then measures, in this order:
//
//   - seeding throughput, and this process's peak heap and RSS while
//     seeding (the seeder holds a bounded queue, never the responses);
//   - store.Summary of a survey of 1,000 responses against the biggest
//     survey (a summary read must not grow with the responses);
//   - start-up in-process: store.Open, then Summarizer.RecoverAtStart;
//   - the built binary (`youthvoice serve`, its own process): time to
//     its first answer and resident memory after start, twice; then
//     through its API the app's survey list (GET /v1/surveys) with every
//     survey open, the organisers' list, the summary of the small and
//     the biggest survey, and the response CSV of both, with the server's
//     resident memory before and at its peak;
//   - `youthvoice export` of the response CSV of both surveys as a child
//     process, with its peak resident memory (GNU time), against the size
//     of the data and of the file.
//
// Only the store's and the API's exported functions are used, so the
// program measures whatever shape summaries and pages have today.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/youthvoice/youthvoice/scripts/internal/program"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

func main() { program.Main("scale", run) }

type config struct {
	surveys, responses, burst, reads int
	answered                         int // surveys that get responses
	check                            bool
	bigShare                         float64
	examples                         []string
	keep                             bool
	seed                             uint64
}

func run(ctx context.Context) error {
	var c config
	flag.IntVar(&c.surveys, "surveys", 1000, "open surveys to create (at least 2)")
	flag.IntVar(&c.responses, "responses", 1000000, "responses to seed over all surveys")
	flag.Float64Var(&c.bigShare, "big", 0.2, "share of the responses that go to the biggest survey")
	flag.IntVar(&c.answered, "answered", 0, "how many of the surveys get responses (0: all); the others are open and empty")
	flag.BoolVar(&c.check, "check", true, "read every survey's summary after seeding and compare it with what was stored")
	flag.IntVar(&c.burst, "burst", 30, "responses to one survey that arrive together (a class answering at once); 1 interleaves every response")
	flag.IntVar(&c.reads, "reads", 100, "sequential reads per latency measurement")
	examples := flag.String("examples", "examples/surveys/youth-policy-consultation.json,examples/surveys/safety-online-offline.json", "survey definitions (files, or examples' file names), used in turn")
	flag.BoolVar(&c.keep, "keep", false, "keep the data directory and the binary (printed)")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed of the generated answers")
	prof := program.Parse() // the profiles are of the seeding
	c.examples = strings.Split(*examples, ",")
	if c.answered <= 0 || c.answered > c.surveys {
		c.answered = c.surveys
	}
	if c.surveys < 2 || c.answered < 2 || c.responses < c.answered+1000 || c.burst < 1 || c.bigShare <= 0 || c.bigShare >= 1 {
		return errors.New("need -surveys >= 2, -answered >= 2, -responses >= answered+1000, -burst >= 1 and 0 < -big < 1")
	}
	dir, err := os.MkdirTemp("", "scale")
	if err != nil {
		return err
	}
	if c.keep {
		defer fmt.Printf("\nkept %s (binary %s/youthvoice, data %s/data)\n", dir, dir, dir)
	} else {
		defer os.RemoveAll(dir)
	}
	bin := filepath.Join(dir, "youthvoice")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/youthvoice").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	commit, _ := exec.Command("git", "log", "-1", "--format=%h").Output()
	// The binary and this program are built from the working tree: say
	// when it differs from the commit.
	if dirty, _ := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); len(dirty) > 0 {
		commit = append(bytesTrim(commit), " with uncommitted changes"...)
	}
	fmt.Printf("scale: %d open surveys, %d of them answered, %d responses (burst %d), GOMAXPROCS %d, commit %s, %s\n",
		c.surveys, c.answered, c.responses, c.burst, runtime.GOMAXPROCS(0), strings.TrimSpace(string(commit)), time.Now().UTC().Format(time.DateOnly))

	data := filepath.Join(dir, "data")
	w, err := seed(ctx, c, data, prof)
	if err != nil {
		return err
	}
	size, err := dirSize(data)
	if err != nil {
		return err
	}
	fmt.Printf("\ndata directory: %.0f MB (%.0f bytes a response)\n", float64(size)/1e6, float64(size)/float64(c.responses))
	if err := startInProcess(ctx, data); err != nil {
		return err
	}
	if err := throughServer(bin, data, w, c); err != nil {
		return err
	}
	return cliExports(dir, bin, data, w, size)
}

// world is what seeding made and the measurements read.
type world struct {
	token      string // an owner's token
	small, big string // a survey of 1,000 responses, and the biggest
	ids        []string
	counts     map[string]int
}

// seed creates the organisation and the surveys, publishes them all and
// stores the responses, then reads every survey's summary once to check
// the totals, and times store.Summary of the small and the big survey.
func seed(ctx context.Context, c config, data string, prof *program.Profiles) (*world, error) {
	quiet := slog.New(slog.DiscardHandler)
	st, err := store.Open(ctx, store.Options{DataDir: data, Logger: quiet, EngineLogLevel: slog.LevelError + 4})
	if err != nil {
		return nil, err
	}
	defer st.Close(context.WithoutCancel(ctx))
	key, err := st.SecretKey(ctx)
	if err != nil {
		return nil, err
	}
	org, owner, err := st.CreateOrg(ctx, "scale", time.Now())
	if err != nil {
		return nil, err
	}
	defs, err := loadDefinitions(c.examples)
	if err != nil {
		return nil, err
	}

	t0 := time.Now()
	remaining := plan(c)
	ids, def, err := createSurveys(ctx, st, org.ID, defs, c.surveys)
	if err != nil {
		return nil, err
	}
	fmt.Printf("\ncreated and published %d surveys in %s\n", c.surveys, time.Since(t0).Round(time.Millisecond))
	w := &world{token: owner, small: ids[1], big: ids[0], ids: ids, counts: map[string]int{}}
	for i, id := range ids {
		w.counts[id] = remaining[i]
	}
	fmt.Printf("responses: biggest survey %d, small survey %d, %d others about %d each, %d surveys none\n",
		remaining[0], remaining[1], c.answered-2, remaining[min(2, c.answered-1)], c.surveys-c.answered)

	if err := storeResponses(ctx, st, key, c, ids, def, remaining, prof); err != nil {
		return nil, err
	}
	if c.check {
		if err := checkSummaries(ctx, st, w); err != nil {
			return nil, err
		}
	}
	if err := timeSummaries(ctx, st, c, w); err != nil {
		return nil, err
	}
	return w, nil
}

// loadDefinitions reads the example survey definitions.
func loadDefinitions(files []string) ([]*surveys.Definition, error) {
	var defs []*surveys.Definition
	for _, f := range files {
		_, d, err := program.Survey(f)
		if err != nil {
			return nil, err
		}
		defs = append(defs, d)
	}
	return defs, nil
}

// plan is how many responses each survey gets: survey 0 is the biggest,
// survey 1 has exactly 1,000 responses, the others that are answered
// share the rest evenly.
func plan(c config) []int {
	remaining := make([]int, c.surveys)
	remaining[0] = int(float64(c.responses) * c.bigShare)
	remaining[1] = 1000
	rest := c.responses - remaining[0] - remaining[1]
	for i := 2; i < c.answered; i++ {
		remaining[i] = rest / (c.answered - 2)
		if i-2 < rest%(c.answered-2) {
			remaining[i]++
		}
	}
	if c.answered == 2 {
		remaining[0] += rest
	}
	return remaining
}

// createSurveys creates and publishes n surveys, the definitions in turn,
// and returns their ids and published definitions.
func createSurveys(ctx context.Context, st *store.Store, orgID string, defs []*surveys.Definition, n int) ([]string, []*surveys.Definition, error) {
	ids := make([]string, n)
	def := make([]*surveys.Definition, n)
	for i := range ids {
		d := *defs[i%len(defs)]
		now := time.Now()
		sv := &surveys.Survey{ID: uuid.NewString(), OrgID: orgID, Status: surveys.Draft, Draft: d, CreatedAt: now, UpdatedAt: now}
		if err := st.CreateSurvey(ctx, sv); err != nil {
			return nil, nil, err
		}
		rev, err := sv.Publish(now)
		if err != nil {
			return nil, nil, err
		}
		if err := st.SaveSurvey(ctx, sv, &rev); err != nil {
			return nil, nil, err
		}
		ids[i], def[i] = sv.ID, &rev.Definition
	}
	return ids, def, nil
}

// insertJob is one response for the writers to store.
type insertJob struct {
	r   *surveys.Response
	def *surveys.Definition
}

// writers are the 64 goroutines that insert the seeder's responses
// through the committer, as the server's request handlers do.
type writers struct {
	work     chan insertJob // the seeder's whole backlog: bounded
	wg       sync.WaitGroup
	stored   atomic.Int64
	failed   atomic.Bool
	errOnce  sync.Once
	firstErr error
}

func startWriters(ctx context.Context, com *store.Committer) *writers {
	ws := &writers{work: make(chan insertJob, 1000)}
	for range 64 {
		ws.wg.Add(1)
		go func() {
			defer ws.wg.Done()
			for j := range ws.work {
				if err := com.Insert(ctx, j.r, j.def); err != nil {
					ws.errOnce.Do(func() { ws.firstErr = err; ws.failed.Store(true) })
					continue
				}
				ws.stored.Add(1)
			}
		}()
	}
	return ws
}

// storeResponses stores the planned responses through the server's write path
// (one summarizer running in the background, one committer with the
// server's batch size and wait, fed by 64 writers) and prints the
// throughput and this process's peak memory.
func storeResponses(ctx context.Context, st *store.Store, key []byte, c config, ids []string, def []*surveys.Definition, remaining []int, prof *program.Profiles) error {
	quiet := slog.New(slog.DiscardHandler)
	sum := st.NewSummarizer(st.StoreDefinitions(), quiet)
	bg, stopSum := context.WithCancel(ctx)
	defer stopSum()
	sumDone := make(chan struct{})
	go func() { sum.Run(bg); close(sumDone) }()
	com := st.NewCommitter(500, 2*time.Millisecond, sum)
	mem := watchMemory()
	if err := prof.Start(); err != nil {
		return err
	}

	ws := startWriters(ctx, com)
	rng := rand.New(rand.NewPCG(c.seed, c.seed))
	start := time.Now()
	left := c.responses
	nextReport := c.responses / 10
	sinceFlush := 0
	for left > 0 && !ws.failed.Load() {
		// A burst goes to a survey drawn in proportion to what it has
		// left, so every survey fills at the same pace, the biggest too.
		pick := rng.IntN(left)
		i := 0
		for ; pick >= remaining[i]; i++ {
			pick -= remaining[i]
		}
		n := min(c.burst, remaining[i])
		if err := queueBurst(ws.work, key, ids[i], def[i], n, rng); err != nil {
			return err
		}
		remaining[i] -= n
		left -= n
		sinceFlush += n
		// A summarizer holds up to 20,000 committed responses for its
		// next pass and leaves the rest to recovery, a minute later. The
		// seeder waits for a pass every 5,000 responses (as
		// simulate.Seeder does), so that every batch is applied by a pass
		// and the seeding rate is the summarizer's own.
		if sinceFlush >= 5000 {
			sum.Flush(ctx)
			sinceFlush = 0
		}
		if done := c.responses - left; done >= nextReport {
			el := time.Since(start)
			heap, rss := mem.peak()
			fmt.Printf("  %d responses in %s (%.0f/s); peak heap %.0f MB, peak RSS %.0f MB\n", done, el.Round(time.Second), float64(done)/el.Seconds(), heap, rss)
			nextReport += c.responses / 10
		}
	}
	close(ws.work)
	ws.wg.Wait()
	com.Close()
	stopSum()
	<-sumDone
	sum.Flush(ctx)
	elapsed := time.Since(start)
	if err := prof.Stop(); err != nil {
		return err
	}
	heap, rss := mem.stop()
	if ws.firstErr != nil {
		return ws.firstErr
	}
	fmt.Printf("\n| seeding | responses | time | responses/s | peak Go heap | peak RSS |\n|-|-|-|-|-|-|\n| committer + summarizer, 64 writers | %d | %s | %.0f | %.0f MB | %.0f MB |\n",
		ws.stored.Load(), elapsed.Round(time.Second), float64(ws.stored.Load())/elapsed.Seconds(), heap, rss)
	return nil
}

// queueBurst makes n responses to one survey, validated and scrubbed as
// the server does, and hands them to the writers.
func queueBurst(work chan<- insertJob, key []byte, id string, def *surveys.Definition, n int, rng *rand.Rand) error {
	for ; n > 0; n-- {
		sub := simulate.Submission(def, 1, rng)
		raw, _ := json.Marshal(sub["answers"])
		var answers map[string]json.RawMessage
		_ = json.Unmarshal(raw, &answers)
		r, err := surveys.NewResponse(key, id, def, &surveys.Submission{
			SubmissionID: simulate.UUID(rng), Revision: 1, Lang: sub["lang"].(string), Answers: answers}, time.Now())
		if err != nil {
			return err
		}
		work <- insertJob{r, def}
	}
	return nil
}

// checkSummaries checks that every summary holds exactly what was stored.
func checkSummaries(ctx context.Context, st *store.Store, w *world) error {
	t0 := time.Now()
	total := 0
	for _, id := range w.ids {
		s, err := st.Summary(ctx, id)
		if err != nil {
			return err
		}
		if s.Tally.Responses != w.counts[id] {
			return fmt.Errorf("survey %s: summary has %d responses, %d stored", id, s.Tally.Responses, w.counts[id])
		}
		total += s.Tally.Responses
	}
	fmt.Printf("every summary equals what was stored (%d in all); reading the %d summaries took %s\n", total, len(w.ids), time.Since(t0).Round(time.Millisecond))
	return nil
}

// timeSummaries times store.Summary of the small and the biggest survey:
// a summary read must not grow with the responses.
func timeSummaries(ctx context.Context, st *store.Store, c config, w *world) error {
	fmt.Printf("\n| store.Summary (in-process) | responses | p50 | p99 |\n|-|-|-|-|\n")
	var p50s []time.Duration
	for _, s := range []struct {
		name, id string
	}{{"small survey", w.small}, {"biggest survey", w.big}} {
		lat, err := timeN(c.reads, func() error { _, err := st.Summary(ctx, s.id); return err })
		if err != nil {
			return err
		}
		fmt.Printf("| %s | %d | %s | %s |\n", s.name, w.counts[s.id], pct(lat, 50), pct(lat, 99))
		p50s = append(p50s, pct(lat, 50))
	}
	fmt.Printf("\nstore.Summary p50 of the biggest survey is %.2fx the small survey's (%d times the responses)\n",
		float64(p50s[1])/float64(p50s[0]), w.counts[w.big]/w.counts[w.small])
	return nil
}

// startInProcess times what serve does before it answers, in this
// process: opening the store and recovering the summaries.
func startInProcess(ctx context.Context, data string) error {
	quiet := slog.New(slog.DiscardHandler)
	t0 := time.Now()
	st, err := store.Open(ctx, store.Options{DataDir: data, Logger: quiet, EngineLogLevel: slog.LevelError + 4})
	if err != nil {
		return err
	}
	opened := time.Since(t0)
	t1 := time.Now()
	st.NewSummarizer(st.StoreDefinitions(), quiet).RecoverAtStart(ctx)
	recovered := time.Since(t1)
	if err := st.Close(ctx); err != nil {
		return err
	}
	fmt.Printf("\nstart-up in-process on the full database: store.Open %s, Summarizer.RecoverAtStart %s\n",
		opened.Round(time.Millisecond), recovered.Round(time.Millisecond))
	return nil
}

// server is a running `youthvoice serve`.
type server struct {
	cmd   *exec.Cmd
	addr  string
	admin string // the admin address (/metrics)
}

// startServer starts the binary on the data directory and returns once
// /readyz answers 200, with the time that took.
func startServer(bin, data string) (*server, time.Duration, time.Duration, error) {
	t0 := time.Now()
	cmd := exec.Command(bin, "serve", "--data-dir", data, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--submit-rate", "0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, 0, 0, err
	}
	if err := cmd.Start(); err != nil {
		return nil, 0, 0, err
	}
	listening := regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)
	adminListening := regexp.MustCompile(`"msg":"admin listening","addr":"([^"]+)"`)
	sc := bufio.NewScanner(stderr)
	s := &server{cmd: cmd}
	var lines []string
	var listened time.Duration
	for (s.addr == "" || s.admin == "") && sc.Scan() {
		lines = append(lines, sc.Text())
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			s.addr, listened = m[1], time.Since(t0)
		}
		if m := adminListening.FindStringSubmatch(sc.Text()); m != nil {
			s.admin = m[1]
		}
	}
	if s.addr == "" {
		_ = cmd.Wait()
		return nil, 0, 0, fmt.Errorf("serve: no listening line:\n%s", strings.Join(lines, "\n"))
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	for {
		resp, err := http.Get("http://" + s.addr + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, listened, time.Since(t0), nil
			}
		}
		if time.Since(t0) > 10*time.Minute {
			s.stop()
			return nil, 0, 0, fmt.Errorf("serve: not ready after 10 minutes")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	_ = s.cmd.Wait()
}

// heap is the server's Go heap in use in MB (go_memstats_heap_inuse_bytes
// from its admin /metrics).
func (s *server) heap() float64 {
	resp, err := http.Get("http://" + s.admin + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_memstats_heap_inuse_bytes "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f / (1 << 20)
		}
	}
	return 0
}

// memory reads a field of the server's /proc status in MB (VmRSS, VmHWM).
func (s *server) memory(field string) float64 { return procMB(s.cmd.Process.Pid, field) }

func (s *server) get(path, token string) (int, int64, time.Duration, error) {
	req, err := http.NewRequest("GET", "http://"+s.addr+path, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept-Language", "sv")
	t0 := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, n, time.Since(t0), err
}

// throughServer measures start-up and reads through the API of the built
// binary.
func throughServer(bin, data string, w *world, c config) error {
	fmt.Printf("\n| `youthvoice serve` on the full database | listening after | first 200 from /readyz | RSS then | RSS 5 s later | Go heap in use | open files |\n|-|-|-|-|-|-|-|\n")
	var s *server
	for i := 1; i <= 2; i++ {
		srv, listened, ready, err := startServer(bin, data)
		if err != nil {
			return err
		}
		rss := srv.memory("VmRSS")
		time.Sleep(5 * time.Second)
		fmt.Printf("| start %d | %s | %s | %.0f MB | %.0f MB | %.0f MB | %d |\n", i, listened.Round(time.Millisecond), ready.Round(time.Millisecond), rss, srv.memory("VmRSS"), srv.heap(), openFiles(srv.cmd.Process.Pid))
		if i == 1 {
			srv.stop()
			continue
		}
		s = srv
	}
	defer s.stop()

	// The app's list: served from a list the server refreshes from the
	// store at most every 2 s, so the reads are timed over several
	// refreshes; the slowest reads are the refreshes.
	fmt.Printf("\n| read through the API | responses | reads | p50 | p99 | slowest | bytes |\n|-|-|-|-|-|-|-|\n")
	timed := func(name, path, token string, want, n int, spread time.Duration) error {
		var lat []time.Duration
		var size int64
		gap := spread / time.Duration(n)
		for range n {
			st, b, d, err := s.get(path, token)
			if err != nil {
				return err
			}
			if st != 200 {
				return fmt.Errorf("GET %s: %d", path, st)
			}
			lat, size = append(lat, d), b
			time.Sleep(gap)
		}
		resp := "-"
		if want > 0 {
			resp = strconv.Itoa(want)
		}
		fmt.Printf("| %s | %s | %d | %s | %s | %s | %d |\n", name, resp, n, pct(lat, 50), pct(lat, 99), pct(lat, 100), size)
		return nil
	}
	_, _, first, err := s.get("/v1/surveys", "")
	if err != nil {
		return err
	}
	fmt.Printf("| GET /v1/surveys (the first page, 50 of the app's list of %d open surveys), first read | - | 1 | %s | | | |\n", c.surveys, first.Round(10*time.Microsecond))
	if err := timed("GET /v1/surveys (first page), over 10 s (5 refreshes of the list)", "/v1/surveys", "", 0, 500, 10*time.Second); err != nil {
		return err
	}
	if err := timed(fmt.Sprintf("GET /v1/org/surveys (the organiser's list of %d)", c.surveys), "/v1/org/surveys", w.token, 0, 5, 0); err != nil {
		return err
	}
	for _, sv := range []struct{ name, id string }{{"small survey", w.small}, {"biggest survey", w.big}} {
		path := "/v1/org/surveys/" + sv.id + "/summary"
		_, _, first, err := s.get(path, w.token)
		if err != nil {
			return err
		}
		fmt.Printf("| summary of the %s, release, first read (disclosure control) | %d | 1 | %s | | | |\n", sv.name, w.counts[sv.id], first.Round(10*time.Microsecond))
		if err := timed("summary of the "+sv.name+", release", path, w.token, w.counts[sv.id], c.reads, 0); err != nil {
			return err
		}
		if err := timed("summary of the "+sv.name+", live (tally decoded every read)", path+"?view=live", w.token, w.counts[sv.id], c.reads, 0); err != nil {
			return err
		}
	}

	fmt.Printf("\n| response CSV through the API | responses | time | rows/s | bytes | server RSS before | server peak RSS during the export (sampled every 10 ms) |\n|-|-|-|-|-|-|-|\n")
	for _, sv := range []struct{ name, id string }{{"small survey", w.small}, {"biggest survey", w.big}} {
		before := s.memory("VmRSS")
		stop, peak := make(chan struct{}), make(chan float64)
		go func() {
			m, t := before, time.NewTicker(10*time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					peak <- max(m, s.memory("VmRSS"))
					return
				case <-t.C:
					m = max(m, s.memory("VmRSS"))
				}
			}
		}()
		st, n, d, err := s.get("/v1/org/surveys/"+sv.id+"/export?kind=responses&format=csv", w.token)
		close(stop)
		p := <-peak
		if err != nil || st != 200 {
			return fmt.Errorf("export: %d %v", st, err)
		}
		fmt.Printf("| %s | %d | %s | %.0f | %d | %.0f MB | %.0f MB |\n", sv.name, w.counts[sv.id], d.Round(time.Millisecond),
			float64(w.counts[sv.id])/d.Seconds(), n, before, p)
	}

	// The app reads every survey once: each is rendered (JSON, gzip and
	// brotli) and kept in the server's cache.
	before, heapBefore := s.memory("VmRSS"), s.heap()
	t0 := time.Now()
	var bytes int64
	for _, id := range w.ids {
		st, n, _, err := s.get("/v1/surveys/"+id, "")
		if err != nil || st != 200 {
			return fmt.Errorf("GET /v1/surveys/%s: %d %v", id, st, err)
		}
		bytes += n
	}
	el := time.Since(t0)
	fmt.Printf("\nthe app read each of the %d surveys once (GET /v1/surveys/{id}, Swedish, gzip; each rendered and cached): %s, %s a survey, %d KB each; server RSS %.0f MB before (Go heap in use %.0f MB), %.0f MB after (heap %.0f MB); open files %d\n",
		len(w.ids), el.Round(time.Millisecond), (el / time.Duration(len(w.ids))).Round(10*time.Microsecond), bytes/int64(len(w.ids))/1000, before, heapBefore, s.memory("VmRSS"), s.heap(), openFiles(s.cmd.Process.Pid))

	return nil
}

// cliExports runs `youthvoice export` of the response CSV of the small and
// the biggest survey, each as its own process (the server stopped), and
// reports its peak resident memory against the size of the data.
func cliExports(dir, bin, data string, w *world, size int64) error {
	fmt.Printf("\n| `youthvoice export --kind responses --format csv` | responses | time | rows/s | file | peak RSS of the export process |\n|-|-|-|-|-|-|\n")
	for _, sv := range []struct{ name, id string }{{"small survey", w.small}, {"biggest survey", w.big}} {
		out := filepath.Join(dir, "out.csv")
		rssFile := filepath.Join(dir, "rss")
		cmd := exec.Command("/usr/bin/time", "-f", "%M", "-o", rssFile,
			bin, "export", "--data-dir", data, "--survey", sv.id, "--kind", "responses", "--format", "csv", "--out", out)
		t0 := time.Now()
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("export: %v %s (needs GNU time at /usr/bin/time)", err, b)
		}
		d := time.Since(t0)
		fi, err := os.Stat(out)
		if err != nil {
			return err
		}
		rssText, _ := os.ReadFile(rssFile)
		rss, _ := strconv.Atoi(strings.TrimSpace(string(rssText))) // KiB
		fmt.Printf("| %s | %d | %s | %.0f | %.1f MB | %.0f MB |\n", sv.name, w.counts[sv.id], d.Round(time.Millisecond),
			float64(w.counts[sv.id])/d.Seconds(), float64(fi.Size())/1e6, float64(rss)/1024)
		os.Remove(out)
	}
	fmt.Printf("\n(the data directory is %.0f MB)\n", float64(size)/1e6)
	return nil
}

// memWatch samples this process's Go heap and resident memory.
type memWatch struct {
	mu        sync.Mutex
	heap, rss float64
	done      chan struct{}
}

func watchMemory() *memWatch {
	m := &memWatch{done: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			heap := float64(sample[0].Value.Uint64()) / (1 << 20)
			rss := procMB(os.Getpid(), "VmRSS")
			m.mu.Lock()
			m.heap, m.rss = max(m.heap, heap), max(m.rss, rss)
			m.mu.Unlock()
			select {
			case <-m.done:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *memWatch) peak() (heap, rss float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.heap, m.rss
}

func (m *memWatch) stop() (heap, rss float64) {
	close(m.done)
	return m.peak()
}

// procMB reads a field of /proc/PID/status in MB.
func procMB(pid int, field string) float64 {
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

func bytesTrim(b []byte) []byte { return []byte(strings.TrimSpace(string(b))) }

// openFiles counts a process's open file descriptors.
func openFiles(pid int) int {
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(fds)
}

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			n += fi.Size()
		}
		return nil
	})
	return n, err
}

func timeN(n int, f func() error) ([]time.Duration, error) {
	lat := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		if err := f(); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t0))
	}
	return lat, nil
}

// pct is the p-th percentile of lat (100: the slowest); it sorts lat.
func pct(lat []time.Duration, p int) time.Duration {
	slices.Sort(lat)
	return lat[min(len(lat)-1, len(lat)*p/100)].Round(10 * time.Microsecond)
}
