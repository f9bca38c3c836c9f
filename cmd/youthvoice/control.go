package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/youthvoice/youthvoice/store"
)

// Only one process may open an embedded store's data directory
// (store/lock.go). While `youthvoice serve` holds it, the administrative
// commands typed in another process run inside the server instead: the
// command sends its command line, its working directory and its database
// name over a unix socket in the directory of the database's own socket
// (0700: only this user, or root, can connect), and the server runs the
// very same command function against its open store, sending standard
// output, standard error and the exit status back.
//
// The protocol: one JSON request line (controlRequest, at most
// maxControlRequest bytes, within controlReadTimeout); then frames from
// the server, each a kind byte ('o' stdout, 'e' stderr, 'x' exit status
// as JSON controlExit), a 4-byte big-endian length and at most
// maxControlFrame bytes. The client closing its connection cancels the
// command.

const (
	maxControlRequest  = 64 << 10
	maxControlFrame    = 32 << 10
	controlReadTimeout = 10 * time.Second
	// controlWriteTimeout bounds each frame's write, so that a client that
	// stopped reading cannot hold a command (and the next) forever.
	controlWriteTimeout = time.Minute
	// maxControlTime bounds a forwarded command: the largest export takes
	// a minute or two.
	maxControlTime = 30 * time.Minute
	// controlQueueWait is how long a command waits while another runs:
	// the server runs one at a time.
	controlQueueWait = 30 * time.Second
	// maxControlConns bounds the connections served at once (one running,
	// the others waiting their turn).
	maxControlConns = 8
)

// forwardable are the commands the server runs for the command line.
var forwardable = []string{"org", "token", "recount", "export", "survey"}

type controlRequest struct {
	Args     []string `json:"args"`     // the command and its arguments
	Dir      string   `json:"dir"`      // working directory for relative paths
	Database string   `json:"database"` // the database the command was told to use
}

type controlExit struct {
	Code  int    `json:"code"`
	Error string `json:"error,omitempty"`
}

// remoteError is a forwarded command's failure, as the server reported it.
type remoteError struct {
	msg  string
	code int
}

func (e remoteError) Error() string { return e.msg }

// controlServer runs forwarded commands inside `youthvoice serve`.
type controlServer struct {
	ln       net.Listener
	path     string
	server   *serverSide
	log      *slog.Logger
	ctx      context.Context
	cancel   context.CancelFunc
	turn     chan struct{} // one command at a time
	conns    chan struct{} // at most maxControlConns connections
	wg       sync.WaitGroup
	stopOnce sync.Once
}

// startControl listens on path. Whatever socket is there was left by a
// crashed holder: this process holds the data directory now.
func startControl(ctx context.Context, path string, server *serverSide, log *slog.Logger) (*controlServer, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c := &controlServer{ln: ln, path: path, server: server, log: log, ctx: cctx, cancel: cancel,
		turn: make(chan struct{}, 1), conns: make(chan struct{}, maxControlConns)}
	c.wg.Add(1)
	go c.accept()
	return c, nil
}

func (c *controlServer) accept() {
	defer c.wg.Done()
	for {
		conn, err := c.ln.Accept()
		if err != nil {
			if c.ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				c.log.Error("control socket", "error", err.Error())
			}
			return
		}
		select {
		case c.conns <- struct{}{}:
		default:
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				_ = newFrames(conn).exit(controlExit{Code: 1, Error: "the server is busy with other commands; try again"})
				conn.Close()
			}()
			continue
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			defer func() { <-c.conns }()
			defer conn.Close()
			c.handle(conn)
		}()
	}
}

// stop closes the socket, cancels the commands running and waits for them,
// so the store can be closed after it.
func (c *controlServer) stop() {
	c.stopOnce.Do(func() {
		c.cancel()
		_ = c.ln.Close()
		c.wg.Wait()
	})
}

