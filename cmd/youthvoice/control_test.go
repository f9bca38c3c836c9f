package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// inUse matches the refusal naming a running server.
func inUse(dir string, pid int) *regexp.Regexp {
	return regexp.MustCompile(`^data directory ` + regexp.QuoteMeta(dir) + ` is in use by youthvoice serve, pid ` + fmt.Sprint(pid) +
		`, since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
}

// While `serve` holds the embedded store's data directory, a second serve
// is refused at once, naming it, and the commands run inside it: an
// organisation created, a file exported (relative to the command's
// directory, with every response the server acknowledged), a recount. What
// the server must not do for them is refused. Once it stopped, the
// commands open the directory themselves.
func TestCommandsWhileServeRuns(t *testing.T) {
	if os.Getenv("MONGODB_URI") != "" {
		t.Skip("one process per data directory is the embedded store's rule; many processes share a MongoDB")
	}
	t.Parallel()
	dir := t.TempDir()
	vars := map[string]string{"YOUTHVOICE_DATA_DIR": dir, "YOUTHVOICE_BOOTSTRAP_TOKEN": "T-lock-token", "YOUTHVOICE_SUBMIT_RATE": "0"}
	addr, logs, stop := startServe(t, vars)
	stopped := false
	defer func() {
		if !stopped {
			_ = stop()
		}
	}()

	before := time.Now()
	err := run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0"}, env(vars), io.Discard, io.Discard)
	if err == nil || !inUse(dir, os.Getpid()).MatchString(err.Error()) || exitCode(err) != 1 {
		t.Fatalf("a second serve: %v", err)
	}
	if took := time.Since(before); took > 5*time.Second {
		t.Errorf("the refusal took %v", took)
	}

	// org create, through the server: its owner token works there at once.
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"org", "create", "--name", "Through the server"}, env(vars), &out, &errOut); err != nil {
		t.Fatalf("org create: %v\n%s", err, errOut.String())
	}
	owner := regexp.MustCompile(`owner token:\s+(\S+)`).FindStringSubmatch(out.String())
	orgID := regexp.MustCompile(`organisation: (\S+)`).FindStringSubmatch(out.String())
	if owner == nil || orgID == nil {
		t.Fatalf("org create said %q", out.String())
	}
	if st, b := get(t, "http://"+addr+"/v1/org/surveys", "Authorization", "Bearer "+owner[1]); st != 200 {
		t.Fatalf("the new organisation's owner: %d %s", st, b)
	}
	if !strings.Contains(logs.String(), `"msg":"ran a command for the command line","command":"org","exit":0`) {
		t.Errorf("the server did not run it:\n%s", logs.String())
	}

	// export, through the server, right after the submissions: the server
	// flushes its summarizer first, so every acknowledged response is in.
	post := func(path string, body []byte) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+addr+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer T-lock-token")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	def := surveystest.SmallSurvey
	created, parsed := publishSurvey(t, post, def)
	rng := rand.New(rand.NewPCG(11, 11))
	for range 7 {
		if st, body := post("/v1/surveys/"+created.ID+"/responses", simulate.SubmissionJSON(parsed, 1, rng)); st != 201 {
			t.Fatalf("submit: %d %s", st, body)
		}
	}
	work := t.TempDir() // the command's working directory: not this process's
	out.Reset()
	errOut.Reset()
	c := &cli{getenv: env(vars), stdout: &out, stderr: &errOut, dir: work,
		argv: []string{"export", "--survey", created.ID, "--kind", "responses", "--format", "csv", "--out", "responses.csv"}}
	if err := dispatch(t.Context(), c, c.argv[0], c.argv[1:]); err != nil || out.String() != "wrote responses.csv\n" ||
		!strings.Contains(errOut.String(), "exported 7 responses") {
		t.Fatalf("export: %v\n%s%s", err, out.String(), errOut.String())
	}
	data, err := os.ReadFile(filepath.Join(work, "responses.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll(); err != nil || len(rows) != 8 {
		t.Fatalf("responses csv: %v, %d rows", err, len(rows))
	}
	out.Reset()
	if err := run(t.Context(), []string{"recount", "--survey", created.ID}, env(vars), &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "summary matches a recount of 7 responses") {
		t.Fatalf("recount: %v\n%s", err, out.String())
	}

	// What the server does not do for the command line is refused, with
	// the server's own reasons and exit codes.
	err = run(t.Context(), []string{"recount", "--survey", created.ID, "--fix"}, env(vars), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("youthvoice serve (pid %d) keeps updating: stop it first", os.Getpid())) || exitCode(err) != 1 {
		t.Errorf("recount --fix: %v", err)
	}
	err = run(t.Context(), []string{"export", "--survey", created.ID, "--out", filepath.Join(work, "x"), "--database", "other"}, env(vars), io.Discard, io.Discard)
	// A database the directory does not hold is refused before anything
	// is sent to the server (which refuses any but its own).
	if err == nil || !strings.Contains(err.Error(), "no YouthVoice store in "+dir+" (there is no other.sqlite)") {
		t.Errorf("another database: %v", err)
	}
	err = run(t.Context(), []string{"token", "create", "--org", "x", "--role", "king"}, env(vars), io.Discard, io.Discard)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--role must be") {
		t.Errorf("a usage error: %v (exit %d)", err, exitCode(err))
	}

	if err := stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	// Now the commands open the directory themselves.
	if err := run(t.Context(), []string{"token", "create", "--org", orgID[1], "--role", "analyst"}, env(vars), io.Discard, io.Discard); err != nil {
		t.Fatalf("token create after the server stopped: %v", err)
	}
	out.Reset()
	if err := run(t.Context(), []string{"recount", "--survey", created.ID}, env(vars), &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "summary matches a recount of 7 responses") {
		t.Fatalf("recount after the server stopped: %v\n%s", err, out.String())
	}
	if strings.Count(logs.String(), `"msg":"ran a command for the command line","command":"recount"`) != 2 {
		t.Errorf("the server ran the recount after it stopped:\n%s", logs.String())
	}
}

// The control socket bounds its requests and refuses what it does not run.
func TestControlSocketRefusesBadRequests(t *testing.T) {
	if os.Getenv("MONGODB_URI") != "" {
		t.Skip("the control socket is the embedded store's")
	}
	t.Parallel()
	dir := t.TempDir()
	_, _, stop := startServe(t, map[string]string{"YOUTHVOICE_DATA_DIR": dir})
	defer func() { _ = stop() }()
	_, err := store.Open(t.Context(), store.Options{DataDir: dir})
	var held *store.DirInUseError
	if !errors.As(err, &held) || held.Control == "" {
		t.Fatalf("the holder: %v", err)
	}
	ask := func(req string) string {
		t.Helper()
		conn, err := net.Dial("unix", held.Control)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		go func() { _, _ = io.WriteString(conn, req) }()
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		b, _ := io.ReadAll(bufio.NewReader(conn))
		return string(b)
	}
	for _, req := range []string{
		`{"args":["serve"],"dir":"/"}` + "\n",
		`{"args":["org","create","--name","x"],"dir":"relative"}` + "\n",
		`not json` + "\n",
		`{"args":["org"],"dir":"/","pad":"` + strings.Repeat("x", maxControlRequest) + `"}` + "\n",
	} {
		if got := ask(req); !strings.Contains(got, `{"code":2,"error":"bad request on the control socket`) {
			t.Errorf("%.60s: %q", req, got)
		}
	}
}

