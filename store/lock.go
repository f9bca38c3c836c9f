package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Only one process may open an embedded store's data directory: FerretDB on
// SQLite serialises the conditional updates the code relies on inside one
// process only (store/atomic.go), so two processes on the same files would
// lose increments (issue 11). The holder takes an OS file lock on a file in
// the data directory before FerretDB starts and releases it after FerretDB
// stopped; the OS releases it when a holder crashes, so a restart after a
// crash needs nothing done by hand. The lock file is never removed: a
// process unlinking it while another opens it would let a third lock a new
// file beside the second's lock.

// lockFileName is the lock file inside the data directory. It holds the
// holder's description (lockInfo as JSON) while it is locked.
const lockFileName = "youthvoice.lock"

// ControlSocketName is the name of the unix socket through which the
// process holding a data directory (youthvoice serve) runs commands for
// others; it lies in the directory of the embedded FerretDB's socket,
// which only this user may enter.
const ControlSocketName = "control.sock"

// DirInUseError is what Open returns when another process, or another
// store in this process, holds the data directory.
type DirInUseError struct {
	Dir    string    // the data directory, absolute
	Holder string    // what holds it: "youthvoice serve"
	PID    int       // the holder's process id
	Since  time.Time // when it took the directory
	// Control is the holder's control socket, where a running
	// `youthvoice serve` takes commands (empty when unknown); nothing may
	// answer there (the holder is not a server, or an older one).
	Control string
}

func (e *DirInUseError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("data directory %s is in use by another process", e.Dir)
	}
	return fmt.Sprintf("data directory %s is in use by %s, pid %d, since %s", e.Dir, e.Holder, e.PID, e.Since.UTC().Format("2006-01-02T15:04:05Z"))
}

// lockInfo is the lock file's content: who holds the directory.
type lockInfo struct {
	Holder  string    `json:"holder"`
	PID     int       `json:"pid"`
	Since   time.Time `json:"since"`
	Control string    `json:"control,omitempty"`
}

type holderKey struct{}

// WithHolder names, for the data directory's lock, what opens a store with
// ctx ("youthvoice serve"): a second process is told who holds the
// directory. Without it the program's name is used.
func WithHolder(ctx context.Context, holder string) context.Context {
	return context.WithValue(ctx, holderKey{}, holder)
}

func holderName(ctx context.Context) string {
	if h, ok := ctx.Value(holderKey{}).(string); ok && h != "" {
		return h
	}
	return filepath.Base(os.Args[0])
}

// dirLock is a held data directory.
type dirLock struct {
	f    *os.File
	info lockInfo
	once sync.Once
}

// heldDirs lists the lock files this process holds. flock(2) locks belong
// to an open file description, so a second open in this process is
// refused by the OS on Linux and the BSDs already; the list makes that
// independent of the platform's locking (fcntl-based emulations lock per
// process) and answers at once with the holder.
var heldDirs struct {
	sync.Mutex
	locks []*dirLock
}

// lockDataDir takes the data directory dir (absolute, existing) for this
// process, or returns a *DirInUseError naming its holder.
func lockDataDir(ctx context.Context, dir string) (*dirLock, error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: lock file: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("store: lock file: %w", err)
	}
	heldDirs.Lock()
	defer heldDirs.Unlock()
	for _, l := range heldDirs.locks {
		if held, err := l.f.Stat(); err == nil && os.SameFile(held, fi) {
			f.Close()
			return nil, l.inUse(dir)
		}
	}
	ok, err := tryLockFile(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	if !ok {
		defer f.Close()
		return nil, readHolder(f, dir)
	}
	l := &dirLock{f: f, info: lockInfo{Holder: holderName(ctx), PID: os.Getpid(), Since: time.Now().UTC().Truncate(time.Second)}}
	if err := l.write(); err != nil {
		_ = unlockFile(f)
		f.Close()
		return nil, err
	}
	heldDirs.locks = append(heldDirs.locks, l)
	return l, nil
}

// setControl records where the holder's control socket is, for the
// commands of other processes to find.
func (l *dirLock) setControl(path string) error {
	heldDirs.Lock()
	defer heldDirs.Unlock()
	l.info.Control = path
	return l.write()
}

// write replaces the lock file's content with l.info (heldDirs locked, or
// l not yet listed).
func (l *dirLock) write() error {
	b, err := json.Marshal(l.info)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	// A reader may catch the file between truncation and write: it reads
	// again (readHolder).
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("store: lock file: %w", err)
	}
	if _, err := l.f.WriteAt(b, 0); err != nil {
		return fmt.Errorf("store: lock file: %w", err)
	}
	return nil
}

func (l *dirLock) inUse(dir string) *DirInUseError {
	return &DirInUseError{Dir: dir, Holder: l.info.Holder, PID: l.info.PID, Since: l.info.Since, Control: l.info.Control}
}

// release empties the lock file and gives the directory up. It may be
// called more than once.
func (l *dirLock) release() {
	if l == nil {
		return
	}
	l.once.Do(func() {
		heldDirs.Lock()
		defer heldDirs.Unlock()
		_ = l.f.Truncate(0)
		_ = unlockFile(l.f)
		_ = l.f.Close()
		for i, h := range heldDirs.locks {
			if h == l {
				heldDirs.locks = append(heldDirs.locks[:i], heldDirs.locks[i+1:]...)
				break
			}
		}
	})
}

// readHolder reads who holds the lock file f. The holder writes its
// description right after taking the lock, so an empty or partial file is
// read again for a moment before the holder is called unknown.
func readHolder(f *os.File, dir string) *DirInUseError {
	for try := 0; ; try++ {
		var info lockInfo
		b, err := io.ReadAll(io.NewSectionReader(f, 0, 64<<10))
		if err == nil && json.Unmarshal(b, &info) == nil && info.PID != 0 {
			return &DirInUseError{Dir: dir, Holder: info.Holder, PID: info.PID, Since: info.Since, Control: info.Control}
		}
		if try == 20 {
			return &DirInUseError{Dir: dir}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ControlSocket is where the process holding the embedded store's data
// directory may listen for other processes' commands (in the private
// directory of the database's socket); empty for MongoDB.
func (s *Store) ControlSocket() string {
	if s.embedded == nil || s.embedded.lock == nil {
		return ""
	}
	heldDirs.Lock()
	defer heldDirs.Unlock()
	return s.embedded.lock.info.Control
}

// errLockUnsupported is returned where the platform has no file lock we use.
var errLockUnsupported = errors.New("no file locking on this platform")
