package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// ferretNew serialises ferretdb.New (see startEmbedded).
var ferretNew sync.Mutex

// embedded is a FerretDB server running inside this process on SQLite.
type embedded struct {
	dir    string
	uri    string
	socket string
	// tempDir is the directory made under os.TempDir for the socket when
	// the data directory's path is too long for one; removed at stop.
	tempDir string
	cancel  context.CancelFunc
	done    chan struct{}
	// lock holds the data directory for this process (store/lock.go).
	lock *dirLock
}

// socketDirName is the directory inside the data directory that holds the
// embedded servers' unix sockets.
const (
	socketDirName = "socket"
	// maxSocketPath is the longest unix socket path we use: sun_path holds
	// 108 bytes on Linux and 104 on macOS and the BSDs, the terminating
	// NUL included.
	maxSocketPath = 103
)

// startEmbedded starts FerretDB on SQLite files under dir. It listens only
// on a unix socket in a directory that only this user can enter, never on
// TCP: FerretDB has no authentication here, so a loopback port would let
// any local user read the hash key and the token hashes, or add a token.
// pragmas are extra SQLite pragmas ("max_page_count(500)"), for tests.
func startEmbedded(ctx context.Context, dir string, pragmas []string, logger *slog.Logger, level slog.Level) (e *embedded, err error) {
	if dir == "" {
		dir = "data"
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store: data directory %q: %w", dir, err)
	}
	if err := privateDir(abs); err != nil {
		return nil, fmt.Errorf("store: data directory: %w", err)
	}
	// One process per data directory, taken before FerretDB starts and
	// given up after it stopped (stop), or here when starting fails.
	lock, err := lockDataDir(ctx, abs)
	if err != nil {
		return nil, err
	}
	defer func() {
		if e == nil {
			lock.release()
		}
	}()
	// Database files left by an older version, or made under a wider
	// umask, become private too; new ones are made private after start-up
	// (privateFiles), and SQLite gives a database's -wal and -shm files the
	// database file's own mode.
	if err := privateFiles(abs); err != nil {
		return nil, err
	}
	e = &embedded{dir: abs, done: make(chan struct{}), lock: lock}
	if e.socket, e.tempDir, err = socketPath(abs); err != nil {
		return nil, err
	}
	if err := lock.setControl(filepath.Join(filepath.Dir(e.socket), ControlSocketName)); err != nil {
		e.removeTemp()
		return nil, err
	}
	if err := removeStaleSockets(filepath.Dir(e.socket)); err != nil {
		e.removeTemp()
		return nil, err
	}
	// SQLite keeps its statement journals (the undo log of one multi-row
	// INSERT) in memory rather than in temporary files: about 17 % less
	// time per insertMany, with no effect on durability, which rests on the
	// WAL (docs/performance.md).
	sqliteURL := "file:" + filepath.ToSlash(abs) + "/?_pragma=temp_store(memory)"
	for _, p := range pragmas {
		sqliteURL += "&_pragma=" + p
	}
	engineLog := slog.New(minLevel{logger.Handler(), level})
	// ferretdb.New writes package state of FerretDB's (its version's
	// package name) without a lock: two stores opened at once in one
	// process (parallel tests) must not call it together.
	ferretNew.Lock()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: e.socket},
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
		Logger:    engineLog.With("component", "ferretdb"),
	})
	ferretNew.Unlock()
	if err != nil {
		e.removeTemp()
		return nil, fmt.Errorf("store: start embedded FerretDB: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e.cancel = cancel
	go func() {
		defer close(e.done)
		_ = f.Run(runCtx) // returns only when runCtx is cancelled
	}()
	// "mongodb://%2Fpath%2Fto%2Fsocket%2Fferretdb-1-0.sock/": the driver
	// unescapes the host and dials a unix socket for a host ending in
	// "sock".
	e.uri = f.MongoDBURI()
	return e, nil
}

// socketPath chooses where the socket goes: a 0700 directory inside the
// data directory, or, when that path would be longer than a socket path
// may be (deep data directories, such as the temporary directories of
// tests), a fresh 0700 directory under os.TempDir(), which the caller
// removes at stop. Either way only this user can reach the socket: a
// socket's own mode is not honoured everywhere, its directory's is.
func socketPath(dataDir string) (socket, tempDir string, err error) {
	name := socketName()
	inData := filepath.Join(dataDir, socketDirName, name)
	if len(inData) <= maxSocketPath {
		if err := privateDir(filepath.Dir(inData)); err != nil {
			return "", "", fmt.Errorf("store: socket directory: %w", err)
		}
		return inData, "", nil
	}
	tempDir, err = os.MkdirTemp("", "youthvoice-") // made 0700
	if err != nil {
		return "", "", fmt.Errorf("store: socket directory: %w", err)
	}
	socket = filepath.Join(tempDir, name)
	if len(socket) > maxSocketPath {
		_ = os.RemoveAll(tempDir)
		return "", "", fmt.Errorf("store: no socket path shorter than %d bytes for the embedded database: shorten the data directory's path or TMPDIR", maxSocketPath+1)
	}
	return socket, tempDir, nil
}

// privateDir makes dir (and missing parents) and gives dir mode 0700,
// also when it existed with a wider one.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}

// privateFiles gives the SQLite files in dir mode 0600.
func privateFiles(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("store: data directory: %w", err)
	}
	for _, de := range entries {
		if de.IsDir() || !strings.Contains(de.Name(), ".sqlite") {
			continue
		}
		info, err := de.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // a -shm or -wal file removed meanwhile
		}
		if err != nil {
			return fmt.Errorf("store: data directory: %w", err)
		}
		if info.Mode().Perm() != 0o600 {
			if err := os.Chmod(filepath.Join(dir, de.Name()), 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("store: data file: %w", err)
			}
		}
	}
	return nil
}

// socketSeq numbers the embedded servers of this process.
var socketSeq atomic.Int64

// socketName is a name no other embedded server uses, also when one
// process opens and closes the store again or a crash left a socket
// behind. (Only one process may open a data directory at a time,
// store/lock.go: the CLI's commands go through the running server.) The
// driver takes a host ending in "sock" for a unix socket.
func socketName() string {
	return fmt.Sprintf("ferretdb-%d-%d.sock", os.Getpid(), socketSeq.Add(1)-1)
}

// removeStaleSockets removes the sockets in dir that nothing answers on:
// those left by processes that crashed. Sockets that answer belong to
// running processes and are left alone.
func removeStaleSockets(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("store: socket directory: %w", err)
	}
	for _, de := range entries {
		if de.Type() != fs.ModeSocket {
			continue
		}
		path := filepath.Join(dir, de.Name())
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			_ = c.Close()
			continue
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("store: remove stale socket: %w", err)
		}
	}
	return nil
}

// stop closes the listener (which removes the socket), every connection
// and the SQLite files, and waits until that is done.
func (e *embedded) stop() {
	e.cancel()
	<-e.done
	e.removeTemp()
	e.lock.release()
}

func (e *embedded) removeTemp() {
	if e.tempDir != "" {
		_ = os.RemoveAll(e.tempDir)
	}
}

// minLevel passes on only records at or above min: FerretDB's own logging
// is quiet unless asked for.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}
