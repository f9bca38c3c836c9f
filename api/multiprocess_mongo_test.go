package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/store/storetest"
)

// TestManyServersOneDatabase as separate processes, as a national
// deployment runs: on a MongoDB server (MONGODB_URI), three `youthvoice
// serve` processes share one database; one is killed (SIGKILL) under load
// and started again, a survey closes, and the summaries end equal to their
// recounts and to what the clients were told. On the embedded store one
// process owns the data directory, and TestManyServersOneDatabase runs the
// servers inside the test; a FerretDB server is skipped, since it does not
// apply conditional updates atomically for several processes.
// YOUTHVOICE_TEST_FORCE_PROCESSES=1 runs it against a FerretDB server
// anyway, to try the harness itself (counts may then be lost).
func TestManyProcessesOneDatabase(t *testing.T) {
	if os.Getenv("MONGODB_URI") == "" {
		t.Skip("needs a MongoDB server (MONGODB_URI); on the embedded store TestManyServersOneDatabase runs the servers in this process")
	}
	t.Parallel()
	ctx := context.Background()
	opts := storetest.Options(t)
	st, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(ctx) })
	atomicWrites, err := st.AtomicDocumentWrites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !atomicWrites && os.Getenv("YOUTHVOICE_TEST_FORCE_PROCESSES") != "1" {
		t.Skip("this database is a FerretDB server, which applies conditional updates non-atomically: several processes cannot share it exactly (docs/deploy.md)")
	}
	bin := filepath.Join(t.TempDir(), "youthvoice")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/youthvoice").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env := append(os.Environ(), "MONGODB_URI="+opts.MongoURI, "YOUTHVOICE_DATABASE="+opts.Database,
		"YOUTHVOICE_ADDR=127.0.0.1:0", "YOUTHVOICE_SUBMIT_RATE=0", "YOUTHVOICE_LOG_LEVEL=info")
	c := &cluster{client: &http.Client{Timeout: 30 * time.Second}}
	for range 3 {
		n := &node{}
		n.proc.Store(startServer(t, bin, env))
		c.nodes = append(c.nodes, n)
	}

	_, owner, err := st.CreateOrg(ctx, "Kommunen", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	admin := &apitest.Env{T: t, Store: st, URL: c.nodes[0].url(), Client: c.client, Clock: &apitest.Clock{}}
	open := createAndPublish(t, admin, owner, "youth-policy-consultation.json")
	closing := createAndPublish(t, admin, owner, "safety-online-offline.json")

	const clients, perClient = 8, 40
	told := newTold(open, closing)
	wg := c.startClients(t, clients, perClient, 13, open, closing, told)
	// A process is killed a quarter of the way through and started again
	// at three quarters; the second survey closes half-way.
	var chaos sync.WaitGroup
	chaos.Add(1)
	go func() {
		defer chaos.Done()
		waitSettled := func(n int64) {
			for c.settled.Load() < n {
				time.Sleep(10 * time.Millisecond)
			}
		}
		waitSettled(clients * perClient / 4)
		c.nodes[2].dead.Store(true)
		c.nodes[2].proc.Load().kill()
		waitSettled(clients * perClient / 2)
		admin.URL = c.nodes[1].url()
		if r := admin.Do("POST", "/v1/org/surveys/"+closing.id+"/close", nil, bearer(owner)...); r.Status != 200 {
			t.Errorf("close: %d %s", r.Status, r.Body)
		}
		waitSettled(clients * perClient * 3 / 4)
		c.nodes[2].proc.Store(startServer(t, bin, env))
		c.nodes[2].dead.Store(false)
	}()
	wg.Wait()
	chaos.Wait()

	// The processes stop (each applies what it holds); what the killed one
	// left is recovered, as the next start would, with no lease: nothing
	// is being stored any more.
	for _, n := range c.nodes {
		n.proc.Load().stop(t)
	}
	last := apitest.New(t, apitest.Options{Store: st})
	for range 20 {
		api.RecoverSummaries(ctx, last.Server, 0)
		if n, err := st.QueueLength(ctx); err != nil || n == 0 {
			break
		}
	}
	checkExact(t, st, told.ids, open, closing)
}

// serverProcess is a `youthvoice serve` started by a test.
type serverProcess struct {
	cmd  *exec.Cmd
	addr atomic.Value // string: http://host:port
	done chan struct{}
}

func (p *serverProcess) url() string { return p.addr.Load().(string) }

// startServer starts a server process and waits until it listens.
func startServer(t *testing.T, bin string, env []string) *serverProcess {
	t.Helper()
	p := &serverProcess{cmd: exec.Command(bin, "serve"), done: make(chan struct{})}
	p.cmd.Env = env
	// A pipe of our own, read to its end by the goroutine below (Wait
	// would close one made by StderrPipe under the reader).
	stderr, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = w
	err = p.cmd.Start()
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				listening <- line.Addr
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		stderr.Close()
	}()
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.kill() })
	select {
	case addr := <-listening:
		p.addr.Store("http://" + addr)
	case <-p.done:
		t.Fatal("the server stopped before it listened")
	case <-time.After(time.Minute):
		t.Fatal("the server did not listen within a minute")
	}
	return p
}

// kill ends the process at once, as a crash does.
func (p *serverProcess) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// stop asks the process to shut down gracefully (it writes and tallies
// what it holds) and waits.
func (p *serverProcess) stop(t *testing.T) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		t.Error("a server did not stop within a minute of SIGTERM")
		p.kill()
	}
}
