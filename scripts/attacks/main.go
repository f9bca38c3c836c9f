// Command attacks sends the availability attacks of issue 10 to the built
// youthvoice binary, one at a time, each to a fresh server process on a
// fresh data directory, and reports for each the HTTP statuses and time
// of each request, the attack's wall time (from the server being ready to
// the last answer: its setup, such as creating a survey and submitting
// answers, and its waits for the summarizer included), whether the server
// stayed up (GET /healthz afterwards) and the process's peak resident
// memory (the larger of VmRSS sampled every 50 ms and VmHWM from
// /proc/PID/status; a fresh process per attack makes VmHWM the peak of
// that attack alone, start-up included). The server runs with its
// defaults, except --submit-rate 0: every request here comes from one
// address, and the attacks are not about volume.
//
// Attacks a to i and l are the findings of issue 10's review (l: the
// embedded database must be out of reach of other local users; run as
// root, the program tries its sockets as user nobody); j and k are the
// largest surveys that the limits on definitions allow, read in every
// view and exported in every format.
//
//	go run ./scripts/attacks [-bin PATH] [-only a,b] [-timeout 30s] [-max-rss 300] [-kill-rss 1500]
//
// Run it from the repository's root: without -bin it builds
// ./cmd/youthvoice first. It exits non-zero if any attack leaves the
// server down, takes longer than the timeout, gets a 5xx, or makes the
// process peak above -max-rss MB. A process that passes -kill-rss MB is
// killed at once (the machine is shared; a successful bomb would take
// all of its memory), which counts as down.
package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/scripts/binserver"
	"github.com/youthvoice/youthvoice/scripts/internal/program"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

var (
	timeout = flag.Duration("timeout", 30*time.Second, "longest any request of an attack may take")
	maxRSS  = flag.Int64("max-rss", 300, "largest acceptable peak RSS of the server, MB")
	killRSS = flag.Int64("kill-rss", 1500, "kill the server when its RSS passes this, MB (protects the shared machine)")
	// The server's limits, as the server is started (its defaults).
	bodyLimitFlag   = flag.Int("body-limit", 1<<20, "the server's body limit (its --body-limit default), bytes")
	submissionLimit = flag.Int("submission-limit", 64<<10, "the submissions' own body limit (maxSubmissionBytes in api/responses.go), bytes")
)

func main() {
	if len(os.Args) == 4 && os.Args[1] == probeArg {
		probe(os.Args[2], os.Args[3]) // the program as another user: see dialAsOtherUser
	}
	bin := flag.String("bin", "", "the youthvoice binary (default: build ./cmd/youthvoice into a temporary directory)")
	only := flag.String("only", "", "comma-separated attack ids to run (default: all)")
	prof := program.Parse() // the profiles are of this program, the attacker: the server is another process
	program.Main("attacks", func(context.Context) error {
		if err := prof.Start(); err != nil {
			return program.Exit{Code: 2, Err: err}
		}
		defer prof.Stop()
		ok, err := run(*bin, *only)
		if err != nil {
			return program.Exit{Code: 2, Err: err}
		}
		if !ok {
			return program.Exit{Code: 1} // the report says why
		}
		return nil
	})
}

// attack is one attack of the issue. Its function sends requests through
// the run's step method, which records each request's status and time.
type attack struct {
	id, what string
	run      func(r *runner) error
	// input, if set, makes the attack's body before the server starts, so
	// that making it (seconds for 4 GiB of zeros) is not in the wall time.
	input func() ([]byte, error)
}

var attacks = []attack{
	{"a", "double gzip, 4 GiB of zeros inside, to POST /v1/surveys/{id}/responses", func(r *runner) error { return r.bomb(2) },
		func() ([]byte, error) { return gzipZeros(4<<30, 2) }},
	{"b", "double gzip, 1 GiB of zeros inside, to POST /v1/surveys/{id}/responses", func(r *runner) error { return r.bomb(2) },
		func() ([]byte, error) { return gzipZeros(1<<30, 2) }},
	{"c", "single gzip, 100 MB of zeros inside, to POST /v1/surveys/{id}/responses", func(r *runner) error { return r.bomb(1) },
		func() ([]byte, error) { return gzipZeros(100<<20, 1) }},
	{"d", "number question integer, min = max = 1e17; one answer; summaries", (*runner).hugeIntegers, nil},
	{"e", "150 questions x 40 options, first 40 breakdowns: create, then summaries", func(r *runner) error { return r.wideSurvey(150, 40, 40, 12) }, nil},
	{"f", "20 questions x 20 options, all breakdowns, 100 responses: summaries", func(r *runner) error { return r.wideSurvey(20, 20, 20, 100) }, nil},
	{"g", "number bounds 1e308, ten answers of 1e308: live, release, public results, JSON export", (*runner).nonFinite, nil},
	{"h", "100,000 access codes in one call, then calls of 10,000 until refused (12 at most)", (*runner).accessCodes, nil},
	{"i", "JSON at the body limits (64 KiB, 1 MiB): deepest nesting and most members, to submissions and definitions", (*runner).bodyLimit, nil},
	{"j", "the largest breakdown-heavy survey the limits allow, 300 responses: every summary and export", func(r *runner) error { return r.largestValid(true) }, nil},
	{"k", "the most questions and options the limits allow, 300 responses: every summary and export", func(r *runner) error { return r.largestValid(false) }, nil},
	{"l", "the embedded database, from another local user: the process's listeners, each tried as user nobody", (*runner).databaseReach, nil},
	{"m", "workbooks of tens of KB holding millions of XML elements (shared strings, rich text runs, styles, empty cells, a moved sheet) to the XLSForm import and the translator's file", (*runner).hostileWorkbooks, nil},
}

