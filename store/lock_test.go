package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A second store on a data directory in the same process is refused,
// naming the holder, also under another path to the same directory; once
// the first closed, the directory opens again.
func TestSecondOpenOfADataDirectoryIsRefused(t *testing.T) {
	dir := t.TempDir()
	ctx := WithHolder(context.Background(), "youthvoice serve")
	opts := Options{DataDir: dir, Logger: slog.New(slog.DiscardHandler), EngineLogLevel: slog.LevelError + 4}
	first, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = first.Close(context.Background()) })
	if c := first.ControlSocket(); filepath.Base(c) != ControlSocketName || filepath.Dir(c) != filepath.Dir(first.embedded.socket) {
		t.Errorf("control socket %q beside %q", c, first.embedded.socket)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, link, dir + "/."} {
		before := time.Now()
		_, err := Open(context.Background(), Options{DataDir: d, Logger: slog.New(slog.DiscardHandler)})
		var inUse *DirInUseError
		if !errors.As(err, &inUse) {
			t.Fatalf("a second store on %s: %v", d, err)
		}
		if took := time.Since(before); took > 5*time.Second {
			t.Errorf("the refusal took %v", took)
		}
		want := regexp.MustCompile(`^data directory .+ is in use by youthvoice serve, pid ` + fmt.Sprint(os.Getpid()) + `, since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
		if !want.MatchString(err.Error()) || inUse.Control != first.ControlSocket() {
			t.Errorf("refusal: %v (control %q)", err, inUse.Control)
		}
	}
	// The first store still works.
	if _, err := first.SecretKey(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	again := openEmbedded(t, link)
	if _, err := again.SecretKey(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A store that fails to start gives the directory up.
func TestFailedOpenReleasesTheDataDirectory(t *testing.T) {
	dir := t.TempDir()
	bad := Options{DataDir: dir, Logger: slog.New(slog.DiscardHandler), EngineLogLevel: slog.LevelError + 4,
		SQLitePragmas: []string{"journal_mode(WAL)&_txlock=nonsense"}}
	if st, err := Open(context.Background(), bad); err == nil {
		_ = st.Close(context.Background())
		t.Skip("the bad option was accepted: nothing to test")
	} else if errors.As(err, new(*DirInUseError)) {
		t.Fatal(err)
	}
	// (The failed start left SQLite files FerretDB does not open again:
	// the lock is what is tested.)
	l, err := lockDataDir(context.Background(), dir)
	if err != nil {
		t.Fatalf("after a failed start: %v", err)
	}
	l.release()
}

// lockHelperEnv names the data directory the helper process locks.
const lockHelperEnv = "YOUTHVOICE_TEST_LOCK_HELPER_DIR"

// TestLockHelperProcess is not a test: run by TestDataDirectoryLockAcrossProcesses
// as a child process, it takes the directory, says so and waits to be killed.
func TestLockHelperProcess(t *testing.T) {
	dir := os.Getenv(lockHelperEnv)
	if dir == "" {
		t.Skip("the child process of TestDataDirectoryLockAcrossProcesses")
	}
	if _, err := lockDataDir(WithHolder(context.Background(), "youthvoice export"), dir); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	time.Sleep(time.Minute) // killed long before
	os.Exit(3)
}

// Another process holding the directory (the test binary run again) is
// named with its pid; once it is killed with SIGKILL (no clean-up), the
// directory opens at once: the OS released its lock.
func TestDataDirectoryLockAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	child := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$", "-test.count=1")
	child.Env = append(os.Environ(), lockHelperEnv+"="+dir)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("child: %q %v", line, err)
	}
	_, err = lockDataDir(context.Background(), dir)
	var inUse *DirInUseError
	if !errors.As(err, &inUse) || inUse.PID != child.Process.Pid || inUse.Holder != "youthvoice export" ||
		!strings.Contains(err.Error(), fmt.Sprintf("is in use by youthvoice export, pid %d, since ", child.Process.Pid)) {
		t.Fatalf("while the child holds it: %v", err)
	}
	// Open too, before starting anything.
	if _, err := Open(context.Background(), Options{DataDir: dir, Logger: slog.New(slog.DiscardHandler)}); !errors.As(err, &inUse) {
		t.Fatalf("open while the child holds it: %v", err)
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	l, err := lockDataDir(context.Background(), dir)
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	l.release()
	st := openEmbedded(t, dir)
	if _, err := st.SecretKey(context.Background()); err != nil {
		t.Fatal(err)
	}
}
