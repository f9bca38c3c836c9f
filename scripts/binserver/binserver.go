// Package binserver runs the built youthvoice binary as its own process,
// the way an operator runs it, for the programs under scripts/ that
// measure it from outside (scripts/attacks, scripts/soak): it builds the
// binary, starts it on a fresh data directory with a bootstrap token,
// waits for /readyz, reads the process's memory from /proc, and talks
// HTTP to it.
//
// Unlike scripts/internal/load, which runs the server inside the measuring
// program, the figures here are those of the server process alone: its
// resident memory is not mixed with the client's.
package binserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Build compiles ./cmd/youthvoice (run from the repository's root) into
// dir and returns the binary's path.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "youthvoice")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/youthvoice")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/youthvoice (run from the repository's root): %w", err)
	}
	return bin, nil
}

// Options configure a started server.
type Options struct {
	// Admin also starts the admin listener (/metrics).
	Admin bool
	// Args are more flags for `youthvoice serve`.
	Args []string
	// ReadyTimeout bounds the wait for /readyz (default 60 s).
	ReadyTimeout time.Duration
}

// Server is one running youthvoice process on its own temporary data
// directory.
type Server struct {
	Addr      string // host:port of the public listener
	AdminAddr string // host:port of the admin listener, if started
	Token     string // the bootstrap owner token
	PID       int
	Log       string // path of the server's stdout and stderr

	cmd    *exec.Cmd
	dir    string
	exited chan struct{}
	err    error // the process's exit status, once exited is closed
}