// serveHelperEnv names the data directory the helper process serves.
const serveHelperEnv = "YOUTHVOICE_TEST_SERVE_HELPER_DIR"

// TestServeHelperProcess is not a test: run by TestCrashedServeDoesNotBlockTheNextStart
// as a child process, it serves until it is killed.
func TestServeHelperProcess(t *testing.T) {
	dir := os.Getenv(serveHelperEnv)
	if dir == "" {
		t.Skip("the child process of TestCrashedServeDoesNotBlockTheNextStart")
	}
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, env(map[string]string{"YOUTHVOICE_DATA_DIR": dir}), os.Stdout, os.Stderr)
	fmt.Fprintln(os.Stderr, "serve returned:", err)
	os.Exit(3)
}

// A serve in another process (the test binary run again) is named by a
// second serve, runs this process's commands, and once killed with
// SIGKILL (nothing cleaned up) does not keep the next serve from starting.
func TestCrashedServeDoesNotBlockTheNextStart(t *testing.T) {
	if os.Getenv("MONGODB_URI") != "" {
		t.Skip("one process per data directory is the embedded store's rule; many processes share a MongoDB")
	}
	t.Parallel()
	dir := t.TempDir()
	vars := map[string]string{"YOUTHVOICE_DATA_DIR": dir}
	child := exec.Command(os.Args[0], "-test.run=^TestServeHelperProcess$", "-test.count=1")
	child.Env = append(os.Environ(), serveHelperEnv+"="+dir)
	pipe, err := child.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	logs := &syncBuffer{}
	go func() { _, _ = io.Copy(logs, pipe) }()
	waitAddr(t, logs, nil)

	err = run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0"}, env(vars), io.Discard, io.Discard)
	if err == nil || !inUse(dir, child.Process.Pid).MatchString(err.Error()) {
		t.Fatalf("serve while another process serves: %v", err)
	}
	var out bytes.Buffer
	if err := run(t.Context(), []string{"org", "create", "--name", "Across processes"}, env(vars), &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "owner token:") {
		t.Fatalf("org create through the other process: %v %q", err, out.String())
	}
	orgID := regexp.MustCompile(`organisation: (\S+)`).FindStringSubmatch(out.String())[1]

	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	addr, _, stop := startServe(t, vars)
	if st, _ := get(t, "http://"+addr+"/readyz"); st != 200 {
		t.Errorf("readyz after the crash: %d", st)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// The organisation the dead server created for the command line is
	// there.
	if err := run(t.Context(), []string{"token", "create", "--org", orgID, "--role", "editor"}, env(vars), io.Discard, io.Discard); err != nil {
		t.Fatalf("the organisation made through the killed server: %v", err)
	}
}
