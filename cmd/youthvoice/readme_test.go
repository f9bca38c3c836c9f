package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/internal/racetest"
)

// runnableMarker is the line that marks the shell block after it as
// runnable: TestReadmeRuns runs it as written (DEVELOPERS.md).
const runnableMarker = "<!-- runnable -->"

// buildLine is the README's build step. The test builds the program once
// itself (into a temporary directory, from this package's directory, so
// that the build cache serves it) and puts it where this line would.
var buildLine = regexp.MustCompile(`^go build -o youthvoice \./cmd/youthvoice(\s+#.*)?$`)

// block is one runnable shell block of a document.
type block struct {
	file string
	line int // of the opening fence
	text string
}

// runnableBlocks returns the blocks of a Markdown file marked runnable. A
// marker not followed by a ```sh block is an error.
func runnableBlocks(file string) ([]block, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(b), "\n")
	var out []block
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != runnableMarker {
			continue
		}
		if i+1 >= len(lines) || strings.TrimSpace(lines[i+1]) != "```sh" {
			return nil, fmt.Errorf("%s:%d: %s is not followed by a ```sh block", file, i+1, runnableMarker)
		}
		bl := block{file: file, line: i + 2}
		var text []string
		for i += 2; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			text = append(text, lines[i])
		}
		if i == len(lines) {
			return nil, fmt.Errorf("%s:%d: the block never ends", file, bl.line)
		}
		bl.text = strings.Join(text, "\n")
		out = append(out, bl)
	}
	return out, nil
}

// traceMark starts bash's trace lines (PS4); bash repeats its first
// character once per level of nesting ($(...)).
const traceMark = "\x1dTRACE "

var traceLine = regexp.MustCompile("(\x1d+)TRACE ([^\n]*)")

// silentCommands lists the commands of a trace that should have printed
// something and printed nothing: every top-level curl with --fail-with-body
// and every ./youthvoice command but serve (which runs in the background,
// its logs in a file).
func silentCommands(trace string) []string {
	var silent []string
	ms := traceLine.FindAllStringSubmatchIndex(trace, -1)
	for i, m := range ms {
		if m[3]-m[2] != 1 { // nested: its output went into a substitution
			continue
		}
		cmd := trace[m[4]:m[5]]
		end := len(trace)
		if i+1 < len(ms) {
			end = ms[i+1][0]
		}
		out := strings.TrimSpace(trace[m[1]:end])
		checked := (strings.HasPrefix(cmd, "curl ") && strings.Contains(cmd, "--fail-with-body")) ||
			(strings.HasPrefix(cmd, "./youthvoice ") && !strings.HasPrefix(cmd, "./youthvoice serve"))
		if checked && out == "" {
			silent = append(silent, cmd)
		}
	}
	return silent
}

