package store

import (
	"bufio"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// openEmbedded opens the embedded store on dir, closed when the test ends.
func openEmbedded(t *testing.T, dir string) *Store {
	t.Helper()
	st, err := Open(context.Background(), Options{DataDir: dir, Logger: slog.New(slog.DiscardHandler), EngineLogLevel: slog.LevelError + 4})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	return st
}

// tcpListeners lists this process's listening TCP sockets (Linux), as
// "local address:port inode". /proc/self/net/tcp lists the sockets of the
// whole network namespace (other processes' too), so only those whose
// inode is one of this process's file descriptors count.
func tcpListeners(t *testing.T) map[string]bool {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	own := map[string]bool{}
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.HasPrefix(target, "socket:[") {
			own[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] = true
		}
	}
	out := map[string]bool{}
	for _, name := range []string{"/proc/self/net/tcp", "/proc/self/net/tcp6"} {
		f, err := os.Open(name)
		if err != nil {
			t.Skipf("no %s: %v", name, err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) > 9 && fields[3] == "0A" && own[fields[9]] { // TCP_LISTEN
				out[fields[1]+" inode "+fields[9]] = true
			}
		}
		f.Close()
	}
	return out
}

// The embedded database is reachable only through a unix socket in a
// directory no other user may enter: no TCP listener at all, so no other
// local user can read the hash key or add a token.
func TestEmbeddedListensOnAPrivateUnixSocketOnly(t *testing.T) {
	before := tcpListeners(t)
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tcpListeners(t)); n != len(before)+1 {
		t.Fatalf("the check does not see a TCP listener (%d, %d before)", n, len(before))
	}
	probe.Close()
	dir := t.TempDir()
	st := openEmbedded(t, dir)
	// A round trip through the driver works over the socket.
	if _, err := st.SecretKey(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := st.CheckWritable(context.Background()); err != nil {
		t.Fatal(err)
	}
	for l := range tcpListeners(t) {
		if !before[l] {
			t.Errorf("the store opened a TCP listener: %s", l)
		}
	}
	if !strings.HasPrefix(st.embedded.uri, "mongodb://%2F") || !strings.Contains(st.embedded.uri, ".sock") {
		t.Errorf("URI %q is not a unix socket's", st.embedded.uri)
	}
	sock := st.embedded.socket
	if filepath.Dir(sock) != filepath.Join(dir, socketDirName) {
		t.Errorf("socket at %s, want it in %s", sock, filepath.Join(dir, socketDirName))
	}
	info, err := os.Lstat(sock)
	if err != nil || info.Mode().Type() != fs.ModeSocket {
		t.Fatalf("no socket at %s: %v %v", sock, info, err)
	}
	for _, d := range []string{dir, filepath.Dir(sock)} {
		if info, err := os.Stat(d); err != nil || info.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v (%v), want 0700", d, info.Mode().Perm(), err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite*"))
	if len(files) == 0 {
		t.Fatal("no SQLite files")
	}
	for _, f := range files {
		if info, err := os.Stat(f); err == nil && info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f, info.Mode().Perm())
		}
	}
	if err := st.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(sock); err == nil {
		t.Error("the socket outlived the store")
	}
}

// A data directory made with a wider mode, and files in it, are made
// private at start-up.
func TestEmbeddedNarrowsModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	st := openEmbedded(t, dir)
	if err := st.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "youthvoice.sqlite")
	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	openEmbedded(t, dir)
	if info, _ := os.Stat(dir); info.Mode().Perm() != 0o700 {
		t.Errorf("data directory mode %v, want 0700", info.Mode().Perm())
	}
	if info, _ := os.Stat(db); info.Mode().Perm() != 0o600 {
		t.Errorf("database file mode %v, want 0600", info.Mode().Perm())
	}
}

// A data directory too deep for a socket path (sun_path holds 108 bytes)
// gets its socket in a fresh private directory under the temporary
// directory, removed when the store closes.
func TestEmbeddedLongDataDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	st := openEmbedded(t, dir)
	if _, err := st.SecretKey(context.Background()); err != nil {
		t.Fatal(err)
	}
	sock := st.embedded.socket
	if len(sock) > maxSocketPath || strings.HasPrefix(sock, dir) {
		t.Fatalf("socket %s", sock)
	}
	info, err := os.Stat(filepath.Dir(sock))
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("socket directory: %v %v", info, err)
	}
	if err := st.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(sock)); err == nil {
		t.Error("the socket's temporary directory outlived the store")
	}
}

// A socket left by a crash is removed at start-up.
func TestEmbeddedStaleSocket(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, socketDirName, "ferretdb-1-0.sock")
	if err := os.MkdirAll(filepath.Dir(stale), 0o700); err != nil {
		t.Fatal(err)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close() // as a crashed process leaves it
	if _, err := os.Lstat(stale); err != nil {
		t.Fatal(err)
	}
	st := openEmbedded(t, dir)
	if _, err := st.SecretKey(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(stale); err == nil {
		t.Error("the stale socket is still there")
	}
	// A second store on the same data directory is refused (lock_test.go
	// tests that in full), and the first keeps working.
	if _, err := Open(context.Background(), Options{DataDir: dir, Logger: slog.New(slog.DiscardHandler)}); !errors.As(err, new(*DirInUseError)) {
		t.Fatalf("a second store on the directory: %v", err)
	}
	if _, err := st.SecretKey(context.Background()); err != nil {
		t.Fatalf("the first server was cut off: %v", err)
	}
}