// step is one request of an attack.
type step struct {
	name   string
	status int // 0: no answer (transport error or timeout)
	dur    time.Duration
	err    error
	detail string // for a problem: its type and first field error
}

// outcome is one attack's result.
type outcome struct {
	attack
	steps    []step
	wall     time.Duration
	healthy  bool
	peak     int64 // bytes
	killed   bool  // by the sampler, for passing -kill-rss
	exit     string
	note     string
	problems []string
	err      error // the attack could not be carried out
}

func (o outcome) failures() []string {
	f := append([]string(nil), o.problems...)
	if o.err != nil {
		f = append(f, "attack not carried out: "+o.err.Error())
	}
	for _, s := range o.steps {
		switch {
		case s.status == 0:
			f = append(f, fmt.Sprintf("%s: no answer after %s (%s)", s.name, s.dur.Round(time.Millisecond), short(s.err)))
		case s.status >= 500:
			f = append(f, fmt.Sprintf("%s: %d", s.name, s.status))
		case s.dur > *timeout:
			f = append(f, fmt.Sprintf("%s: took %s", s.name, s.dur.Round(time.Millisecond)))
		}
	}
	if o.killed {
		f = append(f, fmt.Sprintf("killed for passing %d MB", *killRSS))
	} else if !o.healthy {
		f = append(f, "server down afterwards ("+o.exit+")")
	}
	if o.peak > *maxRSS*1e6 {
		f = append(f, fmt.Sprintf("peak RSS %s above %d MB", binserver.MB(o.peak), *maxRSS))
	}
	return f
}

// runner carries out one attack against one fresh server.
type runner struct {
	s        *binserver.Server
	steps    []step
	rng      *rand.Rand
	input    []byte   // made by the attack's input function
	note     string   // what the attack achieved, beyond statuses
	problems []string // failures found other than by a request's status
}

// do sends one request of the attack and records it.
func (r *runner) do(name, method, path string, req binserver.Request) (int, []byte) {
	if !r.s.Running() {
		return 0, nil // the attack took the server down already: its first casualty is recorded
	}
	if req.Timeout == 0 {
		req.Timeout = *timeout + 5*time.Second // a little more, so that "too slow" and "no answer" differ
	}
	st, body, dur, err := r.s.Do(method, path, req)
	if err != nil {
		st = 0
	}
	r.steps = append(r.steps, step{name: name, status: st, dur: dur, err: err, detail: problemOf(st, body)})
	return st, body
}

// short names a transport error without its URL.
func short(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case err == nil:
		return "no error"
	case errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err):
		return "timeout"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	}
	return err.Error()
}

