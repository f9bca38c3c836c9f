package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// syncBuffer collects a process's output safely.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listenLine = regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)

// waitAddr waits for the "listening" log line and returns the address.
func waitAddr(t *testing.T, logs *syncBuffer, done <-chan error) string {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		if m := listenLine.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("server stopped: %v\n%s", err, logs.String())
		case <-deadline:
			t.Fatalf("server did not start:\n%s", logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// startServe runs `youthvoice serve` in-process until the returned stop
// function is called (as SIGTERM would).
func startServe(t *testing.T, vars map[string]string) (addr string, logs *syncBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, env(vars), io.Discard, logs) }()
	addr = waitAddr(t, logs, done)
	return addr, logs, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop")
			return nil
		}
	}
}

func get(t *testing.T, url string, headers ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// storeVars are the settings of a fresh store for one test: a temporary
// data directory, or, when MONGODB_URI is set, a uniquely named database on
// that server, dropped when the test ends (storetest.Options).
func storeVars(t *testing.T) map[string]string {
	t.Helper()
	opts := storetest.Options(t)
	if opts.MongoURI == "" {
		return map[string]string{"YOUTHVOICE_DATA_DIR": opts.DataDir}
	}
	t.Cleanup(func() { // registered first, so it runs after the servers stopped
		ctx := context.Background()
		st, err := store.Open(ctx, opts)
		if err != nil {
			t.Errorf("drop the test database: %v", err)
			return
		}
		defer st.Close(ctx)
		if err := st.Drop(ctx); err != nil {
			t.Errorf("drop the test database: %v", err)
		}
	})
	return map[string]string{"MONGODB_URI": opts.MongoURI, "YOUTHVOICE_DATABASE": opts.Database}
}

// storeFlags are the program's flags for the store of vars (storeVars);
// MONGODB_URI is passed in the environment, which a child process
// inherits, rather than on a command line anyone may read.
func storeFlags(vars map[string]string) []string {
	if db := vars["YOUTHVOICE_DATABASE"]; db != "" {
		return []string{"--database", db}
	}
	return []string{"--data-dir", vars["YOUTHVOICE_DATA_DIR"]}
}

func with(vars map[string]string, kv ...string) map[string]string {
	out := maps.Clone(vars)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func TestServeBootstrapsAndKeepsDataAcrossRestarts(t *testing.T) {
	t.Parallel()
	vars := with(storeVars(t), "YOUTHVOICE_BOOTSTRAP_TOKEN", "T-bootstrap-token")
	dir := vars["YOUTHVOICE_DATA_DIR"]
	addr, logs, stop := startServe(t, vars)
	if st, _ := get(t, "http://"+addr+"/readyz"); st != 200 {
		t.Fatalf("readyz: %d", st)
	}
	where := `"msg":"store ready","store":"embedded FerretDB (SQLite) in ` + dir
	if dir == "" {
		where = `"msg":"store ready","store":"MongoDB `
	}
	if !strings.Contains(logs.String(), where) {
		t.Errorf("no store line:\n%s", logs.String())
	}
	body := surveystest.SmallSurvey
	req, _ := http.NewRequest("POST", "http://"+addr+"/v1/org/surveys", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer T-bootstrap-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create with the bootstrap token: %v %v", err, resp.Status)
	}
	var created struct{ ID string }
	_ = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v", err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite")); dir != "" && len(files) == 0 {
		t.Fatalf("no SQLite files in %s", dir)
	}

	// After a restart the data is there, and the bootstrap does not run twice.
	addr, logs, stop = startServe(t, vars)
	if st, b := get(t, "http://"+addr+"/v1/org/surveys/"+created.ID, "Authorization", "Bearer T-bootstrap-token"); st != 200 {
		t.Fatalf("survey after restart: %d %s", st, b)
	}
	if strings.Contains(logs.String(), "created organisation") {
		t.Error("bootstrapped twice")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestOrgAndTokenCommands(t *testing.T) {
	t.Parallel()
	vars := storeVars(t)
	var out bytes.Buffer
	if err := run(t.Context(), []string{"org", "create", "--name", "Rädda Barnen Test", "--create-store"}, env(vars), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	orgID := regexp.MustCompile(`organisation: (\S+)`).FindStringSubmatch(out.String())[1]
	owner := regexp.MustCompile(`owner token:\s+(\S+)`).FindStringSubmatch(out.String())[1]
	out.Reset()
	if err := run(t.Context(), []string{"token", "create", "--org", orgID, "--role", "analyst"}, env(vars), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	tokenID := regexp.MustCompile(`token id: (\S+)`).FindStringSubmatch(out.String())[1]
	analyst := regexp.MustCompile(`token:\s+(yv_\S+)`).FindStringSubmatch(out.String())[1]

	addr, _, stop := startServe(t, vars)
	for _, tok := range []string{owner, analyst} {
		if st, b := get(t, "http://"+addr+"/v1/org/surveys", "Authorization", "Bearer "+tok); st != 200 {
			t.Fatalf("token from the CLI: %d %s", st, b)
		}
	}
	// Revoking through the CLI while the server runs takes effect at once
	// (on the embedded store the server runs the command).
	if err := run(t.Context(), []string{"token", "revoke", "--id", tokenID}, env(vars), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if st, _ := get(t, "http://"+addr+"/v1/org/surveys", "Authorization", "Bearer "+analyst); st != 401 {
		t.Fatalf("revoked token: %d", st)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := run(t.Context(), []string{"token", "create", "--org", orgID, "--role", "king"}, env(vars), io.Discard, io.Discard); exitCode(err) != 2 {
		t.Fatalf("bad role: %v", err)
	}
}

func TestServeHelpListsEverySetting(t *testing.T) {
	var stderr bytes.Buffer
	if err := run(t.Context(), []string{"serve", "--help"}, env(nil), io.Discard, &stderr); err != nil {
		t.Fatal(err)
	}
	c := defaultConfig()
	for _, s := range c.settings() {
		if !strings.Contains(stderr.String(), "--"+s.flag) || !strings.Contains(stderr.String(), s.env) {
			t.Errorf("help lacks %s / %s", s.flag, s.env)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.settings() {
		if !strings.Contains(string(readme), "`--"+s.flag+"`") || !strings.Contains(string(readme), "`"+s.env+"`") {
			t.Errorf("README's configuration table lacks %s / %s", s.flag, s.env)
		}
	}
}

func TestConfigPrecedence(t *testing.T) {
	c, _, err := parseConfig("serve", []string{"--addr", "127.0.0.1:9"}, env(map[string]string{"YOUTHVOICE_ADDR": "127.0.0.1:7", "YOUTHVOICE_DATA_DIR": "/x"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9" || c.DataDir != "/x" || c.Database != "youthvoice" {
		t.Fatalf("%+v", c)
	}
	if _, _, err := parseConfig("serve", nil, env(map[string]string{"YOUTHVOICE_BODY_LIMIT": "lots"}), io.Discard); err == nil {
		t.Fatal("bad number accepted")
	}
	c, _, err = parseConfig("serve", []string{"--client-header", "X-Forwarded-For", "--trusted-proxies", "10.0.0.7, 192.168.0.0/16,::1,::ffff:172.16.0.0/108"}, env(nil), io.Discard)
	if err != nil || len(c.TrustedProxies) != 4 || c.TrustedProxies[0].String() != "10.0.0.7/32" || c.TrustedProxies[2].String() != "::1/128" ||
		c.TrustedProxies[3].String() != "172.16.0.0/12" {
		t.Fatalf("trusted proxies: %v %v", c.TrustedProxies, err)
	}
	for _, args := range [][]string{
		{"--client-header", "X-Forwarded-For"}, // believed from whom?
		{"--trusted-proxies", "10.0.0.7"},      // which header?
		{"--client-header", "X-Real-IP", "--trusted-proxies", "10.0.0.300"},
	} {
		if _, _, err := parseConfig("serve", args, env(nil), io.Discard); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

// TestSIGTERM builds the real binary, stops it with SIGTERM and checks it
// exits 0 with what it wrote still there after a restart.
func TestSIGTERM(t *testing.T) {
	// The program runs in a child process, which the race detector does
	// not see.
	racetest.SkipSingleFlow(t)
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	flags := storeFlags(storeVars(t))
	start := func() (*exec.Cmd, string) { return startBinary(t, bin, "sigterm-token", flags...) }
	cmd, addr := start()
	body := surveystest.SmallSurvey
	req, _ := http.NewRequest("POST", "http://"+addr+"/v1/org/surveys", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer sigterm-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create: %v", err)
	}
	resp.Body.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	cmd, addr = start()
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	st, b := get(t, "http://"+addr+"/v1/org/surveys", "Authorization", "Bearer sigterm-token")
	if st != 200 || !strings.Contains(b, "Fritid i kommunen") {
		t.Fatalf("after restart: %d %s", st, b)
	}
}

// TestKillDuringLoadKeepsSummaryExact kills the server with SIGKILL while
// young people are submitting, restarts it, and checks that the summary
// equals a recount of the stored responses.
func TestKillDuringLoadKeepsSummaryExact(t *testing.T) {
	// The program runs in a child process, which the race detector does
	// not see.
	racetest.SkipSingleFlow(t)
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	vars := storeVars(t)
	start := func() (*exec.Cmd, string) {
		return startBinary(t, bin, "kill-token", append(storeFlags(vars), "--submit-rate", "0")...)
	}
	cmd, addr := start()
	def, _ := examples.Survey("youth-policy-consultation.json")
	post := func(path string, body []byte) (int, []byte) {
		req, _ := http.NewRequest("POST", "http://"+addr+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer kill-token")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	created, parsed := publishSurvey(t, post, def)
	var wg sync.WaitGroup
	var mu sync.Mutex
	created201 := 0
	stop := make(chan struct{})
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for {
				select {
				case <-stop:
					return
				default:
				}
				b, _ := json.Marshal(simulate.Submission(parsed, 1, rng))
				if st, _ := post("/v1/surveys/"+created.ID+"/responses", b); st == 201 {
					mu.Lock()
					created201++
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	_ = cmd.Wait()
	if created201 == 0 {
		t.Fatal("no submission got through before the kill")
	}
	// Restart: before it answers, the server recovers what the dead process
	// left queued; stop it at once. On MongoDB, where other processes may
	// still be writing their batches, recovery takes a batch only once its
	// lease (a minute) has run out: the restarted server's periodic
	// recovery does, while recount reports a difference until then.
	cmd, addr = start()
	if vars["MONGODB_URI"] != "" {
		for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(5 * time.Second) {
			err := run(t.Context(), []string{"recount", "--survey", created.ID}, env(vars), io.Discard, io.Discard)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the summary still differs from a recount: %v", err)
			}
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v", err)
	}
	var out bytes.Buffer
	err := run(t.Context(), []string{"recount", "--survey", created.ID}, env(vars), &out, io.Discard)
	if err != nil {
		t.Fatalf("recount: %v\n%s", err, out.String()[:min(2000, out.Len())])
	}
	m := regexp.MustCompile(`recount of (\d+) responses`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("recount said: %s", out.String())
	}
	if n, _ := strconv.Atoi(m[1]); n < created201 {
		t.Fatalf("%d responses stored, but %d got 201", n, created201)
	}
	t.Logf("%d submissions acknowledged before the kill; %s", created201, strings.TrimSpace(out.String()))
}

// built is the program, built once for the tests that run it (removed by
// TestMain): building it takes longer than any of them.
var built struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := store.RunCheckingQueries(m)
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildBinary builds youthvoice for a test that runs the real program.
func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "youthvoice-test-"); built.err != nil {
			return
		}
		if out, err := exec.Command("go", "build", "-o", filepath.Join(built.dir, "youthvoice"), ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatalf("build: %v", built.err)
	}
	return filepath.Join(built.dir, "youthvoice")
}

// startBinary runs the program with a bootstrap token until it listens,
// and returns it with its address; warnings and errors it logs are copied
// to the test binary's standard error (not t.Log: they may come after the
// test has ended).
func startBinary(t *testing.T, bin, token string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "YOUTHVOICE_BOOTSTRAP_TOKEN="+token)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
			go func() {
				for sc.Scan() {
					if strings.Contains(sc.Text(), `"level":"WARN"`) || strings.Contains(sc.Text(), `"level":"ERROR"`) {
						fmt.Fprintln(os.Stderr, sc.Text())
					}
				}
			}()
			return cmd, m[1]
		}
	}
	t.Fatal("no listening line")
	return nil, ""
}

// youthvoice export writes the responses (CSV, XLSX) and the summary from
// the local store, with plain progress lines when stderr is no terminal.
func TestExportCommand(t *testing.T) {
	t.Parallel()
	vars := with(storeVars(t), "YOUTHVOICE_BOOTSTRAP_TOKEN", "T-export-token", "YOUTHVOICE_SUBMIT_RATE", "0")
	addr, _, stop := startServe(t, vars)
	post := func(path string, body []byte) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+addr+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer T-export-token")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	def, _ := examples.Survey("youth-policy-consultation.json")
	created, parsed := publishSurvey(t, post, def)
	rng := rand.New(rand.NewPCG(8, 8))
	for range 25 {
		if st, body := post("/v1/surveys/"+created.ID+"/responses", simulate.SubmissionJSON(parsed, 1, rng)); st != 201 {
			t.Fatalf("submit: %d %s", st, body)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	export := func(kind, format string) (string, string) {
		t.Helper()
		out := filepath.Join(t.TempDir(), kind+"."+format)
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), []string{"export", "--survey", created.ID, "--kind", kind, "--format", format, "--lang", "sv", "--out", out}, env(vars), &stdout, &stderr)
		if err != nil || !strings.Contains(stdout.String(), "wrote "+out) {
			t.Fatalf("export %s %s: %v\n%s%s", kind, format, err, stdout.String(), stderr.String())
		}
		return out, stderr.String()
	}
	csvFile, progress := export("responses", "csv")
	data, _ := os.ReadFile(csvFile)
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(rows) != 26 || rows[0][0] != "day" {
		t.Fatalf("responses csv: %v, %d rows", err, len(rows))
	}
	if !strings.Contains(progress, "exported 25 responses") {
		t.Fatalf("no progress line: %q", progress)
	}
	xlsxFile, _ := export("responses", "xlsx")
	book, err := excelize.OpenFile(xlsxFile)
	if err != nil {
		t.Fatal(err)
	}
	xrows, err := book.GetRows("responses")
	book.Close()
	if err != nil || len(xrows) != 26 || strings.Join(xrows[0], ",") != strings.Join(rows[0], ",") {
		t.Fatalf("responses xlsx: %v, %d rows", err, len(xrows))
	}
	summaryFile, _ := export("summary", "xlsx")
	if book, err := excelize.OpenFile(summaryFile); err != nil || len(book.GetSheetList()) < 2 {
		t.Fatalf("summary xlsx: %v", err)
	}
	err = run(t.Context(), []string{"export", "--survey", created.ID, "--kind", "responses", "--format", "pdf", "--out", filepath.Join(t.TempDir(), "x")}, env(vars), io.Discard, io.Discard)
	if exitCode(err) != 2 {
		t.Fatalf("responses as pdf: %v", err)
	}
	// recount checks the pages the response export read, too.
	var out bytes.Buffer
	if err := run(t.Context(), []string{"recount", "--survey", created.ID}, env(vars), &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "summary matches a recount of 25 responses") || !strings.Contains(out.String(), "response pages hold the same 25 responses") {
		t.Fatalf("recount: %v\n%s", err, out.String())
	}
}

// publishSurvey creates and publishes a survey through post, and returns
// its id and parsed definition.
func publishSurvey(t *testing.T, post func(path string, body []byte) (int, []byte), def []byte) (struct{ ID string }, *surveys.Definition) {
	t.Helper()
	st, body := post("/v1/org/surveys", def)
	var created struct{ ID string }
	if err := json.Unmarshal(body, &created); err != nil || st != 201 {
		t.Fatalf("create: %d %s", st, body)
	}
	if st, body := post("/v1/org/surveys/"+created.ID+"/publish", nil); st != 200 {
		t.Fatalf("publish: %d %s", st, body)
	}
	parsed, err := surveystest.Load(def)
	if err != nil {
		t.Fatal(err)
	}
	return created, parsed
}