// Start starts bin on a fresh data directory with a random bootstrap
// token and waits until /readyz answers 200.
func Start(bin string, o Options) (*Server, error) {
	dir, err := os.MkdirTemp("", "youthvoice-bin")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, exited: make(chan struct{}), Log: filepath.Join(dir, "server.log")}
	if s.Addr, err = freeAddr(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	args := []string{"serve", "--addr", s.Addr, "--data-dir", filepath.Join(dir, "data"), "--log-level", "warn"}
	if o.Admin {
		if s.AdminAddr, err = freeAddr(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		args = append(args, "--admin-addr", s.AdminAddr)
	}
	args = append(args, o.Args...)
	var tok [16]byte
	_, _ = rand.Read(tok[:])
	s.Token = hex.EncodeToString(tok[:])
	logf, err := os.Create(s.Log)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.cmd = exec.Command(bin, args...)
	// Only what the server needs: no YOUTHVOICE_* setting of the caller's
	// shell leaks in and changes what is measured.
	s.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + dir, "YOUTHVOICE_BOOTSTRAP_TOKEN=" + s.Token}
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	s.PID = s.cmd.Process.Pid
	go func() {
		s.err = s.cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	wait := o.ReadyTimeout
	if wait == 0 {
		wait = 60 * time.Second
	}
	deadline := time.Now().Add(wait)
	for {
		if !s.Running() {
			s.Stop()
			return nil, fmt.Errorf("youthvoice exited during start-up (%v): %s", s.err, s.tail())
		}
		if st, _, _, err := s.Do("GET", "/readyz", Request{Timeout: time.Second}); err == nil && st == 200 {
			return s, nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("youthvoice not ready after %s: %s", wait, s.tail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// freeAddr picks a free loopback port. Another process may take it before
// the server binds it; then Start fails and says so.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// tail is the end of the server's log, for error messages.
func (s *Server) tail() string {
	b, _ := os.ReadFile(s.Log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// Running reports whether the process has not exited.
func (s *Server) Running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// ExitStatus describes how the process ended ("" while it runs).
func (s *Server) ExitStatus() string {
	if s.Running() {
		return ""
	}
	if s.err == nil {
		return "exit 0"
	}
	return s.err.Error()
}

// Healthy reports whether the process runs and GET /healthz answers 200
// within two seconds.
func (s *Server) Healthy() bool {
	if !s.Running() {
		return false
	}
	st, _, _, err := s.Do("GET", "/healthz", Request{Timeout: 2 * time.Second})
	return err == nil && st == 200
}

// Kill ends the process at once (SIGKILL), for a server that must not be
// allowed to take the machine's memory.
func (s *Server) Kill() {
	if s.Running() {
		_ = s.cmd.Process.Kill()
	}
}

// Stop ends the process (SIGTERM, then SIGKILL after ten seconds) and
// removes its data directory.
func (s *Server) Stop() {
	if s.Running() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
	os.RemoveAll(s.dir)
}

// Memory is the process's resident memory from /proc/PID/status, in bytes:
// RSS now (VmRSS) and its peak since start (VmHWM).
func (s *Server) Memory() (rss, hwm int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(s.PID) + "/status")
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(val) // "12345 kB"
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			rss = n << 10
		case "VmHWM":
			hwm = n << 10
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(s.PID) + "/status")
	}
	return rss, hwm, nil
}

// Sampler reads the process's RSS every interval and keeps the largest
// value since the last Reset. With a cap, it kills the process as soon as
// its RSS passes the cap, so that a successful memory attack cannot take
// the memory of a machine shared with others.
type Sampler struct {
	limit    int64
	mu       sync.Mutex
	peak     int64
	last     int64
	capped   bool
	stop     chan struct{}
	finished chan struct{}
}

// Sample starts sampling every interval; a limit of 0 means no cap.
func (s *Server) Sample(interval time.Duration, limit int64) *Sampler {
	sm := &Sampler{limit: limit, stop: make(chan struct{}), finished: make(chan struct{})}
	go func() {
		defer close(sm.finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if rss, _, err := s.Memory(); err == nil {
				sm.mu.Lock()
				sm.last = rss
				sm.peak = max(sm.peak, rss)
				over := limit > 0 && rss > limit && !sm.capped
				if over {
					sm.capped = true
				}
				sm.mu.Unlock()
				if over {
					s.Kill()
				}
			}
			select {
			case <-sm.stop:
				return
			case <-s.exited:
				return
			case <-t.C:
			}
		}
	}()
	return sm
}

// Reset starts a new peak from the current RSS.
func (sm *Sampler) Reset() {
	sm.mu.Lock()
	sm.peak = sm.last
	sm.mu.Unlock()
}

// Peak is the largest RSS sampled since the last Reset, and whether the
// sampler killed the process for passing its cap.
func (sm *Sampler) Peak() (int64, bool) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	return sm.peak, sm.capped
}

// Last is the latest RSS sampled.
func (sm *Sampler) Last() int64 {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	return sm.last
}

// Close stops sampling.
func (sm *Sampler) Close() {
	close(sm.stop)
	<-sm.finished
}

// Request is the optional part of a request.
type Request struct {
	Token       string            // bearer token
	ContentType string            // defaults to application/json when there is a body
	Header      map[string]string // more headers
	Body        []byte
	Timeout     time.Duration // default 30 s
	Admin       bool          // to the admin listener
}

// client does not decompress responses itself (the programs ask for what
// they measure), keeps connections alive between requests and never uses
// a proxy from the environment.
var client = &http.Client{Transport: &http.Transport{
	Proxy:               nil,
	DisableCompression:  true,
	MaxIdleConnsPerHost: 256,
	IdleConnTimeout:     30 * time.Second,
}}

// Do sends one request and returns the status, the body, the wall time
// until the whole body was read, and a transport error (a timeout among
// them).
func (s *Server) Do(method, path string, r Request) (int, []byte, time.Duration, error) {
	timeout := r.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	addr := s.Addr
	if r.Admin {
		addr = s.AdminAddr
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, body)
	if err != nil {
		return 0, nil, 0, err
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	if r.Body != nil {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, time.Since(start), err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, time.Since(start), err
}

// JSON sends a request with v encoded as its body (nil: no body) and
// decodes a 2xx answer into out (when out is not nil). Any other status is
// an error that quotes the answer.
func (s *Server) JSON(method, path, token string, v, out any) (int, error) {
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			return 0, err
		}
	}
	st, b, _, err := s.Do(method, path, Request{Token: token, Body: body})
	if err != nil {
		return st, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if st < 200 || st > 299 {
		if len(b) > 500 {
			b = b[:500]
		}
		return st, fmt.Errorf("%s %s: %d %s", method, path, st, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return st, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return st, nil
}

// CreateSurvey creates a survey from a definition (raw JSON or a value to
// encode) with the server's owner token and returns its id and the status
// (201, or the refusal, with err nil for a 4xx so that callers can report
// a definition the server rightly refuses).
func (s *Server) CreateSurvey(def any) (id string, status int, problem []byte, err error) {
	body, ok := def.([]byte)
	if !ok {
		if body, err = json.Marshal(def); err != nil {
			return "", 0, nil, err
		}
	}
	st, b, _, err := s.Do("POST", "/v1/org/surveys", Request{Token: s.Token, Body: body})
	if err != nil {
		return "", st, nil, err
	}
	if st != 201 {
		if st >= 500 {
			return "", st, b, fmt.Errorf("create survey: %d %s", st, b)
		}
		return "", st, b, nil
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &created); err != nil {
		return "", st, nil, err
	}
	return created.ID, st, nil, nil
}

// Publish publishes a survey.
func (s *Server) Publish(id string) error {
	_, err := s.JSON("POST", "/v1/org/surveys/"+id+"/publish", s.Token, nil, nil)
	return err
}

// HeapInuse reads go_memstats_heap_inuse_bytes from the admin /metrics.
func (s *Server) HeapInuse() (int64, error) {
	st, b, _, err := s.Do("GET", "/metrics", Request{Admin: true, Timeout: 10 * time.Second})
	if err != nil {
		return 0, err
	}
	if st != 200 {
		return 0, fmt.Errorf("admin /metrics: %d", st)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "go_memstats_heap_inuse_bytes "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int64(f), err
		}
	}
	return 0, errors.New("admin /metrics has no go_memstats_heap_inuse_bytes")
}

// MB formats bytes as megabytes (10^6), as the figures are given.
func MB(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/1e6) }

// Listeners are the sockets on which the process accepts connections.
type Listeners struct {
	TCP  []string // host:port
	Unix []string // paths; an abstract socket starts with "@"
}

// Listeners reads the process's listening sockets from /proc: its open
// socket descriptors (/proc/PID/fd), matched by inode against the TCP
// sockets in state LISTEN (/proc/PID/net/tcp, tcp6) and the unix sockets
// that accept connections (/proc/PID/net/unix).
func (s *Server) Listeners() (Listeners, error) {
	var l Listeners
	proc := "/proc/" + strconv.Itoa(s.PID)
	fds, err := os.ReadDir(proc + "/fd")
	if err != nil {
		return l, err
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		target, err := os.Readlink(proc + "/fd/" + fd.Name())
		if err != nil {
			continue // closed meanwhile
		}
		if ino, ok := strings.CutPrefix(target, "socket:["); ok {
			inodes[strings.TrimSuffix(ino, "]")] = true
		}
	}
	for _, file := range []string{"tcp", "tcp6"} {
		b, err := os.ReadFile(proc + "/net/" + file)
		if err != nil {
			return l, err
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			if len(f) < 10 || f[3] != "0A" || !inodes[f[9]] {
				continue
			}
			l.TCP = append(l.TCP, hexAddr(f[1]))
		}
	}
	b, err := os.ReadFile(proc + "/net/unix")
	if err != nil {
		return l, err
	}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		// Num RefCount Protocol Flags Type St Inode [Path]; flag 0x10000 is
		// __SO_ACCEPTCON, a listening socket.
		if len(f) < 7 || !inodes[f[6]] {
			continue
		}
		flags, err := strconv.ParseUint(f[3], 16, 32)
		if err != nil || flags&0x10000 == 0 {
			continue
		}
		path := "(unnamed)"
		if len(f) > 7 {
			path = f[7]
		}
		l.Unix = append(l.Unix, path)
	}
	return l, nil
}

// hexAddr turns /proc/net/tcp's "0100007F:1F90" (the address in the
// kernel's byte order, 32 bits at a time; the port big-endian) into
// "127.0.0.1:8080".
func hexAddr(s string) string {
	h, p, ok := strings.Cut(s, ":")
	port, err := strconv.ParseUint(p, 16, 16)
	raw, err2 := hex.DecodeString(h)
	if !ok || err != nil || err2 != nil || (len(raw) != 4 && len(raw) != 16) {
		return s
	}
	for i := 0; i < len(raw); i += 4 { // each 32-bit word is little-endian
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	return net.JoinHostPort(net.IP(raw).String(), strconv.FormatUint(port, 10))
}