// problemOf sums up an RFC 9457 answer, to show that a refusal is the
// one intended: its type, and its first field error's pointer and code.
func problemOf(status int, body []byte) string {
	if status < 400 {
		return ""
	}
	var p struct {
		Type   string `json:"type"`
		Errors []struct {
			Pointer string `json:"pointer"`
			Code    string `json:"code"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &p) != nil {
		return ""
	}
	d := strings.TrimPrefix(p.Type, "urn:youthvoice:problem:")
	if len(p.Errors) > 0 {
		d += fmt.Sprintf(" %s %s", p.Errors[0].Pointer, p.Errors[0].Code)
		if len(p.Errors) > 1 {
			d += fmt.Sprintf(" (+%d)", len(p.Errors)-1)
		}
	}
	return d
}

func run(bin, only string) (bool, error) {
	if bin == "" {
		dir, err := os.MkdirTemp("", "youthvoice-attacks")
		if err != nil {
			return false, err
		}
		defer os.RemoveAll(dir)
		if bin, err = binserver.Build(dir); err != nil {
			return false, err
		}
	}
	fmt.Printf("attacks: %s, timeout %s, max RSS %d MB, kill at %d MB, %s\n\n", bin, *timeout, *maxRSS, *killRSS, time.Now().UTC().Format(time.DateOnly))
	var outs []outcome
	for _, a := range attacks {
		if only != "" && !strings.Contains(","+only+",", ","+a.id+",") {
			continue
		}
		o, err := carryOut(bin, a)
		if err != nil {
			return false, fmt.Errorf("attack %s: %w", a.id, err)
		}
		outs = append(outs, o)
		report(o)
	}
	fmt.Println()
	fmt.Println("| attack | statuses | slowest request | wall time | up afterwards | peak RSS | verdict |")
	fmt.Println("|-|-|-|-|-|-|-|")
	all := true
	for _, o := range outs {
		var sts []string // runs of one status: "201 ×20"
		var slowest time.Duration
		for i, s := range o.steps {
			slowest = max(slowest, s.dur)
			if i > 0 && o.steps[i-1].status == s.status {
				continue
			}
			n := 1
			for n < len(o.steps)-i && o.steps[i+n].status == s.status {
				n++
			}
			if n > 1 {
				sts = append(sts, fmt.Sprintf("%d ×%d", s.status, n))
			} else {
				sts = append(sts, fmt.Sprint(s.status))
			}
		}
		verdict := "pass"
		if f := o.failures(); len(f) > 0 {
			verdict, all = "FAIL: "+strings.Join(f, "; "), false
		}
		if o.note != "" {
			verdict += " (" + o.note + ")"
		}
		up := "yes"
		if !o.healthy {
			up = "no"
		}
		fmt.Printf("| %s: %s | %s | %s | %s | %s | %s | %s |\n", o.id, o.what, strings.Join(sts, " "), slowest.Round(time.Millisecond),
			o.wall.Round(time.Millisecond), up, binserver.MB(o.peak), verdict)
	}
	if all {
		fmt.Println("\nverdict: every attack ended in time, without a 5xx, with the server up and under", *maxRSS, "MB")
	} else {
		fmt.Println("\nverdict: FAIL")
	}
	return all, nil
}

// carryOut starts a fresh server, runs one attack and measures it.
func carryOut(bin string, a attack) (outcome, error) {
	var input []byte
	if a.input != nil {
		var err error
		if input, err = a.input(); err != nil {
			return outcome{}, err
		}
	}
	// Without the per-client submission rate limit: every request here
	// comes from one address, and the attacks are not about volume.
	s, err := binserver.Start(bin, binserver.Options{Args: []string{"--submit-rate", "0"}})
	if err != nil {
		return outcome{}, err
	}
	defer s.Stop()
	sm := s.Sample(50*time.Millisecond, *killRSS*1e6)
	r := &runner{s: s, rng: rand.New(rand.NewPCG(10, 10)), input: input}
	start := time.Now()
	o := outcome{attack: a}
	o.err = a.run(r)
	o.wall = time.Since(start)
	o.steps, o.note, o.problems = r.steps, r.note, r.problems
	o.healthy = s.Healthy()
	sm.Close()
	o.peak, o.killed = sm.Peak()
	if _, hwm, err := s.Memory(); err == nil {
		o.peak = max(o.peak, hwm)
	}
	o.exit = s.ExitStatus()
	return o, nil
}

func report(o outcome) {
	fmt.Printf("%s: %s\n", o.id, o.what)
	for _, s := range o.steps {
		extra := ""
		if s.detail != "" {
			extra = "  " + s.detail
		}
		if s.err != nil {
			extra = "  " + short(s.err)
		}
		fmt.Printf("    %-58s %3d %10s%s\n", s.name, s.status, s.dur.Round(time.Millisecond), extra)
	}
	if o.note != "" {
		fmt.Printf("    %s\n", o.note)
	}
	fmt.Printf("    wall %s, up afterwards %v, peak RSS %s", o.wall.Round(time.Millisecond), o.healthy, binserver.MB(o.peak))
	if o.killed {
		fmt.Printf(" (killed at the %d MB cap)", *killRSS)
	}
	if f := o.failures(); len(f) > 0 {
		fmt.Printf("\n    FAIL: %s\n", strings.Join(f, "; "))
	} else {
		fmt.Printf("\n    pass\n")
	}
}

// The definitions the attacks need, built small: one language, one
// section.

func en(s string) map[string]string { return map[string]string{"en": s} }

func definition(questions []map[string]any, extra map[string]any) map[string]any {
	d := map[string]any{
		"default_language": "en",
		"languages":        []string{"en"},
		"title":            en("Attack"),
		"thank_you":        en("Thank you"),
		"sections":         []map[string]any{{"id": "s", "questions": questions}},
	}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

func choiceQuestion(id string, options int, breakdown bool) map[string]any {
	opts := make([]map[string]any, options)
	for i := range opts {
		opts[i] = map[string]any{"code": fmt.Sprintf("o%d", i+1), "label": en(fmt.Sprintf("Option %d", i+1))}
	}
	q := map[string]any{"id": id, "type": "single_choice", "text": en("Which one, question " + id + "?"), "options": opts}
	if breakdown {
		q["breakdown"] = true
	}
	return q
}

func numberQuestion(id string, min, max float64, integer bool) map[string]any {
	return map[string]any{"id": id, "type": "number", "text": en("How many?"), "min": min, "max": max, "integer": integer}
}

// setup creates and publishes a survey outside the measured requests; a
// refusal is returned as its status (the attack may be the definition).
func (r *runner) setup(def any) (string, error) {
	id, st, problem, err := r.s.CreateSurvey(def)
	if err != nil {
		return "", err
	}
	if st != 201 {
		return "", fmt.Errorf("create survey: %d %s", st, problem)
	}
	return id, r.s.Publish(id)
}

// example is the repository's example survey, published.
func (r *runner) example() (string, error) {
	def, err := examples.Survey("youth-policy-consultation.json")
	if err != nil {
		return "", fmt.Errorf("run from the repository's root: %w", err)
	}
	return r.setup(def)
}

// submit sends one submission (answers by question id) and records it.
func (r *runner) submit(name, id string, answers map[string]any) int {
	b, _ := json.Marshal(map[string]any{"submission_id": simulate.UUID(r.rng), "revision": 1, "lang": "en", "answers": answers})
	st, _ := r.do(name, "POST", "/v1/surveys/"+id+"/responses", binserver.Request{Body: b})
	return st
}

// settle gives the summarizer time to tally what was just submitted (it
// applies batches within about a second).
func settle() { time.Sleep(2 * time.Second) }

// summaries reads every view of a survey's results that the attack's
// findings name: the release, the audited live view and, for surveys that
// have them, a breakdown and the public results.
func (r *runner) summaries(id, by string, public bool) {
	base := "/v1/org/surveys/" + id + "/summary"
	tok := binserver.Request{Token: r.s.Token}
	r.do("GET summary (release)", "GET", base, tok)
	r.do("GET summary?view=live", "GET", base+"?view=live", tok)
	// Every interval recomputed at another level (a mean's t quantile each).
	r.do("GET summary?level=99", "GET", base+"?level=99", tok)
	if by != "" {
		r.do("GET summary?by="+by, "GET", base+"?by="+by, tok)
		r.do("GET summary?view=live&by="+by, "GET", base+"?view=live&by="+by, tok)
	}
	if public {
		r.do("GET /v1/surveys/{id}/results", "GET", "/v1/surveys/"+id+"/results", binserver.Request{})
	}
	r.do("GET export?format=json", "GET", "/v1/org/surveys/"+id+"/export?kind=summary&format=json", tok)
}

// bomb sends the attack's input, zeros compressed `layers` times,
// declared as such in Content-Encoding, to the submissions of the example
// survey.
func (r *runner) bomb(layers int) error {
	id, err := r.example()
	if err != nil {
		return err
	}
	body := r.input
	enc := strings.TrimSuffix(strings.Repeat("gzip, ", layers), ", ")
	r.do(fmt.Sprintf("POST responses, %d bytes, Content-Encoding: %s", len(body), enc), "POST", "/v1/surveys/"+id+"/responses",
		binserver.Request{Body: body, Header: map[string]string{"Content-Encoding": enc}})
	return nil
}

// gzipZeros compresses n zeros, streaming, then compresses the result
// again for each further layer. The inner layer uses a fast level (on
// zeros it compresses about as well as the best and is ten times
// faster), the outer ones the best.
func gzipZeros(n int64, layers int) ([]byte, error) {
	var out bytes.Buffer
	var ws []*gzip.Writer
	var w interface{ Write([]byte) (int, error) } = &out
	for i := range layers {
		level := gzip.BestCompression
		if i == layers-1 && layers > 1 {
			level = 4
		}
		g, err := gzip.NewWriterLevel(w, level)
		if err != nil {
			return nil, err
		}
		ws = append(ws, g)
		w = g
	}
	zero := make([]byte, 1<<20)
	for left := n; left > 0; left -= int64(len(zero)) {
		if _, err := w.Write(zero[:min(left, int64(len(zero)))]); err != nil {
			return nil, err
		}
	}
	for i := len(ws) - 1; i >= 0; i-- {
		if err := ws[i].Close(); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), nil
}

// hugeIntegers: binning a number question whose bounds are above 2^53
// counted v++ for ever.
func (r *runner) hugeIntegers() error {
	def := definition([]map[string]any{numberQuestion("n", 1e17, 1e17, true)}, nil)
	b, _ := json.Marshal(def)
	id, err := r.create("POST /v1/org/surveys (min = max = 1e17)", b)
	if id == "" || err != nil {
		return err // a refusal ends the attack
	}
	r.submit("POST responses (n = 1e17)", id, map[string]any{"n": 1e17})
	settle()
	r.summaries(id, "", false)
	return nil
}

// create sends a definition as a step of the attack and, when the server
// takes it, publishes the survey; id is "" when the server refused it.
func (r *runner) create(name string, def []byte) (string, error) {
	st, body := r.do(name, "POST", "/v1/org/surveys", binserver.Request{Token: r.s.Token, Body: def})
	if st != 201 {
		return "", nil
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &created); err != nil || created.ID == "" {
		return "", fmt.Errorf("a 201 without an id: %s", body)
	}
	return created.ID, r.s.Publish(created.ID)
}

// wideSurvey: a definition asking for many breakdowns of many options,
// which made one summary read cost gigabytes.
func (r *runner) wideSurvey(questions, options, breakdowns, responses int) error {
	qs := make([]map[string]any, questions)
	for i := range qs {
		qs[i] = choiceQuestion(fmt.Sprintf("q%d", i+1), options, i < breakdowns)
	}
	b, _ := json.Marshal(definition(qs, nil))
	id, err := r.create(fmt.Sprintf("POST /v1/org/surveys (%d KB)", len(b)>>10), b)
	if id == "" || err != nil {
		return err
	}
	parsed, err := surveystest.Load(b)
	if err != nil {
		return err
	}
	for range responses {
		// Not recorded one by one: the summaries are the attack.
		body, _ := json.Marshal(map[string]any{"submission_id": simulate.UUID(r.rng), "revision": 1, "lang": "en", "answers": simulate.Answers(parsed, r.rng)})
		if st, b, _, err := r.s.Do("POST", "/v1/surveys/"+id+"/responses", binserver.Request{Body: body}); err != nil || st != 201 {
			return fmt.Errorf("submission: %d %s %v", st, b, err)
		}
	}
	settle()
	r.summaries(id, "q1", false)
	return nil
}

// nonFinite: bounds up to 1e308 and two answers of 1e308 made sums and
// means +Inf, which encoding/json refuses (500). Ten answers of 1e308 and
// ten of 1 make both bins big enough (k = 10) for the release, the public
// results and the exports to show the statistics too; two would do for
// the live view alone.
func (r *runner) nonFinite() error {
	def := definition([]map[string]any{numberQuestion("n", 0, 1e308, false)}, map[string]any{"public_results": true})
	b, _ := json.Marshal(def)
	id, err := r.create("POST /v1/org/surveys (max 1e308)", b)
	if id == "" || err != nil {
		return err
	}
	for i := range 20 {
		v := 1.0
		if i < 10 {
			v = 1e308
		}
		if st := r.submit(fmt.Sprintf("POST responses (n = %g)", v), id, map[string]any{"n": v}); st != 201 {
			return fmt.Errorf("submission of %g: %d", v, st)
		}
	}
	r.waitRelease(id, 20)
	r.summaries(id, "", true)
	return nil
}

// waitRelease waits (up to 10 s) until the release of a survey counts n
// responses, or reading it fails: the summarizer cuts releases in the
// background.
func (r *runner) waitRelease(id string, n int) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		st, b, _, err := r.s.Do("GET", "/v1/org/surveys/"+id+"/summary", binserver.Request{Token: r.s.Token})
		if err != nil || st != 200 {
			return
		}
		var sum struct {
			Results struct {
				N *struct {
					N int `json:"n"`
				} `json:"n"`
			} `json:"results"`
		}
		if json.Unmarshal(b, &sum) == nil && sum.Results.N != nil && sum.Results.N.N >= n {
			return
		}
	}
}

// accessCodes: codes had no cap per survey.
func (r *runner) accessCodes() error {
	id, err := r.setup(definition([]map[string]any{choiceQuestion("q1", 2, false)}, map[string]any{"access_codes": true}))
	if err != nil {
		return err
	}
	path := "/v1/org/surveys/" + id + "/access-codes"
	made := 0
	if st, _ := r.do("POST access-codes {count: 100000}", "POST", path, binserver.Request{Token: r.s.Token, Body: []byte(`{"count":100000}`)}); st == 201 {
		made += 100000
	}
	refused := false
	for i := range 12 {
		st, _ := r.do(fmt.Sprintf("POST access-codes {count: 10000} #%d", i+1), "POST", path, binserver.Request{Token: r.s.Token, Body: []byte(`{"count":10000}`)})
		if st != 201 {
			refused = true // the cap per survey holds
			break
		}
		made += 10000
	}
	r.note = fmt.Sprintf("%d codes made for one survey", made)
	if !refused {
		r.note += ", no cap met"
	}
	return nil
}

// bodyLimit sends JSON bodies that are as hard to decode as JSON gets
// (nesting as deep as the bytes allow, as many members as they allow), of
// exactly the body limits: the server's (1 MiB by default) to the
// definitions, and the submissions' own (64 KiB, maxSubmissionBytes in
// api/responses.go) as well as the server's to the anonymous submissions.
func (r *runner) bodyLimit() error {
	id, err := r.example()
	if err != nil {
		return err
	}
	// nested fills limit bytes with prefix, open*n, close*n, suffix.
	nested := func(limit int, prefix, open, close, suffix string) []byte {
		n := (limit - len(prefix) - len(suffix)) / (len(open) + len(close))
		return []byte(prefix + strings.Repeat(open, n) + strings.Repeat(close, n) + suffix)
	}
	// wide fills limit bytes with prefix, then members from member(i)
	// separated by commas, then suffix.
	wide := func(limit int, prefix, suffix string, member func(i int) string) []byte {
		var b bytes.Buffer
		b.WriteString(prefix)
		for i := 0; ; i++ {
			m := member(i)
			if i > 0 {
				m = "," + m
			}
			if b.Len()+len(m)+len(suffix) > limit {
				break
			}
			b.WriteString(m)
		}
		b.WriteString(suffix)
		return b.Bytes()
	}
	size := func(b []byte) string { return fmt.Sprintf("%d bytes", len(b)) }
	responses := "/v1/surveys/" + id + "/responses"
	for _, limit := range []int{*submissionLimit, *bodyLimitFlag} {
		sub := `{"submission_id":"` + simulate.UUID(r.rng) + `","revision":1,"lang":"en","answers":{"age_band":`
		b := nested(limit, sub, "[", "]", "}}")
		r.do("POST responses, an answer nested [[[...]]], "+size(b), "POST", responses, binserver.Request{Body: b})
		b = nested(limit, sub, `{"a":`, "}", "}}")
		r.do(`POST responses, an answer nested {"a":{"a":...}}, `+size(b), "POST", responses, binserver.Request{Body: b})
		b = wide(limit, `{"submission_id":"`+simulate.UUID(r.rng)+`","revision":1,"lang":"en","answers":{`, "}}",
			func(i int) string { return fmt.Sprintf(`"k%d":[1]`, i) })
		r.do("POST responses, answers with every key that fits, "+size(b), "POST", responses, binserver.Request{Body: b})
	}
	b := nested(*bodyLimitFlag, `{"sections":`, "[", "]", "}")
	r.do("POST /v1/org/surveys, nested [[[...]]], "+size(b), "POST", "/v1/org/surveys", binserver.Request{Token: r.s.Token, Body: b})
	b = nested(*bodyLimitFlag, `{"title":`, `{"a":`, "}", "}")
	r.do(`POST /v1/org/surveys, nested {"a":{"a":...}}, `+size(b), "POST", "/v1/org/surveys", binserver.Request{Token: r.s.Token, Body: b})
	b = wide(*bodyLimitFlag, `{"default_language":"en","languages":["en"],"title":{"en":"t"},"sections":[{"id":"s","questions":[`, "]}]}",
		func(i int) string { return fmt.Sprintf(`{"id":"q%d","type":"text","text":{"en":"?"}}`, i) })
	r.do("POST /v1/org/surveys, every question that fits, "+size(b), "POST", "/v1/org/surveys", binserver.Request{Token: r.s.Token, Body: b})
	return nil
}

// largestValid: what the limits on definitions still allow, at its
// largest. With breakdowns: as many breakdown questions as allowed, each
// with as many options as allowed, then single-choice questions of the
// most options until the summary's cells reach their limit
// (surveys.SummaryCells). Without: as many questions of as many options as
// allowed. Submitted to, released, then read in every view and every
// export.
func (r *runner) largestValid(withBreakdowns bool) error {
	var qs []map[string]any
	var breakdowns []string
	for i := range surveys.MaxBreakdowns {
		if !withBreakdowns {
			break
		}
		id := fmt.Sprintf("b%d", i+1)
		qs = append(qs, choiceQuestion(id, surveys.MaxBreakdownOptions, true))
		breakdowns = append(breakdowns, id)
	}
	// cells is what the server counts: surveys.SummaryCells of the
	// definition as it would be sent.
	cells := func(qs []map[string]any) int {
		b, _ := json.Marshal(definition(qs, nil))
		d, err := surveystest.Load(b)
		if err != nil {
			return surveys.MaxSummaryCells + 1
		}
		return d.SummaryCells()
	}
	for i := 0; len(qs) < surveys.MaxQuestions; i++ {
		options := surveys.MaxOptions
		for options >= 2 && cells(append(qs, choiceQuestion("x", options, false))) > surveys.MaxSummaryCells {
			options--
		}
		if options < 2 {
			break
		}
		qs = append(qs, choiceQuestion(fmt.Sprintf("q%d", i+1), options, false))
	}
	b, _ := json.Marshal(definition(qs, map[string]any{"public_results": true}))
	parsed, err := surveystest.Load(b)
	if err != nil {
		return err
	}
	id, err := r.create(fmt.Sprintf("POST /v1/org/surveys (%d questions, %d summary cells)", len(qs), parsed.SummaryCells()), b)
	if id == "" || err != nil {
		return err
	}
	const responses = 300
	for range responses {
		body, _ := json.Marshal(map[string]any{"submission_id": simulate.UUID(r.rng), "revision": 1, "lang": "en", "answers": simulate.Answers(parsed, r.rng)})
		if st, b, _, err := r.s.Do("POST", "/v1/surveys/"+id+"/responses", binserver.Request{Body: body}); err != nil || st != 201 {
			return fmt.Errorf("submission: %d %s %v", st, b, err)
		}
	}
	r.waitRelease(id, responses-2*10) // the release may trail by up to 2k
	tok := binserver.Request{Token: r.s.Token, Timeout: *timeout + 5*time.Second}
	base := "/v1/org/surveys/" + id
	r.do("GET summary (release)", "GET", base+"/summary", tok)
	r.do("GET summary?view=live", "GET", base+"/summary?view=live", tok)
	r.do("GET summary?level=99", "GET", base+"/summary?level=99", tok)
	for _, by := range breakdowns {
		r.do("GET summary?by="+by, "GET", base+"/summary?by="+by, tok)
		r.do("GET summary?view=live&by="+by, "GET", base+"/summary?view=live&by="+by, tok)
	}
	r.do("GET /v1/surveys/{id}/results", "GET", "/v1/surveys/"+id+"/results", binserver.Request{})
	for _, f := range []string{"json", "csv", "xlsx", "pdf"} {
		r.do("GET export?format="+f, "GET", base+"/export?kind=summary&format="+f, tok)
	}
	r.do("GET export?kind=responses&format=csv", "GET", base+"/export?kind=responses&format=csv", tok)
	return nil
}

// databaseReach: the embedded FerretDB listened on a loopback TCP port
// without authentication, so any local user could read the hash key and
// add an owner token. The process may listen on TCP only at its public
// address; every unix socket it listens on must refuse another user. The
// check reads the process's listeners from /proc and, when this program
// runs as root, dials each unix socket as user nobody (uid 65534).
func (r *runner) databaseReach() error {
	l, err := r.s.Listeners()
	if err != nil {
		return err
	}
	var seen []string
	for _, a := range l.TCP {
		if a == r.s.Addr {
			seen = append(seen, "TCP "+a+" (the API)")
			continue
		}
		how := ""
		if reached, _, err := dialAsOtherUser("tcp", a); err == nil && reached {
			how = ", which user nobody reached"
		}
		seen = append(seen, "TCP "+a+how)
		r.problems = append(r.problems, "a TCP listener besides the API: "+a+how)
	}
	for _, p := range l.Unix {
		if strings.HasPrefix(p, "@") || p == "(unnamed)" {
			seen = append(seen, "unix "+p)
			r.problems = append(r.problems, "an abstract unix socket, which file permissions do not protect: "+p)
			continue
		}
		dir := "?"
		if fi, err := os.Stat(filepath.Dir(p)); err == nil {
			dir = fmt.Sprintf("%#o", fi.Mode().Perm())
		}
		reached, detail, err := dialAsOtherUser("unix", p)
		switch {
		case err != nil:
			seen = append(seen, fmt.Sprintf("unix %s (directory %s; not tried as another user: %v)", p, dir, err))
		case reached:
			seen = append(seen, fmt.Sprintf("unix %s (directory %s): user nobody connected", p, dir))
			r.problems = append(r.problems, "user nobody reached the unix socket "+p)
		default:
			seen = append(seen, fmt.Sprintf("unix %s (directory %s): user nobody refused (%s)", p, dir, detail))
		}
	}
	if len(l.Unix) == 0 && len(l.TCP) <= 1 {
		seen = append(seen, "no database listener (an external MongoDB?)")
	}
	r.note = "listeners: " + strings.Join(seen, "; ")
	return nil
}

// probeArg makes the program a probe: `attacks probeArg NETWORK ADDRESS`
// dials the address and exits 0 if it connected, 3 if not.
const probeArg = "-probe-dial"

func probe(network, addr string) {
	c, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			err = op.Err
		}
		fmt.Print(err)
		os.Exit(3)
	}
	c.Close()
	os.Exit(0)
}

// dialAsOtherUser runs this program, copied where anyone may run it, as
// user nobody (uid and gid 65534) to dial an address, which only root can
// do; it reports whether the dial connected and, if not, why.
func dialAsOtherUser(network, addr string) (bool, string, error) {
	if os.Geteuid() != 0 {
		return false, "", errors.New("this program is not root, so it cannot act as another user")
	}
	self, err := os.Executable()
	if err != nil {
		return false, "", err
	}
	dir, err := os.MkdirTemp("", "youthvoice-probe")
	if err != nil {
		return false, "", err
	}
	defer os.RemoveAll(dir)
	b, err := os.ReadFile(self)
	if err != nil {
		return false, "", err
	}
	exe := filepath.Join(dir, "probe")
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		return false, "", err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return false, "", err
	}
	cmd := exec.Command(exe, probeArg, network, addr)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true, "", nil
	case errors.As(err, &exit) && exit.ExitCode() == 3:
		return false, strings.TrimSpace(string(out)), nil
	}
	return false, "", fmt.Errorf("probe as nobody: %v %s", err, out)
}

// hostileWorkbooks sends workbooks whose XML holds millions of elements in
// a small zip file: excelize decodes the shared strings, the styles and
// the workbook whole, and streams the worksheets element by element, so
// before xlsform.CheckParts each of these took hundreds of megabytes or
// seconds (16 MiB of <xf/>: 1 GB and 20 s). Each is refused, to the
// import (413 workbook_too_large, or 422 xlsform_too_many_rows for the
// sheet stored outside xl/worksheets/) and to the translator's file (413
// translation_file_too_large).
func (r *runner) hostileWorkbooks() error {
	id, err := r.example()
	if err != nil {
		return err
	}
	const xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	for _, w := range hostileWorkbookSet() {
		b, err := w.build()
		if err != nil {
			return err
		}
		size := fmt.Sprintf(" (%d KB)", len(b)>>10)
		r.do("POST import?dry_run=true, "+w.name+size, "POST", "/v1/org/surveys/import?dry_run=true",
			binserver.Request{Token: r.s.Token, ContentType: xlsx, Body: b})
		if w.translations {
			r.do("PUT translations/fi?dry_run=true, "+w.name+size, "PUT", "/v1/org/surveys/"+id+"/translations/fi?dry_run=true",
				binserver.Request{Token: r.s.Token, ContentType: xlsx, Body: b})
		}
	}
	return nil
}

// hostileWorkbook is a minimal workbook of one survey sheet with one part
// replaced by n copies of an element.
type hostileWorkbook struct {
	name             string
	part, head, item string
	tail             string
	n                int
	sheetPath        string // where the survey sheet is stored (default xl/worksheets/sheet1.xml)
	translations     bool   // sent to the translator's file too
}

func hostileWorkbookSet() []hostileWorkbook {
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	sheet := `<?xml version="1.0" encoding="UTF-8"?><worksheet ` + ns + `><sheetData>` + hostileHeader
	return []hostileWorkbook{
		{name: "3,300,000 shared strings", part: "xl/sharedStrings.xml", head: `<?xml version="1.0" encoding="UTF-8"?><sst ` + ns + `><si><t>type</t></si>`,
			item: "<si/>", n: 3300000, tail: "</sst>", translations: true},
		{name: "1,900,000 rich text runs in one shared string", part: "xl/sharedStrings.xml", head: `<?xml version="1.0" encoding="UTF-8"?><sst ` + ns + `><si><t>type</t></si><si>`,
			item: "<r/>", n: 1900000, tail: "</si></sst>", translations: true},
		{name: "3,300,000 cell formats", part: "xl/styles.xml", head: `<?xml version="1.0" encoding="UTF-8"?><styleSheet ` + ns + `><cellXfs>`,
			item: "<xf/>", n: 3300000, tail: "</cellXfs></styleSheet>", translations: true},
		{name: "4,000,000 empty cells", part: "xl/worksheets/sheet1.xml", head: sheet + `<row r="3">`,
			item: "<c/>", n: 4000000, tail: "</row></sheetData></worksheet>", translations: true},
		{name: "a million rows in a sheet stored as xl/ws/s.xml", part: "xl/ws/s.xml", sheetPath: "xl/ws/s.xml", head: sheet,
			item: "<row/>", n: 1000000, tail: "</sheetData></worksheet>"},
	}
}

// hostileHeader is the survey sheet's header row and one question.
const hostileHeader = `<row r="1"><c r="A1" t="inlineStr"><is><t>type</t></is></c><c r="B1" t="inlineStr"><is><t>name</t></is></c>` +
	`<c r="C1" t="inlineStr"><is><t>label</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>text</t></is></c>` +
	`<c r="B2" t="inlineStr"><is><t>q</t></is></c><c r="C2" t="inlineStr"><is><t>Q?</t></is></c></row>`

func (w hostileWorkbook) build() ([]byte, error) {
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	sheetPath := w.sheetPath
	if sheetPath == "" {
		sheetPath = "xl/worksheets/sheet1.xml"
	}
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/` + sheetPath + `" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + rel + `officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8"?><workbook ` + ns + ` xmlns:r="` + strings.TrimSuffix(rel, "/") + `"><sheets><sheet name="survey" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + rel + `worksheet" Target="/` + sheetPath + `"/>` +
			`<Relationship Id="rId2" Type="` + rel + `styles" Target="styles.xml"/><Relationship Id="rId3" Type="` + rel + `sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
		sheetPath:              `<?xml version="1.0" encoding="UTF-8"?><worksheet ` + ns + `><sheetData>` + hostileHeader + `</sheetData></worksheet>`,
		"xl/styles.xml":        `<?xml version="1.0" encoding="UTF-8"?><styleSheet ` + ns + `><cellXfs count="1"><xf/></cellXfs></styleSheet>`,
		"xl/sharedStrings.xml": `<?xml version="1.0" encoding="UTF-8"?><sst ` + ns + `><si><t>type</t></si></sst>`,
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range parts {
		f, err := zw.Create(name)
		if err != nil {
			return nil, err
		}
		if name != w.part {
			if _, err := io.WriteString(f, content); err != nil {
				return nil, err
			}
			continue
		}
		chunk := strings.Repeat(w.item, 1000)
		_, _ = io.WriteString(f, w.head)
		for i := 0; i < w.n/1000; i++ {
			if _, err := io.WriteString(f, chunk); err != nil {
				return nil, err
			}
		}
		if _, err := io.WriteString(f, strings.Repeat(w.item, w.n%1000)+w.tail); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
