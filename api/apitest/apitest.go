// Package apitest runs the whole HTTP server in-process, on a loopback
// port, over a fresh real database (see storetest), for tests and
// benchmarks.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/store/storetest"
)

// Env is a running server and its database.
type Env struct {
	T       testing.TB
	Store   *store.Store
	Server  *api.Server
	Catalog *i18n.Catalog
	URL     string
	Client  *http.Client
	Clock   *Clock
	// Logs holds everything the server logged, as JSON lines.
	Logs *SyncBuffer
}

// Options adjust the server under test.
type Options struct {
	// Store to use instead of a fresh one.
	Store *store.Store
	// Configure changes the server options before the server is built.
	Configure func(*api.Options)
	// Prepare is called with the server once it is built, before it
	// serves: the api package's own tests install their hooks there
	// (fault hooks, extra routes), through its hooks_export_test.go, since
	// no option of the server carries a test's hook.
	Prepare func(*api.Server)
}

// New starts a server for the test; it stops when the test ends.
func New(t testing.TB, opts ...Options) *Env {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	e := &Env{T: t, Clock: &Clock{t: time.Now().UTC()}, Logs: &SyncBuffer{}}
	e.Store = o.Store
	if e.Store == nil {
		e.Store = storetest.Open(t)
	}
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	e.Catalog = cat
	metrics := api.NewMetrics("test")
	key, err := e.Store.SecretKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ao := api.Options{
		Store:   e.Store,
		Catalog: cat,
		Metrics: metrics,
		Logger:  slog.New(slog.NewJSONHandler(e.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:     e.Clock.Now,
		HashKey: key,
	}
	if o.Configure != nil {
		o.Configure(&ao)
	}
	e.Server = api.New(ao)
	if o.Prepare != nil {
		o.Prepare(e.Server)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.URL = "http://" + ln.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.Server.Serve(ln)
	}()
	bg, stopBackground := context.WithCancel(context.Background())
	go e.Server.RunSummarizer(bg)
	e.Client = &http.Client{Timeout: 30 * time.Second}
	t.Cleanup(func() {
		stopBackground()
		// The client's idle connections (Submit opens several) would hold
		// the graceful shutdown until its deadline.
		e.Client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.Server.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-done
	})
	return e
}

// Response is a finished HTTP exchange.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it cannot.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Map decodes the body as a JSON object.
func (r *Response) Map(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// Do sends a request. body may be nil, a string or []byte (sent as is), or
// any other value (sent as JSON). headers are name, value pairs; a JSON
// body gets Content-Type: application/json unless headers say otherwise.
func (e *Env) Do(method, path string, body any, headers ...string) *Response {
	e.T.Helper()
	r, err := e.send(method, path, body, headers...)
	if err != nil {
		e.T.Fatal(err)
	}
	return r
}

// send is Do for any goroutine: it returns its error instead of ending
// the test.
func (e *Env) send(method, path string, body any, headers ...string) (*Response, error) {
	var rd io.Reader
	isJSON := false
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		rd, isJSON = bytes.NewReader(j), true
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		return nil, err
	}
	if isJSON {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := e.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// Submit sends submissions to a survey from submitters clients at once,
// as a class answering together does (the server's group commit then
// stores them in shared batches), and fails the test unless each is
// answered 201 Created. What is stored does not depend on the order, so
// a test that makes its submissions in a fixed order keeps its results.
func (e *Env) Submit(surveyID string, subs []map[string]any) {
	e.T.Helper()
	const submitters = 8
	next := make(chan map[string]any)
	errs := make(chan error, submitters)
	var wg sync.WaitGroup
	for range submitters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sub := range next {
				r, err := e.send("POST", "/v1/surveys/"+surveyID+"/responses", sub)
				if err == nil && r.Status != http.StatusCreated {
					err = fmt.Errorf("submission answered %d: %s", r.Status, r.Body)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	failed := false
feed:
	for _, sub := range subs {
		select {
		case next <- sub:
		case err := <-errs:
			e.T.Error(err)
			failed = true
			break feed
		}
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		e.T.Error(err)
		failed = true
	}
	if failed {
		e.T.FailNow()
	}
}

// Org creates an organisation and returns its id and owner token.
func (e *Env) Org(name string) (string, string) {
	e.T.Helper()
	org, secret, err := e.Store.CreateOrg(context.Background(), name, e.Clock.Now())
	if err != nil {
		e.T.Fatal(err)
	}
	return org.ID, secret
}

// Clock is a settable clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