// TestReadmeRuns runs the blocks of README.md and docs/*.md marked
// runnable, in order, in one bash session, as a newcomer pasting them into
// one terminal would: the Quick start first. It runs them in a fresh
// directory (the examples linked in), with a fresh data directory and a
// free port given in YOUTHVOICE_DATA_DIR and YOUTHVOICE_ADDR, which the
// blocks honour, so it never touches a developer's own server or data. It
// fails if a command fails (bash -e, pipefail), if a curl or a command
// prints nothing, if the Quick start did not create, publish and show the
// survey, or if the server is still there at the end.
func TestReadmeRuns(t *testing.T) {
	// The program runs in a child process, which the race detector does
	// not see.
	racetest.SkipSingleFlow(t)
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the README's blocks need %s, which is not installed: %v", tool, err)
		}
	}
	t.Parallel()
	blocks, err := runnableBlocks("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) == 0 || !buildLine.MatchString(strings.SplitN(blocks[0].text, "\n", 2)[0]) {
		t.Fatalf("README.md's first runnable block (the Quick start) does not start by building ./youthvoice")
	}
	docs, _ := filepath.Glob("../../docs/*.md")
	slices.Sort(docs)
	for _, d := range docs {
		more, err := runnableBlocks(d)
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, more...)
	}

	work := t.TempDir()
	examples, _ := filepath.Abs("../../examples")
	if err := os.Symlink(examples, filepath.Join(work, "examples")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(buildBinary(t), filepath.Join(work, "youthvoice")); err != nil {
		t.Fatal(err)
	}
	var script strings.Builder
	// The trace goes to a copy of standard output that $(...) does not
	// capture, in order with what the commands print.
	fmt.Fprintf(&script, "set -euo pipefail\nexec 9>&1\nPS4=$'%s'\nBASH_XTRACEFD=9\nset -x\n", traceMark)
	for _, b := range blocks {
		fmt.Fprintf(&script, ": %q\n", fmt.Sprintf("block at %s:%d", filepath.Base(b.file), b.line))
		for _, line := range strings.Split(b.text, "\n") {
			if buildLine.MatchString(line) {
				line = ": the test built ./youthvoice"
			}
			script.WriteString(line + "\n")
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = work
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "YOUTHVOICE_") && !strings.HasPrefix(kv, "MONGODB_URI=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "YOUTHVOICE_ADDR="+addr, "YOUTHVOICE_DATA_DIR="+filepath.Join(work, "data"))
	// Its own process group, so that a server a failed block left behind
	// is stopped with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// Files, not pipes: a server left running in the background would
	// hold a pipe open, and Run would wait for it.
	stdoutFile, stderrFile := filepath.Join(t.TempDir(), "stdout"), filepath.Join(t.TempDir(), "stderr")
	so, err := os.Create(stdoutFile)
	if err != nil {
		t.Fatal(err)
	}
	defer so.Close()
	se, err := os.Create(stderrFile)
	if err != nil {
		t.Fatal(err)
	}
	defer se.Close()
	cmd.Stdout, cmd.Stderr = so, se
	err = cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever is left of its group
	}
	stdout, _ := os.ReadFile(stdoutFile)
	stderr, _ := os.ReadFile(stderrFile)
	out := string(stdout)
	report := func(format string, args ...any) {
		t.Helper()
		log, _ := os.ReadFile(filepath.Join(work, "youthvoice.log"))
		t.Fatalf(format+"\n--- stdout and trace:\n%s\n--- stderr:\n%s\n--- youthvoice.log:\n%s", append(args,
			strings.ReplaceAll(out, "\x1d", "+"), stderr, log)...)
	}
	if err != nil {
		report("the runnable blocks failed: %v", err)
	}
	if silent := silentCommands(out); len(silent) > 0 {
		report("these commands printed nothing: %q", silent)
	}
	id := regexp.MustCompile(`survey id: ([0-9a-f-]{36})\n`).FindStringSubmatch(out)
	if id == nil || !strings.Contains(out, `"status":"open"`) || !strings.Contains(out, `"dir":"rtl"`) ||
		!regexp.MustCompile(`(?m)^\{"surveys":\[.*"id":"`+id[1]+`"`).MatchString(out) {
		report("the Quick start did not create, publish and show the survey")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		report("the server still answers on %s after the blocks stopped it", addr)
	}
	if testing.Verbose() && os.Getenv("YOUTHVOICE_README_TRACE") != "" {
		t.Logf("the blocks' trace and output:\n%s", strings.ReplaceAll(out, "\x1d", "+"))
	}
	t.Logf("ran %d runnable blocks", len(blocks))
}

// The check of silent commands sees a curl that printed nothing, and lets
// the nested and the unchecked ones be.
func TestSilentCommands(t *testing.T) {
	m := traceMark
	trace := m + "url=http://127.0.0.1:8080\n" +
		m + "curl -sf http://127.0.0.1:8080/readyz\n" + // a silent retry is fine
		"\x1d" + m + "curl -sS --fail-with-body -d @x http://h/v1/org/surveys\n" +
		m + "created='{\"id\":\"x\"}'\n" +
		m + "curl -sS --fail-with-body http://h/v1/surveys\n" +
		"{\"surveys\":[]}" + m + "echo\n\n" +
		m + "curl -sS --fail-with-body http://h/v1/surveys/x\n" +
		m + "echo\n\n" +
		m + "./youthvoice serve\n" +
		m + "./youthvoice org list\n"
	got := silentCommands(trace)
	want := []string{"curl -sS --fail-with-body http://h/v1/surveys/x", "./youthvoice org list"}
	if !slices.Equal(got, want) {
		t.Fatalf("silent: %q, want %q", got, want)
	}
}