func (c *controlServer) handle(conn net.Conn) {
	out := newFrames(conn)
	_ = conn.SetReadDeadline(time.Now().Add(controlReadTimeout))
	r := bufio.NewReaderSize(conn, 4096)
	line, err := readLine(r, maxControlRequest)
	var req controlRequest
	if err == nil {
		err = json.Unmarshal(line, &req)
	}
	if err == nil && (len(req.Args) == 0 || !slices.Contains(forwardable, req.Args[0]) || !filepath.IsAbs(req.Dir)) {
		err = errors.New("not a command the server runs")
	}
	if err != nil {
		_ = out.exit(controlExit{Code: 2, Error: "bad request on the control socket: " + err.Error()})
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	ctx, cancel := context.WithTimeout(c.ctx, maxControlTime)
	defer cancel()
	// The client sends nothing more: its closing the connection (an
	// interrupted command) ends the read and cancels the command.
	go func() {
		_, _ = r.ReadByte()
		cancel()
	}()
	select {
	case c.turn <- struct{}{}:
		defer func() { <-c.turn }()
	case <-time.After(controlQueueWait):
		_ = out.exit(controlExit{Code: 1, Error: "the server is running another command; try again"})
		return
	case <-ctx.Done():
		return
	}
	start := time.Now()
	cl := &cli{
		// The server's own settings are not the command's: only the
		// database name it was told to use is passed on, so that a command
		// meant for another database is refused (withStore).
		getenv: func(k string) string {
			if k == "YOUTHVOICE_DATABASE" {
				return req.Database
			}
			return ""
		},
		stdout: out.writer('o'), stderr: out.writer('e'),
		dir: req.Dir, argv: req.Args, server: c.server,
	}
	err = dispatch(ctx, cl, req.Args[0], req.Args[1:])
	exit := controlExit{}
	if err != nil {
		exit = controlExit{Code: exitCode(err), Error: err.Error()}
	}
	// The command's name only: its arguments may name people.
	c.log.Info("ran a command for the command line", "command", req.Args[0], "exit", exit.Code, "duration_ms", time.Since(start).Milliseconds())
	_ = out.exit(exit)
}

// readLine reads up to '\n', refusing lines longer than max.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > max {
			return nil, fmt.Errorf("request longer than %d bytes", max)
		}
		if err == nil {
			return line, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}
}

// frames writes the server's side of the protocol.
type frames struct {
	mu   sync.Mutex
	conn net.Conn
	err  error
}

func newFrames(conn net.Conn) *frames { return &frames{conn: conn} }

func (f *frames) frame(kind byte, p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	var head [5]byte
	head[0] = kind
	binary.BigEndian.PutUint32(head[1:], uint32(len(p)))
	_ = f.conn.SetWriteDeadline(time.Now().Add(controlWriteTimeout))
	if _, err := f.conn.Write(append(head[:], p...)); err != nil {
		f.err = err
	}
	return f.err
}

func (f *frames) exit(e controlExit) error {
	b, _ := json.Marshal(e)
	return f.frame('x', b)
}

type frameWriter struct {
	f    *frames
	kind byte
}

func (f *frames) writer(kind byte) io.Writer { return frameWriter{f, kind} }

func (w frameWriter) Write(p []byte) (int, error) {
	for done := 0; done < len(p); {
		n := min(len(p)-done, maxControlFrame)
		if err := w.f.frame(w.kind, p[done:done+n]); err != nil {
			return done, err
		}
		done += n
	}
	return len(p), nil
}

// forward runs the command line c.argv in the server that holds the data
// directory, through its control socket, and returns the command's outcome.
// where is the store, for the line that says which one the command uses.
func forward(ctx context.Context, c *cli, inUse *store.DirInUseError, database, where string) error {
	refuse := func(why error) error {
		return fmt.Errorf("%w; this command can run only while nothing else uses the directory, or through a running youthvoice serve (%v)", inUse, why)
	}
	if inUse.Control == "" {
		return refuse(errors.New("no control socket known"))
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "unix", inUse.Control)
	if err != nil {
		return refuse(fmt.Errorf("its control socket does not answer: %w", err))
	}
	defer conn.Close()
	fmt.Fprintf(c.stderr, "store: %s, through %s (pid %d)\n", where, inUse.Holder, inUse.PID)
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // an interrupt cancels the command in the server
	defer stop()
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if c.dir != "" {
		wd = c.dir
	}
	req, _ := json.Marshal(controlRequest{Args: c.argv, Dir: wd, Database: database})
	if len(req)+1 > maxControlRequest {
		return usageError{"the command line is too long"}
	}
	if _, err := conn.Write(append(req, '\n')); err != nil {
		return refuse(fmt.Errorf("its control socket: %w", err))
	}
	r := bufio.NewReader(conn)
	buf := make([]byte, maxControlFrame)
	for {
		var head [5]byte
		if _, err := io.ReadFull(r, head[:]); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("%s (pid %d) ended the command without an outcome: %w", inUse.Holder, inUse.PID, err)
		}
		n := binary.BigEndian.Uint32(head[1:])
		if n > maxControlFrame {
			return fmt.Errorf("control socket: a frame of %d bytes", n)
		}
		if _, err := io.ReadFull(r, buf[:n]); err != nil {
			return fmt.Errorf("control socket: %w", err)
		}
		switch head[0] {
		case 'o':
			_, _ = c.stdout.Write(buf[:n])
		case 'e':
			_, _ = c.stderr.Write(buf[:n])
		case 'x':
			var e controlExit
			if err := json.Unmarshal(buf[:n], &e); err != nil {
				return fmt.Errorf("control socket: %w", err)
			}
			if e.Code == 0 {
				return nil
			}
			return remoteError{msg: e.Error, code: e.Code}
		default:
			return fmt.Errorf("control socket: a frame of kind %q", head[0])
		}
	}
}
